"""The public web chat's page in a real browser (Debian's Chromium through Playwright),
behind its rate limits on the real Redis (skipped when Redis or Chromium is missing).

The production app (bot/web/production.py) runs on a free loopback port with a scripted
assistant; JAGA_WEB_REAL=1 uses the trained model instead (how docs/img/web-phone.png is
made: JAGA_WEB_REAL=1 JAGA_UPDATE_README_SCREENSHOT=1).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import uuid

import pytest

from bot.content.lessons import ROOT
from bot.core.settings import Settings
from bot.web.limits import RateLimiter
from bot.web.production import build_production_app

from . import test_browser
from .fakes import make_fake
from .test_browser import REAL, SHOTS, Page, bot_messages, send

chromium = test_browser.browser  # the classroom tests' Chromium fixture, under a name of its own

REDIS_URL = "redis://{}:{}/{}".format(
    os.environ.get("JAGA_TEST_REDIS_HOST", "127.0.0.1"),
    os.environ.get("JAGA_TEST_REDIS_PORT", "6379"),
    os.environ.get("JAGA_TEST_REDIS_DB", "7"),
)
SESSION_LIMIT = 4  # messages per session in 30 s: low, so a test can reach it
SETTINGS = Settings(
    web_public_url="https://chat.jaga.example.my",
    web_rate_secret="browser-test-" + "k" * 32,
    stats_db=None,
)

pytestmark = pytest.mark.timeout(180)


class LiveProductionServer:
    """build_production_app on 127.0.0.1:<free port>, from a background thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.prefix = "jagabrowser" + uuid.uuid4().hex[:10]
        self.url = ""

    async def _start(self) -> None:
        from aiohttp import web

        if REAL:
            from bot.core.conversation import build_assistant

            self.assistant = await build_assistant(Settings.from_env(), stats=None)
        else:
            self.assistant = make_fake()
        self.limiter = RateLimiter(
            REDIS_URL,
            SETTINGS.web_rate_secret,
            prefix=self.prefix,
            session=(SESSION_LIMIT, 30.0),
            ip=(10_000, 60.0),
        )
        await self.limiter._redis.ping()  # skipped below when Redis does not answer
        self.runner = web.AppRunner(build_production_app(SETTINGS, self.assistant, self.limiter))
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/"

    async def _stop(self) -> None:
        await self.runner.cleanup()
        keys = [k async for k in self.limiter._redis.scan_iter(match=f"{self.prefix}:*")]
        if keys:
            await self.limiter._redis.delete(*keys)
        await self.limiter.close()
        await self.assistant.close()

    def run(self, coroutine, timeout: float = 120):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=timeout)


@pytest.fixture(scope="module")
def server():
    live = LiveProductionServer()
    live.thread.start()
    try:
        live.run(live._start())
    except Exception as error:  # noqa: BLE001 - Redis not reachable
        live.loop.call_soon_threadsafe(live.loop.stop)
        pytest.skip(f"the production page needs Redis at {REDIS_URL} ({type(error).__name__})")
    yield live
    live.run(live._stop(), 30)
    live.loop.call_soon_threadsafe(live.loop.stop)
    live.thread.join(timeout=10)


PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True}


@pytest.fixture
def phone(chromium, server):
    p = Page(chromium, server, has_touch=True, **PHONE)
    yield p
    p.close()


def overflow(p) -> int:
    return p.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def in_view(p, selector: str) -> bool:
    box = p.locator(selector).bounding_box()
    size = p.viewport_size
    return bool(
        box
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"] + 0.5
        and box["y"] + box["height"] <= size["height"] + 0.5
    )


# --- tests --------------------------------------------------------------------------------------


def test_the_phone_page_with_leave_quickly_and_clear_always_in_view(phone, server):
    p = phone.page
    assert p.get_attribute("html", "data-mode") == "live"
    assert "Chats are forgotten after 1 hour of quiet" in p.locator("#banner").inner_text()
    assert "Demo" not in p.locator("#banner").inner_text()
    for tab in ("chat", "scenarios", "quiz", "parents", "chat"):
        p.click(f"#tab-{tab}")
        assert in_view(p, "#leave") and in_view(p, "#clear"), tab
        assert p.locator("#leave").inner_text() == "Leave quickly"
    assert not p.locator(".chat-tools #forget").is_visible()  # the bar has it
    SHOTS.mkdir(parents=True, exist_ok=True)
    send(p, "i'm 12" if REAL else "hello")
    send(p, "can i make an instagram account" if REAL else "apa itu grooming")
    assert overflow(p) <= 0, f"page is {overflow(p)}px wider than a 360px phone"
    assert p.locator("#msg").is_visible() and p.locator(".helplines").is_visible()
    p.screenshot(path=str(SHOTS / "web-phone.png"))
    outside = [u for u in phone.requests if not u.startswith(server.url)]
    assert not outside and not phone.errors, (outside, phone.errors)
    if os.environ.get("JAGA_UPDATE_README_SCREENSHOT"):  # the picture in docs/production.md
        shutil.copyfile(SHOTS / "web-phone.png", ROOT / "docs" / "img" / "web-phone.png")


def test_readable_at_320px(chromium, server):
    small = Page(chromium, server, viewport={"width": 320, "height": 640}, is_mobile=True)
    try:
        p = small.page
        send(p, "hello")
        assert overflow(p) <= 0, f"page is {overflow(p)}px wider than 320px"
        for selector in ("#leave", "#clear", "#msg", "#send"):
            assert in_view(p, selector), selector
        size = p.evaluate("parseFloat(getComputedStyle(document.querySelector('#msg')).fontSize)")
        assert size >= 16  # no zoom-on-focus, readable
        assert not small.errors, small.errors
    finally:
        small.close()


def test_leave_quickly_forgets_and_replaces_the_page_in_the_history(phone, server):
    p = phone.page
    send(p, "hello")
    session = p.evaluate("sessionStorage.getItem('jaga.session')")
    length = p.evaluate("history.length")
    p.click("#leave")
    p.wait_for_url("about:blank")
    assert p.evaluate("history.length") == length, "leaving added a history entry"
    p.go_back()
    assert p.url == "about:blank", "Back brought the chat up again"
    deadline = 50
    while session not in server.assistant.forgotten and deadline:
        p.wait_for_timeout(100)
        deadline -= 1
    assert session in server.assistant.forgotten


def test_clear_this_chat_from_the_bar_on_another_tab(phone, server):
    p = phone.page
    send(p, "hello")
    old = p.evaluate("sessionStorage.getItem('jaga.session')")
    p.click("#tab-quiz")
    p.click("#clear")
    p.wait_for_function("() => document.querySelectorAll('#log .msg').length === 1")
    assert p.evaluate("sessionStorage.getItem('jaga.session')") != old
    p.wait_for_timeout(300)
    assert old in server.assistant.forgotten


@pytest.mark.parametrize(
    "locale, lang, leave",
    [
        ("ms-MY", "ms", "Keluar cepat"),
        ("zh-CN", "zh", "快速离开"),
        ("ta-MY", "ta", "விரைவாக வெளியேறு"),
    ],
)
def test_the_page_speaks_the_browsers_language(chromium, server, locale, lang, leave):
    page = Page(chromium, server, locale=locale, **PHONE)
    try:
        p = page.page
        assert p.get_attribute("html", "lang").split("-")[0] == lang  # zh-Hans for zh
        assert p.locator("#leave").inner_text() == leave
        pressed = p.locator(f"button[data-lang='{lang}']").get_attribute("aria-pressed")
        assert pressed == "true"
        assert not page.errors, page.errors
    finally:
        page.close()


def test_without_javascript_the_helplines_are_shown(chromium, server):
    context = chromium.new_context(java_script_enabled=False, locale="ms-MY", **PHONE)
    try:
        p = context.new_page()
        p.goto(server.url)
        help_box = p.locator("#nojs")
        assert help_box.is_visible()
        text = help_box.inner_text()
        assert "999" in text and "15999" in text and "1-800-18-2327" in text
        assert "JavaScript" in text and "bantuan" in text  # in Malay, as the browser asks
        assert p.locator(".helplines").is_visible() and not p.locator("#panel-chat").is_visible()
        p.screenshot(path=str(SHOTS / "web-nojs.png"))
        # The form never puts a message in the address bar (and so in the history).
        # (nojs.css hides the chat; show it, as an old cached stylesheet would, and send.)
        p.evaluate("document.querySelector('main').style.display = 'block'")
        p.fill("#msg", "rahsia saya")
        with p.expect_navigation():
            p.click("#send")
        assert "rahsia" not in p.url and p.url.endswith("/nojs")
        assert "15999" in p.inner_text("body")
    finally:
        context.close()


def test_the_rate_limit_answers_kindly_in_the_chat(phone, server):
    p = phone.page
    for _ in range(SESSION_LIMIT):
        send(p, "hello")
    send(p, "hello")
    note = p.locator("#log .msg.note").last.inner_text()
    assert "999" in note and "15999" in note and "wait" in note
    assert len(bot_messages(p).all()) >= SESSION_LIMIT + 1
