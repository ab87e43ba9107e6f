"""`AppendingRedisTrackerStore` (bot/rasa_adapter/tracker_store.py) stores exactly what Rasa's
`RedisTrackerStore` stores, with the same expiry, and saves an appended turn without rebuilding
or merging the stored conversation; deploy/endpoints.redis.yml opens it.

Needs Redis (tests/redis_stores.py; skipped without it). Each test runs the same saves through
both stores, each under a key prefix of its own, and compares what Redis holds; every key is
deleted at the end.
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from redis_stores import REDIS_DB, REDIS_HOST, REDIS_PORT, redis_client

from bot.rasa_adapter.tracker_store import AppendingRedisTrackerStore
from tools.bench.tracker_save import conversation, domain, session_events, turn_events

ROOT = Path(__file__).resolve().parent.parent
START = 1_700_000_000.0
SENDER = "child"


@pytest.fixture
def both():
    """(Rasa's store, Jaga's store, Redis client): the same Redis, two key prefixes."""
    client, prefix = redis_client("jagastore")
    where = {"host": REDIS_HOST, "port": REDIS_PORT, "db": REDIS_DB, "record_exp": 600}
    rasa = RedisTrackerStore(domain(), key_prefix=prefix + "rasa", **where)
    jaga = AppendingRedisTrackerStore(domain(), key_prefix=prefix + "jaga", **where)
    try:
        yield rasa, jaga, client
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def calls(monkeypatch) -> Counter:
    """How often Rasa's merge and deserialisation ran (in either store)."""
    counted: Counter = Counter()
    merge, deserialise = RedisTrackerStore._merge_trackers, RedisTrackerStore.deserialise_tracker

    def counted_merge(prior: Any, tracker: Any) -> Any:
        counted["merge"] += 1
        return merge(prior, tracker)

    def counted_deserialise(self: Any, sender_id: str, serialised: Any) -> Any:
        counted["deserialise"] += 1
        return deserialise(self, sender_id, serialised)

    monkeypatch.setattr(RedisTrackerStore, "_merge_trackers", staticmethod(counted_merge))
    monkeypatch.setattr(RedisTrackerStore, "deserialise_tracker", counted_deserialise)
    return counted


def stored(store: RedisTrackerStore, sender_id: str = SENDER) -> str:
    return store.red.get(store.key_prefix + sender_id)


def tracker_of(events: list[Any], sender_id: str = SENDER) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender_id, events, slots=domain().slots)


async def save_turn(store: RedisTrackerStore, number: int, at: float, calls: Counter) -> None:
    """A turn as Rasa runs it: the stored conversation retrieved, a turn added, saved. `calls`
    counts what the save alone did."""
    tracker = await store.retrieve(SENDER) or tracker_of(session_events(START))
    for event in turn_events(number, at):
        tracker.update(event)
    calls.clear()  # retrieving deserialises; saving need not
    await store.save(tracker)


async def test_a_new_conversation_is_stored_as_rasa_stores_it(both, calls):
    rasa, jaga, _ = both
    tracker = conversation(SENDER, 3)
    await rasa.save(tracker)
    calls.clear()
    await jaga.save(tracker)
    assert stored(jaga) == stored(rasa) == rasa.serialise_tracker(tracker)
    assert not calls


async def test_appended_turns_are_stored_as_rasa_stores_them_without_a_merge(both, calls):
    rasa, jaga, _ = both
    for number in range(6):
        at = START + 10 * (number + 1)
        await save_turn(rasa, number, at, calls)
        await save_turn(jaga, number, at, calls)
        assert not calls, f"turn {number}: the stored conversation was rebuilt or merged"
        assert stored(jaga) == stored(rasa)


async def test_saving_the_same_tracker_again_changes_nothing(both, calls):
    rasa, jaga, _ = both
    tracker = conversation(SENDER, 2)
    for store in (rasa, jaga, rasa, jaga):
        await store.save(tracker)
    calls.clear()
    await jaga.save(tracker)
    assert not calls
    assert stored(jaga) == stored(rasa) == rasa.serialise_tracker(tracker)


async def test_after_a_session_restart_the_earlier_session_is_kept(both, calls):
    """The stored conversation has an old session and the start of a new one; Rasa retrieves
    only the new session, and the save must keep the old one: Rasa merges it back in, Jaga's
    store writes the same from the stored JSON."""
    rasa, jaga, _ = both
    old = conversation(SENDER, 3, sessions=2)
    for store in (rasa, jaga):
        await store.save(old)
        tracker = await store.retrieve(SENDER)
        assert len(tracker.events) < len(old.events)  # only the latest session
        for event in turn_events(9, START + 99_999):
            tracker.update(event)
        calls.clear()
        await store.save(tracker)
        assert calls["merge"] == (1 if store is rasa else 0)
    assert stored(jaga) == stored(rasa)
    full = await jaga.retrieve_full_tracker(SENDER)
    assert [e.as_dict() for e in full.events][: len(old.events)] == [
        e.as_dict() for e in old.events
    ]
    assert len(full.events) == len(old.events) + 5


async def test_a_conversation_started_with_metadata_is_saved_without_a_merge(both, calls):
    """A message with metadata (every Telegram message: the language hint) that starts a
    session makes Rasa store `session_started_metadata` before `action_session_start`, and
    `retrieve` leaves that first event out. The next save must keep it, as Rasa's merge does,
    without the merge: this is every turn of every Telegram conversation."""
    from rasa.shared.core.events import SlotSet

    rasa, jaga, _ = both
    first = [SlotSet("session_started_metadata", {"lang": "ms"}, timestamp=START - 0.001)]
    start = tracker_of(first + session_events(START, "ms") + turn_events(0, START + 10))
    for store in (rasa, jaga):
        await store.save(start)
    for number in range(1, 4):
        for store in (rasa, jaga):
            tracker = await store.retrieve(SENDER)
            assert tracker.events[0].as_dict() != first[0].as_dict()  # left out
            for event in turn_events(number, START + 10 * (number + 1)):
                tracker.update(event)
            calls.clear()
            await store.save(tracker)
            assert calls["merge"] == (1 if store is rasa else 0), f"turn {number}"
        assert stored(jaga) == stored(rasa), f"turn {number}"
    full = await jaga.retrieve_full_tracker(SENDER)
    assert full.events[0].as_dict() == first[0].as_dict()
    assert len(full.events) == len(start.events) + 3 * len(turn_events(0, START))


async def test_a_tracker_saved_again_in_its_turn_is_saved_without_a_merge(both, calls):
    """The privacy card's save: the tracker Rasa saved this turn (read back, not rebuilt from
    JSON, so its user message still holds tuples where the stored JSON has lists), one slot
    later. Stored as Rasa stores it, without the merge."""
    from rasa.shared.core.events import SlotSet, UserUttered

    rasa, jaga, _ = both
    for store in (rasa, jaga):
        tracker = tracker_of(session_events(START))
        tokens = {"text_tokens": [(0, 2)]}
        tracker.update(UserUttered("hi", parse_data=tokens, timestamp=START + 30))
        await store.save(tracker)
        tracker.update(SlotSet("privacy_card_owed", False, timestamp=START + 60))
        calls.clear()
        await store.save(tracker)
        assert calls["merge"] == (1 if store is rasa else 0)
    assert stored(jaga) == stored(rasa)


@pytest.mark.parametrize(
    "case", ["rewritten", "earlier", "same time", "repeated", "fewer", "other"]
)
async def test_whatever_is_not_an_append_is_merged_as_rasa_merges_it(both, calls, case):
    rasa, jaga, _ = both
    first = conversation(SENDER, 3)
    events = list(first.events)
    if case == "rewritten":  # tests/test_session_start.py: two hours earlier
        later = tracker_of(copy.deepcopy(events))
        for event in later.events:
            event.timestamp -= 7200
    elif case == "earlier":  # the stored events first, then one stamped before the last
        later = tracker_of(events + turn_events(7, events[-1].timestamp - 5))
    elif case == "same time":  # travel_back_in_time keeps an event at the same time
        later = tracker_of(events + turn_events(7, events[-1].timestamp))
    elif case == "repeated":  # the merge drops an event that repeats a stored one exactly
        later = tracker_of(events + [copy.deepcopy(events[-1])])
    elif case == "fewer":
        later = tracker_of(events[:-3])
    else:
        later = conversation(SENDER, 3, start=START + 3600)
    for store in (rasa, jaga):
        await store.save(first)
        calls.clear()
        await store.save(later)
        assert calls["merge"] == 1, case
    assert stored(jaga) == stored(rasa)


async def test_the_expiry_is_set_as_rasa_sets_it(both):
    rasa, jaga, client = both
    tracker = conversation(SENDER, 2)
    grown = tracker_of(list(tracker.events) + turn_events(5, START + 500))
    for store in (rasa, jaga):
        await store.save(tracker)  # a new conversation: record_exp
        assert 590 < client.ttl(store.key_prefix + SENDER) <= 600
        await store.save(grown, timeout=30)  # an appended turn with a timeout of its own
        assert 20 < client.ttl(store.key_prefix + SENDER) <= 30
        await store.save(tracker)  # merged: record_exp again
        assert 590 < client.ttl(store.key_prefix + SENDER) <= 600
        store.record_exp = None
        await store.save(grown)  # no expiry at all
        assert client.ttl(store.key_prefix + SENDER) == -1
    assert stored(jaga) == stored(rasa)


async def test_unreadable_stored_json_fails_as_in_rasa(both):
    rasa, jaga, _ = both
    for store in (rasa, jaga):
        store.red.set(store.key_prefix + SENDER, "{not json")
    errors = []
    for store in (rasa, jaga):
        with pytest.raises(Exception) as raised:
            await store.save(conversation(SENDER, 1))
        errors.append(type(raised.value))
    assert errors[0] is errors[1]


def test_the_production_endpoints_open_this_store(monkeypatch):
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import read_endpoints_from_path

    from bot.rasa_adapter.runtime import tracker_stores

    env = {
        "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_DB": "0",
        "REDIS_USERNAME": "",
        "REDIS_PASSWORD": "",
        "REDIS_KEY_PREFIX": "jaga",
        "JAGA_RECORD_EXP": "3600",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    endpoints = read_endpoints_from_path(ROOT / "deploy" / "endpoints.redis.yml")
    store = TrackerStore.create(endpoints.tracker_store, domain())
    assert type(store) is AppendingRedisTrackerStore  # not Rasa's in-memory fallback
    assert isinstance(store, RedisTrackerStore)  # what bot/rasa_adapter/runtime.py checks
    assert store.key_prefix == "jaga:tracker:" and float(store.record_exp) == 3600
    holder = type("Agent", (), {"tracker_store": store})()
    assert tracker_stores(holder) == (store, [])
