"""The classroom web chat: `python -m bot demo` serves it on http://127.0.0.1:DEMO_PORT/."""

from bot.web.server import build_app, main

__all__ = ["build_app", "main"]
