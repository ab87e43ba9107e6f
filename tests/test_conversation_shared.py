"""Two processes, one conversation: the front ends keep nothing of a conversation, Rasa's
tracker store (Redis) holds all of it, so turns may alternate between processes (nginx sends
each request to any front end) and the child notices nothing."""

from __future__ import annotations

import uuid

import pytest
from redis_stores import clean_up, redis_client, stores

from bot.core import messages

CARDS = {messages.text("privacy_card", lang) for lang in ("en", "ms", "zh", "ta")}


@pytest.fixture
def two_processes(rasa_backend):
    """Two assistants, each with its own Rasa agent and its own connections to one Redis."""
    from bot.core.conversation import BaseAssistant, InProcessRasa
    from bot.rasa_adapter.runtime import latest_model, load_agent

    client, prefix = redis_client("jagashared")
    model = latest_model(rasa_backend._settings.model_path)
    agents = []
    for _ in range(2):  # each process opens its own connections to the one Redis
        tracker_store, lock_store = stores(rasa_backend.agent.domain, prefix)
        agents.append(load_agent(model, tracker_store=tracker_store, lock_store=lock_store))
    one, two = (BaseAssistant(InProcessRasa(agent), timeout=30.0, stats=None) for agent in agents)
    try:
        yield one, two, client, prefix
    finally:
        clean_up(client, prefix)


def cards(turn) -> int:
    return sum(reply.text in CARDS for reply in turn.replies)


async def test_turns_alternating_between_two_processes_are_one_conversation(two_processes):
    one, two, client, prefix = two_processes
    child = f"web:{uuid.uuid4().hex}"

    # 1. A disclosure reaches process one: help first, no privacy card under it.
    disclosure = await one.respond(child, "pakcik dalam game suruh rahsiakan chat kami")
    assert disclosure.intent == "disclose_grooming" and disclosure.lang == "ms"
    assert "15999" in disclosure.reply_text and cards(disclosure) == 0
    # 2. The answer to its question reaches process two: same dialogue, same language, and
    # still no card (the turn after a safety reply is not calm yet).
    answer = await two.respond(child, "ya")
    assert answer.lang == "ms" and "jangan" in answer.reply_text.lower()
    assert "15999" in answer.reply_text and cards(answer) == 0
    assert answer.reply_text != disclosure.reply_text  # carried on, not started again
    # 3. A calm turn on process one: the card, once, in Malay, after the answer.
    menu = await one.respond(child, "/ask_help_menu")
    assert menu.lang == "ms" and cards(menu) == 1
    assert menu.replies[-1].text == messages.text("privacy_card", "ms")
    # 4. Process two knows it was shown.
    thanks = await two.respond(child, "terima kasih")
    assert thanks.lang == "ms" and cards(thanks) == 0
    assert await one.language(child) == await two.language(child) == "ms"
    # Everything is in Redis, under a keyed hash, never the chat id.
    stored = [key.decode() for key in client.scan_iter(match=f"{prefix}:tracker:*")]
    assert stored == [f"{prefix}:tracker:{one.pseudonym(child)}"]
    # 5. Deleting on one process deletes it for both: the next message starts afresh.
    assert await two.forget(child)
    assert not client.exists(stored[0])
    again = await one.respond(child, "/ask_help_menu")
    assert cards(again) == 1


async def test_the_language_hint_of_one_process_is_kept_by_the_other(two_processes):
    one, two, _, _ = two_processes
    child = f"tg:{uuid.uuid4().int % 10**9}"
    first = await one.respond(child, "hi", lang="ta")  # Telegram's language_code
    assert first.lang == "ta"
    nxt = await two.respond(child, "ok")  # no hint: the conversation keeps Tamil
    assert nxt.lang == "ta" and cards(first) + cards(nxt) == 1
    assert await two.language(child) == "ta"


async def test_a_turn_that_ends_after_its_deadline_leaves_the_card_owed(rasa_backend):
    """The child got the safe reply instead: the card waits for a reply they do see."""
    from bot.rasa_adapter.channel import turn_request

    agent = rasa_backend.agent
    sender = f"direct-{uuid.uuid4().hex[:8]}"
    status, late = await turn_request(agent, {"sender": sender, "message": "hi", "budget": 0})
    assert status == 200 and late["privacy_card"] is False and late["messages"]
    status, seen = await turn_request(agent, {"sender": sender, "message": "hi", "budget": 30})
    assert status == 200 and seen["privacy_card"] is True
    status, again = await turn_request(agent, {"sender": sender, "message": "hi"})
    assert again["privacy_card"] is False
