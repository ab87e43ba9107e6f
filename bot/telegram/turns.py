"""One turn on Telegram: ask the assistant (typing, time limit, safe fallback), then send
its replies as HTML, split and with inline keyboards, or, for a disclosure in a group, only
a note that moves the talk to a private chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from telegram import Chat, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters, Update, User
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.core import messages
from bot.core.replies import Reply, Turn
from bot.telegram.formatting import clean_text, escape, split_message
from bot.telegram.keyboards import inline_keyboard, url_keyboard
from bot.telegram.state import Context
from components.intents import SAFETY_INTENTS as ALL_SAFETY_INTENTS

logger = logging.getLogger(__name__)

# A disclosure is never discussed in a group: see docs/architecture.md, "Safety intents".
SAFETY_INTENTS = frozenset(ALL_SAFETY_INTENTS)
LANGS = ("en", "ms", "zh", "ta")
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing..." for about 5 s
TYPING_AFTER = 0.3  # seconds a reply may take before "typing..." is shown
LANG_TIMEOUT = 1.0  # seconds to ask the assistant for the conversation's language
FALLBACK_LANG_TIMEOUT = 0.3  # the same, when the assistant just failed: help comes first
SEEDED_KEY = "seeded"
SEEDED_KEEP = 20  # conversations remembered per person (their private chat and a few groups)

# -- who and which language ---------------------------------------------------------------


def sender_id(chat: Chat, user: User | None) -> str:
    """Rasa's conversation id. One per private chat; one per person in a group."""
    if chat.type == ChatType.PRIVATE or user is None:
        return f"tg:{chat.id}"
    return f"tg:{chat.id}:{user.id}"


def telegram_lang(user: User | None) -> str:
    """The app's language (an IETF tag such as "ms-MY", "zh-hans", "ta") as one of LANGS."""
    code = (user.language_code or "").lower().replace("_", "-") if user else ""
    primary = code.split("-")[0]
    if primary in ("ms", "id"):
        return "ms"
    return primary if primary in ("zh", "ta") else "en"


def seed_lang(update: Update, context: Context) -> str | None:
    """Telegram's language_code, but only for the first turn of a conversation: after that the
    conversation keeps its language, which the assistant owns. Which conversations were seeded
    is kept in `user_data` (short hashes; shared by every front end with REDIS_URL)."""
    if context.user_data is None:
        return None
    mark = context.bot_data.keys.mark(current_sender(update))
    seeded: list[str] = context.user_data.setdefault(SEEDED_KEY, [])
    if mark in seeded:
        return None
    seeded.append(mark)
    del seeded[:-SEEDED_KEEP]
    return telegram_lang(update.effective_user)


def was_seeded(update: Update, context: Context) -> bool:
    marks = context.user_data.get(SEEDED_KEY, []) if context.user_data is not None else []
    return context.bot_data.keys.mark(current_sender(update)) in marks


async def lang_of(update: Update, context: Context, timeout: float = LANG_TIMEOUT) -> str:
    """The conversation's language as the assistant keeps it; Telegram's before the first turn
    (or when the assistant does not answer in time)."""
    if was_seeded(update, context):
        with contextlib.suppress(Exception):
            assistant = context.bot_data.assistant
            lang = await asyncio.wait_for(assistant.language(current_sender(update)), timeout)
            if lang in LANGS:
                return lang
    return telegram_lang(update.effective_user)


def forget_sender(update: Update, context: Context) -> None:
    """/forget: the next turn is a first turn again."""
    if context.user_data is not None:
        mark = context.bot_data.keys.mark(current_sender(update))
        marks = context.user_data.get(SEEDED_KEY, [])
        context.user_data[SEEDED_KEY] = [m for m in marks if m != mark]
        if not context.user_data[SEEDED_KEY]:
            del context.user_data[SEEDED_KEY]


def current_sender(update: Update) -> str:
    if update.effective_chat is None:
        raise ValueError("update has no chat")
    return sender_id(update.effective_chat, update.effective_user)


def message_text(key: str, lang: str) -> str:
    """A text from the catalogue (bot/core/messages.yml, helplines filled in from the referral
    directory). The catalogue is loaded and checked when bot.core.messages is imported, so the
    safe reply is in memory before the first update: it never depends on reading a file."""
    try:
        return messages.text(key, lang)
    except Exception as error:  # noqa: BLE001 - a missing text must not silence Jaga
        logger.error("Could not find message %r: %s", key, type(error).__name__)
        return messages.text("safe_fallback", lang)


def fallback_turn(lang: str) -> Turn:
    return Turn(
        text="", replies=[Reply(message_text("safe_fallback", lang))], lang=lang, degraded=True
    )


# -- asking the assistant ------------------------------------------------------------------


# Typing loops still finishing after their turn: held so they are not garbage-collected.
_TYPING: set[asyncio.Task[None]] = set()


@contextlib.asynccontextmanager
async def typing(context: Context, chat_id: int) -> AsyncIterator[None]:
    """ "typing..." every few seconds until the block ends or Jaga is shutting down.

    The loop ends on a flag, not only on cancellation, and the turn never waits for it: on
    Python 3.10 a cancellation that arrives just as an HTTP call completes can be swallowed
    (anyio, asyncio.wait_for), which used to leave a turn stuck sending "typing..." forever.
    """
    done = asyncio.Event()

    async def keep_typing() -> None:
        # Most replies are ready in milliseconds: "typing..." only when Jaga really thinks,
        # which also spares the Bot API one call for most messages.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(done.wait(), TYPING_AFTER)
        while not done.is_set() and not context.bot_data.stopping:
            with contextlib.suppress(TelegramError):
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(done.wait(), TYPING_EVERY)

    task = asyncio.create_task(keep_typing())
    _TYPING.add(task)
    task.add_done_callback(_typing_done)
    try:
        yield
    finally:
        done.set()
        task.cancel()


def _typing_done(task: asyncio.Task[None]) -> None:
    _TYPING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.debug("Typing loop ended with %s", type(task.exception()).__name__)


async def ask(
    update: Update,
    context: Context,
    *,
    text: str | None = None,
    media: str | None = None,
    lang: str | None = None,
) -> Turn:
    """The assistant's turn, or the safe fallback if it fails or is too slow. Never raises."""
    chat = update.effective_chat
    assert chat is not None
    sender = current_sender(update)
    lang = lang or seed_lang(update, context)
    assistant = context.bot_data.assistant
    if media is not None:
        call = assistant.respond_to_media(sender, media, lang=lang)
    else:
        call = assistant.respond(sender, clean_text(text or ""), lang=lang)
    try:
        async with typing(context, chat.id):
            turn = await asyncio.wait_for(call, context.bot_data.reply_deadline)
    except Exception as error:  # noqa: BLE001 - the child still gets the safe reply
        if isinstance(error, asyncio.TimeoutError):
            logger.warning("Assistant too slow in update %s; sent the safe reply", update.update_id)
        else:
            logger.error(
                "Assistant failed (%s) in update %s; sent the safe reply",
                type(error).__name__,
                update.update_id,
            )
        turn = fallback_turn(lang or await lang_of(update, context, FALLBACK_LANG_TIMEOUT))
    if not turn.replies:
        turn.replies.append(Reply(message_text("safe_fallback", turn.lang)))
    return turn


# -- sending -------------------------------------------------------------------------------


def _reply_to(update: Update) -> ReplyParameters | None:
    """In a group, answer as a reply so people see which message Jaga is answering."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or chat.type == ChatType.PRIVATE or message is None:
        return None
    return ReplyParameters(message.message_id, allow_sending_without_reply=True)


async def send_html(
    update: Update,
    context: Context,
    html_text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    quote: bool = True,
) -> None:
    """`quote=False`: not sent as a reply, so a group sees nothing of the message answered."""
    chat = update.effective_chat
    assert chat is not None
    options: dict[str, Any] = {
        "parse_mode": ParseMode.HTML,
        "link_preview_options": LinkPreviewOptions(is_disabled=True),
        "reply_parameters": _reply_to(update) if quote else None,
    }
    try:
        await context.bot.send_message(chat.id, html_text, reply_markup=keyboard, **options)
    except BadRequest as error:
        if keyboard is None:
            raise
        # A button Telegram refuses must not cost the child the text.
        logger.warning(
            "Telegram refused a keyboard (%s); sent the text alone", type(error).__name__
        )
        await context.bot.send_message(chat.id, html_text, **options)


async def send_note(
    update: Update,
    context: Context,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    quote: bool = True,
) -> None:
    for piece in split_message(text) or [text]:
        await send_html(update, context, escape(piece), keyboard, quote=quote)


async def send_turn(update: Update, context: Context, turn: Turn) -> None:
    chat = update.effective_chat
    assert chat is not None
    serious = turn.intent in SAFETY_INTENTS or turn.safety_net or getattr(turn, "risk", None)
    if chat.type != ChatType.PRIVATE and serious:
        await redirect_privately(update, context, turn)
        return
    for reply in turn.replies:
        pieces = split_message(reply.text) or ["👇"]
        keyboard = inline_keyboard(reply.buttons, context.bot_data.buttons)
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            await send_html(update, context, escape(piece), keyboard if last else None)


async def redirect_privately(update: Update, context: Context, turn: Turn) -> None:
    """Only a short note and a deep link in the group; crisis also gets 999 and 15999. The
    note is not a reply: Telegram would show the child's words above it, quoted."""
    lang = turn.lang if turn.lang in LANGS else await lang_of(update, context)
    key = "group_redirect_crisis" if turn.intent == "crisis" else "group_redirect"
    link = f"https://t.me/{context.bot.username}?start=child"
    logger.info("Disclosure in a group (update %s): sent the private link", update.update_id)
    button = message_text("telegram_private_button", lang)
    await send_note(
        update, context, message_text(key, lang), url_keyboard(button, link), quote=False
    )


def stale_button_text(lang: str) -> str:
    return message_text("telegram_stale_button", lang)
