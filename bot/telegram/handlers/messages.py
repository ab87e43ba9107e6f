"""Text messages in private chats.

Edited messages are answered as new messages, on purpose: a child may edit "hi" into
"he is outside my house", and missing that is worse than answering twice. (In groups edits
are ignored.) Channel posts never reach a handler: no filter here accepts them, and
`app.ALLOWED_UPDATES` does not even ask Telegram for them.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.telegram.handlers import talk
from bot.telegram.state import Context


async def private_text(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    await talk.converse(update, context, message.text or "")


def register(application: Application) -> None:
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGES
            & filters.TEXT
            & ~filters.COMMAND,
            private_text,
        )
    )
