"""Flood control in both directions.

`RetryingRateLimiter` wraps every Bot API call: on Telegram's 429 (`RetryAfter`) it waits
the time Telegram asks for and tries again, and on network errors it backs off and retries.
(PTB's `AIORateLimiter` needs the `aiolimiter` package, which Jaga does not install.)

`FloodGuard` limits each user: more than `limit` messages within `window` seconds earns one
gentle slow-down note, then their messages are ignored until `cooldown` has passed.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import enum
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]
# Calls that are only cosmetic: never worth waiting for.
_NO_RETRY = frozenset({"sendChatAction"})


def retry_after_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class RetryingRateLimiter(BaseRateLimiter[None]):
    """Retries a Bot API call after a 429 (waiting `retry_after`) or a network error."""

    def __init__(
        self,
        *,
        max_retries: int = 3,
        max_wait: float = 30.0,
        backoff: float = 0.5,
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
    ) -> None:
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.backoff = backoff
        self._sleep = sleep

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        attempt = 0
        while True:
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                if endpoint in _NO_RETRY or attempt >= self.max_retries or wait > self.max_wait:
                    raise
                logger.warning("Telegram asked to wait %.1f s before %s", wait, endpoint)
            except BadRequest:
                raise  # our request is wrong; sending it again will not help
            except NetworkError as error:  # includes TimedOut
                if endpoint in _NO_RETRY or attempt >= self.max_retries:
                    raise
                wait = self.backoff * 2**attempt
                logger.warning("%s on %s; retrying in %.1f s", type(error).__name__, endpoint, wait)
            attempt += 1
            await self._sleep(wait)


class Verdict(enum.Enum):
    OK = "ok"
    WARN = "warn"  # send the slow-down note once
    DROP = "drop"  # ignore quietly


class FloodGuard:
    """Per-user sliding window. Keeps only ids and timestamps, and not for long: users idle
    for a window and mutes that have run out are pruned every `PRUNE_EVERY` checks (and
    whenever the tables grow past `MAX_TRACKED`)."""

    PRUNE_EVERY = 1000
    MAX_TRACKED = 10_000

    def __init__(
        self,
        limit: int = 8,
        window: float = 10.0,
        cooldown: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.cooldown = cooldown
        self._clock = clock
        self._times: dict[int, deque[float]] = {}
        self._muted_until: dict[int, float] = {}
        self._checks = 0

    def __len__(self) -> int:
        """How many users are tracked (in either table)."""
        return len(self._times.keys() | self._muted_until.keys())

    def check(self, user_id: int) -> Verdict:
        now = self._clock()
        self._checks += 1
        tracked = len(self._times) + len(self._muted_until)
        if self._checks % self.PRUNE_EVERY == 0 or tracked > self.MAX_TRACKED:
            self.prune(now)
        if self._muted_until.get(user_id, 0.0) > now:
            return Verdict.DROP
        self._muted_until.pop(user_id, None)
        times = self._times.setdefault(user_id, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        times.append(now)
        if len(times) > self.limit:
            del self._times[user_id]
            self._muted_until[user_id] = now + self.cooldown
            return Verdict.WARN
        return Verdict.OK

    def prune(self, now: float | None = None) -> None:
        now = self._clock() if now is None else now
        for user_id in [u for u, t in self._times.items() if not t or now - t[-1] > self.window]:
            del self._times[user_id]
        for user_id in [u for u, until in self._muted_until.items() if until <= now]:
            del self._muted_until[user_id]
