"""Flood control per person: more than `limit` updates within `window` seconds earns one
gentle slow-down note, then their updates are ignored until `cooldown` has passed.

`handlers/gate.py` asks `check()` once per update, before any other handler. The counts are
shared by every front end when `REDIS_URL` is set (`RedisFloodGuard`: keys hashed, see
`shared.py`), else kept in this process (`FloodGuard`). Towards Telegram, PTB's
`AIORateLimiter` keeps within Telegram's own limits (app.py).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.telegram.shared import REDIS_TIMEOUT, Keys

if TYPE_CHECKING:
    import redis.asyncio as aioredis

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    limit: int = 8  # updates...
    window: float = 10.0  # ...within this many seconds are fine; one more earns the note
    cooldown: float = 20.0  # seconds of silence after the note


class Verdict(enum.Enum):
    OK = "ok"
    WARN = "warn"  # send the slow-down note once
    DROP = "drop"  # ignore quietly


class Guard(Protocol):
    async def check(self, user_id: int) -> Verdict: ...


class FloodGuard:
    """Per-user sliding window in this process. Keeps only ids and timestamps, and not for
    long: users idle for a window and mutes that have run out are pruned every `PRUNE_EVERY`
    checks (and whenever the tables grow past `MAX_TRACKED`)."""

    PRUNE_EVERY = 1000
    MAX_TRACKED = 10_000

    def __init__(
        self, limits: Limits = Limits(), clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._times: dict[int, deque[float]] = {}
        self._muted_until: dict[int, float] = {}
        self._checks = 0

    def __len__(self) -> int:
        """How many users are tracked (in either table)."""
        return len(self._times.keys() | self._muted_until.keys())

    async def check(self, user_id: int) -> Verdict:
        now = self._clock()
        self._checks += 1
        tracked = len(self._times) + len(self._muted_until)
        if self._checks % self.PRUNE_EVERY == 0 or tracked > self.MAX_TRACKED:
            self.prune(now)
        if self._muted_until.get(user_id, 0.0) > now:
            return Verdict.DROP
        self._muted_until.pop(user_id, None)
        times = self._times.setdefault(user_id, deque())
        while times and now - times[0] > self.limits.window:
            times.popleft()
        times.append(now)
        if len(times) > self.limits.limit:
            del self._times[user_id]
            self._muted_until[user_id] = now + self.limits.cooldown
            return Verdict.WARN
        return Verdict.OK

    def prune(self, now: float | None = None) -> None:
        now = self._clock() if now is None else now
        window = self.limits.window
        for user_id in [u for u, t in self._times.items() if not t or now - t[-1] > window]:
            del self._times[user_id]
        for user_id in [u for u, until in self._muted_until.items() if until <= now]:
            del self._muted_until[user_id]


class RedisFloodGuard:
    """The same limit in Redis, shared by every front end: a fixed window that starts with a
    person's first update (`<prefix>:tg:flood:<hash>`, expiring with the window) and a mute
    (`<prefix>:tg:mute:<hash>`, expiring after the cooldown). One MULTI/EXEC per update
    (EXISTS, SET NX PX, INCR; no scripts: see deploy/redis-users.sh); the mute is set with
    NX, so of several front ends only one sends the note. If Redis does not answer, the
    update is let through: a flood answered is better than a child ignored."""

    def __init__(self, client: aioredis.Redis, keys: Keys, limits: Limits = Limits()) -> None:
        self.client, self.keys, self.limits = client, keys, limits

    async def check(self, user_id: int) -> Verdict:
        try:
            return await asyncio.wait_for(self._check(user_id), REDIS_TIMEOUT)
        except Exception as error:  # noqa: BLE001 - Redis down: answer rather than drop
            logger.warning("Flood counts unavailable (%s); let through", type(error).__name__)
            return Verdict.OK

    async def _check(self, user_id: int) -> Verdict:
        counter, mute = self.keys("flood", user_id), self.keys("mute", user_id)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.exists(mute)
            pipe.set(counter, 0, px=int(self.limits.window * 1000), nx=True)
            pipe.incr(counter)
            muted, _, seen = await pipe.execute()
        if muted:
            return Verdict.DROP
        if int(seen) <= self.limits.limit:
            return Verdict.OK
        first = await self.client.set(mute, 1, px=int(self.limits.cooldown * 1000), nx=True)
        return Verdict.WARN if first else Verdict.DROP
