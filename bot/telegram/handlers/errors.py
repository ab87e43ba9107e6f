"""The error handler. It logs the exception's type, the update id and where it happened:
never the exception's message, the update, a user's name or anything they wrote, since any
of those may carry a child's words.
"""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import Application

from bot.telegram.state import Context

logger = logging.getLogger(__name__)


def where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    frame = frames[-1]
    return f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} in {frame.name}"


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if error is None:
        return
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):  # the user blocked Jaga or left the group
        logger.info("Forbidden while handling update %s", update_id)
        return
    logger.error("%s while handling update %s (%s)", type(error).__name__, update_id, where(error))


def register(application: Application) -> None:
    application.add_error_handler(on_error)
