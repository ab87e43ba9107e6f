"""A turn reads back the conversation it has just saved without reading the store again
(`TurnTrackerStore`, bot/rasa_adapter/tracker_store.py), and what it reads is what the store
would have handed back; whenever that cannot be told, it reads the store as before."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot.rasa_adapter import runtime
from bot.rasa_adapter.tracker_store import TurnTrackerStore, reading_back


class CountingStore(InMemoryTrackerStore):
    """An in-memory store that counts its reads and can be made to fail its saves."""

    def __init__(self) -> None:
        super().__init__(Domain.empty())
        self.reads = 0
        self.failing = False

    async def retrieve(self, sender_id: str) -> Any:
        self.reads += 1
        return await super().retrieve(sender_id)

    async def save(self, tracker: Any) -> None:
        if self.failing:
            raise ConnectionError("store down")
        await super().save(tracker)


def session(sender: str = "child") -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, Domain.empty().slots)  # as the store builds one
    for event in (
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("hi", {"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet"),
        ActionExecuted("action_listen"),
    ):
        tracker.update(event)
    return tracker


def stores() -> tuple[CountingStore, TurnTrackerStore, DialogueStateTracker]:
    """A counting store, the wrapper above it, and one session to save."""
    inner = CountingStore()
    return inner, TurnTrackerStore(inner), session()


def test_within_a_turn_the_saved_tracker_is_read_back_once():
    async def run() -> None:
        inner, store, tracker = stores()
        with reading_back():
            await store.save(tracker)
            assert await store.retrieve("child") is tracker  # not read from the store
            assert inner.reads == 0
            again = await store.retrieve("child")  # once only
            assert again is not tracker and inner.reads == 1
            assert again.current_state() == tracker.current_state()

    asyncio.run(run())


@pytest.mark.parametrize("case", ["outside", "other sender", "changed", "two sessions", "failed"])
def test_otherwise_the_store_is_read(case):
    async def run() -> None:
        inner, store, tracker = stores()
        await store.save(tracker)  # so that the store holds it
        if case == "outside":
            await store.save(tracker)
            assert await store.retrieve("child") is not tracker
            assert inner.reads == 1
            return
        with reading_back():
            if case == "failed":
                inner.failing = True
                with pytest.raises(ConnectionError):
                    await store.save(tracker)
            else:
                await store.save(tracker)
            if case == "changed":
                tracker.update(SlotSet("lang", "ms"))
            if case == "two sessions":
                tracker.update(ActionExecuted("action_session_start"))
            sender = "someone else" if case == "other sender" else "child"
            assert await store.retrieve(sender) is not tracker
            assert inner.reads == 1

    asyncio.run(run())


def test_a_failed_save_forgets_an_earlier_one():
    async def run() -> None:
        inner, store, tracker = stores()
        with reading_back():
            await store.save(tracker)
            inner.failing = True
            with pytest.raises(ConnectionError):
                await store.save(tracker)
            await store.retrieve("child")
            assert inner.reads == 1

    asyncio.run(run())


def test_the_wrapper_goes_in_once_right_above_the_store(rasa_backend):
    from bot.rasa_adapter.tracker_store import read_back_saved_trackers

    agent = rasa_backend.agent
    assert read_back_saved_trackers(agent.processor.tracker_store)
    assert read_back_saved_trackers(agent.processor.tracker_store)
    wrapper = agent.tracker_store._tracker_store
    assert isinstance(wrapper, TurnTrackerStore)
    assert not isinstance(wrapper._tracker_store, TurnTrackerStore)
    inner, _ = runtime.tracker_stores(agent)
    assert isinstance(inner, InMemoryTrackerStore)
    assert not read_back_saved_trackers(InMemoryTrackerStore(Domain.empty()))


def slots(tracker: Any) -> dict:
    return {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()}


def as_json(data: Any) -> Any:
    return json.loads(json.dumps(data))


MESSAGES = [
    "hi",
    "someone online keeps asking for my photos",
    "ya",
    "/ask_help_menu",
    "terima kasih",
    "我不想活了",
    "what is grooming",
]


@pytest.fixture(params=["memory", "redis"])
def agent(request, rasa_backend):
    """The loaded model's agent, its conversations in memory or (for one test) in Redis."""
    agent = rasa_backend.agent
    if request.param == "memory":
        yield agent
        return
    from redis_stores import clean_up, redis_client, stores

    client, prefix = redis_client("jagareadback")
    saved = (agent.tracker_store, agent.lock_store)
    tracker_store, lock_store = stores(agent.domain, prefix)
    agent.tracker_store = agent.processor.tracker_store = tracker_store
    agent.lock_store = agent.processor.lock_store = lock_store
    try:
        yield agent
    finally:
        agent.tracker_store = agent.processor.tracker_store = saved[0]
        agent.lock_store = agent.processor.lock_store = saved[1]
        clean_up(client, prefix)


def test_what_a_turn_reads_back_is_what_the_store_holds(agent, monkeypatch):
    """Every turn: the tracker read back (the one just saved) and the one the store returns
    are the same conversation, event for event, slot for slot; one read a turn; and in Redis
    no save needs Rasa's merge (the privacy card's save included)."""
    from rasa.core.tracker_store import RedisTrackerStore

    merges = []
    merge = RedisTrackerStore._merge_trackers

    def counted_merge(prior: Any, tracker: Any) -> Any:
        merges.append(tracker.sender_id)
        return merge(prior, tracker)

    monkeypatch.setattr(RedisTrackerStore, "_merge_trackers", staticmethod(counted_merge))
    inner, _ = runtime.tracker_stores(agent)
    compared = []
    reads = []
    read_turn = runtime.read_turn
    retrieve = type(inner).retrieve

    async def counting_retrieve(self: Any, sender_id: str) -> Any:
        reads.append(sender_id)
        return await retrieve(self, sender_id)

    def checking_read_turn(tracker: Any) -> Any:
        compared.append(tracker)
        return read_turn(tracker)

    monkeypatch.setattr(type(inner), "retrieve", counting_retrieve)
    monkeypatch.setattr(runtime, "read_turn", checking_read_turn)

    async def run() -> None:
        for lang in (None, "ms"):  # with a language hint, the first turn is read from the store
            sender = f"readback-{uuid.uuid4().hex}"
            for number, text in enumerate(MESSAGES):
                reads.clear()
                await runtime.handle_turn(agent, sender, text, lang=lang)
                stored = await retrieve(inner, sender)
                read_back = compared[-1]
                # As stored (JSON): the tracker just saved still holds tuples where the one
                # read back from JSON has lists ("text_tokens").
                assert as_json(read_back.as_dialogue().as_dict()) == as_json(
                    stored.as_dialogue().as_dict()
                )
                verbosity = EventVerbosity.ALL
                assert as_json(read_back.current_state(verbosity)) == as_json(
                    stored.current_state(verbosity)
                )
                assert slots(read_back) == slots(stored)
                if number > 0 or lang is None:
                    assert len(reads) == 1, text  # Rasa's own read; the turn's came back
            await runtime.forget(agent, sender)

    asyncio.run(run())
    assert not merges
