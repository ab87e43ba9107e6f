"""Inline-keyboard presses: every query is answered (the spinner stops), then the button's
payload goes to the assistant as if the user had typed it. Forged or stale data (keyboards.py)
is answered with a short note and goes nowhere. A user over the flood limit gets no answer,
not even the one that stops the spinner (handlers/gate.py stops the update first).
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot.telegram import turns
from bot.telegram.handlers import talk
from bot.telegram.state import Context

logger = logging.getLogger(__name__)


async def button_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    payload = context.bot_data.buttons.decode(query.data)
    usable = payload is not None and update.effective_chat is not None
    with contextlib.suppress(TelegramError):  # a query older than 15 s can't be answered
        if usable:
            await query.answer()
        else:
            await query.answer(turns.stale_button_text(turns.telegram_lang(query.from_user)))
    if not usable:
        logger.info("Stale or unknown button in update %s", update.update_id)
        return
    # Rasa's buttons answer the question just asked; an old keyboard pressed later confuses it.
    with contextlib.suppress(TelegramError):
        await query.edit_message_reply_markup(reply_markup=None)
    assert payload is not None  # `usable`
    await talk.converse(update, context, payload)


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(button_pressed))
