"""What the front ends of one bot share, so that any of them can take any update.

With `REDIS_URL` set, the state a turn needs lives in Redis (`persistence.py`: a person's
quiz round and whether their language was seeded; `flood.py`: the flood counts; `dedupe.py`:
the ids of answered updates), and nginx may send each update to any front end. Without it, the
same state lives in the one process (development, a single front end).

Keys are `<REDIS_KEY_PREFIX>:tg:<kind>:<hash>`: the hash is an HMAC-SHA256 of the Telegram id
with a key derived from the bot token (the same on every front end), never the id itself.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis.asyncio as aioredis

REDIS_TIMEOUT = 1.0  # seconds per Redis command: a child's answer never waits longer for it


def connect(url: str) -> aioredis.Redis:
    """A client for REDIS_URL (no I/O until the first command)."""
    import redis.asyncio as aioredis

    return aioredis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
    )


async def close(client: aioredis.Redis | None) -> None:
    if client is None:
        return
    try:
        await client.close()
        await client.connection_pool.disconnect()
    except Exception:  # noqa: BLE001 - closing at shutdown must not fail the stop
        pass


class Keys:
    """Redis keys and short marks for Telegram ids, hashed: nobody who reads Redis finds a child."""

    def __init__(self, prefix: str, secret: bytes) -> None:
        self.prefix = prefix
        self._secret = secret

    @classmethod
    def for_bot(cls, token: str, prefix: str = "jaga") -> Keys:
        secret = hmac.new(token.encode(), b"jaga-telegram-state", hashlib.sha256).digest()
        return cls(prefix, secret)

    def digest(self, ident: object) -> str:
        return hmac.new(self._secret, str(ident).encode(), hashlib.sha256).hexdigest()[:32]

    def __call__(self, kind: str, ident: object) -> str:
        return f"{self.prefix}:tg:{kind}:{self.digest(ident)}"

    def mark(self, ident: object) -> str:
        """A short hash of an id, for a value that must name a conversation (not a key)."""
        return self.digest(ident)[:12]
