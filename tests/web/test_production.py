"""The public web chat (`python -m bot web --production`) in process, with a scripted
assistant and the real Redis for the rate limits (skipped only when Redis does not answer).

The two-process test on the real Rasa replicas is in tests/production/test_web_production.py.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import subprocess
import sys
import uuid
from dataclasses import replace
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.core.settings import ROOT, Settings, SettingsError
from bot.web import production
from bot.web.limits import RateLimiter
from bot.web.page import LivePage, Page, PageError, accept_language
from bot.web.server import STATIC_DIR, build_app

from .fakes import conversation_fake, make_fake

REDIS_HOST = os.environ.get("JAGA_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("JAGA_TEST_REDIS_PORT", "6379"))
REDIS_DB = int(os.environ.get("JAGA_TEST_REDIS_DB", "7"))
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
SECRET = "test-secret-" + "x" * 32
PUBLIC = "chat.jaga.example.my"
SETTINGS = Settings(
    web_public_url=f"https://{PUBLIC}",
    web_rate_secret=SECRET,
    web_leave_url="https://weather.example.my/",
    stats_db=None,
)


def session_id() -> str:
    return "web:" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def redis_sync():
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=3)
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001 - no Redis here
        pytest.skip(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT} ({error!r})")
    yield client
    client.close()


@pytest.fixture
def prefix(redis_sync):
    name = "jagawebtest" + uuid.uuid4().hex[:10]
    yield name
    keys = list(redis_sync.scan_iter(match=f"{name}:*"))
    if keys:
        redis_sync.delete(*keys)


def limiter(prefix: str, session=(3, 2.0), ip=(50, 2.0), url: str = REDIS_URL) -> RateLimiter:
    return RateLimiter(url, SECRET, prefix=prefix, session=session, ip=ip)


@pytest.fixture
async def fake():
    return make_fake()


@pytest.fixture
async def client(fake, prefix):
    limits = limiter(prefix)
    app = production.build_production_app(SETTINGS, fake, limits)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c
    await limits.close()


HEADERS = {"Host": PUBLIC, "Origin": f"https://{PUBLIC}"}


async def say(client, session: str, text: str = "hello", *, lang="en", ip=None, **headers):
    sent = {**HEADERS, **headers}
    if ip:
        sent["X-Real-IP"] = ip
    return await client.post(
        "/api/message", json={"session": session, "text": text, "lang": lang}, headers=sent
    )


# --- the language the browser asks for ----------------------------------------------------------


@pytest.mark.parametrize(
    "header, lang",
    [
        (None, "en"),
        ("", "en"),
        ("ms-MY,ms;q=0.9,en;q=0.8", "ms"),
        ("en-GB,en;q=0.9,ms;q=0.8", "en"),
        ("zh-CN,zh;q=0.9", "zh"),
        ("zh-Hant-TW", "zh"),
        ("ta-MY", "ta"),
        ("fr-FR,ms;q=0.5", "ms"),
        ("fr-FR,de;q=0.8", "en"),
        ("en;q=0.2,ta;q=0.9", "ta"),
        ("ms;q=oops,en", "en"),
        ("*", "en"),
        ("id-ID,id;q=0.9", "ms"),
    ],
)
def test_accept_language(header, lang):
    assert accept_language(header) == lang


# --- the page -----------------------------------------------------------------------------------


async def page(client, accept: str | None = None) -> tuple[aiohttp.ClientResponse, str]:
    headers = {"Host": PUBLIC}
    if accept:
        headers["Accept-Language"] = accept
    r = await client.get("/", headers=headers)
    return r, await r.text()


async def test_the_production_page_shows_the_quick_exit_and_no_demo_label(client):
    r, html = await page(client)
    assert r.status == 200 and r.headers["Vary"] == "Accept-Language"
    assert "'unsafe-inline'" not in r.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in r.headers  # no cookies, no accounts
    assert '<html lang="en" data-lang="en" data-mode="live">' in html
    assert '<div class="quick" id="quick">' in html  # shown: no `hidden`
    assert 'href="https://weather.example.my/"' in html and ">Leave quickly</a>" in html
    assert "Demo" not in html.split('class="banner-more"')[0].split('id="banner"')[1]
    assert "Chats are forgotten after 1 hour of quiet" in html


@pytest.mark.parametrize(
    "accept, words",
    [
        ("ms-MY,ms;q=0.9", ["Keluar cepat", "Padam chat ini", "bahaya sekarang: telefon"]),
        ("zh-CN,zh;q=0.9", ["快速离开", "清除这段聊天", "现在有危险：打"]),
        ("ta-MY,ta", ["விரைவாக வெளியேறு", "இந்த chat-ஐ அழி", "அழை"]),
    ],
)
async def test_the_page_speaks_the_language_the_browser_asks_for(client, accept, words):
    _, html = await page(client, accept)
    lang = accept[:2]
    assert f'<html lang="{lang}" data-lang="{lang}"' in html
    for word in words:
        assert word in html, word
    nojs = re.search(r'<div class="nojs" id="nojs">(.*?)</div>', html, re.S).group(1)
    assert "999" in nojs and "15999" in nojs and "1-800-18-2327" in nojs
    # A phone without JavaScript calls with one tap; no number breaks across lines.
    assert '<a class="tel" href="tel:1800182327">1-800-18-2327</a>' in nojs
    assert '<span class="tel">019-261 5999</span>' in nojs


async def test_without_javascript_the_form_posts_nowhere_near_the_address_bar(client):
    _, html = await page(client)
    assert 'id="composer" autocomplete="off" method="post" action="/nojs">' in html
    assert '<noscript><link rel="stylesheet" href="/static/nojs.css"></noscript>' in html
    r = await client.post(
        "/nojs", data={"msg": "a secret"}, headers={"Host": PUBLIC, "Accept-Language": "ms"}
    )
    text = await r.text()
    assert r.status == 200 and "a secret" not in text
    assert "999" in text and "15999" in text and 'lang="ms"' in text
    r = await client.get("/static/nojs.css", headers={"Host": PUBLIC})
    assert r.status == 200


async def test_the_classroom_demo_page_says_demo_and_hides_the_quick_exit(fake):
    app = build_app(None, fake)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        r = await c.get("/")
        html = await r.text()
        ms = await (await c.get("/", headers={"Accept-Language": "ms"})).text()
    assert html == Page().render("en")
    assert '<html lang="en" data-lang="en" data-mode="demo">' in html
    assert '<div class="quick" id="quick" hidden>' in html
    assert "Demo — your chat is forgotten after an hour of quiet, never shared" in html
    assert '<html lang="ms" data-lang="ms" data-mode="demo">' in ms and "Hantar" in ms
    nojs = re.search(r'<div class="nojs" id="nojs">(.*?)</div>', html, re.S).group(1)
    assert "999" in nojs and "15999" in nojs and "1-800-18-2327" in nojs


def test_a_page_the_server_cannot_fill_in_stops_the_start(tmp_path):
    broken = tmp_path / "index.html"
    broken.write_text(
        (STATIC_DIR / "index.html").read_text(encoding="utf-8").replace('id="leave"', 'id="x"')
    )
    with pytest.raises(PageError, match="leave"):
        LivePage(path=broken)


# --- names and origins --------------------------------------------------------------------------


async def test_only_the_public_name_and_loopback_are_answered(client):
    assert (await client.get("/api/health", headers={"Host": PUBLIC})).status == 200
    assert (await client.get("/api/health", headers={"Host": "127.0.0.1:8600"})).status == 200
    assert (await client.get("/", headers={"Host": "evil.example.com"})).status == 421
    r = await say(client, session_id(), Origin="https://evil.example.com")
    assert r.status == 403


async def test_a_message_is_answered_through_the_conversation_module(client, fake):
    session = session_id()
    r = await say(client, session, "hello", ip="203.0.113.9")
    assert r.status == 200
    data = await r.json()
    assert data["intent"] == "greet"
    assert fake.calls[-1] == (session, "hello", "en")
    assert r.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in r.headers


# --- rate limits --------------------------------------------------------------------------------


async def test_the_session_limit_refuses_kindly_with_the_helplines(client, fake, prefix):
    session = session_id()
    for _ in range(3):
        assert (await say(client, session, ip="203.0.113.10")).status == 200
    calls = len(fake.calls)
    r = await say(client, session, lang="ms", ip="203.0.113.10")
    assert r.status == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 2
    body = await r.json()
    assert body["limit"] == "session" and body["error"] == "rate_limited"
    assert "999" in body["message"] and "15999" in body["message"]
    assert "laju" in body["message"]  # in the chat's language (Malay)
    assert len(fake.calls) == calls, "a refused message must not reach the assistant"
    # Another tab (another session) on the same network still gets answers.
    assert (await say(client, session_id(), ip="203.0.113.10")).status == 200
    # Forgetting is never refused: "Clear this chat" and "Leave quickly" always work.
    forget = await client.post("/api/forget", json={"session": session}, headers=HEADERS)
    assert forget.status == 200


async def test_the_window_ends_and_the_session_may_talk_again(client):
    session = session_id()
    for _ in range(3):
        await say(client, session, ip="203.0.113.11")
    assert (await say(client, session, ip="203.0.113.11")).status == 429
    await asyncio.sleep(2.1)
    assert (await say(client, session, ip="203.0.113.11")).status == 200


async def test_the_address_limit_counts_every_api_request_of_a_network(fake, prefix):
    limits = limiter(prefix, session=(100, 2.0), ip=(5, 2.0))
    app = production.build_production_app(SETTINGS, fake, limits)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        for i in range(5):
            assert (await say(c, session_id(), ip="198.51.100.7")).status == 200, i
        r = await say(c, session_id(), ip="198.51.100.7", **{"Accept-Language": "zh-CN"})
        body = await r.json()
        assert r.status == 429 and body["limit"] == "ip"
        assert "999" in body["message"] and "15999" in body["message"]
        assert (await say(c, session_id(), ip="198.51.100.8")).status == 200  # another network
        # The page and the helplines are never behind the API limit.
        page = await c.get("/", headers={"Host": PUBLIC, "X-Real-IP": "198.51.100.7"})
        assert page.status == 200
    await limits.close()


async def test_only_keyed_hashes_that_expire_with_their_window_are_stored(
    client, redis_sync, prefix
):
    session = session_id()
    ip = "192.0.2.77"
    await say(client, session, ip=ip)
    keys = [k.decode() for k in redis_sync.scan_iter(match=f"{prefix}:*")]
    assert len(keys) == 2, keys
    for key in keys:
        assert re.fullmatch(rf"{prefix}:web:rl:(s|ip):[0-9a-f]{{32}}", key), key
        assert session[4:] not in key and ip not in key
        assert redis_sync.get(key) == b"1"  # a count, nothing else
        assert 0 < redis_sync.pttl(key) <= 2000
    await asyncio.sleep(2.2)
    assert not list(redis_sync.scan_iter(match=f"{prefix}:*")), "kept after the window"


async def test_all_web_processes_share_the_limits(fake, prefix):
    """Two apps (two processes in production) on one Redis: one session's budget in all."""
    apps = [
        production.build_production_app(SETTINGS, make_fake(), limiter(prefix)) for _ in range(2)
    ]
    session = session_id()
    statuses = []
    async with TestClient(TestServer(apps[0], host="127.0.0.1")) as a:
        async with TestClient(TestServer(apps[1], host="127.0.0.1")) as b:
            for i in range(5):
                statuses.append((await say((a, b)[i % 2], session, ip="192.0.2.5")).status)
    assert statuses == [200, 200, 200, 429, 429]
    for app in apps:
        await app[production.LIMITER_KEY].close()


async def test_when_redis_is_down_children_are_still_answered(fake, prefix, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    limits = limiter(prefix, url=f"redis://127.0.0.1:{dead}/0")
    app = production.build_production_app(SETTINGS, fake, limits)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        session = session_id()
        for _ in range(6):
            assert (await say(c, session, ip="192.0.2.6")).status == 200
    assert "rate limits unavailable" in caplog.text
    await limits.close()


def test_the_address_comes_from_nginx_only_on_loopback():
    def request(peer, real=None):
        headers = {"X-Real-IP": real} if real else {}
        return SimpleNamespace(remote=peer, headers=headers)

    assert production.client_address(request("127.0.0.1", "203.0.113.5")) == "203.0.113.5"
    assert production.client_address(request("::1", "2001:db8::1")) == "2001:db8::1"
    assert production.client_address(request("203.0.113.9", "10.0.0.1")) == "203.0.113.9"
    assert production.client_address(request("127.0.0.1")) == "127.0.0.1"
    assert production.client_address(request("127.0.0.1", "not an address")) is None


# --- several processes, one conversation ------------------------------------------------------


async def test_no_process_deletes_a_conversation_another_process_serves():
    """Several web processes serve one conversation (Rasa on Redis keeps it, and expires it
    itself): none of them forgets it on its own; only "Clear this chat" deletes it."""
    from bot.core.conversation import BaseAssistant

    one = conversation_fake()
    two = BaseAssistant(one._backend)  # a second process in front of the same Rasa
    await one.respond("web:tab-aaaaaaaa", "hi")  # the first message reaches process one
    for _ in range(5):  # then process two serves it
        await two.respond("web:tab-aaaaaaaa", "hi")
    await one.respond("web:tab-bbbbbbbb", "hi")
    assert one.forgotten == []
    await one.forget("web:tab-aaaaaaaa")  # "Clear this chat" still deletes it everywhere
    assert one.forgotten == ["web:tab-aaaaaaaa"]
    await one.close()


# --- sizes, slow clients, logs ------------------------------------------------------------------


async def test_a_body_over_the_size_limit_is_refused(client):
    r = await client.post(
        "/api/message",
        data=b'{"session": "web:abcdefgh", "text": "' + b"x" * 70_000 + b'"}',
        headers={**HEADERS, "Content-Type": "application/json"},
    )
    assert r.status == 413


async def test_a_slow_client_is_cut_off(fake, prefix, monkeypatch):
    monkeypatch.setattr(production, "BODY_TIMEOUT", 0.5)
    limits = limiter(prefix)
    runner = web.AppRunner(production.build_production_app(SETTINGS, fake, limits))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"POST /api/message HTTP/1.1\r\nHost: {PUBLIC}\r\nContent-Type: application/json\r\n"
            "Content-Length: 100\r\n\r\n{".encode()
        )
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 5)
        assert b" 408 " in status
        writer.close()
    finally:
        await runner.cleanup()
        await limits.close()


def test_the_access_log_has_no_address_and_no_query(caplog):
    logger = production.QuietAccessLogger(logging.getLogger("jaga.test.access"), "")
    request = SimpleNamespace(method="GET", path="/api/quiz", remote="203.0.113.50")
    with caplog.at_level(logging.INFO, logger="jaga.test.access"):
        logger.log(request, SimpleNamespace(status=200), 0.01)
    assert caplog.messages == ["GET /api/quiz 200 0.010s"]


# --- settings and the command -------------------------------------------------------------------


def test_production_refuses_to_start_without_what_it_needs():
    with pytest.raises(SettingsError, match="RASA_URL, REDIS_URL"):
        production.check_settings(SETTINGS)
    ready = replace(SETTINGS, rasa_url="http://127.0.0.1:5000", redis_url=REDIS_URL)
    production.check_settings(ready)
    with pytest.raises(SettingsError, match="WEB_RATE_SECRET"):
        production.check_settings(replace(ready, web_rate_secret="short"))


def test_web_settings_are_read_from_the_environment():
    s = Settings.from_env(
        {
            "WEB_PUBLIC_URL": "https://chat.jaga.example.my",
            "WEB_PORT": "8601",
            "WEB_RATE_SESSION": "5/20",
            "WEB_RATE_IP": "100/60",
            "REDIS_KEY_PREFIX": "jagaprod",
        },
        dotenv=False,
    )
    assert (s.web_port, s.web_session_limit, s.web_ip_limit) == (8601, (5, 20.0), (100, 60.0))
    assert s.redis_key_prefix == "jagaprod" and s.web_leave_url == "about:blank"
    for bad in ({"WEB_PUBLIC_URL": "http://chat.example"}, {"WEB_RATE_IP": "lots"}):
        with pytest.raises(SettingsError):
            Settings.from_env(bad, dotenv=False)


def test_the_command_explains_missing_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RASA_", "WEB_", "REDIS_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "web", "--production"],
        cwd=ROOT,
        env={**env, "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "RASA_URL" in result.stderr and "docs/production.md" in result.stderr
