"""Fixtures for the production tests: a real Redis, and Rasa servers started the way
`deploy/run-production.sh` starts them in production.

Everything runs on loopback. The tests use Redis database `JAGA_TEST_REDIS_DB` (7) and a key
prefix of their own, and delete only their own keys. They are skipped, with a message, only
when Redis does not answer. The model is `JAGA_MODEL` or `models/jaga.tar.gz` (`make test`
trains it first).
"""

from __future__ import annotations

import time

import pytest
from prod_helpers import (
    REDIS_HOST,
    REDIS_PORT,
    Cluster,
    delete_prefix,
    model_path,
    redis_client,
)


@pytest.fixture(scope="session")
def redis_db():
    client = redis_client()
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001 - any failure means "no Redis here"
        pytest.skip(
            f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT} ({type(error).__name__}); "
            "the production tests need a real Redis (apt-get install redis-server, or set "
            "JAGA_TEST_REDIS_HOST/JAGA_TEST_REDIS_PORT)"
        )
    yield client
    client.close()


@pytest.fixture(scope="module")
def cluster(redis_db, tmp_path_factory):
    model = model_path()
    started = time.monotonic()
    cluster = Cluster(tmp_path_factory.mktemp("production"), model)
    try:
        cluster.start()
        cluster.start_seconds = time.monotonic() - started
        yield cluster
    finally:
        cluster.stop()
        delete_prefix(redis_db, cluster.prefix)
        delete_prefix(redis_db, cluster.ttl_prefix)
