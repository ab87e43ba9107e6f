"""Groups and supergroups. Jaga answers only commands (handled in `commands`), messages that
mention it and replies to its own messages (`ADDRESSED`); everything else in a group is none
of its business: no handler takes it, so it is not even counted or logged. A disclosure is
never discussed in the group: see `turns.redirect_privately`.
"""

from __future__ import annotations

import re

from telegram import Bot, Message, MessageEntity, Update
from telegram.ext import Application, MessageHandler, filters

from bot.telegram.handlers import talk
from bot.telegram.state import Context

_MENTIONS: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]  # as PTB types it


def addressed_to_bot(message: Message, bot: Bot) -> bool:
    """A reply to one of Jaga's messages, or a message (or caption) that mentions Jaga."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    username = f"@{bot.username}".lower()
    entities = {**message.parse_entities(_MENTIONS), **message.parse_caption_entities(_MENTIONS)}
    for entity, text in entities.items():
        if entity.type == MessageEntity.MENTION and text.lower() == username:
            return True
        if entity.user is not None and entity.user.id == bot.id:
            return True
    return False


class _Addressed(filters.MessageFilter):
    """Messages addressed to Jaga (see `addressed_to_bot`)."""

    def filter(self, message: Message) -> bool:
        return addressed_to_bot(message, message.get_bot())


ADDRESSED = _Addressed(name="ADDRESSED")


def without_mention(text: str, bot: Bot) -> str:
    return re.sub(rf"@{re.escape(bot.username)}\b", " ", text, flags=re.IGNORECASE).strip()


async def group_text(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    text = without_mention(message.text or "", context.bot)
    await talk.converse(update, context, text or "/ask_help_menu")


def register(application: Application) -> None:
    application.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS
            & filters.UpdateType.MESSAGE
            & filters.TEXT
            & ~filters.COMMAND
            & ADDRESSED,
            group_text,
        )
    )
