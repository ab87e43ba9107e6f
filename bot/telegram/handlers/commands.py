"""Slash commands. Each sends the assistant the intent the command stands for, so the
answer comes from Rasa in the user's language.

/quiz is a hook: it sends `/start_quiz`. A quiz module may replace it by registering its
own `CommandHandler("quiz", ...)` in handler group -1 and raising `ApplicationHandlerStop`.
"""

from __future__ import annotations

import json
import logging

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.replies import Reply
from bot.telegram import turns
from bot.telegram.state import Context

logger = logging.getLogger(__name__)

START_MODES = ("child", "parent", "educator")

COMMANDS = {
    "en": [
        ("start", "Start Jaga"),
        ("help", "What Jaga can help with"),
        ("helpline", "Talk to a person: helplines"),
        ("language", "Bahasa Melayu / English"),
        ("privacy", "Who can see this chat"),
        ("forget", "Delete our conversation"),
        ("quiz", "Online safety quiz"),
    ],
    "ms": [
        ("start", "Mula guna Jaga"),
        ("help", "Apa Jaga boleh bantu"),
        ("helpline", "Bercakap dengan manusia: talian bantuan"),
        ("language", "Bahasa Melayu / English"),
        ("privacy", "Siapa boleh lihat chat ini"),
        ("forget", "Padam perbualan kita"),
        ("quiz", "Kuiz keselamatan dalam talian"),
    ],
}

# Each command is one intent; the payload syntax sets entities (docs/architecture.md).
INTENT_OF = {
    "help": "/ask_help_menu",
    "language": "/change_language",
    "privacy": "/ask_privacy",
    "helpline": "/ask_helpline",
    "quiz": "/start_quiz",
}


async def set_commands(application: Application) -> None:
    """post_init: the command menu in English (default) and Malay."""
    bot = application.bot
    try:
        await bot.set_my_commands(
            [BotCommand(*c) for c in COMMANDS["en"]], scope=BotCommandScopeDefault()
        )
        await bot.set_my_commands(
            [BotCommand(*c) for c in COMMANDS["ms"]],
            scope=BotCommandScopeDefault(),
            language_code="ms",
        )
    except TelegramError as error:  # the bot still works without the menu
        logger.warning("Could not set the command menu: %s", type(error).__name__)


async def start(update: Update, context: Context) -> None:
    """/start [child|parent|educator]: the privacy card and the menu, in the chosen mode."""
    if not await turns.admit(update, context):
        return
    mode = context.args[0].lower() if context.args else ""
    payload = "/ask_help_menu"
    if mode in START_MODES:
        payload += json.dumps({"mode": mode}, separators=(",", ":"))
    turn = await turns.ask(update, context, text=payload)
    card = turns.message_text("privacy_card", turn.lang)
    if not turn.degraded and all(reply.text.strip() != card.strip() for reply in turn.replies):
        turn.replies.insert(0, Reply(card))
    await turns.send_turn(update, context, turn)


async def intent_command(update: Update, context: Context) -> None:
    """/help, /language, /privacy, /helpline, /quiz."""
    if not await turns.admit(update, context):
        return
    message = update.effective_message
    command = (message.text or "").split()[0].lstrip("/").split("@")[0].lower() if message else ""
    await turns.converse(update, context, INTENT_OF.get(command, "/ask_help_menu"))


async def forget(update: Update, context: Context) -> None:
    """/forget: confirm first (in the user's language), then delete the conversation."""
    if not await turns.admit(update, context):
        return
    sender = turns.current_sender(update)
    turn = await turns.ask(update, context, text="/forget_me")
    if turn.degraded:
        turn.replies = [Reply(turns.message_text("forgotten", turn.lang))]
    await turns.send_turn(update, context, turn)
    try:
        await context.bot_data.assistant.forget(sender)
    finally:
        turns.forget_sender(update, context)


async def unknown_command(update: Update, context: Context) -> None:
    """A command Jaga does not know, in a private chat: show the menu."""
    if not await turns.admit(update, context):
        return
    await turns.converse(update, context, "/ask_help_menu")


def register(application: Application) -> None:
    new_messages = filters.UpdateType.MESSAGE  # an edited command is not run again
    application.add_handler(CommandHandler("start", start, filters=new_messages))
    application.add_handler(CommandHandler("forget", forget, filters=new_messages))
    application.add_handler(CommandHandler(list(INTENT_OF), intent_command, filters=new_messages))
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE & new_messages, unknown_command)
    )
