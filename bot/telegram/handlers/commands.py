"""Slash commands. Each sends the assistant the intent the command stands for, so the
answer comes from Rasa in the user's language.

/quiz is not here: `handlers/quiz.py` plays the Klik Dengan Bijak quiz itself (handler group
-1). /parents and the `parent` deep link open the parents' path (`PARENT_PATH`).
"""

from __future__ import annotations

import json
import logging

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.core.replies import Reply
from bot.telegram import turns
from bot.telegram.handlers import quiz, talk
from bot.telegram.state import Context

logger = logging.getLogger(__name__)

START_MODES = ("child", "parent", "educator")

COMMANDS = {
    "en": [
        ("start", "Start Jaga"),
        ("help", "What Jaga can help with"),
        ("helpline", "Talk to a person: helplines"),
        ("language", "English / Bahasa Melayu / 华语 / தமிழ்"),
        ("privacy", "Who can see this chat"),
        ("forget", "Delete our conversation"),
        ("quiz", "Online safety quiz"),
        ("parents", "For parents"),
    ],
    "ms": [
        ("start", "Mula guna Jaga"),
        ("help", "Apa Jaga boleh bantu"),
        ("helpline", "Bercakap dengan manusia: talian bantuan"),
        ("language", "Bahasa Melayu / English / 华语 / தமிழ்"),
        ("privacy", "Siapa boleh lihat chat ini"),
        ("forget", "Padam perbualan kita"),
        ("quiz", "Kuiz keselamatan dalam talian"),
        ("parents", "Untuk ibu bapa"),
    ],
    # Mandarin and Tamil: not yet reviewed by a native speaker.
    "zh": [
        ("start", "开始使用 Jaga"),
        ("help", "Jaga 可以帮你什么"),
        ("helpline", "找真人聊：求助热线"),
        ("language", "华语 / English / Bahasa Melayu / தமிழ்"),
        ("privacy", "谁能看到这段对话"),
        ("forget", "删除我们的对话"),
        ("quiz", "网络安全小测验（英文）"),
        ("parents", "给家长"),
    ],
    "ta": [
        ("start", "Jaga-வைத் தொடங்கு"),
        ("help", "Jaga எதில் உதவ முடியும்"),
        ("helpline", "ஒருவரிடம் பேச: உதவி எண்கள்"),
        ("language", "தமிழ் / English / Bahasa Melayu / 华语"),
        ("privacy", "இந்த chat-ஐ யார் பார்க்கலாம்"),
        ("forget", "நம் உரையாடலை நீக்கு"),
        ("quiz", "இணையப் பாதுகாப்பு வினாடி வினா (ஆங்கிலத்தில்)"),
        ("parents", "பெற்றோருக்கு"),
    ],
}

# The parents' path: the parent guidance with its topic buttons (warning signs, how to talk,
# the first hour, where to get help), with the `mode` slot set to parent.
PARENT_PATH = '/ask_parent_guidance{"mode":"parent"}'

# Each command is one intent; the payload syntax sets entities (docs/architecture.md).
INTENT_OF = {
    "help": "/ask_help_menu",
    "language": "/change_language",
    "privacy": "/ask_privacy",
    "helpline": "/ask_helpline",
    "parents": PARENT_PATH,
}

# For teachers (`/start educator`): where the classroom material is.
EDUCATOR_NOTE = {
    "en": "For a class: run “make demo” on one computer to open Jaga's classroom web chat "
    "(scenarios to play step by step and the quiz, offline; see docs/classroom.md). Here on "
    "Telegram, /quiz starts the Klik Dengan Bijak quiz.",
    "ms": "Untuk kelas: jalankan “make demo” pada satu komputer untuk membuka chat web bilik "
    "darjah Jaga (senario dimainkan langkah demi langkah dan kuiz, tanpa internet; lihat "
    "docs/classroom.md). Di Telegram, /quiz memulakan kuiz Klik Dengan Bijak.",
}


async def set_commands(application: Application) -> None:
    """post_init: the command menu in English (default), Malay, Mandarin and Tamil."""
    bot = application.bot
    try:
        await bot.set_my_commands(
            [BotCommand(*c) for c in COMMANDS["en"]], scope=BotCommandScopeDefault()
        )
        for lang in ("ms", "zh", "ta"):
            await bot.set_my_commands(
                [BotCommand(*c) for c in COMMANDS[lang]],
                scope=BotCommandScopeDefault(),
                language_code=lang,
            )
    except TelegramError as error:  # the bot still works without the menu
        logger.warning("Could not set the command menu: %s", type(error).__name__)


async def start(update: Update, context: Context) -> None:
    """/start [child|parent|educator|quiz]: the privacy card, then the menu in the chosen mode;
    `parent` lands on the parents' path, `educator` adds where the classroom material is,
    `quiz` starts a quiz round.
    """
    mode = context.args[0].lower() if context.args else ""
    if mode == quiz.DEEP_LINK:  # from the quiz's group redirect: straight into the quiz
        # The quiz never reaches Rasa, so nothing of it is kept in a conversation; the privacy
        # card stays owed by the conversation (action_session_start) and comes with the first
        # calm reply, exactly once.
        await quiz.start_round(update, context)
        return
    if mode == "parent":
        payload = PARENT_PATH
    elif mode in START_MODES:
        payload = "/ask_help_menu" + json.dumps({"mode": mode}, separators=(",", ":"))
    else:
        payload = "/ask_help_menu"
    turn = await turns.ask(update, context, text=payload)
    card = turns.message_text("privacy_card", turn.lang)
    if not turn.degraded and all(reply.text.strip() != card.strip() for reply in turn.replies):
        turn.replies.insert(0, Reply(card))
    if mode == "educator" and not turn.degraded:
        turn.replies.append(Reply(EDUCATOR_NOTE.get(turn.lang, EDUCATOR_NOTE["en"])))
    await turns.send_turn(update, context, turn)


async def intent_command(update: Update, context: Context) -> None:
    """/help, /language, /privacy, /helpline, /parents."""
    message = update.effective_message
    command = (message.text or "").split()[0].lstrip("/").split("@")[0].lower() if message else ""
    await talk.converse(update, context, INTENT_OF.get(command, "/ask_help_menu"))


async def forget(update: Update, context: Context) -> None:
    """/forget: delete the conversation, then say so in the user's language, or say that it
    could not be deleted: never "deleted" when it was not."""
    sender = turns.current_sender(update)
    turn = await turns.ask(update, context, text="/forget_me")
    try:
        deleted = await context.bot_data.assistant.forget(sender)
    except Exception as error:  # noqa: BLE001 - the answer must still be sent, and true
        logger.warning("Could not delete a conversation: %s", type(error).__name__)
        deleted = False
    finally:
        turns.forget_sender(update, context)
        quiz.forget(context)
    failed = turns.message_text("forget_failed", turn.lang)
    if deleted is False:  # a front end's assistant may return None: nothing to report
        turn.replies = [Reply(failed)]
    elif turn.degraded or any(reply.text == failed for reply in turn.replies):
        # Rasa could not answer, or its own delete failed and this second one worked.
        turn.replies = [Reply(turns.message_text("forgotten", turn.lang))]
    await turns.send_turn(update, context, turn)


async def unknown_command(update: Update, context: Context) -> None:
    """A command Jaga does not know, in a private chat: show the menu."""
    await talk.converse(update, context, "/ask_help_menu")


def register(application: Application) -> None:
    new_messages = filters.UpdateType.MESSAGE  # an edited command is not run again
    application.add_handler(CommandHandler("start", start, filters=new_messages))
    application.add_handler(CommandHandler("forget", forget, filters=new_messages))
    application.add_handler(CommandHandler(list(INTENT_OF), intent_command, filters=new_messages))
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE & new_messages, unknown_command)
    )
