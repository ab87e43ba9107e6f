"""Telegram update handlers, one module per kind of update."""

from __future__ import annotations

from telegram.ext import Application

from bot.telegram.handlers import callbacks, commands, errors, groups, media, messages


def register_all(application: Application) -> None:
    # Order matters within a group: commands first, then text, then media.
    commands.register(application)
    groups.register(application)
    messages.register(application)
    callbacks.register(application)
    media.register(application)
    errors.register(application)
