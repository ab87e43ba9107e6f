"""Every update answered exactly once across crashes and restarts (bot/telegram/delivery.py),
over real HTTP against the fake Bot API, which re-serves unacknowledged updates like Telegram.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from scripted_assistant import ScriptedAssistant
from test_telegram_bot import CHILD, free_port, running, settings_for

from bot.telegram.app import serve
from bot.telegram.dedupe import MemoryDoneStore, RedisDoneStore, SqliteDoneStore
from bot.telegram.delivery import SECRET_HEADER
from bot.testing.fake_bot_api import BOT_ID, FakeBotApi, message_update

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BASE_CHAT = 6_600_000


def echoes(api: FakeBotApi) -> Counter[str]:
    """How often each "(en) You said: <text>" answer was sent."""
    return Counter(c.params["text"] for c in api.sent() if "You said" in c.params["text"])


def answered_texts(api: FakeBotApi) -> set[str]:
    return {text.rsplit(": ", 1)[1] for text in echoes(api)}


# -- polling: a crash, then a restart --------------------------------------------------------


async def _start_process(api: FakeBotApi, store: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL", "REDIS_URL"):
        env.pop(name, None)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE / "front_end_process.py"),
        api.api_url,
        str(store),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_killed_mid_batch_then_restarted_answers_every_update_exactly_once(api, tmp_path):
    store = tmp_path / "updates.sqlite"
    slow = api.push(message_update(BASE_CHAT, "slow one"))["update_id"]
    texts = ["slow one"]
    for number in range(1, 31):
        texts.append(f"message {number}")
        api.push(message_update(BASE_CHAT + number, texts[-1]))
    process = await _start_process(api, store)
    try:
        # The fast updates above the slow one are answered; the slow one is still running.
        # (Killed between a reply and its record, an update would be answered twice: that
        # window of a few milliseconds is left out here, see docs/telegram.md.)
        await api.wait_for(lambda: len(echoes(api)) == 30, timeout=15, what="30 answers")
        await asyncio.sleep(0.2)
        assert "slow one" not in answered_texts(api)
        process.kill()  # SIGKILL: no shutdown code runs
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    before = answered_texts(api)
    # Never acknowledged past the unfinished slow update, though later ones were answered.
    assert all(offset is None or offset <= slow for offset in api.offsets())

    restarted = ScriptedAssistant()
    served_before = len(api.served)
    async with running(api, restarted, store=SqliteDoneStore(store, BOT_ID)):
        await api.wait_for(lambda: answered_texts(api) == set(texts), timeout=10, what="all")
        await api.settle(0.3)
    counts = echoes(api)
    assert len(counts) == len(texts) and set(counts.values()) == {1}, counts
    # The restarted front end got the 30 answered updates again, skipped them, and answered
    # only the slow one.
    assert before == set(texts) - {"slow one"}
    assert restarted.texts() == ["slow one"]
    assert len(api.served[served_before]) == 31


async def test_redelivered_answered_update_is_skipped_and_acknowledged(api):
    store = MemoryDoneStore()
    answered = api.push(message_update(CHILD, "answered before a crash"))
    fresh = api.push(message_update(CHILD + 1, "new message"))
    await store.mark(answered["update_id"])
    assistant = ScriptedAssistant()
    async with running(api, assistant, store=store):
        await api.wait_sent(CHILD + 1, 1)
        await api.wait_for(
            lambda: (api.offsets()[-1] or 0) > fresh["update_id"], what="acknowledgement"
        )
        await api.settle(0.2)
    assert assistant.texts() == ["new message"]
    assert api.sent(CHILD) == []
    assert await store.seen(fresh["update_id"])


async def test_one_chat_in_order_other_chats_not_held_up(api):
    class SlowFirst(ScriptedAssistant):
        async def respond(self, sender_id, text, *, lang=None, metadata=None):
            await asyncio.sleep(0.6 if text == "first" else 0.0)
            return await super().respond(sender_id, text, lang=lang, metadata=metadata)

    assistant = SlowFirst()
    api.push(message_update(CHILD, "first"))
    api.push(message_update(CHILD, "second", message_id=2))
    api.push(message_update(CHILD + 1, "other chat"))
    async with running(api, assistant):
        sent = await api.wait_sent(CHILD, 2)
        other = await api.wait_sent(CHILD + 1, 1)
    assert [c.params["text"] for c in sent] == ["(en) You said: first", "(en) You said: second"]
    assert other[0].at < sent[0].at  # not held up behind the slow chat


# -- shutdown --------------------------------------------------------------------------------


async def test_shutdown_is_bounded_and_unfinished_updates_come_back(api):
    store = MemoryDoneStore()
    chats = [BASE_CHAT + 100 + n for n in range(30)]
    for chat in chats:
        for number in range(3):  # three per chat, in order: most wait behind the first
            api.push(message_update(chat, f"{chat}-{number}", message_id=number + 1))
    api.hang("sendMessage")  # every turn is stuck sending its reply
    assistant = ScriptedAssistant()
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(settings_for(api), assistant, stop=stop, ready=ready, poll_timeout=1, store=store)
    )
    await asyncio.wait_for(ready.wait(), 5)
    await api.wait_for(lambda: len(api.called("sendMessage")) >= 30, what="30 turns in flight")
    started = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, 10)
    took = time.monotonic() - started
    stopped_at = time.monotonic()
    calls_at_stop = len(api.calls)
    await asyncio.sleep(0.3)
    assert took < 7, f"shutdown took {took:.1f} s"
    assert len(api.calls) == calls_at_stop  # nothing after the stop, no "typing..." either
    assert not [c for c in api.called("sendChatAction") if c.at > stopped_at]
    assert len(assistant.calls) == 30  # turns waiting behind their chat were never started
    assert api.sent() == []

    api.hang("sendMessage", None)
    restarted = ScriptedAssistant()
    async with running(api, restarted, store=store):
        await api.wait_for(lambda: len(api.sent()) == 90, timeout=10, what="90 answers")
        await api.settle(0.2)
    counts = echoes(api)
    assert len(counts) == 90 and set(counts.values()) == {1}
    for chat in chats:  # still in order within each chat
        order = [c.params["text"].rsplit(": ", 1)[1] for c in api.sent(chat)]
        assert order == [f"{chat}-{n}" for n in range(3)]


# -- webhook ---------------------------------------------------------------------------------

SECRET = "s3cret-Token_1"


async def test_webhook_acknowledges_only_after_replying_and_skips_duplicates(api):
    port = free_port()
    assistant = ScriptedAssistant(delay=0.3)
    webhook = dict(
        webhook_url="https://jaga.example.org/telegram/hook",
        webhook_secret=SECRET,
        webhook_port=port,
    )
    url = f"http://127.0.0.1:{port}/telegram/hook"
    update = {"update_id": 424242, **message_update(CHILD, "hello")}
    async with running(api, assistant, **webhook), aiohttp.ClientSession() as http:
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 403
        assert assistant.calls == []

        headers = {SECRET_HEADER: SECRET}
        started = time.monotonic()
        async with http.post(url, json=update, headers=headers) as response:
            acknowledged = time.monotonic()
            assert response.status == 200
            # The reply had already gone out when Telegram got its 200.
            [reply] = api.sent(CHILD)
            assert reply.params["text"] == "(en) You said: hello"
        assert acknowledged - started >= 0.3

        # Telegram retries (its 200 was lost): answered once, acknowledged again.
        async with http.post(url, json=update, headers=headers) as response:
            assert response.status == 200
        # Two copies at once: one turn, both acknowledged when it is done.
        twin = {"update_id": 424243, **message_update(CHILD, "twice", message_id=2)}
        responses = await asyncio.gather(
            *(http.post(url, json=twin, headers=headers) for _ in range(2))
        )
        assert [r.status for r in responses] == [200, 200]
        for response in responses:
            response.release()
        async with http.post(url, data=b"not json", headers=headers) as response:
            assert response.status == 400
        await api.settle(0.2)
    assert assistant.texts() == ["hello", "twice"]
    assert len(api.sent(CHILD)) == 2


async def test_webhook_stop_is_bounded_and_unanswered_requests_are_not_acknowledged(api):
    port = free_port()
    assistant = ScriptedAssistant()
    webhook = dict(
        webhook_url="https://jaga.example.org/telegram/hook",
        webhook_secret=SECRET,
        webhook_port=port,
    )
    url = f"http://127.0.0.1:{port}/telegram/hook"
    api.hang("sendMessage")
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        serve(
            settings_for(api, **webhook),
            assistant,
            stop=stop,
            ready=ready,
            store=MemoryDoneStore(),
            grace=1.0,
        )
    )
    await asyncio.wait_for(ready.wait(), 5)
    async with aiohttp.ClientSession() as http:

        async def post(number: int) -> int:
            update = {"update_id": 9000 + number, **message_update(CHILD + number, "hi")}
            try:
                async with http.post(url, json=update, headers={SECRET_HEADER: SECRET}) as r:
                    return r.status
            except aiohttp.ClientError:
                return 0  # connection closed: not acknowledged either

        posts = [asyncio.create_task(post(n)) for n in range(5)]
        await api.wait_for(lambda: len(api.called("sendMessage")) == 5, what="5 stuck turns")
        started = time.monotonic()
        stop.set()
        await asyncio.wait_for(task, 5)
        assert time.monotonic() - started < 3
        statuses = await asyncio.gather(*posts)
    assert 200 not in statuses  # Telegram will deliver all five again


# -- the Redis store -------------------------------------------------------------------------


async def test_redis_store_set_nx_with_a_day_to_live():
    redis = pytest.importorskip("redis.asyncio")
    url = os.environ.get("JAGA_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
    probe = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        await probe.ping()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"no Redis at {url} ({type(error).__name__})")
    bot_id = 900_000_000 + os.getpid()
    store = RedisDoneStore(url, bot_id)
    key = f"jaga:tg:done:{bot_id}:77"
    try:
        assert not await store.seen(77)
        await store.mark(77)
        assert await store.seen(77)
        assert await probe.get(key) == b"1"
        assert 86_000 < await probe.ttl(key) <= 86_400
        await store.mark(77)  # NX: a second mark changes nothing
        assert await store.seen(77)
    finally:
        await probe.delete(key)
        await probe.close()
        await store.close()


async def test_unreachable_redis_means_answer_rather_than_drop():
    store = RedisDoneStore("redis://127.0.0.1:1/0", 1)
    try:
        assert not await store.seen(5)
        await store.mark(5)  # logs, does not raise
    finally:
        await store.close()


async def test_sqlite_store_survives_reopening_and_is_per_bot(tmp_path):
    path = tmp_path / "var" / "updates.sqlite"
    first = SqliteDoneStore(path, 1)
    await first.mark(10)
    await first.close()
    again, other_bot = SqliteDoneStore(path, 1), SqliteDoneStore(path, 2)
    assert await again.seen(10) and not await again.seen(11)
    assert not await other_bot.seen(10)
    await again.close()
    await other_bot.close()
