"""Rate limits for the public web chat, shared by every web process through Redis.

No identity is needed and none is kept: a browser tab is only its random session id, and a
network only its address, and both are stored as a keyed hash (HMAC-SHA256 with
WEB_RATE_SECRET, which lives only in the processes' environment) in a counter that Redis
deletes when its window ends:

    <prefix>:web:rl:s:<hmac(session)>   messages per session  (WEB_RATE_SESSION, 8/10 s)
    <prefix>:web:rl:ip:<hmac(address)>  API requests per address (WEB_RATE_IP, 300/60 s)

The window starts with the first request and the key expires with it (fixed windows; one
MULTI/EXEC per request: SET NX PX, INCR, PTTL; no scripts, so the web processes' Redis user
needs only those commands on its own keys, see deploy/redis-users.sh). Nothing else about a
request is written anywhere.

If Redis does not answer within `timeout`, the request is let through (a child is never
refused because a counter is down); nginx's own per-address limit still holds.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """`limit` is None when the request may go on; else "session" or "ip"."""

    limit: str | None = None
    retry_after: float = 0.0

    @property
    def ok(self) -> bool:
        return self.limit is None


ALLOWED = Verdict()


class RateLimiter:
    def __init__(
        self,
        redis_url: str,
        secret: str,
        *,
        prefix: str = "jaga",
        session: tuple[int, float] = (8, 10.0),
        ip: tuple[int, float] = (300, 60.0),
        timeout: float = 0.5,
    ) -> None:
        import redis.asyncio as redis

        if not secret or len(secret) < 32:
            raise ValueError("the rate-limit secret must have 32 or more characters")
        self._key = secret.encode()
        self.prefix = f"{prefix}:web:rl"
        self.session_limit = session
        self.ip_limit = ip
        self.timeout = timeout
        self._redis = redis.Redis.from_url(
            redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._warned_at = 0.0

    def _hash(self, kind: str, value: str) -> str:
        digest = hmac.new(self._key, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()
        return f"{self.prefix}:{kind}:{digest[:32]}"

    async def check(self, *, ip: str | None = None, session: str | None = None) -> Verdict:
        """Counts one request of `session` from `ip` (either may be None)."""
        counters = []
        if session:
            counters.append(("session", self._hash("s", session), self.session_limit))
        if ip:
            counters.append(("ip", self._hash("ip", ip), self.ip_limit))
        if not counters:
            return ALLOWED
        try:
            result = await asyncio.wait_for(self._count(counters), self.timeout)
        except Exception as error:  # noqa: BLE001 - a counter down never refuses a child
            now = time.monotonic()
            if now - self._warned_at > 60:  # once a minute, the error type only
                logger.warning(
                    "rate limits unavailable (%s); letting requests through", type(error).__name__
                )
                self._warned_at = now
            return ALLOWED
        for (name, _, (count, window)), (seen, left_ms) in zip(counters, result, strict=True):
            if seen > count:
                return Verdict(name, max(1.0, (left_ms if left_ms > 0 else window * 1000) / 1000))
        return ALLOWED

    async def _count(self, counters: list) -> list[tuple[int, int]]:
        """One transaction: each counter created with its window's expiry if new, then +1."""
        async with self._redis.pipeline(transaction=True) as pipe:
            for _, key, (_, window) in counters:
                pipe.set(key, 0, px=int(window * 1000), nx=True)
                pipe.incr(key)
                pipe.pttl(key)
            replies = await pipe.execute()
        result = []
        for index, (_, key, (_, window)) in enumerate(counters):
            seen, left_ms = int(replies[3 * index + 1]), int(replies[3 * index + 2])
            if left_ms < 0:  # no expiry (never expected): give it one, nothing is kept for ever
                await self._redis.pexpire(key, int(window * 1000))
            result.append((seen, left_ms))
        return result

    async def close(self) -> None:
        try:
            await self._redis.close()
            await self._redis.connection_pool.disconnect()
        except Exception:  # noqa: BLE001 - closing at shut-down must not fail
            pass
