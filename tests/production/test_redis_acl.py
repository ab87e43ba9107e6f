"""Jaga's Redis users (deploy/redis-users.sh) on a Redis of their own: each process reaches
its own keys and nothing else, and no password is ever an argument of a process.

A private `redis-server` on a free loopback port, started for this module only (skipped
when the binary is missing); the shared Redis of the other production tests is not touched.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import time

import pytest
from prod_helpers import ROOT, free_port

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")

SCRIPT = ROOT / "deploy" / "redis-users.sh"
RUN = ROOT / "deploy" / "run-production.sh"


@pytest.fixture(scope="module")
def acl_redis(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("redis-acl")
    passwords = {
        "REDIS_PASSWORD": secrets.token_urlsafe(32),
        "REDIS_FRONTEND_PASSWORD": secrets.token_urlsafe(32),
        "REDIS_WEB_PASSWORD": secrets.token_urlsafe(32),
    }
    acl = workdir / "users.acl"
    made = subprocess.run(
        ["sh", str(SCRIPT)],
        env={"PATH": os.environ["PATH"], "REDIS_KEY_PREFIX": "jagaacl", **passwords},
        capture_output=True,
        text=True,
        check=True,
    )
    acl.write_text(made.stdout)
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--aclfile", str(acl), "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=port, username="jaga-rasa",
                            password=passwords["REDIS_PASSWORD"]).ping()  # fmt: skip
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)
        yield port, passwords, made.stdout
    finally:
        server.terminate()
        server.wait(10)


def test_the_acl_file_holds_hashes_only(acl_redis):
    _, passwords, text = acl_redis
    for password in passwords.values():
        assert password not in text
    assert "user default off" in text
    assert len(re.findall(r" #[0-9a-f]{64} ", text)) == 3


def test_the_script_refuses_weak_or_shared_passwords():
    base = {"PATH": os.environ["PATH"]}
    for env in (
        {},
        {"REDIS_PASSWORD": "short", "REDIS_FRONTEND_PASSWORD": "x" * 40},
        {"REDIS_PASSWORD": "x" * 40, "REDIS_FRONTEND_PASSWORD": "x" * 40},
        {
            "REDIS_PASSWORD": "x" * 40,
            "REDIS_FRONTEND_PASSWORD": "y" * 40,
            "REDIS_KEY_PREFIX": "a:b",
        },
        {
            "REDIS_PASSWORD": "x" * 40,
            "REDIS_FRONTEND_PASSWORD": "y" * 40,
            "REDIS_WEB_PASSWORD": "x" * 40,
        },
    ):
        done = subprocess.run(["sh", str(SCRIPT)], env={**base, **env}, capture_output=True)
        assert done.returncode == 2 and not done.stdout, env


def test_without_a_user_nothing_is_allowed(acl_redis):
    import redis

    port, _, _ = acl_redis
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=port).get("jagaacl:tracker:x")


async def test_rasa_keeps_conversations_and_locks_and_reaches_nothing_else(acl_redis):
    import redis
    from rasa.core.lock_store import RedisLockStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_adapter.tracker_store import AppendingRedisTrackerStore

    port, passwords, _ = acl_redis
    login = {"port": port, "username": "jaga-rasa", "password": passwords["REDIS_PASSWORD"]}
    store = AppendingRedisTrackerStore(
        Domain.empty(), db=0, key_prefix="jagaacl", record_exp=60, **login
    )
    tracker = DialogueStateTracker.from_events("child", [UserUttered("hi [phone]")])
    await store.save(tracker)
    assert (await store.retrieve("child")).latest_message.text == "hi [phone]"
    locks = RedisLockStore(db=0, key_prefix="jagaacl", **login)
    async with locks.lock("child"):
        assert locks.get_lock("child") is not None
    assert locks.get_lock("child") is None  # removed at the end of the turn

    rasa = redis.Redis(**login)
    for forbidden in (
        lambda: rasa.get("jaga:tg:done:1:2"),  # the front ends' keys
        lambda: rasa.get("other"),
        lambda: rasa.keys("*"),
        lambda: rasa.flushdb(),
        lambda: rasa.config_get("*"),
        lambda: rasa.eval("return 1", 0),
    ):
        with pytest.raises(redis.exceptions.NoPermissionError):
            forbidden()


async def test_the_front_ends_record_update_ids_and_reach_nothing_else(acl_redis):
    import redis

    from bot.telegram.dedupe import RedisDoneStore

    port, passwords, _ = acl_redis
    url = f"redis://jaga-frontend:{passwords['REDIS_FRONTEND_PASSWORD']}@127.0.0.1:{port}/0"
    done = RedisDoneStore(url, bot_id=1, prefix="jagaacl")
    try:
        assert not await done.seen(42)
        await done.mark(42)
        assert await done.seen(42)
    finally:
        await done.close()
    await _front_end_state_works(url)
    front = redis.Redis.from_url(url)
    for forbidden in (
        lambda: front.get("jagaacl:tracker:child"),  # a conversation
        lambda: front.set("jagaacl:tracker:child", "x"),
        lambda: front.get("jagaacl:tg:done:1:42"),  # even its own keys: only EXISTS and SET
        lambda: front.keys("*"),
    ):
        with pytest.raises(redis.exceptions.NoPermissionError):
            forbidden()


async def _front_end_state_works(url: str) -> None:
    """A person's user_data and flood counts (bot/telegram/persistence.py, flood.py)."""
    from bot.telegram.flood import Limits, RedisFloodGuard, Verdict
    from bot.telegram.persistence import RedisPersistence
    from bot.telegram.shared import Keys, close, connect

    client, keys = connect(url), Keys.for_bot("1:x", "jagaacl")
    try:
        saved = RedisPersistence(client, keys)
        await saved.update_user_data(7, {"quiz": {"pos": 1}})
        loaded: dict = {}
        await RedisPersistence(client, keys).refresh_user_data(7, loaded)
        assert loaded == {"quiz": {"pos": 1}}
        await saved.update_user_data(7, {})
        claim = keys("claim", "7:quiz:1:2")  # persistence.claim
        assert await client.set(claim, 1, nx=True, ex=5)
        assert not await client.set(claim, 1, nx=True, ex=5)
        guard = RedisFloodGuard(client, keys, Limits(limit=1))
        verdicts = [await guard.check(7) for _ in range(3)]
        assert verdicts == [Verdict.OK, Verdict.WARN, Verdict.DROP]
    finally:
        await close(client)


async def test_the_web_chat_counts_its_rate_limits_and_reaches_nothing_else(acl_redis):
    import redis

    from bot.web.limits import RateLimiter

    port, passwords, _ = acl_redis
    url = f"redis://jaga-web:{passwords['REDIS_WEB_PASSWORD']}@127.0.0.1:{port}/0"
    limiter = RateLimiter(url, "k" * 40, prefix="jagaacl", session=(2, 5.0), ip=(50, 5.0))
    try:
        verdicts = [await limiter.check(ip="192.0.2.1", session="web:abcdefgh") for _ in range(3)]
        assert [v.limit for v in verdicts] == [None, None, "session"]  # counted, not failed open
    finally:
        await limiter.close()
    web = redis.Redis.from_url(url)
    for forbidden in (
        lambda: web.get("jagaacl:tracker:child"),  # a conversation
        lambda: web.get("jaga:tg:done:1:42"),
        lambda: web.keys("*"),
        lambda: web.eval("return 1", 0),
        lambda: web.flushdb(),
    ):
        with pytest.raises(redis.exceptions.NoPermissionError):
            forbidden()


def test_run_production_never_puts_a_redis_url_on_a_command_line():
    script = RUN.read_text()
    for command in re.findall(r"CMD=\((.*?)\)\s*;;", script, re.S):
        assert "REDIS_URL=" not in command and "PASSWORD=" not in command, command
    function = re.search(r"^frontend_redis_url\(\) \{.*?^\}", script, re.S | re.M).group(0)

    def url(**env: str) -> str:
        base = {"REDIS_HOST": "10.0.0.5", "REDIS_PORT": "6380", "REDIS_DB": "3"}
        return subprocess.run(
            ["bash", "-c", function + "\nfrontend_redis_url"],
            env={"PATH": os.environ["PATH"], **base, **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    assert url() == "redis://10.0.0.5:6380/3"
    assert url(REDIS_FRONTEND_PASSWORD="pw_1") == "redis://jaga-frontend:pw_1@10.0.0.5:6380/3"
    assert url(REDIS_URL="rediss://x@h/0", REDIS_FRONTEND_PASSWORD="pw") == "rediss://x@h/0"
