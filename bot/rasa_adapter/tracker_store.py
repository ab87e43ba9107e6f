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
"""

from __future__ import annotations

import json
from typing import Any

from rasa.core.tracker_store import RedisTrackerStore


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
            if len(dicts) < count or dicts[:count] != prior[lead:]:
                return None
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
