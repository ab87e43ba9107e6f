"""The web chat's JSON API, through aiohttp's test client (no browser, no model)."""

from __future__ import annotations

import json
import logging
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.content.lessons import Quiz, source_titles
from bot.core import messages
from bot.web.server import MAX_MESSAGE_CHARS, STATIC_DIR, build_app

from .fakes import conversation_fake, make_fake

SESSION = "web:AbCdEfGh12345678"
DATA_BLOCK = '<script type="application/json" id="jaga-texts">'


@pytest.fixture
async def fake():
    return make_fake()


@pytest.fixture
async def client(fake):
    app = build_app(None, fake)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


async def post(client, path, body, **kw):
    return await client.post(path, json=body, **kw)


async def test_index_is_served_with_security_headers(client):
    r = await client.get("/")
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/html")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    html = await r.text()
    assert "Demo — your chat is forgotten after an hour of quiet, never shared" in html


async def test_static_files_have_no_inline_script_and_no_outside_address(client):
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    served = await (await client.get("/")).text()
    for html in (template, served):
        # Scripts come from /static/; the one inline block is the texts, JSON that never runs.
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert 'src="/static/' in tag or tag == DATA_BLOCK, tag
        code = html.replace(DATA_BLOCK, "<script>", 1).split("<script>", 1)[-1]
        assert not re.search(r"<script\b[^>]*>\s*[^<\s]", code), "inline script"
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"
        assert " style=" not in html, "inline style (blocked by the CSP)"
    texts = re.search(DATA_BLOCK + r"(.*?)</script>", served, re.S).group(1)
    assert "</" not in texts and json.loads(texts)["langs"]["ms"]["send"] == "Hantar"
    for name in ("index.html", "app.css"):
        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), name
        assert "@import" not in text and "@font-face" not in text
    js = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    assert not re.search(r"fetch\(\s*[\"'`]https?:", js)
    assert ".innerHTML" not in js and "eval(" not in js
    for name in ("app.css", "app.js", "favicon.svg"):
        r = await client.get(f"/static/{name}")
        assert r.status == 200, name


async def test_message_returns_the_turn(client, fake):
    r = await post(client, "/api/message", {"session": SESSION, "text": "hello", "lang": "en"})
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Cache-Control"] == "no-store"
    data = await r.json()
    assert set(data) >= {"text", "intent", "confidence", "lang", "replies"}
    assert data["intent"] == "greet"
    assert "Jaga" in data["replies"][0]["text"]
    assert fake.calls[-1] == (SESSION, "hello", "en")


async def test_message_in_malay_passes_the_language(client, fake):
    r = await post(
        client, "/api/message", {"session": SESSION, "text": "apa itu grooming", "lang": "ms"}
    )
    data = await r.json()
    assert data["intent"] == "ask_grooming"
    assert data["lang"] == "ms"
    assert fake.calls[-1][2] == "ms"


async def test_buttons_come_back_as_payloads_and_urls(client):
    r = await post(client, "/api/message", {"session": SESSION, "text": "/ask_grooming"})
    buttons = (await r.json())["replies"][0]["buttons"]
    assert {"title": "How to report", "payload": "/ask_report"} in buttons
    assert {"title": "MCMC complaints", "url": "https://aduan.skmm.gov.my/"} in buttons


async def test_unknown_language_is_not_passed_on(client, fake):
    await post(client, "/api/message", {"session": SESSION, "text": "hi", "lang": "fr"})
    assert fake.calls[-1][2] is None


async def test_long_message_is_refused_kindly(client, fake):
    text = "a" * (MAX_MESSAGE_CHARS + 1)
    r = await post(client, "/api/message", {"session": SESSION, "text": text, "lang": "ms"})
    assert r.status == 413
    data = await r.json()
    assert data["error"] == "too_long"
    assert "terlalu panjang" in data["message"]
    assert fake.calls == []
    ok = await post(client, "/api/message", {"session": SESSION, "text": "b" * MAX_MESSAGE_CHARS})
    assert ok.status == 200


async def test_huge_body_is_refused(client, fake):
    body = json.dumps({"session": SESSION, "text": "x" * 200_000})
    r = await client.post("/api/message", data=body, headers={"Content-Type": "application/json"})
    assert r.status == 413
    assert (await r.json())["error"] == "too_long"
    assert fake.calls == []


@pytest.mark.parametrize(
    "session", [None, "", "tg:12345678", "web:short", "web:has space123", "web:" + "a" * 65, 42]
)
async def test_session_must_be_a_web_session(client, fake, session):
    r = await post(client, "/api/message", {"session": session, "text": "hello"})
    assert r.status == 400
    assert (await r.json())["error"] == "bad_request"
    assert fake.calls == []


@pytest.mark.parametrize("text", [None, "", "   ", 5, ["hi"]])
async def test_text_must_be_words(client, fake, text):
    r = await post(client, "/api/message", {"session": SESSION, "text": text})
    assert r.status == 400
    assert fake.calls == []


async def test_only_json_is_accepted(client, fake):
    r = await client.post("/api/message", data="session=web:x&text=hi")
    assert r.status == 415
    r = await client.post(
        "/api/message", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status == 400
    r = await client.post("/api/message", json=["a", "list"])
    assert r.status == 400
    assert fake.calls == []


async def test_other_hosts_and_cross_site_posts_are_refused(client, fake):
    r = await client.get("/api/quiz", headers={"Host": "evil.example:80"})
    assert r.status == 421
    r = await post(
        client,
        "/api/message",
        {"session": SESSION, "text": "hello"},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status == 403
    r = await post(
        client, "/api/message", {"session": SESSION, "text": "hello"}, headers={"Origin": "null"}
    )
    assert r.status == 403
    assert fake.calls == []
    r = await client.get("/api/quiz", headers={"Host": "localhost:8080"})
    assert r.status == 200


async def test_forget_deletes_the_conversation(client, fake):
    r = await post(client, "/api/forget", {"session": SESSION})
    assert r.status == 200 and (await r.json()) == {"ok": True}
    assert fake.forgotten[-1] == SESSION
    r = await post(client, "/api/forget", {"session": "tg:1234567890"})
    assert r.status == 400


async def test_scenarios_in_both_languages(client):
    en = (await (await client.get("/api/scenarios")).json())["scenarios"]
    ms = (await (await client.get("/api/scenarios?lang=ms")).json())["scenarios"]
    assert len(en) >= 4 and len(en) == len(ms)
    assert [s["id"] for s in en] == [s["id"] for s in ms]
    assert en[0]["title"] != ms[0]["title"]
    for s in en:
        assert any(step["pause"] for step in s["steps"])
        assert s["advice"] and all(a["source"] for a in s["advice"])


async def test_quiz_hides_answers_and_checks_them(client):
    quiz = await (await client.get("/api/quiz?lang=ms")).json()
    assert quiz["total"] >= 20 and len(quiz["questions"]) == quiz["total"]
    assert "answer" not in json.dumps(quiz["questions"])
    assert quiz["remember"]
    right = Quiz.load().answer(0)
    r = await post(client, "/api/quiz/check", {"index": 0, "choice": right, "lang": "ms"})
    data = await r.json()
    assert data["correct"] is True and data["answer"] == right
    assert data["explanation"] and data["source"] == source_titles(Quiz.load().sources(0))
    wrong = (right + 1) % len(quiz["questions"][0]["options"])
    data = await (await post(client, "/api/quiz/check", {"index": 0, "choice": wrong})).json()
    assert data["correct"] is False and data["answer"] == right


@pytest.mark.parametrize(
    "body", [{"index": 999, "choice": 0}, {"index": 0, "choice": 9}, {"index": "0", "choice": 0}]
)
async def test_quiz_check_refuses_nonsense(client, body):
    r = await post(client, "/api/quiz/check", body)
    assert r.status == 400


async def test_parents_path(client):
    data = await (await client.get("/api/parents?lang=ms")).json()
    ids = [s["id"] for s in data["sections"]]
    assert {"warning-signs", "talking", "first-hour", "privacy-settings"} <= set(ids)
    assert data["title"] == "Untuk ibu bapa dan penjaga"
    assert all(item["source"] for s in data["sections"] for item in s["items"])


async def test_unknown_api_and_static_traversal(client):
    r = await client.get("/api/nothing")
    assert r.status == 404 and (await r.json())["error"] == "bad_request"
    r = await client.get("/static/../server.py")
    assert r.status in (403, 404)
    r = await client.get("/static/%2e%2e/server.py")
    assert r.status in (403, 404)


async def test_message_text_is_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    secret = "my secret is 0123456789 at Jalan Rahsia"
    for assistant in (conversation_fake(), conversation_fake(fail=True)):
        app = build_app(None, assistant)
        async with TestClient(TestServer(app, host="127.0.0.1")) as c:
            r = await post(c, "/api/message", {"session": SESSION, "text": secret})
            assert r.status == 200
            body = await r.json()
            assert secret not in json.dumps(body)
        await assistant.close()
    assert secret not in caplog.text
    assert "Jalan Rahsia" not in caplog.text


async def test_when_rasa_fails_the_conversations_fallback_is_the_answer():
    """The web adds no fallback of its own: the conversation module's safe reply, with the
    helplines from the referral directory, comes back as an ordinary turn."""
    assistant = conversation_fake(fail=True)
    app = build_app(None, assistant)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        r = await post(c, "/api/message", {"session": SESSION, "text": "tolong", "lang": "ms"})
        assert r.status == 200
        turn = await r.json()
    await assistant.close()
    assert turn["lang"] == "ms" and turn["intent"] is None
    assert turn["replies"][0]["text"] == messages.text("safe_fallback", "ms")
    for field in ("police.phone", "talian_kasih.phone", "buddy_bear.phone"):
        assert messages.helpline(*field.split(".")) in turn["replies"][0]["text"]


async def test_the_web_chat_keeps_no_conversation_of_its_own():
    """Two web processes (two apps) on one conversation module: the second knows the language
    the first one's turn set, because the conversation module keeps it, not the web chat."""
    assistant = conversation_fake()
    first, second = build_app(None, assistant), build_app(None, assistant)
    async with TestClient(TestServer(first, host="127.0.0.1")) as a:
        r = await post(a, "/api/message", {"session": SESSION, "text": "hai", "lang": "ms"})
        assert (await r.json())["lang"] == "ms"
    async with TestClient(TestServer(second, host="127.0.0.1")) as b:
        r = await post(b, "/api/message", {"session": SESSION, "text": "ok"})
        assert (await r.json())["lang"] == "ms"
        assert (await post(b, "/api/forget", {"session": SESSION})).status == 200
    assert assistant.forgotten == [SESSION]
    await assistant.close()
