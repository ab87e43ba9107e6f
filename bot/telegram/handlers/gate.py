"""Flood control, once per update, before any other handler (group `GROUP`).

An update counts when a handler will act on it (a command, a message Jaga answers, a button)
and it is not a quiz answer (only the waiting question can be answered, and a quick child
must not be told to slow down mid-round). The ninth such update within 10 s earns one gentle
note with 999 in the conversation's language; it and those that follow for 20 s stop here
(`ApplicationHandlerStop`): a flood of presses costs no Bot API call, not even the answer
that stops the spinner. The counts are `bot_data.flood` (flood.py): in Redis, shared by
every front end, when REDIS_URL is set.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.telegram import turns
from bot.telegram.flood import Verdict
from bot.telegram.handlers import quiz
from bot.telegram.state import Context

logger = logging.getLogger(__name__)

GROUP = -2  # before the quiz (group -1) and the generic handlers (group 0)


def acted_on(update: Update, application: Application) -> bool:
    """Whether a handler after the gate takes this update (as PTB itself decides)."""
    for group, handlers in application.handlers.items():
        if group <= GROUP:
            continue
        for handler in handlers:
            check = handler.check_update(update)
            if check is not None and check is not False:
                return True
    return False


async def flood_gate(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None or quiz.is_answer(update) or not acted_on(update, context.application):
        return
    verdict = await context.bot_data.flood.check(user.id)
    if verdict is Verdict.OK:
        return
    if verdict is Verdict.WARN:
        logger.info("Flood limit reached in update %s", update.update_id)
        lang = await turns.lang_of(update, context)
        await turns.send_note(update, context, turns.message_text("slow_down", lang))
    raise ApplicationHandlerStop


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, flood_gate), group=GROUP)
