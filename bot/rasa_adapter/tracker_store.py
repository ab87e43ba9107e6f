"""Rasa's Redis tracker store, without rebuilding the stored conversation to save one more turn.

Rasa 3.6's `RedisTrackerStore.save` reads the stored tracker back on every save, rebuilds it as
a `DialogueStateTracker` (every event deserialised and replayed), replays the new tracker up to
the stored one's last event (`_merge_trackers`, `travel_back_in_time`) and compares the two,
then writes the whole tracker: about 15% of a Telegram front end's CPU per update. The merge is
there for a tracker that holds only the latest session (`retrieve` returns no more), whose
earlier sessions must be kept. In the usual case, the same session with a turn appended, the
stored events are the first events of the tracker being saved and the merge returns that
tracker unchanged.

`AppendingRedisTrackerStore` recognises that case on the stored JSON, as plain dicts, and then
writes the tracker as Rasa would (same serialisation, key, expiry and event streaming); in every
other case it calls Rasa's `save`, which merges. deploy/endpoints.redis.yml names it as the
tracker store's `type`.
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
        if stored is not None and not self._only_appends(stored, tracker):
            await super().save(tracker, timeout)  # reads it again and merges
            return
        await self.stream_events(tracker)
        if not timeout and self.record_exp:
            timeout = self.record_exp
        self.red.set(key, self.serialise_tracker(tracker), ex=timeout)

    def _only_appends(self, stored: str | bytes, tracker: Any) -> bool:
        """True when Rasa's `_merge_trackers` would return `tracker` as it is: the stored
        events, as dicts, are the tracker's first events, and replaying the tracker up to the
        last stored event's timestamp (`travel_back_in_time`, which stops at the first later
        event) gives exactly those events. False for anything else, unreadable JSON included:
        Rasa's own `save` then decides (and raises what it raises)."""
        try:
            prior = json.loads(stored).get("events", [])
            if not isinstance(prior, list):
                return False
            if not prior:
                return True  # `_merge_trackers` keeps the new tracker
            if self.max_event_history is not None:
                return False  # the stored tracker would be read back cut short
            events = list(tracker.events)
            count = len(prior)
            if len(events) < count:
                return False
            if not all(event.as_dict() == old for event, old in zip(events, prior, strict=False)):
                return False
            last = events[count - 1].timestamp
            if any(event.timestamp > last for event in events[:count]):
                return False
            return count == len(events) or events[count].timestamp > last
        except Exception:  # noqa: BLE001 - Rasa's save handles (or raises) whatever this is
            return False
