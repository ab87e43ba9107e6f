"""Two Telegram front ends and two assistants sharing one Redis, as deploy/run-production.sh
runs them: nginx sends each webhook update to either front end, with no chat affinity.

Both front ends are the real Application (bot/telegram/app.py, webhook mode) against the fake
Bot API; each has its own in-process Rasa (its own agent, conversations and locks in Redis,
like deploy/endpoints.redis.yml). Every update of one child goes to the other front end than
the one before, and the test checks nothing is stale, lost or repeated: each update answered
exactly once, quiz answers scored right, the flood limit counted across both, and the
conversation's language and context carried on.

Needs Redis at 127.0.0.1:6379 (skipped without it); every key it writes starts with a prefix
of its own, deleted at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import itertools
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from conftest import TOKEN

from bot.content.lessons import Quiz
from bot.core import messages
from bot.core.settings import ROOT, Settings
from bot.telegram.app import serve
from bot.telegram.delivery import SECRET_HEADER
from bot.telegram.handlers.quiz import ROUND_SIZE, parse_answer, summary
from bot.testing.fake_bot_api import FakeBotApi, callback_update, message_update, user

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 0
SECRET = "scale-out-secret_1"
HOOK = "https://jaga.example.org/telegram/hook"
TURN = 30.0  # seconds: the model answers in well under one; generous on a busy machine
CHILD = 5553001
GROOMING = "What is grooming?"  # a button of the English menu (domain.yml, utter_help_menu)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shown(text: str) -> str:
    return html.escape(text, quote=False)


@pytest.fixture(scope="module")
def redis_prefix() -> Iterator[str]:
    """A key prefix for this run only (letters and digits: Rasa ignores any other), and
    every key under it deleted at the end."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=5)
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001 - any failure means "no Redis here"
        pytest.skip(f"needs Redis at {REDIS_HOST}:{REDIS_PORT} ({type(error).__name__})")
    prefix = "jagascale" + secrets.token_hex(6)
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture(scope="module")
def backends(redis_prefix: str):
    """Two separately loaded models, each with its conversations and locks in Redis."""
    from rasa.core.lock_store import RedisLockStore
    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot.core.conversation import InProcessRasa
    from bot.rasa_adapter.tracker_store import AppendingRedisTrackerStore

    model = Path(ROOT / "models")
    where = {"host": REDIS_HOST, "port": REDIS_PORT, "db": REDIS_DB, "key_prefix": redis_prefix}
    loaded = []
    for _ in range(2):
        backend = InProcessRasa.load(Settings(model_path=model, stats_db=None))
        agent = backend.agent
        agent.tracker_store = agent.processor.tracker_store = FailSafeTrackerStore(
            AppendingRedisTrackerStore(agent.domain, record_exp=600, **where)
        )
        agent.lock_store = agent.processor.lock_store = RedisLockStore(**where)
        loaded.append(backend)
    return loaded


@dataclass
class FrontEnd:
    name: str
    url: str


class Balancer:
    """What nginx does in production: each update to the next front end, round robin.
    Like Telegram, the next update is sent once the last one was acknowledged (200)."""

    def __init__(self, api: FakeBotApi, front_ends: list[FrontEnd], http: aiohttp.ClientSession):
        self.api = api
        self.front_ends = front_ends
        self.http = http
        self._next = itertools.cycle(front_ends)
        self._update_ids = itertools.count(secrets.randbelow(10**6) * 1000 + 1)
        self.log: list[tuple[int, str]] = []  # (update id, front end)

    async def post(self, update: dict, front_end: FrontEnd | None = None) -> int:
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        front_end = front_end or next(self._next)
        self.log.append((update["update_id"], front_end.name))
        async with self.http.post(
            front_end.url,
            json=update,
            headers={SECRET_HEADER: SECRET},
            timeout=aiohttp.ClientTimeout(total=TURN + 5),
        ) as response:
            assert response.status == 200, f"{front_end.name} answered {response.status}"
        return update["update_id"]

    async def send_to_both(self, make_update, *, expect: int) -> list:
        """The same tap twice at once (a double tap), one copy to each front end."""
        before = len(self.api.sent(CHILD))
        await asyncio.gather(*(self.post(make_update(), f) for f in self.front_ends))
        await self.api.settle(0.2)
        sent = self.api.sent(CHILD)[before:]
        assert len(sent) == expect, [c.params["text"][:60] for c in sent]
        return sent

    async def send(self, update: dict, *, expect: int | None) -> list:
        """Post one update; return the messages it brought: `expect` of them (None: one or
        more), all sent before the 200, none after (nothing lost, nothing repeated)."""
        before = len(self.api.sent(CHILD))
        await self.post(update)
        answered = len(self.api.sent(CHILD))
        await self.api.settle(0.2)
        sent = self.api.sent(CHILD)[before:]
        assert len(sent) == answered - before, "a reply came after the update was acknowledged"
        if expect is None:
            assert sent, "no reply"
        else:
            assert len(sent) == expect, [c.params["text"][:60] for c in sent]
        return sent


@contextlib.asynccontextmanager
async def two_front_ends(api: FakeBotApi, backends, prefix: str) -> AsyncIterator[Balancer]:
    from bot.core.conversation import BaseAssistant

    stop = asyncio.Event()
    front_ends, tasks = [], []
    for name, backend in zip(("A", "B"), backends, strict=True):
        port = free_port()
        settings = Settings(
            telegram_token=TOKEN,
            telegram_api_url=api.api_url,
            webhook_url=HOOK,
            webhook_secret=SECRET,
            webhook_port=port,
            reply_timeout=TURN,
            stats_db=None,
            redis_url=f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            redis_key_prefix=prefix,
        )
        assistant = BaseAssistant(backend, timeout=TURN, stats=None)  # each its own
        ready = asyncio.Event()
        # No store given: each opens the Redis store of answered updates, as in production.
        tasks.append(asyncio.create_task(serve(settings, assistant, stop=stop, ready=ready)))
        await asyncio.wait_for(ready.wait(), 10)
        front_ends.append(FrontEnd(name, f"http://127.0.0.1:{port}/telegram/hook"))
    try:
        async with aiohttp.ClientSession() as http:
            yield Balancer(api, front_ends, http)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 15)
        for backend in backends:
            await backend.close()  # its background sweep belongs to this test's event loop


def keyboard(call) -> list[list[dict]]:
    return (call.params.get("reply_markup") or {}).get("inline_keyboard", [])


def button(call, title: str) -> str:
    for row in keyboard(call):
        if row[0]["text"] == title:
            return row[0]["callback_data"]
    raise AssertionError(f"no {title!r} button in {[r[0]['text'] for r in keyboard(call)]}")


def answer_for(quiz: Quiz, call, right: bool) -> str:
    data = [row[0]["callback_data"] for row in keyboard(call)]
    parsed = parse_answer(data[0])
    assert parsed is not None, data
    index = parsed[1]
    correct = quiz.answer(index)
    choice = correct if right else (correct + 1) % len(quiz.question(index).options)
    return data[choice]


async def test_a_conversation_and_a_quiz_round_alternating_between_two_front_ends(
    api, backends, redis_prefix
):
    quiz = Quiz.load()
    child = user(CHILD, language_code="en")  # the phone is in English; the child picks Malay
    messages_sent = itertools.count(1)

    def said(text: str) -> dict:
        return message_update(CHILD, text, from_user=child, message_id=next(messages_sent))

    async with two_front_ends(api, backends, redis_prefix) as balancer:
        # -- a conversation: A, B, A... --------------------------------------------------
        start = await balancer.send(said("/start"), expect=2)  # A: the menu and the card
        card = shown(messages.text("privacy_card", "en"))
        menu = next(call for call in start if keyboard(call))
        assert card in [call.params["text"] for call in start]
        malay = button(menu, "Bahasa Melayu")
        switched = await balancer.send(callback_update(CHILD, malay, from_user=child), expect=1)
        assert _lang_of_reply(switched[0].params["text"]) == "ms"  # B answered, in Malay
        for assistant_side in backends:  # both models read the one conversation
            assert await assistant_side.language(_alias(CHILD)) == "ms"

        # A: a button of the English menu (its payload says no language) is answered in
        # Malay: the seed from the phone's language_code was the first turn's only, wherever
        # that turn was taken, and the language is the conversation's, in Rasa's tracker.
        grooming = await balancer.send(
            callback_update(CHILD, button(menu, GROOMING), from_user=child), expect=None
        )
        assert all(_lang_of_reply(c.params["text"]) == "ms" for c in grooming), grooming

        # -- a quiz round: B starts it, then every answer on the other front end -----------
        (first,) = await balancer.send(said("/quiz"), expect=1)
        assert first.params["text"].startswith(shown(quiz.title["ms"]))  # in Malay, from Rasa
        current, score = first, 0
        for number in range(ROUND_SIZE):
            right = number % 3 != 0
            data = answer_for(quiz, current, right)
            tap = callback_update(CHILD, data, from_user=child)
            if number == 4:  # a double tap reaching both front ends at once: answered once
                again_and_again = functools.partial(callback_update, CHILD, data, from_user=child)
                sent = await balancer.send_to_both(again_and_again, expect=2)
            else:
                sent = await balancer.send(tap, expect=2)
            feedback = sent[0].params["text"]
            assert feedback.startswith("✅ Betul!" if right else "❌ Kurang tepat."), feedback
            score += right
            current = sent[1]
            # A second tap on the button just pressed, on the other front end: stale there too.
            again = await balancer.send(callback_update(CHILD, data, from_user=child), expect=0)
            assert again == []
        total = ROUND_SIZE
        assert current.params["text"] == shown(summary(quiz, score, total, "ms"))

        # -- the privacy card was shown once, whichever front end and model answered ------
        texts = [c.params["text"] for c in api.sent(CHILD)]
        assert texts.count(card) + texts.count(shown(messages.text("privacy_card", "ms"))) == 1

        # -- Telegram delivers an answered update again, to the other front end: skipped --
        update_id, name = balancer.log[-1]
        other = next(f for f in balancer.front_ends if f.name != name)
        before = len(api.sent(CHILD))
        retry = {"update_id": update_id, **said("what is grooming?")}
        await balancer.post(retry, other)
        await api.settle(0.2)
        assert len(api.sent(CHILD)) == before

    names = [name for _, name in balancer.log[:-1]]
    assert names[:2] == ["A", "B"] and all(a != b for a, b in itertools.pairwise(names))
    assert len(balancer.log) == 2 + 1 + 1 + 2 * ROUND_SIZE + 1 + 1  # every update was posted


async def test_the_flood_limit_counts_across_front_ends(api, backends, redis_prefix):
    flooder = CHILD + 1
    child = user(flooder, language_code="en")
    brought = []  # messages each update brought
    async with two_front_ends(api, backends, redis_prefix) as balancer:
        for number in range(12):
            before = len(api.sent(flooder))
            await balancer.post(message_update(flooder, f"hello {number}", from_user=child))
            brought.append([c.params["text"] for c in api.sent(flooder)[before:]])
        await api.settle(0.2)
    # Each front end saw six of them, yet the ninth is over the limit: one note, then silence.
    assert all(brought[:8]), brought
    assert brought[8] == [shown(messages.text("slow_down", "en"))]
    assert brought[9:] == [[], [], []]


def _alias(chat_id: int) -> str:
    from bot.core.conversation import DEVELOPMENT_ID_KEY, pseudonym

    return pseudonym(f"tg:{chat_id}", DEVELOPMENT_ID_KEY)


def _lang_of_reply(text: str) -> str | None:
    from components.lexicon import detect_language

    return detect_language(html.unescape(text))
