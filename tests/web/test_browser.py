"""The classroom web chat in a real browser (Debian's Chromium through Playwright).

The real aiohttp server runs on a free loopback port with a scripted assistant; set
JAGA_WEB_REAL=1 to run the same tests against the real assistant (the trained model).
Screenshots go to reports/screenshots/ (and docs/img/demo.png for the README).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from bot.content.lessons import ROOT, Quiz
from bot.web.server import build_app

from .fakes import make_fake

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REAL = os.environ.get("JAGA_WEB_REAL") == "1"
SHOTS = ROOT / "reports" / "screenshots"
TIMEOUT_MS = 15_000 if REAL else 5_000

pytestmark = pytest.mark.timeout(120)


def _chromium_or_skip() -> str:
    if not CHROMIUM.exists():
        script = ROOT / "scripts" / "ensure-chromium.sh"
        subprocess.run(["bash", str(script)], check=False, timeout=600)
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium is not installed at /usr/bin/chromium and scripts/ensure-chromium.sh "
            "could not install it (needs root and Debian's apt-get)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright Python package is not installed")
    return str(CHROMIUM)


class LiveServer:
    """The real aiohttp app, served from a background thread on 127.0.0.1:<free port>."""

    def __init__(self, make_assistant=None) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.make_assistant = make_assistant  # called in the server's loop; else as below
        self.assistant = None
        self.runner = None
        self.url = ""

    async def _start(self) -> None:
        from aiohttp import web

        if self.make_assistant is not None:
            self.assistant = self.make_assistant()
        elif REAL:
            from bot.core.conversation import build_assistant
            from bot.core.settings import Settings

            self.assistant = await build_assistant(Settings.from_env(), stats=None)
        else:
            self.assistant = make_fake()
        self.runner = web.AppRunner(build_app(None, self.assistant))
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/"

    async def _stop(self) -> None:
        await self.runner.cleanup()
        await self.assistant.close()

    def start(self) -> LiveServer:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=120)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def server():
    live = LiveServer().start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser():
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Page:
    """A page with every request, console error and page error recorded."""

    def __init__(self, browser, server, **context_args):
        self.context = browser.new_context(**context_args)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        # Anything not addressed to our server is recorded above and then blocked here.
        self.context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(server.url) else route.abort()
            ),
        )
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(server.url)
        self.page.wait_for_selector("body[data-ready='true']")

    def close(self):
        self.context.close()


@pytest.fixture
def page(browser, server):
    p = Page(browser, server, viewport={"width": 1280, "height": 800})
    yield p
    p.close()


def bot_messages(page):
    return page.locator("#log .msg.bot:not(.typing)")


def send(page, text: str) -> None:
    before = bot_messages(page).count()
    page.fill("#msg", text)
    page.press("#msg", "Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#log .msg.bot:not(.typing)').length > n", arg=before
    )
    page.wait_for_function("() => !document.querySelector('#log .typing')")


# ------------------------------------------------------------------ tests


def test_page_loads_with_no_outside_request(page, server):
    p = page.page
    assert p.title().startswith("Jaga")
    assert (
        p.locator("#banner")
        .inner_text()
        .startswith("Demo — your chat is forgotten after an hour of quiet, never shared")
    )
    assert page.requests, "no request recorded"
    outside = [u for u in page.requests if not u.startswith(server.url)]
    assert not outside, f"requests outside 127.0.0.1: {outside}"
    assert not page.errors, page.errors  # includes any Content-Security-Policy violation
    session = p.evaluate("sessionStorage.getItem('jaga.session')")
    assert session.startswith("web:") and len(session) > 12
    base = p.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert base >= 20
    # a new page load is a new conversation
    p.reload()
    p.wait_for_selector("body[data-ready='true']")
    assert p.evaluate("sessionStorage.getItem('jaga.session')") != session


def test_chat_in_english_and_malay(page, server):
    p = page.page
    send(p, "hello")
    reply = bot_messages(p).nth(1).inner_text()
    assert reply.strip()
    if not REAL:
        assert "Jaga" in reply
        assert server.assistant.calls[-1][1:] == ("hello", "en")

    p.click("button[data-lang='ms']")
    assert p.get_attribute("html", "lang") == "ms"
    assert p.locator("#tab-scenarios").inner_text() == "Senario"
    assert "dilupakan selepas sejam senyap" in p.locator("#banner").inner_text()
    assert p.locator("button[data-lang='ms']").get_attribute("aria-pressed") == "true"
    send(p, "apa itu grooming")
    reply_ms = bot_messages(p).last.inner_text()
    assert reply_ms.strip()
    if not REAL:
        assert "kepercayaan" in reply_ms
        assert server.assistant.calls[-1][1:] == ("apa itu grooming", "ms")
    assert not page.errors, page.errors


def test_topic_and_reply_buttons(page, server):
    p = page.page
    topics = p.locator("#topics button")
    assert topics.count() == 8
    titles = topics.all_inner_texts()
    assert "Remove a photo online" in titles and "Cyberbullying" in titles
    before = bot_messages(p).count()
    topics.first.click()  # "What is grooming?" -> /ask_grooming
    p.wait_for_function(
        "n => document.querySelectorAll('#log .msg.bot:not(.typing)').length > n", arg=before
    )
    assert p.locator("#log .msg.user").last.inner_text().endswith("What is grooming?")
    if REAL:
        return
    link = p.locator("#log .reply-buttons a").first
    assert link.get_attribute("href") == "https://aduan.skmm.gov.my/"
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in link.get_attribute("rel")
    before = bot_messages(p).count()
    p.locator("#log .reply-buttons button", has_text="How to report").click()
    p.wait_for_function(
        "n => document.querySelectorAll('#log .msg.bot:not(.typing)').length > n", arg=before
    )
    assert server.assistant.calls[-1][1] == "/ask_report"
    assert "police station" in bot_messages(p).nth(before).inner_text()


def test_long_message_is_refused_kindly_and_chat_can_be_cleared(page, server):
    p = page.page
    calls = len(server.assistant.calls) if not REAL else 0
    p.fill("#msg", "x" * 4001)
    p.press("#msg", "Enter")
    p.wait_for_selector("#log .msg.note")
    assert "too long" in p.locator("#log .msg.note").last.inner_text()
    if not REAL:
        assert len(server.assistant.calls) == calls
    old = p.evaluate("sessionStorage.getItem('jaga.session')")
    p.click("#forget")
    p.wait_for_function("() => document.querySelectorAll('#log .msg').length === 1")
    assert p.evaluate("sessionStorage.getItem('jaga.session')") != old
    if not REAL:
        assert old in server.assistant.forgotten
    # typing /forget (as the privacy card suggests) clears the chat too
    send(p, "hello")
    second = p.evaluate("sessionStorage.getItem('jaga.session')")
    p.fill("#msg", "/forget")
    p.press("#msg", "Enter")
    p.wait_for_function("() => document.querySelectorAll('#log .msg').length === 1")
    assert p.evaluate("sessionStorage.getItem('jaga.session')") != second


def test_keyboard_only(page):
    p = page.page
    p.focus("#tab-chat")
    p.keyboard.press("ArrowRight")
    assert p.locator("#tab-scenarios").get_attribute("aria-selected") == "true"
    assert p.evaluate("document.activeElement.id") == "tab-scenarios"
    assert p.locator("#panel-scenarios").is_visible()
    p.keyboard.press("End")
    assert p.locator("#panel-parents").is_visible()
    p.keyboard.press("Home")
    assert p.locator("#panel-chat").is_visible()
    # every control has an accessible name
    unnamed = p.evaluate(
        """() => [...document.querySelectorAll('button, a, textarea')]
             .filter(e => !(e.getAttribute('aria-label') || e.textContent.trim()
                            || (e.labels && e.labels.length)))
             .map(e => e.outerHTML)"""
    )
    assert not unnamed, unnamed
    assert p.locator("#log").get_attribute("aria-live") == "polite"


def test_scenario_plays_to_the_end(page):
    p = page.page
    p.click("#tab-scenarios")
    cards = p.locator("#scenario-cards button")
    assert cards.count() >= 4
    cards.first.click()
    steps = 1
    pauses_seen = 0
    while p.locator("#scenario-next").is_visible():
        pauses_seen = max(pauses_seen, p.locator("#scenario-script .pause").count())
        p.click("#scenario-next")
        steps += 1
        assert steps < 50
    assert p.locator("#scenario-script li").count() == steps
    assert pauses_seen >= 2
    assert p.locator("#scenario-advice").is_visible()
    advice = p.locator("#scenario-advice").inner_text()
    assert "15999" in advice and "Source:" in advice
    assert p.locator("#scenario-progress").inner_text().startswith("Finished")
    p.screenshot(path=str(SHOTS / "scenario.png"))
    # the same scenario in Malay keeps its place
    p.click("button[data-lang='ms']")
    p.wait_for_function(
        "() => document.querySelector('#scenario-progress').textContent.startsWith('Tamat')"
    )
    assert p.locator("#scenario-advice h3").inner_text().startswith("Apa")
    p.click("#scenario-back")
    assert p.locator("#scenario-cards").is_visible()


def test_quiz_question_is_answered_and_scored(page):
    p = page.page
    quiz = Quiz.load()
    p.click("#tab-quiz")
    assert p.locator("#quiz-lead").inner_text().startswith(f"{len(quiz)} questions")
    p.click("#quiz-begin-quick")
    total = 10
    # question 1 right, question 2 wrong, all others right
    for i in range(total):
        assert p.locator("#quiz-progress").inner_text().startswith(f"Question {i + 1} of {total}")
        index = int(p.get_attribute("#quiz-options", "data-index"))
        right = quiz.answer(index)
        choice = right if i != 1 else (right + 1) % len(quiz.question(index).options)
        p.click(f"#quiz-options button[data-choice='{choice}']")
        p.wait_for_selector("#quiz-feedback .verdict")
        verdict = p.locator("#quiz-feedback .verdict").inner_text()
        assert verdict == ("Not quite." if i == 1 else "Correct!")
        if i == 0:
            assert "Score 1" in p.locator("#quiz-progress").inner_text()
            assert "Source:" in p.locator("#quiz-feedback").inner_text()
        if i == 1:
            assert p.locator("#quiz-options button.right").count() == 1
            assert p.locator("#quiz-options button.wrong").count() == 1
            p.screenshot(path=str(SHOTS / "quiz.png"))
        p.click("#quiz-next")
    assert p.locator("#quiz-score").inner_text() == f"You got {total - 1} out of {total}!"
    assert p.locator("#quiz-remember li").count() >= 3


def test_parents_panel(page):
    p = page.page
    p.click("#tab-parents")
    assert p.locator("#parents-sections .parent-section").count() >= 4
    text = p.locator("#panel-parents").inner_text()
    assert "Warning signs" in text and "first hour" in text.lower()
    p.click("button[data-lang='ms']")
    p.wait_for_function(
        "() => document.querySelector('#parents-title').textContent.startsWith('Untuk')"
    )
    p.screenshot(path=str(SHOTS / "parents.png"))


def test_screenshots_projector_and_phone(browser, server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk = Page(browser, server, viewport={"width": 1280, "height": 800})
    try:
        p = desk.page
        send(p, "hello")
        p.locator("#topics button").first.click()
        p.wait_for_function("() => document.querySelectorAll('#log .msg.user').length >= 2")
        p.wait_for_function("() => !document.querySelector('#log .typing')")
        p.wait_for_function(
            "() => document.querySelectorAll('#log .msg.bot:not(.typing)').length >= 3"
        )
        p.screenshot(path=str(SHOTS / "demo.png"))
        outside = [u for u in desk.requests if not u.startswith(server.url)]
        assert not outside and not desk.errors
    finally:
        desk.close()
    if os.environ.get("JAGA_UPDATE_README_SCREENSHOT"):  # refresh the README's picture
        img = ROOT / "docs" / "img"
        img.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHOTS / "demo.png", img / "demo.png")

    phone = Page(
        browser,
        server,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        p = phone.page
        send(p, "hello")
        overflow = p.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"page is {overflow}px wider than a 360px phone"
        assert p.locator("#msg").is_visible() and p.locator("#send").is_visible()
        p.screenshot(path=str(SHOTS / "demo-phone.png"))
        p.click("#tab-quiz")
        p.click("#quiz-begin-all")
        p.click("#quiz-options button[data-choice='0']")
        p.wait_for_selector("#quiz-feedback .verdict")
        overflow = p.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        p.screenshot(path=str(SHOTS / "quiz-phone.png"))
    finally:
        phone.close()
    assert (SHOTS / "demo.png").stat().st_size > 10_000
    assert (SHOTS / "demo-phone.png").stat().st_size > 10_000
