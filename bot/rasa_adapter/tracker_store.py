"""Rasa's Redis tracker store, without rebuilding the stored conversation to save one more turn.

Rasa 3.6's `RedisTrackerStore.save` reads the stored tracker back on every save, rebuilds it as
a `DialogueStateTracker` (every event deserialised and replayed), replays the new tracker up to
the stored one's last event (`_merge_trackers`, `travel_back_in_time`), compares the two and
writes the merged tracker. In the two usual cases the result can be told from the stored JSON:

- the same session with a turn appended: the stored events are the tracker's first events, and
  the merge returns the tracker unchanged;
- a tracker that `retrieve` handed back cut short (it splits the conversation at each
  `action_session_start` and returns the last part): the stored events are the earlier part
  followed by the tracker's first events, and the merge writes the stored events followed by
  the tracker's later ones. Every Telegram turn is this case: a message with metadata (the
  front end's language hint) that starts a session makes Rasa store
  `SlotSet(session_started_metadata)` *before* `action_session_start`.

`AppendingRedisTrackerStore` recognises both on the stored JSON, as plain dicts, and writes what
the merge would (same serialisation, key, expiry and event streaming); anything else goes
through Rasa's `save`. The merge was a fifth of a Telegram front end's CPU (py-spy);
tests/test_tracker_store.py compares what both stores leave in Redis, turn by turn.
deploy/endpoints.redis.yml names it as the tracker store's `type`.

`TurnTrackerStore` (any store) lets a turn read back the conversation it has just saved
without reading it from the store again; see `reading_back`. Above Rasa's in-memory store it
also keeps the last conversations saved, so that a turn starts from the tracker the turn before
saved instead of rebuilding it from the stored JSON (`KEPT_CONVERSATIONS`).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import islice
from typing import Any, Iterator

from rasa.core.tracker_store import (
    AwaitableTrackerStore,
    InMemoryTrackerStore,
    RedisTrackerStore,
)
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted


class AppendingRedisTrackerStore(RedisTrackerStore):
    """`RedisTrackerStore` that skips the merge when the new tracker only appends events."""

    async def save(self, tracker: Any, timeout: float | None = None) -> None:
        """Saves the conversation as `RedisTrackerStore.save` does."""
        key = self.key_prefix + tracker.sender_id
        stored = self.red.get(key)
        serialised = self.serialise_tracker(tracker) if stored is None else None
        if stored is not None:
            serialised = self._appended(stored, tracker)
            if serialised is None:
                await super().save(tracker, timeout)  # reads it again and merges
                return
        await self.stream_events(tracker)
        if not timeout and self.record_exp:
            timeout = self.record_exp
        self.red.set(key, serialised, ex=timeout)

    def _appended(self, stored: str | bytes, tracker: Any) -> str | None:
        """What Rasa's `save` would write, when it can be told from the stored JSON as plain
        dicts: the stored events are `lead + prefix`, `prefix` being the tracker's first events
        (`lead` is empty, or the events before the session start that `retrieve` left out),
        no stored event is later than the last of them, and every other event of the tracker
        is later and appears once. Rasa's `_merge_trackers` then returns the tracker as it is
        (no `lead`) or the stored events followed by the tracker's others, which is `lead` +
        the tracker. None for anything else, unreadable JSON included: Rasa's own `save` then
        decides (and raises what it raises)."""
        try:
            prior = json.loads(stored).get("events", [])
            if not isinstance(prior, list):
                return None
            if not prior:
                return self.serialise_tracker(tracker)  # `_merge_trackers` keeps the tracker
            if self.max_event_history is not None:
                return None  # the stored tracker would be read back cut short
            dicts = [event.as_dict() for event in tracker.events]
            if not dicts:
                return None
            lead = next((i for i, old in enumerate(prior) if old == dicts[0]), None)
            if lead is None:
                return None
            count = len(prior) - lead
            if len(dicts) < count:
                return None
            if dicts[:count] != prior[lead:] and _as_json(dicts[:count]) != prior[lead:]:
                return None  # (a tracker saved before in this turn holds tuples, JSON lists)
            last = dicts[count - 1]["timestamp"]
            if any(old.get("timestamp", last) > last for old in prior):
                return None  # (also what `travel_back_in_time` would have cut)
            others = dicts[count:]
            if any(new["timestamp"] <= last for new in others):
                return None
            if lead and len({json.dumps(new, sort_keys=True) for new in others}) < len(others):
                return None  # the merge would drop a repeated event
            return json.dumps({"events": prior[:lead] + dicts, "name": tracker.sender_id})
        except Exception:  # noqa: BLE001 - Rasa's save handles (or raises) whatever this is
            return None


def _as_json(data: Any) -> Any:
    return json.loads(json.dumps(data))


# -- reading back the turn just saved -----------------------------------------------------------

# The tracker the running turn saved last, with its number of events then; None outside a turn.
_SAVED: ContextVar[list[tuple[Any, int]] | None] = ContextVar("jaga_saved_tracker", default=None)


@contextmanager
def reading_back() -> Iterator[None]:
    """Within this block (one turn, under the sender's lock), the first `retrieve` after a save
    is answered with the tracker just saved, when the store would hand back the same
    conversation (`TurnTrackerStore`). Nothing outlives the block; other tasks never see it."""
    token = _SAVED.set([])
    try:
        yield
    finally:
        _SAVED.reset(token)


def _one_session(tracker: Any) -> bool:
    """The tracker is one conversation session from its first event: what Rasa's stores hand
    back (they cut a conversation at its last `action_session_start`) is then all of it."""
    events = tracker.events
    if not events or not _is_session_start(events[0]):
        return False
    return not any(_is_session_start(event) for event in islice(events, 1, None))


def _is_session_start(event: Any) -> bool:
    # The name first: testing an event's class (an abstract base class) is the slow part.
    if getattr(event, "action_name", None) != ACTION_SESSION_START_NAME:
        return False
    return isinstance(event, ActionExecuted)


# How many conversations `TurnTrackerStore` keeps as trackers above an in-memory store: the
# most recently saved ones (about 9 MB for 64 conversations of 8 turns, with their replays
# and their events' JSON; a conversation that drops out is rebuilt from its JSON).
KEPT_CONVERSATIONS = 64


class TurnTrackerStore(AwaitableTrackerStore):
    """Wraps the store that keeps the conversations (in memory, Redis...), right under Rasa's
    fail-safe store, so that a save that went through is known as such.

    Inside `reading_back`, a successful save remembers the tracker; the next `retrieve` of the
    same conversation gets that tracker instead of reading and rebuilding the stored one, if
    it has not changed since (same number of events) and is one session from its first event
    (so the store would return exactly its events). Anything else, a failed save included,
    goes to the store. Outside `reading_back` it is the store itself.

    Above Rasa's in-memory store, the tracker saved last is also kept for the next turn of
    that conversation (`_kept`, the last `KEPT_CONVERSATIONS` saved): rebuilding it from the
    stored JSON (parse, rebuild every event, replay them) was a tenth of a reply, and more the
    longer the conversation. The next turn (inside `reading_back`, so under the
    conversation's lock) gets it when the same checks hold and the store still holds exactly
    the JSON that save wrote (the same string object: nothing saved, deleted or swept since)
    under the same domain (a reloaded model's store rebuilds it). It is handed over once: a
    turn that fails after changing it leaves nothing kept, and the next one reads the store.
    """

    def __init__(self, tracker_store: Any) -> None:
        super().__init__(tracker_store)
        # sender id -> (tracker, its number of events, the JSON stored, the store's domain)
        self._kept: OrderedDict[str, tuple[Any, int, Any, Any]] = OrderedDict()

    async def save(self, tracker: Any) -> None:
        saved = _SAVED.get()
        if saved is not None:
            saved.clear()
        self._kept.pop(tracker.sender_id, None)
        await super().save(tracker)  # raises when the store failed: nothing remembered
        if saved is not None:
            saved.append((tracker, len(tracker.events)))
        self._keep(tracker)  # (the privacy card's save comes after `reading_back`)

    async def retrieve(self, sender_id: str) -> Any:
        saved = _SAVED.get()
        if saved:
            tracker, count = saved.pop()
            if (
                tracker.sender_id == sender_id
                and len(tracker.events) == count
                and _one_session(tracker)
            ):
                return tracker
        if saved is not None:  # in a turn, under the conversation's lock
            kept = self._kept.pop(sender_id, None)
            if kept is not None and self._still_stored(sender_id, *kept):
                return kept[0]
        return await super().retrieve(sender_id)

    def forget(self, sender_id: str) -> None:
        """Drops the tracker kept for a conversation (deleted, or swept as silent)."""
        self._kept.pop(sender_id, None)

    def _keep(self, tracker: Any) -> None:
        store = self._tracker_store
        if type(store) is not InMemoryTrackerStore or store.max_event_history is not None:
            return  # only where "what the store holds" is one string object to compare
        stored = store.store.get(tracker.sender_id)
        if stored is None:
            return
        self._kept[tracker.sender_id] = (tracker, len(tracker.events), stored, store.domain)
        while len(self._kept) > KEPT_CONVERSATIONS:
            self._kept.popitem(last=False)

    def _still_stored(
        self, sender_id: str, tracker: Any, count: int, stored: Any, domain: Any
    ) -> bool:
        store = self._tracker_store
        return (
            store.store.get(sender_id) is stored
            and store.domain is domain
            and store.max_event_history is None
            and tracker.sender_id == sender_id
            and len(tracker.events) == count
            and _one_session(tracker)
        )


def forget_kept(store: Any, sender_id: str) -> None:
    """Drops what any `TurnTrackerStore` in `store`'s wrappers keeps of a conversation."""
    while store is not None:
        if isinstance(store, TurnTrackerStore):
            store.forget(sender_id)
        store = getattr(store, "_tracker_store", None)


def read_back_saved_trackers(store: Any) -> bool:
    """Puts a `TurnTrackerStore` right above the store that keeps the conversations, inside
    Rasa's wrappers (`FailSafeTrackerStore`, which an agent always has, and any other); once.
    False when `store` wraps nothing (then turns read from the store as before)."""
    holder = store
    while True:
        inner = getattr(holder, "_tracker_store", None)
        if inner is None:
            return False
        if isinstance(inner, TurnTrackerStore):
            return True
        if not hasattr(inner, "_tracker_store"):
            holder._tracker_store = TurnTrackerStore(inner)
            return True
        holder = inner
