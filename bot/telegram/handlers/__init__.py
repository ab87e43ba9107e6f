"""Telegram update handlers, one module per kind of update.

Groups: the flood gate (`gate`, -2) sees every update first; the quiz (`quiz`, -1) takes its
own commands and buttons; everything else is group 0.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.telegram.handlers import callbacks, commands, errors, gate, groups, media, messages, quiz


def register_all(application: Application) -> None:
    gate.register(application)
    quiz.register(application)
    # Order matters within a group: commands first, then text, then media.
    commands.register(application)
    groups.register(application)
    messages.register(application)
    callbacks.register(application)
    media.register(application)
    errors.register(application)
