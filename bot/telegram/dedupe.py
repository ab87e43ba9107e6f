"""Which Telegram updates Jaga has already answered: update ids only, never text.

Telegram delivers an update again until it is acknowledged (polling: a later `getUpdates`
offset; webhook: a 200). Jaga acknowledges only after answering, so after a crash an update
that was answered but not yet acknowledged comes back. `DoneStore.seen()` lets the front end
skip it; `mark()` is called right after an update's replies were sent.

- `RedisDoneStore` (`REDIS_URL` set): `SET <prefix>:tg:done:<bot id>:<update_id> 1 NX EX 86400`
  (`REDIS_KEY_PREFIX`, default `jaga`)
  Shared by every front end of the bot, which webhook mode behind a balancer needs.
- `SqliteDoneStore` (default): `var/telegram-updates.sqlite`, one row per update id for 24 h.
  Survives a crash of this process; each host has its own.
- `MemoryDoneStore`: for tests; forgets everything on restart.

A store that fails (Redis down, disk full) never costs a child an answer: `seen()` then says
"not seen" (an answer twice is better than none) and `mark()` only logs.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path
from typing import Protocol

from bot.telegram.shared import REDIS_TIMEOUT, close, connect

logger = logging.getLogger(__name__)

KEEP_FOR = 86_400  # seconds; Telegram keeps an unacknowledged update for 24 h


class DoneStore(Protocol):
    async def seen(self, update_id: int) -> bool: ...
    async def mark(self, update_id: int) -> None: ...
    async def close(self) -> None: ...


class MemoryDoneStore:
    """In this process only (tests). `capacity` bounds memory; oldest ids go first."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self.ids: dict[int, float] = {}

    async def seen(self, update_id: int) -> bool:
        return update_id in self.ids

    async def mark(self, update_id: int) -> None:
        self.ids[update_id] = time.time()
        while len(self.ids) > self.capacity:
            del self.ids[next(iter(self.ids))]

    async def close(self) -> None:
        return None


class SqliteDoneStore:
    """A small local SQLite file (WAL). Rows older than `keep_for` seconds are deleted."""

    def __init__(self, path: Path, bot_id: int, *, keep_for: float = KEEP_FOR) -> None:
        self.path = Path(path)
        self.bot_id = bot_id
        self.keep_for = keep_for
        self._db: sqlite3.Connection | None = None
        self._marks = 0

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=2.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # survives a process crash
            db.execute(
                "CREATE TABLE IF NOT EXISTS done (bot_id INTEGER NOT NULL, "
                "update_id INTEGER NOT NULL, at REAL NOT NULL, PRIMARY KEY (bot_id, update_id))"
            )
            self._db = db
        return self._db

    async def seen(self, update_id: int) -> bool:
        try:
            row = (
                self._connect()
                .execute(
                    "SELECT 1 FROM done WHERE bot_id = ? AND update_id = ? AND at > ?",
                    (self.bot_id, update_id, time.time() - self.keep_for),
                )
                .fetchone()
            )
        except sqlite3.Error as error:
            logger.warning("Update store unreadable (%s); answering anyway", type(error).__name__)
            return False
        return row is not None

    async def mark(self, update_id: int) -> None:
        now = time.time()
        try:
            db = self._connect()
            db.execute(
                "INSERT OR REPLACE INTO done (bot_id, update_id, at) VALUES (?, ?, ?)",
                (self.bot_id, update_id, now),
            )
            self._marks += 1
            if self._marks % 500 == 1:
                db.execute("DELETE FROM done WHERE at <= ?", (now - self.keep_for,))
        except sqlite3.Error as error:
            logger.warning("Could not record update %s as answered (%s)", update_id, error)

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class RedisDoneStore:
    """`<prefix>:tg:done:<bot id>:<update_id>`, shared by all front ends of one bot."""

    def __init__(
        self, url: str, bot_id: int, *, keep_for: int = KEEP_FOR, prefix: str = "jaga"
    ) -> None:
        self.bot_id = bot_id
        self.keep_for = keep_for
        self.prefix = prefix
        self._redis = connect(url)

    def key(self, update_id: int) -> str:
        return f"{self.prefix}:tg:done:{self.bot_id}:{update_id}"

    async def seen(self, update_id: int) -> bool:
        try:
            return bool(
                await asyncio.wait_for(self._redis.exists(self.key(update_id)), REDIS_TIMEOUT)
            )
        except Exception as error:  # noqa: BLE001 - Redis down: answer rather than drop
            logger.warning("Redis unavailable (%s); answering anyway", type(error).__name__)
            return False

    async def mark(self, update_id: int) -> None:
        try:
            await asyncio.wait_for(
                self._redis.set(self.key(update_id), 1, nx=True, ex=self.keep_for), REDIS_TIMEOUT
            )
        except Exception as error:  # noqa: BLE001
            logger.warning(
                "Could not record update %s as answered (%s)", update_id, type(error).__name__
            )

    async def close(self) -> None:
        await close(self._redis)


DEFAULT_SQLITE = Path(__file__).resolve().parents[2] / "var" / "telegram-updates.sqlite"


def open_store(
    redis_url: str | None,
    bot_id: int,
    prefix: str = "jaga",
    sqlite_path: Path = DEFAULT_SQLITE,
) -> DoneStore:
    if redis_url:
        return RedisDoneStore(redis_url, bot_id, prefix=prefix)
    return SqliteDoneStore(sqlite_path, bot_id)
