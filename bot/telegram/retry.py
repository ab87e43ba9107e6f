"""Towards Telegram: PTB's `AIORateLimiter` keeps within Telegram's group limits and waits out a
429 (`retry_after`). One addition: a request that never left this machine (no connection could
be made, or PTB's connection pool was full) is sent again after a short pause, since Telegram
cannot have seen it. Nothing that may have reached Telegram is sent again: after a read
timeout or a bad gateway the message may already be on the child's screen, and a second copy
would repeat it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import httpx  # a dependency of python-telegram-bot
from telegram.error import NetworkError
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)

RETRIES_AFTER_429 = 3
RETRIES_NOT_SENT = 3  # after 0.5 s, 1 s, 2 s
# What httpx raises before a byte of the request was sent (PTB wraps it in NetworkError or
# TimedOut, with it as the cause).
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def never_sent(error: BaseException) -> bool:
    return isinstance(error, NetworkError) and isinstance(error.__cause__, _NOT_SENT)


class RateLimiter(AIORateLimiter):
    def __init__(
        self,
        *,
        backoff: float = 0.5,
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
    ) -> None:
        # Telegram's ~30 messages a second is a limit on bulk notifications, not on replies
        # to people who wrote first, so replies are not queued behind it (overall_max_rate=0);
        # the per-group limit and the 429 handling stay.
        super().__init__(overall_max_rate=0, max_retries=RETRIES_AFTER_429)
        self.backoff = backoff
        self._sleep = sleep

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except NetworkError as error:
                if attempt >= RETRIES_NOT_SENT or not never_sent(error):
                    raise
                wait = self.backoff * 2**attempt
                logger.warning("%s not sent (no connection); again in %.1f s", endpoint, wait)
            attempt += 1
            await self._sleep(wait)
