"""The Telegram front end's pieces, without a server."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Chat, Message, User
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.core.replies import Button
from bot.telegram.app import api_urls, webhook_path
from bot.telegram.formatting import clean_text, escape, split_message, telegram_length
from bot.telegram.handlers.media import media_kind
from bot.telegram.keyboards import CallbackStore, button_key, inline_keyboard
from bot.telegram.ratelimit import FloodGuard, RetryingRateLimiter, Verdict
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
    short = "/ask_grooming"
    long_ = '/ask_parent_guidance{"topic":"warning_signs","ąćę":"' + "x" * 80 + '"}'
    for payload in (short, long_):
        data = store.encode(payload)
        assert len(data.encode()) <= 64
        assert store.decode(data) == payload
    assert store.encode(long_) == store.encode(long_)  # one id per payload
    assert store.decode("k:nope") is None and store.decode("junk") is None
    assert store.decode(None) is None


def test_signed_buttons_survive_a_restart_and_refuse_forgery():
    key = button_key("123:token")
    data = CallbackStore(key=key).encode("/ask_grooming")
    assert data.startswith("s:") and CallbackStore(key=key).decode(data) == "/ask_grooming"
    assert CallbackStore(key=button_key("456:other")).decode(data) is None  # another bot
    assert CallbackStore(key=key).decode(data.replace("grooming", "report")) is None
    assert CallbackStore(key=key).decode("p:/ask_grooming") is None  # unsigned, as before
    assert CallbackStore(key=key).decode("s:" + "\u00e9" * 11 + "/x") is None


def test_callback_store_forgets_least_recently_used():
    store = CallbackStore(capacity=2)
    data = [store.encode("/x" + str(i) * 70) for i in range(3)]
    assert store.decode(data[0]) is None
    assert store.decode(data[2]) is not None and len(store) == 2


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


def test_flood_guard_warns_once_then_drops_until_cooldown():
    now = [0.0]
    guard = FloodGuard(limit=8, window=10, cooldown=20, clock=lambda: now[0])
    verdicts = []
    for _ in range(12):
        verdicts.append(guard.check(1))
        now[0] += 0.5
    assert verdicts == [Verdict.OK] * 8 + [Verdict.WARN] + [Verdict.DROP] * 3
    assert guard.check(2) is Verdict.OK  # other users are not affected
    now[0] += 20
    assert guard.check(1) is Verdict.OK


def test_flood_guard_forgets_idle_users_and_spent_mutes():
    now = [0.0]
    guard = FloodGuard(limit=2, window=10, cooldown=20, clock=lambda: now[0])
    for user_id in range(50):  # fifty users each muted once
        for _ in range(3):
            guard.check(user_id)
    assert len(guard) == 50
    now[0] += 21
    guard.prune()
    assert len(guard) == 0
    guard.PRUNE_EVERY = 5  # and it prunes by itself as it goes
    for user_id in range(100, 103):
        guard.check(user_id)
    now[0] += 11
    for _ in range(2):
        guard.check(999)
    assert len(guard) == 1


def test_flood_guard_allows_a_steady_pace():
    now = [0.0]
    guard = FloodGuard(limit=8, window=10, clock=lambda: now[0])
    for _ in range(50):
        assert guard.check(1) is Verdict.OK
        now[0] += 1.5


# -- retries ---------------------------------------------------------------------------------


class Flaky:
    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> dict:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"ok": True}


async def run_limited(callback: Flaky, endpoint: str = "sendMessage", **kwargs):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    limiter = RetryingRateLimiter(sleep=sleep, **kwargs)
    result = await limiter.process_request(callback, (), {}, endpoint, {}, None)
    return result, waits


async def test_retry_after_waits_as_telegram_asks():
    flaky = Flaky(RetryAfter(3), RetryAfter(dtm.timedelta(seconds=1)))
    result, waits = await run_limited(flaky)
    assert result == {"ok": True} and waits == [3.0, 1.0]


async def test_network_errors_back_off_exponentially():
    flaky = Flaky(NetworkError("reset"), TimedOut(), NetworkError("reset"))
    _, waits = await run_limited(flaky, backoff=0.5)
    assert waits == [0.5, 1.0, 2.0] and flaky.calls == 4


@pytest.mark.parametrize(
    "error, endpoint, kwargs",
    [
        (BadRequest("chat not found"), "sendMessage", {}),
        (RetryAfter(120), "sendMessage", {}),  # longer than we would keep a child waiting
        (RetryAfter(1), "sendChatAction", {}),  # typing is cosmetic
        (NetworkError("down"), "sendMessage", {"max_retries": 0}),
    ],
)
async def test_errors_that_are_not_retried(error, endpoint, kwargs):
    with pytest.raises(type(error)):
        await run_limited(Flaky(error), endpoint, **kwargs)


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
