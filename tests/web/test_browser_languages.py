"""The classroom web chat in a real browser on the trained model: Mandarin and Tamil
conversations, and where a crisis reply lands on a phone (issue 12 §6, issue 15).

These run the real assistant (the `rasa_backend` fixture), because what matters is what a
child sees: the crisis reply's first bubble, in the child's language, in view. Phone-size
screenshots go to reports/screenshots/; with JAGA_UPDATE_README_SCREENSHOT=1 the Malay crisis
and sextortion ones are copied to docs/img/ for docs/classroom.md.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

from bot.content.lessons import ROOT

from .test_browser import SHOTS, LiveServer, Page, bot_messages, browser, send  # noqa: F401

HAN = re.compile(r"[\u4e00-\u9fff]")
TAMIL = re.compile(r"[\u0b80-\u0bff]")
# Pictographs a font without colour emoji draws as an empty box.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]")
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def real_server(rasa_backend):
    from bot.core.conversation import BaseAssistant

    live = LiveServer(lambda: BaseAssistant(rasa_backend, timeout=30.0, stats=None)).start()
    yield live
    live.stop()


@pytest.fixture
def desk(browser, real_server):  # noqa: F811 - the fixture imported above
    p = Page(browser, real_server, viewport={"width": 1280, "height": 800})
    yield p
    p.close()


@pytest.fixture
def phone(browser, real_server):  # noqa: F811
    p = Page(browser, real_server, **PHONE)
    yield p
    p.close()


# The first bubble of the latest reply, where it is, and where the conversation shows.
FIRST_BUBBLE = """() => {
  const log = document.querySelector('#log');
  const users = log.querySelectorAll('.msg.user');
  const first = users[users.length - 1].nextElementSibling;
  const r = first.getBoundingClientRect(), l = log.getBoundingClientRect();
  return {text: first.innerText, top: r.top, bottom: r.bottom,
          logTop: l.top, logBottom: l.bottom, height: window.innerHeight};
}"""


def first_bubble_of_reply(p) -> dict:
    return p.evaluate(FIRST_BUBBLE)


def assert_in_view(box: dict) -> None:
    """The whole bubble is inside the conversation's visible area and the screen."""
    assert box["logTop"] - 1 <= box["top"], box
    assert box["bottom"] <= box["logBottom"] + 1, box
    assert box["bottom"] <= box["height"], box


# ------------------------------------------------------------------ Mandarin and Tamil


def test_mandarin_conversation(desk):
    p = desk.page
    p.click("button[data-lang='zh']")
    assert p.get_attribute("html", "lang") == "zh-Hans"
    assert p.locator("button[data-lang='zh']").get_attribute("aria-pressed") == "true"
    assert p.locator("#tab-chat").inner_text() == "聊天"
    assert "演示版" in p.locator("#banner").inner_text()
    assert p.locator("#msg").get_attribute("placeholder") == "输入你的问题…"
    topics = p.locator("#topics button").all_inner_texts()
    assert len(topics) == 8 and "删除网上的照片" in topics and "网络霸凌" in topics
    assert "可说华语" in p.locator("footer.helplines").inner_text()

    send(p, "你好")
    assert HAN.search(bot_messages(p).last.inner_text())

    send(p, "我不想活了")
    first = first_bubble_of_reply(p)
    assert "999" in first["text"] and "15999" in first["text"], first["text"]
    assert HAN.search(first["text"]), first["text"]
    assert_in_view(first)
    assert p.get_attribute("html", "lang") == "zh-Hans"
    assert not desk.errors, desk.errors


def test_tamil_conversation_and_the_page_follows_the_child(desk):
    p = desk.page
    assert p.get_attribute("html", "lang") == "en"
    # The page is in English; the child writes in Tamil: Jaga answers in Tamil and the page
    # follows, so the buttons pressed next answer in Tamil too.
    send(p, "எனக்கு வாழ விருப்பம் இல்லை")
    first = first_bubble_of_reply(p)
    assert "999" in first["text"] and "15999" in first["text"], first["text"]
    assert TAMIL.search(first["text"]), first["text"]
    assert_in_view(first)
    p.wait_for_function("() => document.documentElement.lang === 'ta'")
    assert p.locator("button[data-lang='ta']").get_attribute("aria-pressed") == "true"
    assert p.locator("#send").inner_text() == "அனுப்பு"

    before = bot_messages(p).count()
    p.locator("#log .reply-buttons button", has_text="ஆம்").last.click()  # "yes"
    p.wait_for_function(
        "n => document.querySelectorAll('#log .msg.bot:not(.typing)').length > n", arg=before
    )
    p.wait_for_function("() => !document.querySelector('#log .typing')")
    answer = first_bubble_of_reply(p)["text"]
    assert TAMIL.search(answer) and "15999" in answer, answer
    assert not desk.errors, desk.errors


def test_the_teaching_content_says_it_is_in_english(desk):
    p = desk.page
    p.click("button[data-lang='ta']")
    p.click("#tab-quiz")
    p.wait_for_function("() => document.querySelector('#quiz-lead').textContent.length > 0")
    lead = p.locator("#quiz-lead").inner_text()
    assert TAMIL.search(lead) and "ஆங்கிலத்தில்" in lead
    p.click("#tab-parents")
    p.wait_for_function(
        "() => document.querySelector('#parents-intro').textContent.includes('ஆங்கிலத்தில்')"
    )
    assert not desk.errors, desk.errors


# ------------------------------------------------------------------ what the page draws


def test_no_emoji_needs_a_colour_font_and_emails_are_not_domain_links(desk):
    p = desk.page
    send(p, "hai")  # the first calm reply carries the privacy card and its lock
    log = p.locator("#log")
    assert log.locator("svg.icon[role='img']").count() >= 1
    assert not EMOJI.search(log.inner_text()), log.inner_text()

    p.click("#tab-parents")
    p.wait_for_selector("#parents-sections a[href^='mailto:']")
    mail = p.locator("#parents-sections a[href='mailto:aduanskmm@mcmc.gov.my']").first
    assert mail.inner_text() == "aduanskmm@mcmc.gov.my"
    hrefs = p.eval_on_selector_all("#parents-sections a", "els => els.map(e => e.href)")
    assert "https://mcmc.gov.my/" not in hrefs and "https://aduan.skmm.gov.my/" in hrefs

    p.click("#tab-scenarios")
    p.locator("#scenario-cards button").last.click()  # the class group's pile-on, with emoji
    while p.locator("#scenario-next").is_visible():
        p.click("#scenario-next")
    assert not EMOJI.search(p.locator("#panel-scenarios").inner_text())
    assert not desk.errors, desk.errors


# ------------------------------------------------------------------ on a phone


def phone_turn(phone, text: str, shot: str) -> dict:
    p = phone.page
    p.click("button[data-lang='ms']")
    p.focus("#msg")
    send(p, text)
    first = first_bubble_of_reply(p)
    SHOTS.mkdir(parents=True, exist_ok=True)
    p.screenshot(path=str(SHOTS / shot))
    if os.environ.get("JAGA_UPDATE_README_SCREENSHOT"):
        img = ROOT / "docs" / "img"
        img.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHOTS / shot, img / shot)
    return first


def test_a_crisis_reply_on_a_phone_shows_999_without_scrolling(phone):
    first = phone_turn(phone, "aku dah tak tahan, rasa nak bunuh diri", "phone-crisis-ms.png")
    assert "999" in first["text"] and "15999" in first["text"], first["text"]
    assert_in_view(first)
    p = phone.page
    # the reply is longer than the screen: it was shown from its start, not its end
    last = p.locator("#log .msg.bot").last.bounding_box()
    assert last["y"] + last["height"] > first["logBottom"]
    # the keyboard is closed so it does not cover the help
    assert p.evaluate("document.activeElement.id") != "msg"
    overflow = p.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page is {overflow}px wider than a 360px phone"
    assert not phone.errors, phone.errors


def test_a_sextortion_reply_on_a_phone_starts_with_help(phone):
    text = "ada orang ugut nak sebar gambar bogel saya kalau saya tak bayar"
    first = phone_turn(phone, text, "phone-sextortion-ms.png")
    assert "BUKAN salah kamu" in first["text"], first["text"]  # "not your fault", first
    assert "999" in first["text"] and "15999" in first["text"], first["text"]
    assert_in_view(first)
    assert not phone.errors, phone.errors


def test_four_languages_fit_a_phone(phone):
    p = phone.page
    for lang in ("en", "ms", "zh", "ta"):
        p.click(f"button[data-lang='{lang}']")
        assert p.locator(f"button[data-lang='{lang}']").get_attribute("aria-pressed") == "true"
        overflow = p.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{lang}: page is {overflow}px wider than a 360px phone"
        assert p.locator("#send").is_visible() and p.locator("footer.helplines").is_visible()
