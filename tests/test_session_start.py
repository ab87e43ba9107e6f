"""`action_session_start` (actions/session.py): a new conversation owes the privacy card and
takes the front end's language hint; slots carry over as Rasa's own session start does."""

from __future__ import annotations

import uuid

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.session import PRIVACY_CARD_SLOT, ActionSessionStart


def tracker(slots: dict) -> Tracker:
    return Tracker("s", slots, {}, [], False, None, {}, "action_listen")


async def run(slots: dict, carry_over: bool = True) -> list[dict]:
    domain = {"session_config": {"carry_over_slots_to_new_session": carry_over}}
    return await ActionSessionStart().run(CollectingDispatcher(), tracker(slots), domain)


async def test_a_new_session_carries_the_slots_over_and_owes_the_card():
    events = await run({"lang": "ms", "age": 12.0, "mode": None, PRIVACY_CARD_SLOT: False})
    assert events[0]["event"] == "session_started"
    assert events[-1] == {**events[-1], "event": "action", "name": "action_listen"}
    slots = [(e["name"], e["value"]) for e in events if e["event"] == "slot"]
    assert slots == [("lang", "ms"), ("age", 12.0), (PRIVACY_CARD_SLOT, True)]


async def test_the_language_hint_in_the_metadata_sets_the_language():
    hinted = {"lang": "en", "session_started_metadata": {"lang": "ta", "channel": "web"}}
    slots = [(e["name"], e["value"]) for e in await run(hinted) if e["event"] == "slot"]
    assert slots[-2:] == [("lang", "ta"), (PRIVACY_CARD_SLOT, True)]
    unknown = {"lang": "ms", "session_started_metadata": {"lang": "fr"}}
    slots = [(e["name"], e["value"]) for e in await run(unknown) if e["event"] == "slot"]
    assert ("lang", "fr") not in slots and ("lang", "ms") in slots


async def test_without_carry_over_only_the_card_and_the_hint_are_set():
    events = await run({"lang": "ms", "session_started_metadata": {"lang": "zh"}}, False)
    slots = [(e["name"], e["value"]) for e in events if e["event"] == "slot"]
    assert slots == [("lang", "zh"), (PRIVACY_CARD_SLOT, True)]


async def test_after_an_hour_of_silence_a_new_conversation_shows_the_card_again(rasa_backend):
    """domain.yml's session_config: the language carries over, the card is owed again."""
    from bot.rasa_adapter.runtime import handle_turn

    agent = rasa_backend.agent
    sender = f"test-{uuid.uuid4().hex}"
    first = await handle_turn(agent, sender, "/greet", lang="ms")
    assert first.privacy_card and first.lang == "ms"
    assert not (await handle_turn(agent, sender, "/greet")).privacy_card
    stored = await agent.tracker_store.retrieve(sender)
    for event in stored.events:
        event.timestamp -= 2 * 60 * 60  # two hours of silence
    await agent.tracker_store.save(stored)
    later = await handle_turn(agent, sender, "/greet")
    assert later.privacy_card and later.lang == "ms"
