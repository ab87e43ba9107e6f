"""The Telegram front end's pieces, without a server."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Chat, Message, User
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

from bot.core.replies import Button
from bot.telegram.app import api_urls, build_application, webhook_path
from bot.telegram.flood import FloodGuard, Limits, Verdict
from bot.telegram.formatting import clean_text, escape, split_message, telegram_length
from bot.telegram.handlers.media import media_kind
from bot.telegram.keyboards import PAYLOAD_LIMIT, CallbackStore, button_key, inline_keyboard
from bot.telegram.retry import RETRIES_AFTER_429, RETRIES_NOT_SENT, RateLimiter
from bot.telegram.turns import sender_id, telegram_lang

# -- formatting ------------------------------------------------------------------------------


def test_escape_neutralises_html():
    assert escape('<b>hi</b> & "you"') == '&lt;b&gt;hi&lt;/b&gt; &amp; "you"'


def test_split_prefers_paragraphs_then_lines():
    paragraphs = ["a" * 30, "b" * 30, "c" * 30]
    assert split_message("\n\n".join(paragraphs), limit=70) == [
        "a" * 30 + "\n\n" + "b" * 30,
        "c" * 30,
    ]
    assert split_message("x" * 10 + "\n" + "y" * 10, limit=16) == ["x" * 10, "y" * 10]


def test_split_counts_escaped_utf16_length():
    pieces = split_message("<" * 100 + "😀" * 100, limit=100)
    assert all(telegram_length(escape(p)) <= 100 for p in pieces)
    assert "".join(pieces) == "<" * 100 + "😀" * 100


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("ab <>&\n\u200b\u202e😀ش")) | st.characters(),
        max_size=600,
    ),
    st.integers(min_value=16, max_value=200),
)
def test_split_never_exceeds_the_limit_and_keeps_every_visible_character(text, limit):
    pieces = split_message(text, limit=limit)
    assert all(telegram_length(escape(p)) <= limit for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())
    assert all(html.unescape(escape(p)) == clean_text(p) for p in pieces)


# -- keyboards -------------------------------------------------------------------------------


def test_callback_data_fits_64_bytes_and_maps_back():
    store = CallbackStore()
    longest = '/ask_parent_guidance{"topic":"' + "x" * (PAYLOAD_LIMIT - 32) + '"}'
    assert len(longest.encode()) == PAYLOAD_LIMIT
    for payload in ("/ask_grooming", longest, '/change_language{"lang":"ta"}'):
        data = store.encode(payload)
        assert data is not None and len(data.encode()) <= 64
        assert store.decode(data) == payload
    assert store.decode("k:nope") is None and store.decode("junk") is None
    assert store.decode(None) is None


def test_a_payload_over_the_limit_is_left_out_of_the_keyboard(caplog):
    store = CallbackStore()
    too_long = "/ask_parent_guidance" + '{"topic":"ąćę"}' * 3
    assert store.encode(too_long) is None  # tools/check_data.py keeps these out of the repo
    markup = inline_keyboard(
        [Button("Too long", payload=too_long), Button("Menu", payload="/ask_help_menu")], store
    )
    assert markup is not None and [row[0].text for row in markup.inline_keyboard] == ["Menu"]
    assert "over 51 bytes" in caplog.text and "ąćę" not in caplog.text


def test_signed_buttons_survive_a_restart_and_refuse_forgery():
    key = button_key("123:token")
    data = CallbackStore(key=key).encode("/ask_grooming")
    assert data.startswith("s:") and CallbackStore(key=key).decode(data) == "/ask_grooming"
    assert CallbackStore(key=button_key("456:other")).decode(data) is None  # another bot
    assert CallbackStore(key=key).decode(data.replace("grooming", "report")) is None
    assert CallbackStore(key=key).decode("p:/ask_grooming") is None  # unsigned, as before
    assert CallbackStore(key=key).decode("s:" + "\u00e9" * 11 + "/x") is None


def test_keyboard_drops_buttons_telegram_would_refuse():
    markup = inline_keyboard(
        [
            Button("Menu", payload="/ask_help_menu"),
            Button("Site", url="https://example.org"),
            Button("Call", url="tel:999"),
            Button("Bad", url="javascript:alert(1)"),
        ],
        CallbackStore(),
    )
    assert markup is not None
    assert [row[0].text for row in markup.inline_keyboard] == ["Menu", "Site"]
    assert inline_keyboard([], CallbackStore()) is None


# -- flood control ---------------------------------------------------------------------------


async def test_flood_guard_warns_once_then_drops_until_cooldown():
    now = [0.0]
    guard = FloodGuard(Limits(limit=8, window=10, cooldown=20), clock=lambda: now[0])
    verdicts = []
    for _ in range(12):
        verdicts.append(await guard.check(1))
        now[0] += 0.5
    assert verdicts == [Verdict.OK] * 8 + [Verdict.WARN] + [Verdict.DROP] * 3
    assert await guard.check(2) is Verdict.OK  # other users are not affected
    now[0] += 20
    assert await guard.check(1) is Verdict.OK


async def test_flood_guard_forgets_idle_users_and_spent_mutes():
    now = [0.0]
    guard = FloodGuard(Limits(limit=2, window=10, cooldown=20), clock=lambda: now[0])
    for user_id in range(50):  # fifty users each muted once
        for _ in range(3):
            await guard.check(user_id)
    assert len(guard) == 50
    now[0] += 21
    guard.prune()
    assert len(guard) == 0
    guard.PRUNE_EVERY = 5  # and it prunes by itself as it goes
    for user_id in range(100, 103):
        await guard.check(user_id)
    now[0] += 11
    for _ in range(2):
        await guard.check(999)
    assert len(guard) == 1


async def test_flood_guard_allows_a_steady_pace():
    now = [0.0]
    guard = FloodGuard(Limits(limit=8, window=10), clock=lambda: now[0])
    for _ in range(50):
        assert await guard.check(1) is Verdict.OK
        now[0] += 1.5


# -- towards Telegram: PTB's rate limiter ----------------------------------------------------


def test_telegram_limits_are_ptbs_aio_rate_limiter():
    from bot.core.settings import Settings

    settings = Settings(telegram_token="123:abc", stats_db=None)
    application = build_application(settings, assistant=object())  # type: ignore[arg-type]
    limiter = application.bot.rate_limiter
    assert isinstance(limiter, AIORateLimiter)
    # Replies are not held to the 30 messages/s of bulk notifications; groups keep their limit.
    assert limiter._base_limiter is None and limiter._group_max_rate > 0
    assert application.persistence is None  # no REDIS_URL: user_data stays in memory


class Flaky:
    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> dict:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"ok": True}


async def send_through(limiter: AIORateLimiter, callback: Flaky):
    data = {"chat_id": 42, "text": "hi"}
    return await limiter.process_request(callback, (), {}, "sendMessage", data, None)


async def test_a_429_is_retried_after_the_wait_telegram_asks(monkeypatch):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("telegram.ext._aioratelimiter.asyncio.sleep", sleep)
    limiter = AIORateLimiter(max_retries=RETRIES_AFTER_429)
    flaky = Flaky(RetryAfter(3), RetryAfter(dtm.timedelta(seconds=1)))
    assert await send_through(limiter, flaky) == {"ok": True}
    assert [round(w, 1) for w in waits] == [3.1, 1.1] and flaky.calls == 3


def error_from(error: Exception, cause: Exception) -> Exception:
    error.__cause__ = cause
    return error


async def test_a_request_that_never_left_is_sent_again_after_a_pause():
    import httpx

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    flaky = Flaky(
        error_from(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")),
        error_from(TimedOut("pool"), httpx.PoolTimeout("full")),
    )
    assert await send_through(RateLimiter(sleep=sleep), flaky) == {"ok": True}
    assert waits == [0.5, 1.0] and flaky.calls == 3
    down = Flaky(*(NetworkError("x") for _ in range(9)))
    for error in down.errors:
        error.__cause__ = httpx.ConnectError("refused")
    with pytest.raises(NetworkError):
        await send_through(RateLimiter(sleep=sleep), down)
    assert down.calls == 1 + RETRIES_NOT_SENT


@pytest.mark.parametrize("cause", ["read timeout", "bad gateway", "connection reset while reading"])
async def test_a_send_that_may_have_arrived_is_never_sent_again(cause):
    import httpx

    error = {
        "read timeout": error_from(TimedOut(), httpx.ReadTimeout("slow")),
        "bad gateway": NetworkError("Bad Gateway"),
        "connection reset while reading": error_from(
            NetworkError("httpx.ReadError"), httpx.ReadError("reset")
        ),
    }[cause]
    flaky = Flaky(error)
    with pytest.raises(type(error)):
        await send_through(RateLimiter(), flaky)
    assert flaky.calls == 1


async def test_a_timed_out_message_is_never_sent_again():
    # It may have reached the child: sending it again would show the same bubble twice.
    flaky = Flaky(TimedOut())
    with pytest.raises(TimedOut):
        await send_through(AIORateLimiter(max_retries=RETRIES_AFTER_429), flaky)
    assert flaky.calls == 1


# -- small helpers ---------------------------------------------------------------------------


def test_api_urls_and_webhook_path():
    assert api_urls("http://127.0.0.1:8081/bot") == (
        "http://127.0.0.1:8081/bot",
        "http://127.0.0.1:8081/file/bot",
    )
    assert api_urls("http://127.0.0.1:8081/")[0] == "http://127.0.0.1:8081/bot"
    assert webhook_path("https://jaga.example/telegram/hook/") == "telegram/hook"
    assert webhook_path("https://jaga.example") == ""


def test_sender_ids_and_languages():
    private, group = Chat(42, Chat.PRIVATE), Chat(-100, Chat.SUPERGROUP)
    child = User(7, "Aisyah", False, language_code="ms-MY")
    assert sender_id(private, child) == "tg:42"
    assert sender_id(group, child) == "tg:-100:7"
    assert telegram_lang(child) == "ms"
    assert telegram_lang(User(8, "Ana", False, language_code="id")) == "ms"
    assert telegram_lang(User(9, "Tom", False, language_code="en-GB")) == "en"
    assert telegram_lang(None) == "en"


def test_media_kind_prefers_the_specific_kind():
    chat = Chat(1, Chat.PRIVATE)
    date = dtm.datetime.now(dtm.timezone.utc)
    animation = Message.de_json(
        {
            "message_id": 1,
            "date": int(date.timestamp()),
            "chat": chat.to_dict(),
            "animation": {
                "file_id": "a",
                "file_unique_id": "a",
                "width": 1,
                "height": 1,
                "duration": 1,
            },  # fmt: skip
            "document": {"file_id": "a", "file_unique_id": "a"},
        },
        None,
    )
    assert media_kind(animation) == "animation"


def test_module_has_no_event_loop_side_effects():
    # Importing the package must not start anything (factories only).
    import bot.telegram.app as app

    assert callable(app.build_application) and callable(app.main)
    assert asyncio.get_event_loop_policy() is not None


def test_main_without_token_exits_with_a_clear_message(monkeypatch):
    import bot.telegram.app as app
    from bot.core.settings import Settings

    monkeypatch.setattr(app.Settings, "from_env", classmethod(lambda cls: Settings()))
    monkeypatch.setattr(app, "configure_logging", lambda level: None)
    with pytest.raises(SystemExit, match="jaga: TELEGRAM_BOT_TOKEN is not set"):
        app.main()


def test_redis_url_setting_is_optional_and_validated():
    from bot.core.settings import Settings, SettingsError

    assert Settings.from_env({}).redis_url is None
    url = "redis://:pa55word@127.0.0.1:6379/0"
    settings = Settings.from_env({"REDIS_URL": url})
    assert settings.redis_url == url and "pa55word" not in repr(settings)
    assert Settings.from_env({"REDIS_URL": "unix:///run/redis.sock"}).redis_url
    for bad in ("http://:pw1@h:6379", "redis://:pw1@", "redis://:pw1@h:port/0", "redis://h/x"):
        with pytest.raises(SettingsError, match="REDIS_URL") as raised:
            Settings.from_env({"REDIS_URL": bad})
        assert "pw1" not in str(raised.value)  # the URL may carry a password


def test_no_module_of_the_telegram_front_end_imports_one_that_imports_it():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    modules = {}
    for path in (root / "bot" / "telegram").rglob("*.py"):
        name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    imports: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # lazy imports too
            if isinstance(node, ast.ImportFrom) and node.module:
                found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
        imports[name] = (found & modules.keys()) - {name}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in imports[start] - seen:
            if nxt == goal or reaches(nxt, goal, seen | {nxt}):
                return True
        return False

    assert [name for name in modules if reaches(name, name, set())] == []


# -- shared state when Redis does not answer -------------------------------------------------


async def test_without_redis_the_flood_guard_and_user_data_let_the_turn_go_on(caplog):
    from bot.telegram.flood import RedisFloodGuard
    from bot.telegram.persistence import RedisPersistence
    from bot.telegram.shared import Keys, close, connect

    client = connect("redis://127.0.0.1:1/0")  # nothing listens there
    keys = Keys.for_bot("123:abc", "jagatest")
    try:
        assert await RedisFloodGuard(client, keys).check(42) is Verdict.OK
        persistence = RedisPersistence(client, keys)
        data = {"quiz": {"round": 7, "order": [3, 1], "pos": 1, "score": 1}}
        await persistence.refresh_user_data(42, data)
        assert data["quiz"]["pos"] == 1  # this process's copy is kept
        await persistence.update_user_data(42, data)  # logged, not raised
    finally:
        await close(client)
    assert "Flood counts unavailable" in caplog.text and "Redis did not" in caplog.text
    assert "42" not in caplog.text


def test_redis_keys_are_hashes_of_the_ids():
    from bot.telegram.shared import Keys

    keys = Keys.for_bot("123:abc", "jaga")
    key = keys("user", 5551001)
    assert key.startswith("jaga:tg:user:") and "5551001" not in key
    assert key == Keys.for_bot("123:abc", "jaga")("user", 5551001)  # every front end agrees
    assert key != Keys.for_bot("456:def", "jaga")("user", 5551001)  # another bot does not
