"""Rasa's Redis tracker and lock stores for a test, under a key prefix of its own."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest

REDIS_HOST = os.environ.get("JAGA_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("JAGA_TEST_REDIS_PORT", "6379"))
REDIS_DB = int(os.environ.get("JAGA_TEST_REDIS_DB", "7"))


def redis_client(name: str) -> tuple[Any, str]:
    """A client of the test Redis and a fresh key prefix; skips the test without Redis."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=5)
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001 - any failure means "no Redis here"
        pytest.skip(f"needs Redis at {REDIS_HOST}:{REDIS_PORT} ({type(error).__name__})")
    return client, name + uuid.uuid4().hex[:12]


def stores(domain: Any, prefix: str) -> tuple[Any, Any]:
    """(tracker store, lock store) in Redis, as a Rasa replica opens them (record_exp set)."""
    from rasa.core.lock_store import RedisLockStore
    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot.rasa_adapter.tracker_store import AppendingRedisTrackerStore

    where = {"host": REDIS_HOST, "port": REDIS_PORT, "db": REDIS_DB, "key_prefix": prefix}
    redis_store = AppendingRedisTrackerStore(domain, record_exp=600, **where)
    tracker_store = FailSafeTrackerStore(redis_store)
    return tracker_store, RedisLockStore(**where)


def clean_up(client: Any, prefix: str) -> None:
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()
