"""What a message, a pressed button or a command turns into: one turn with the assistant,
answered in the chat, unless the assistant recognised "jom kuiz" typed in words, in which
case the quiz itself is played (handlers/quiz.py) instead of pointing to it.

It sits above both `turns` and `quiz` so neither imports the other's caller.
"""

from __future__ import annotations

from telegram import Update

from bot.core.replies import Turn
from bot.telegram import turns
from bot.telegram.handlers.quiz import start_round
from bot.telegram.state import Context


async def converse(update: Update, context: Context, text: str, *, lang: str | None = None) -> Turn:
    turn = await turns.ask(update, context, text=text, lang=lang)
    if turn.intent == "start_quiz" and not turn.degraded:
        await start_round(update, context)
        return turn
    await turns.send_turn(update, context, turn)
    return turn
