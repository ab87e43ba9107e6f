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


def assert_same_conversation(tracker: Any, stored: Any) -> None:
    """Events, state and slots agree with the store's tracker, compared as stored (JSON): a
    tracker just saved still holds tuples where the one read from JSON has lists
    ("text_tokens")."""
    assert as_json(tracker.as_dialogue().as_dict()) == as_json(stored.as_dialogue().as_dict())
    verbosity = EventVerbosity.ALL
    assert as_json(tracker.current_state(verbosity)) == as_json(stored.current_state(verbosity))
    assert slots(tracker) == slots(stored)


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
    # A tracker kept from the turn before (in memory) is, when handed over, what the store
    # would have handed back.
    handed_over = []
    kept_retrieve = TurnTrackerStore.retrieve

    async def checking_kept_retrieve(self: Any, sender_id: str) -> Any:
        kept = self._kept.get(sender_id)
        tracker = await kept_retrieve(self, sender_id)
        if kept is not None and tracker is kept[0]:
            assert_same_conversation(tracker, await retrieve(inner, sender_id))
            handed_over.append(sender_id)
        return tracker

    monkeypatch.setattr(TurnTrackerStore, "retrieve", checking_kept_retrieve)
    in_memory = isinstance(inner, InMemoryTrackerStore)

    async def run() -> None:
        for lang in (None, "ms"):  # with a language hint, the first turn is read from the store
            sender = f"readback-{uuid.uuid4().hex}"
            for number, text in enumerate(MESSAGES):
                reads.clear()
                await runtime.handle_turn(agent, sender, text, lang=lang)
                stored = await retrieve(inner, sender)
                read_back = compared[-1]
                assert_same_conversation(read_back, stored)
                if not in_memory and (number > 0 or lang is None):
                    assert len(reads) == 1, text  # Rasa's own read; the turn's came back
                elif in_memory and number > 1:
                    assert not reads, text  # the turn before's tracker; the turn's came back
            await runtime.forget(agent, sender)
            assert not any(sender in store._kept for store in turn_stores(agent))

    asyncio.run(run())
    assert not merges
    assert len(handed_over) >= (2 * (len(MESSAGES) - 2) if in_memory else 0)


def turn_stores(agent: Any) -> list[TurnTrackerStore]:
    found, store = [], agent.tracker_store
    while store is not None:
        if isinstance(store, TurnTrackerStore):
            found.append(store)
        store = getattr(store, "_tracker_store", None)
    return found


# -- the tracker kept for the next turn (above Rasa's in-memory store) --------------------------


def memory_stores() -> tuple[InMemoryTrackerStore, list[str], TurnTrackerStore]:
    """Rasa's in-memory store (its reads counted), the wrapper above it."""
    inner = InMemoryTrackerStore(Domain.empty())
    reads: list[str] = []
    retrieve = inner.retrieve

    async def counted(sender_id: str) -> Any:
        reads.append(sender_id)
        return await retrieve(sender_id)

    inner.retrieve = counted  # type: ignore[method-assign]
    return inner, reads, TurnTrackerStore(inner)


def test_the_next_turn_starts_from_the_tracker_saved_last():
    async def run() -> None:
        inner, reads, store = memory_stores()
        tracker = session()
        with reading_back():
            await store.save(tracker)
        await store.save(tracker)  # a save after the turn (the privacy card's) is kept too
        with reading_back():  # the next turn
            assert await store.retrieve("child") is tracker
            assert not reads
            tracker.update(SlotSet("lang", "ms"))  # the turn goes on, then fails unsaved
        with reading_back():  # handed over once: the turn after reads the store
            again = await store.retrieve("child")
            assert again is not tracker and reads == ["child"]
            assert again.get_slot("lang") is None

    asyncio.run(run())


@pytest.mark.parametrize(
    "case", ["outside", "stored since", "deleted", "other domain", "grown", "two sessions"]
)
def test_a_kept_tracker_is_not_handed_over_when_the_store_would_differ(case):
    async def run() -> None:
        inner, reads, store = memory_stores()
        tracker = session()
        with reading_back():
            await store.save(tracker)
        if case == "stored since":
            await inner.save(session())  # another process, a test, a repair: not through it
        if case == "deleted":
            inner.store.pop("child")  # as `runtime.forget` and the sweep delete
        if case == "other domain":
            inner.domain = Domain.empty()  # a reloaded model
        if case == "grown":
            tracker.update(SlotSet("lang", "ms"))
        if case == "two sessions":
            tracker.update(ActionExecuted("action_session_start"))
            await inner.save(tracker)
            store._kept["child"] = (
                tracker,
                len(tracker.events),
                inner.store["child"],
                inner.domain,
            )
        if case == "outside":
            assert await store.retrieve("child") is not tracker
            return
        with reading_back():
            assert await store.retrieve("child") is not tracker
            assert reads == ["child"]

    asyncio.run(run())


def test_forgetting_drops_the_kept_tracker_and_only_the_latest_are_kept(monkeypatch):
    from bot.rasa_adapter import tracker_store

    async def run() -> None:
        inner, _, store = memory_stores()
        monkeypatch.setattr(tracker_store, "KEPT_CONVERSATIONS", 2)
        for sender in ("a", "b", "c"):
            await store.save(session(sender))
        assert list(store._kept) == ["b", "c"]
        tracker_store.forget_kept(store, "b")
        assert list(store._kept) == ["c"]
        await store.save(session("c"))
        assert list(store._kept) == ["c"]  # saved again: the latest, once

    asyncio.run(run())


@pytest.mark.parametrize(
    ("net", "counted"),
    [
        ({"category": "crisis", "pattern": "crisis.final_goodbye", "replaced": "bye"}, "crisis"),
        ({"category": "crisis", "pattern": "crisis.final_goodbye", "deferred": True}, None),
    ],
)
def test_the_turn_counts_the_safety_net_only_when_it_moved_the_message(net, counted):
    tracker = session()
    intent = {"name": "crisis" if counted else "out_of_scope", "confidence": 0.99}
    parse = {"text": "moving away", "intent": intent, "safety_net": net}
    tracker.update(UserUttered("moving away", intent, parse_data=parse))
    assert runtime.read_turn(tracker).safety_net == counted
