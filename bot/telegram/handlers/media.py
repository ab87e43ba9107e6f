"""Photos, videos, files, voice notes, stickers... and locations or contacts.

Nothing is ever downloaded: no getFile, no file ids kept. The assistant answers with a
notice (never send private photos; for a location or contact, don't share them online).
A caption is read as a message of its own. Polls and dice are ignored on purpose: they are
games, not something said to Jaga. In groups media is answered only when it replies to Jaga.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import Application, MessageHandler, filters

from bot.telegram import turns
from bot.telegram.handlers import talk
from bot.telegram.handlers.groups import ADDRESSED, without_mention
from bot.telegram.state import Context

# Most specific first: an animation also carries a document, a venue also a location.
KINDS = (
    "animation",
    "sticker",
    "photo",
    "video_note",
    "video",
    "voice",
    "audio",
    "document",
    "venue",
    "location",
    "contact",
)
_PLACES = ("venue", "location", "contact")

MEDIA = (
    filters.ANIMATION
    | filters.Sticker.ALL
    | filters.PHOTO
    | filters.VIDEO_NOTE
    | filters.VIDEO
    | filters.VOICE
    | filters.AUDIO
    | filters.Document.ALL
    | filters.VENUE
    | filters.LOCATION
    | filters.CONTACT
)


def media_kind(message: Message) -> str:
    for kind in KINDS:
        if getattr(message, kind, None):
            return kind
    return "document"


async def media_received(update: Update, context: Context) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    in_group = chat.type != ChatType.PRIVATE
    kind = media_kind(message)
    turn = await turns.ask(update, context, media=kind)
    await turns.send_turn(update, context, turn)
    caption = without_mention(message.caption or "", context.bot) if in_group else message.caption
    if caption and kind not in _PLACES:
        await talk.converse(update, context, caption)


def register(application: Application) -> None:
    application.add_handler(
        MessageHandler(
            MEDIA
            & (filters.ChatType.PRIVATE | (filters.ChatType.GROUPS & ADDRESSED))
            & filters.UpdateType.MESSAGE,
            media_received,
        )
    )
