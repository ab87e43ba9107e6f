"""Mandarin and Tamil on Telegram (issue 15): Telegram's `language_code` seeds the language,
the command menu exists in both, the front end's own notes come in them, and on the trained
model a crisis gets 999 and 15999 in the child's language in the first message and
/language offers all four languages."""

from __future__ import annotations

import html
import re

from scripted_assistant import ScriptedAssistant
from test_telegram_bot import GROUP, keyboard, mention, running

from bot.core import messages
from bot.telegram.turns import stale_button_text
from bot.testing.fake_bot_api import BOT_USERNAME, callback_update, message_update, user

HAN = re.compile(r"[\u4e00-\u9fff]")
TAMIL = re.compile(r"[\u0b80-\u0bff]")


async def test_language_code_seeds_mandarin_and_tamil(api):
    assistant = ScriptedAssistant()
    codes = {7001: "zh-hans", 7002: "zh-hant", 7003: "zh", 7004: "ta", 7005: "tt", 7006: None}
    async with running(api, assistant):
        for chat, code in codes.items():
            api.push(message_update(chat, "hi", from_user=user(chat, language_code=code)))
        for chat in codes:
            await api.wait_sent(chat, 1)
    seeded = {int(sender[3:]): lang for sender, _, lang in assistant.calls}
    assert seeded == {7001: "zh", 7002: "zh", 7003: "zh", 7004: "ta", 7005: "en", 7006: "en"}


async def test_crisis_in_a_group_is_redirected_in_mandarin(api):
    assistant = ScriptedAssistant()
    async with running(api, assistant):
        text = f"@{BOT_USERNAME} he is outside my house now"
        api.push(
            message_update(
                GROUP,
                text,
                chat_type="supergroup",
                from_user=user(7010, language_code="zh-hans"),
                entities=mention(text),
            )
        )
        note = (await api.wait_sent(GROUP, 1))[0]
    expected = messages.text("group_redirect_crisis", "zh")
    assert note.params["text"] == html.escape(expected, quote=False)
    assert "999" in expected and "15999" in expected and HAN.search(expected)
    [[button]] = keyboard(note)
    assert HAN.search(button["text"]) and button["url"].endswith("?start=child")


async def test_an_expired_button_is_explained_in_tamil(api):
    assistant = ScriptedAssistant()
    async with running(api, assistant):
        tamil_child = user(7020, language_code="ta")
        api.push(callback_update(7020, "k:unknown-id", from_user=tamil_child))
        await api.wait_for(lambda: api.called("answerCallbackQuery"), what="answer")
    [answer] = api.called("answerCallbackQuery")
    assert answer.params["text"] == stale_button_text("ta") and TAMIL.search(answer.params["text"])


async def test_the_quiz_says_it_is_in_english_for_a_mandarin_child(api):
    assistant = ScriptedAssistant()
    async with running(api, assistant):
        api.push(message_update(7030, "/quiz", from_user=user(7030, language_code="zh-hans")))
        first = (await api.wait_sent(7030, 1))[0]
    assert first.params["text"].startswith("（小测验还没有华语版本")
    assert first.params["reply_markup"]["inline_keyboard"]  # the question is still played


# -- on the trained model ---------------------------------------------------------------------


def real_assistant(rasa_backend):
    from bot.core.conversation import BaseAssistant

    return BaseAssistant(rasa_backend, timeout=30.0, stats=None)


async def test_a_mandarin_and_a_tamil_crisis_get_help_first_in_their_language(api, rasa_backend):
    children = {7101: ("zh-hans", "我不想活了", HAN), 7102: ("ta", "எனக்கு வாழ விருப்பம் இல்லை", TAMIL)}
    async with running(api, real_assistant(rasa_backend), reply_timeout=30.0):
        for chat, (code, text, _) in children.items():
            api.push(message_update(chat, text, from_user=user(chat, language_code=code)))
        firsts = {chat: (await api.wait_sent(chat, 1, timeout=30))[0] for chat in children}
        await api.settle(0.3)
    for chat, (_, _, script) in children.items():
        text = firsts[chat].params["text"]
        assert "999" in text and "15999" in text, text
        assert script.search(text), text


async def test_language_offers_four_languages_and_switches_to_tamil(api, rasa_backend):
    chat = 7103
    async with running(api, real_assistant(rasa_backend), reply_timeout=30.0):
        api.push(message_update(chat, "/language", from_user=user(chat)))
        question = (await api.wait_sent(chat, 1, timeout=30))[0]
        await api.settle(0.3)  # then the privacy card, on this first calm turn
        rows = keyboard(question)
        titles = [row[0]["text"] for row in rows]
        assert titles == ["English", "Bahasa Melayu", "华语", "தமிழ்"]
        sent = len(api.sent(chat))
        api.push(callback_update(chat, rows[3][0]["callback_data"], from_user=user(chat)))
        confirmation = (await api.wait_sent(chat, sent + 1, timeout=30))[sent]
        assert TAMIL.search(confirmation.params["text"]), confirmation.params["text"]
        await api.settle(0.3)
        sent = len(api.sent(chat))
        # after the switch, a crisis still gets the helplines first
        api.push(message_update(chat, "I want to die", from_user=user(chat), message_id=3))
        crisis = (await api.wait_sent(chat, sent + 1, timeout=30))[sent].params["text"]
    assert "999" in crisis and "15999" in crisis, crisis
