"""Jaga's Telegram front end over real HTTP, against a fake Bot API server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest
from conftest import TOKEN  # noqa: E402
from scripted_assistant import LONG_PAYLOAD, HangingAssistant, ScriptedAssistant

from bot.core import messages
from bot.core.settings import Settings, SettingsError
from bot.telegram.app import build_application, serve
from bot.telegram.dedupe import MemoryDoneStore
from bot.telegram.formatting import clean_text
from bot.telegram.keyboards import CallbackStore, button_key
from bot.testing.fake_bot_api import (
    BOT_ID,
    BOT_USERNAME,
    FakeBotApi,
    callback_update,
    message_update,
    user,
)

CHILD = 5551001
GROUP = -1001234


def settings_for(api: FakeBotApi, **overrides) -> Settings:
    base = Settings(
        telegram_token=TOKEN, telegram_api_url=api.api_url, reply_timeout=1.0, stats_db=None
    )
    return replace(base, **overrides)


@contextlib.asynccontextmanager
async def running(api: FakeBotApi, assistant, store=None, **overrides) -> AsyncIterator[None]:
    stop, ready = asyncio.Event(), asyncio.Event()
    store = store if store is not None else MemoryDoneStore()
    task = asyncio.create_task(
        serve(
            settings_for(api, **overrides),
            assistant,
            stop=stop,
            ready=ready,
            poll_timeout=1,
            store=store,
        )
    )
    ready_wait = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait({task, ready_wait}, timeout=5, return_when="FIRST_COMPLETED")
    if task in done:
        task.result()
    assert ready.is_set(), "Jaga did not start"
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        assert not api.called("getFile") and not api.called("downloadFile")


@pytest.fixture
async def assistant() -> ScriptedAssistant:
    return ScriptedAssistant()


@pytest.fixture
async def jaga(api: FakeBotApi, assistant: ScriptedAssistant) -> AsyncIterator[FakeBotApi]:
    async with running(api, assistant):
        yield api


def texts(calls) -> list[str]:
    return [c.params["text"] for c in calls]


def signed(payload: str) -> str:
    """A button's callback_data as the running bot signs it (keyboards.py)."""
    return CallbackStore(key=button_key(TOKEN)).encode(payload)


def keyboard(call) -> list[list[dict]]:
    return (call.params.get("reply_markup") or {}).get("inline_keyboard", [])


# -- start-up, /start and commands -----------------------------------------------------------


async def test_start_registers_commands_and_sends_privacy_card_then_menu(jaga, assistant):
    menus = jaga.called("setMyCommands")
    assert len(menus) == 4
    english, malay, mandarin, tamil = menus
    assert "language_code" not in english.params
    assert [m.params["language_code"] for m in (malay, mandarin, tamil)] == ["ms", "zh", "ta"]
    for menu in menus:  # the same commands in every language
        assert [c["command"] for c in menu.params["commands"]] == [
            "start", "help", "helpline", "language", "privacy", "forget", "quiz", "parents"
        ]  # fmt: skip
    assert any("Padam" in c["description"] for c in malay.params["commands"])
    assert any("删除" in c["description"] for c in mandarin.params["commands"])
    assert any("நீக்கு" in c["description"] for c in tamil.params["commands"])
    language = {m.params.get("language_code"): m.params["commands"][3] for m in menus}
    assert all(
        {"English", "华语", "தமிழ்"} <= set(c["description"].split(" / ")) for c in language.values()
    )

    jaga.push(message_update(CHILD, "/start child"))
    sent = await jaga.wait_sent(CHILD, 2)

    assert assistant.calls == [(f"tg:{CHILD}", '/ask_help_menu{"mode":"child"}', "en")]
    assert sent[0].params["text"] == html.escape(messages.text("privacy_card", "en"), quote=False)
    assert sent[1].params["text"] == "Here is what I can help with."
    assert all(c.params["parse_mode"] == "HTML" for c in sent)
    rows = keyboard(sent[1])
    assert [row[0]["text"] for row in rows] == [
        "What is grooming?",
        "Parents: warning signs",
        "Klik Dengan Bijak",
    ]  # fmt: skip  (the tel: button is dropped: Telegram would refuse the message)
    assert rows[2][0]["url"] == "https://www.klikdenganbijak.my/"
    assert all(len(r[0]["callback_data"].encode()) <= 64 for r in rows[:2])


async def test_start_without_or_with_unknown_payload_shows_plain_menu(jaga, assistant):
    jaga.push(message_update(CHILD, "/start"))
    jaga.push(message_update(CHILD + 1, "/start <script>"))
    await jaga.wait_sent(CHILD, 2)
    await jaga.wait_sent(CHILD + 1, 2)
    assert sorted(assistant.texts()) == ["/ask_help_menu", "/ask_help_menu"]


async def test_each_command_sends_its_intent(jaga, assistant):
    commands = ["/help", "/language", "/privacy", "/helpline", "/parents", "/whatever"]
    for number, command in enumerate(commands):
        jaga.push(message_update(CHILD, command, message_id=number + 1))
    await jaga.wait_sent(CHILD, len(commands))
    assert assistant.texts() == [
        "/ask_help_menu", "/change_language", "/ask_privacy", "/ask_helpline",
        '/ask_parent_guidance{"mode":"parent"}', "/ask_help_menu",
    ]  # fmt: skip


async def test_forget_deletes_then_confirms(jaga, assistant):
    jaga.push(message_update(CHILD, "hello"))
    await jaga.wait_sent(CHILD, 1)
    jaga.push(message_update(CHILD, "/forget", message_id=2))
    confirmation = (await jaga.wait_sent(CHILD, 2))[1]
    assert confirmation.params["text"] == "I will delete our chat now."
    assert assistant.forgotten[0][0] == f"tg:{CHILD}"
    assert assistant.forgotten[0][1] <= confirmation.at  # said once it is true
    # After /forget the conversation is new again: Telegram's language seeds it once more.
    jaga.push(message_update(CHILD, "hi again", message_id=3))
    await jaga.wait_sent(CHILD, 3)
    assert assistant.calls[-1] == (f"tg:{CHILD}", "hi again", "en")


class UndeletableAssistant(ScriptedAssistant):
    """Its store cannot be reached: every delete fails."""

    async def forget(self, sender_id: str) -> bool:
        await super().forget(sender_id)
        return False


async def test_a_failed_delete_is_never_called_deleted(api):
    assistant = UndeletableAssistant()
    async with running(api, assistant):
        api.push(message_update(CHILD, "/forget"))
        [reply] = await api.wait_sent(CHILD, 1)
    assert reply.params["text"] == html.escape(messages.text("forget_failed", "en"), quote=False)
    assert "I will delete" not in reply.params["text"]
    # Rasa down as well: the built-in "deleted" note must not be sent either.
    assistant = UndeletableAssistant(fail=True)
    async with running(api, assistant):
        api.push(message_update(CHILD + 1, "/forget"))
        [reply] = await api.wait_sent(CHILD + 1, 1)
    assert "couldn't delete" in reply.params["text"]


async def test_malay_conversation(jaga, assistant):
    malay_child = user(CHILD, "Nurul", language_code="ms")
    jaga.push(message_update(CHILD, "hai", from_user=malay_child))
    await jaga.wait_sent(CHILD, 1)
    jaga.push(message_update(CHILD, "macam mana nak report", from_user=malay_child, message_id=2))
    jaga.push(message_update(CHILD, "/help", from_user=malay_child, message_id=3))
    sent = await jaga.wait_sent(CHILD, 3)
    # language_code seeds only the first message; then the conversation keeps its language
    assert [lang for _, _, lang in assistant.calls] == ["ms", None, None]
    assert texts(sent) == [
        "(ms) You said: hai",
        "(ms) You said: macam mana nak report",
        "Ini perkara yang saya boleh bantu.",
    ]


async def test_indonesian_telegram_user_is_seeded_malay(jaga, assistant):
    jaga.push(message_update(CHILD, "halo", from_user=user(CHILD, language_code="id")))
    await jaga.wait_sent(CHILD, 1)
    assert assistant.calls[0][2] == "ms"


# -- buttons ---------------------------------------------------------------------------------


async def test_buttons_round_trip_to_payloads(jaga, assistant):
    jaga.push(message_update(CHILD, "/help"))
    menu = (await jaga.wait_sent(CHILD, 1))[0]
    short, long_ = (row[0]["callback_data"] for row in keyboard(menu)[:2])

    jaga.push(callback_update(CHILD, short, message_id=menu.params.get("message_id", 100)))
    await jaga.wait_sent(CHILD, 2)
    jaga.push(callback_update(CHILD, long_))
    await jaga.wait_sent(CHILD, 3)

    assert assistant.texts() == ["/help" and "/ask_help_menu", "/ask_grooming", LONG_PAYLOAD]
    answers = jaga.called("answerCallbackQuery")
    assert len(answers) == 2 and all("text" not in a.params for a in answers)
    assert len(jaga.called("editMessageReplyMarkup")) == 2  # old keyboards are removed


async def test_stale_or_foreign_buttons_are_answered_and_ignored(jaga, assistant):
    for data in ("k:unknown-id", "something-else"):
        jaga.push(callback_update(CHILD, data))
    await jaga.wait_for(lambda: len(jaga.called("answerCallbackQuery")) == 2, what="answers")
    await jaga.settle(0.15)
    assert all("expired" in a.params["text"] for a in jaga.called("answerCallbackQuery"))
    assert assistant.calls == [] and jaga.sent() == []


# -- media and other kinds of message --------------------------------------------------------


async def test_photo_and_other_media_are_never_downloaded(jaga, assistant):
    photo = [{"file_id": "AgAD-secret", "file_unique_id": "u1", "width": 90, "height": 90}]
    jaga.push(message_update(CHILD, None, photo=photo, caption="dia ugut nak sebar gambar ni"))
    file = {"file_id": "f", "file_unique_id": "u"}
    jaga.push(message_update(CHILD, None, message_id=2, voice={**file, "duration": 3}))
    sticker = {**file, "type": "regular", "width": 1, "height": 1, "is_animated": False,
               "is_video": False}  # fmt: skip
    jaga.push(message_update(CHILD, None, message_id=3, sticker=sticker))
    jaga.push(message_update(CHILD, None, message_id=4, document={**file, "file_name": "a.pdf"}))
    jaga.push(
        message_update(CHILD, None, message_id=5, location={"latitude": 3.1, "longitude": 101.7})
    )
    jaga.push(
        message_update(
            CHILD, None, message_id=6, contact={"phone_number": "0123", "first_name": "Ali"}
        )
    )
    jaga.push(message_update(CHILD, None, message_id=7, dice={"emoji": "🎲", "value": 3}))
    await jaga.wait_sent(CHILD, 7)
    await jaga.settle(0.15)

    assert [kind for _, kind, _ in assistant.media] == [
        "photo", "voice", "sticker", "document", "location", "contact"
    ]  # fmt: skip
    assert assistant.texts() == ["dia ugut nak sebar gambar ni"]  # the caption, as a message
    assert texts(jaga.sent(CHILD))[:2] == [
        "notice for a photo",
        "You are not in trouble. Do not pay.",
    ]
    assert len(jaga.sent(CHILD)) == 7  # the dice got no answer
    assert not jaga.called("getFile") and not jaga.called("downloadFile")


async def test_edited_messages_are_answered_and_channel_posts_ignored(jaga, assistant):
    jaga.push(message_update(CHILD, "he is outside my house", kind="edited_message"))
    jaga.push(message_update(-100777, "channel news", chat_type="channel", kind="channel_post"))
    await jaga.wait_sent(CHILD, 1)
    await jaga.settle(0.15)
    assert assistant.texts() == ["he is outside my house"]
    assert jaga.sent() == jaga.sent(CHILD)


# -- groups ----------------------------------------------------------------------------------


def group_message(text: str, message_id: int, **kwargs) -> dict:
    return message_update(
        GROUP, text, chat_type="supergroup", from_user=user(CHILD), message_id=message_id, **kwargs
    )


def mention(text: str) -> list[dict]:
    at = f"@{BOT_USERNAME}"
    return [{"type": "mention", "offset": text.index(at), "length": len(at)}]


async def test_group_answers_only_commands_mentions_and_replies(jaga, assistant):
    jaga.push(group_message("anyone doing the homework?", 1))
    jaga.push(group_message("@SomeOtherBot hello", 2, entities=[
        {"type": "mention", "offset": 0, "length": 13}
    ]))  # fmt: skip
    jaga.push(group_message("/help@SomeOtherBot", 3))
    text = f"@{BOT_USERNAME} what is grooming"
    jaga.push(group_message(text, 4, entities=mention(text)))
    jaga.push(group_message("/help@" + BOT_USERNAME, 5))
    bots_message = {
        "message_id": 99, "date": 1, "chat": {"id": GROUP, "type": "supergroup", "title": "K"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Jaga"}, "text": "menu",
    }  # fmt: skip
    jaga.push(group_message("and for parents?", 6, reply_to=bots_message))
    sent = await jaga.wait_sent(GROUP, 3)
    await jaga.settle(0.15)

    sender = f"tg:{GROUP}:{CHILD}"  # one conversation per person in a group
    assert assistant.calls == [
        (sender, "what is grooming", "en"),
        (sender, "/ask_help_menu", None),
        (sender, "and for parents?", None),
    ]
    assert len(jaga.sent(GROUP)) == 3
    assert [c.params["reply_parameters"]["message_id"] for c in sent] == [4, 5, 6]


async def test_disclosure_in_group_is_moved_to_a_private_chat(jaga, assistant):
    text = f"@{BOT_USERNAME} dia ugut nak sebar gambar aku"
    jaga.push(group_message(text, 1, entities=mention(text)))
    note = (await jaga.wait_sent(GROUP, 1))[0]
    await jaga.settle(0.15)
    assert len(jaga.sent(GROUP)) == 1
    assert "Kamu tidak bersalah" not in note.params["text"]  # the disclosure is not discussed
    assert note.params["text"] == html.escape(messages.text("group_redirect", "en"), quote=False)
    [[button]] = keyboard(note)
    assert button["url"] == f"https://t.me/{BOT_USERNAME}?start=child"
    assert "999" not in note.params["text"]
    assert "reply_parameters" not in note.params  # the child's words are not quoted


async def test_crisis_in_group_gives_emergency_numbers_and_private_link(jaga, assistant):
    text = f"@{BOT_USERNAME} he is outside my house now"
    jaga.push(group_message(text, 1, entities=mention(text)))
    note = (await jaga.wait_sent(GROUP, 1))[0]
    assert "999" in note.params["text"] and "15999" in note.params["text"]
    assert keyboard(note)[0][0]["url"].endswith("?start=child")
    assert "reply_parameters" not in note.params


# -- robustness ------------------------------------------------------------------------------


async def test_429_retry_after_then_success(jaga, assistant):
    jaga.fail_next("sendMessage", 429, retry_after=1)
    started = time.monotonic()
    jaga.push(message_update(CHILD, "hello"))
    await jaga.wait_sent(CHILD, 1, timeout=5)
    attempts = jaga.called("sendMessage")
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.95
    assert time.monotonic() - started < 4


async def test_a_send_that_failed_on_the_network_is_not_sent_again(jaga, assistant, caplog):
    # Only a 429 is retried (PTB's AIORateLimiter): after a timeout or a bad gateway the
    # message may have reached the child, and a second copy would be a repeated bubble.
    jaga.fail_next("sendMessage", 502)
    jaga.push(message_update(CHILD, "hello"))
    await jaga.wait_for(lambda: jaga.called("sendMessage"), what="the send")
    await jaga.settle(0.6)
    assert [a.status for a in jaga.called("sendMessage")] == [502]
    assert "NetworkError while handling update" in caplog.text and "hello" not in caplog.text
    jaga.push(message_update(CHILD, "hello again", message_id=2))  # the next turn is answered
    await jaga.wait_sent(CHILD, 1)


@pytest.mark.parametrize("broken", [ScriptedAssistant(fail=True), HangingAssistant()])
async def test_unreachable_or_slow_assistant_still_gives_the_safe_reply(api, broken):
    async with running(api, broken):
        started = time.monotonic()
        api.push(message_update(CHILD, "he is outside my house"))
        [reply] = await api.wait_sent(CHILD, 1, timeout=3)
        assert time.monotonic() - started < 2.0
        assert "999" in reply.params["text"] and "15999" in reply.params["text"]
        if isinstance(broken, HangingAssistant):
            assert api.called("sendChatAction", action="typing")


async def test_a_quick_answer_needs_no_typing_indicator(jaga, assistant):
    jaga.push(message_update(CHILD, "hello"))
    await jaga.wait_sent(CHILD, 1)
    assert not jaga.called("sendChatAction")


async def test_flood_gets_one_gentle_note_then_silence(jaga, assistant):
    for number in range(12):
        jaga.push(message_update(CHILD, f"spam {number}", message_id=number + 1))
    await jaga.wait_sent(CHILD, 9)
    await jaga.settle(0.15)
    sent = texts(jaga.sent(CHILD))
    assert len(assistant.calls) == 8 and len(sent) == 9
    assert sent[8] == messages.text("slow_down", "en") and "999" in sent[8]


async def test_a_flood_of_button_presses_costs_no_bot_api_call(jaga, assistant):
    data = signed("/ask_grooming")
    for number in range(12):
        jaga.push(callback_update(CHILD, data, message_id=number + 1))
    await jaga.wait_sent(CHILD, 9)
    await jaga.settle(0.15)
    sent = texts(jaga.sent(CHILD))
    assert len(assistant.calls) == 8 and sent[8] == messages.text("slow_down", "en")
    # presses over the limit are neither answered nor edited: two Bot API calls each, saved
    assert len(jaga.called("answerCallbackQuery")) == 8
    assert len(jaga.called("editMessageReplyMarkup")) == 8


async def test_forged_buttons_reach_nobody(jaga, assistant):
    for data in (
        "p:/crisis",  # the old unsigned form
        "s:AAAAAAAAAAA/crisis",  # a made-up tag
        signed("/ask_grooming")[:-1] + "x",  # a signed payload, changed
        "s:\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9/greet",
    ):
        jaga.push(callback_update(CHILD, data))
    await jaga.wait_for(lambda: len(jaga.called("answerCallbackQuery")) == 4, what="answers")
    await jaga.settle(0.15)
    assert assistant.calls == [] and jaga.sent() == []


async def test_hostile_long_message_is_escaped_and_split(jaga, assistant):
    # HTML and entities, right-to-left override, zero-width characters, an emoji, Arabic
    # script and a lone surrogate (valid in Telegram's JSON, not encodable as UTF-8).
    chunk = (
        '<b>bold</b><script>alert("x")</script>&amp; \u202eRTL\u202c z\u200bw\u200d 😀 شكرا \ud800 '
    )
    hostile = (chunk * 80)[:4000]
    jaga.push(message_update(CHILD, hostile))
    await jaga.wait_sent(CHILD, 2)
    await jaga.settle(0.15)
    sent = texts(jaga.sent(CHILD))
    assert len(sent) >= 2  # the echo is over 4,096 characters once escaped
    for text in sent:
        assert len(text.encode("utf-16-le")) // 2 <= 4096
        assert "<script>" not in text and "<b>" not in text
    assert "&lt;script&gt;" in sent[0]
    visible = "".join(html.unescape(t) for t in sent)
    expected = clean_text(f"(en) You said: {hostile}")
    assert "".join(visible.split()) == "".join(expected.split())


async def test_error_handler_logs_type_and_update_id_only(jaga, assistant, caplog):
    caplog.set_level(logging.DEBUG, logger="bot")
    jaga.fail_next("sendMessage", 400, times=2, retry_after=None)  # with and without keyboard
    secret = "my name is Siti and my secret is 4242"
    update = jaga.push(message_update(CHILD, secret, from_user=user(CHILD, "Siti")))
    await jaga.wait_for(
        lambda: any("BadRequest while handling update" in r.getMessage() for r in caplog.records),
        what="error log",
    )
    record = next(r for r in caplog.records if "BadRequest while" in r.getMessage())
    assert f"update {update['update_id']}" in record.getMessage()
    for r in caplog.records:
        message = r.getMessage()
        assert "Siti" not in message and "4242" not in message and TOKEN not in message
        assert r.exc_info is None or r.name != "bot.telegram.handlers.errors"


# -- webhook mode ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_webhook_rejects_requests_without_the_secret(api, assistant):
    port, secret = free_port(), "s3cret-Token_1"
    webhook = "https://jaga.example.org/telegram/hook"
    async with running(
        api, assistant, webhook_url=webhook, webhook_secret=secret, webhook_port=port
    ):
        [set_webhook] = api.called("setWebhook")
        assert set_webhook.params["url"] == webhook
        assert set_webhook.params["secret_token"] == secret
        assert not api.called("getUpdates")

        url = f"http://127.0.0.1:{port}/telegram/hook"
        update = {"update_id": 1, **message_update(CHILD, "hello")}
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 403
            await asyncio.sleep(0.2)
            assert assistant.calls == []
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 200
        [reply] = await api.wait_sent(CHILD, 1)
        assert reply.params["text"] == "(en) You said: hello"


# -- settings --------------------------------------------------------------------------------


def test_missing_token_is_a_clear_error():
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN is not set.*BotFather"):
        build_application(Settings(), ScriptedAssistant())


async def test_rejected_token_error_does_not_show_the_token(api, assistant):
    wrong = "999999:WRONG-token_zzzzzzzzzzzzzzzzzzzzzzz"
    settings = replace(settings_for(api), telegram_token=wrong)
    with pytest.raises(SettingsError) as raised:
        await serve(settings, assistant, stop=asyncio.Event())
    assert "rejected" in str(raised.value) and wrong not in str(raised.value)
    assert raised.value.__suppress_context__
