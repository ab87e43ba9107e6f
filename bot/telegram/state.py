"""What the handlers share, held by the Application (no module globals).

`context.bot_data` is a `BotData`: the process's tools (assistant, settings, button signer,
flood guard, Redis client), never a conversation's state. `context.user_data` holds a
person's state, numbers and short hashes only, never text: `quiz` (handlers/quiz.py) and
`seeded` (turns.seed_lang). With `REDIS_URL` set it lives in Redis (persistence.py), so every
front end sees the same; the conversation's language is the assistant's (`turns.lang_of`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

from bot.telegram.flood import FloodGuard, Guard
from bot.telegram.keyboards import CallbackStore
from bot.telegram.shared import Keys

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from bot.core.conversation import Assistant
    from bot.core.settings import Settings


@dataclass
class BotData:
    """Built empty by PTB (`ContextTypes` needs that), filled by `build_application`."""

    assistant_: Assistant | None = None
    settings_: Settings | None = None
    buttons: CallbackStore = field(default_factory=CallbackStore)
    flood: Guard = field(default_factory=FloodGuard)
    keys: Keys = field(default_factory=lambda: Keys.for_bot(""))
    redis: aioredis.Redis | None = None  # with REDIS_URL: shared by persistence and flood
    # Our own guard around the assistant, a little above its own reply timeout.
    reply_deadline: float = 2.5
    # Set at shutdown: no new turn starts and "typing..." is no longer sent.
    stopping: bool = False

    @property
    def assistant(self) -> Assistant:
        if self.assistant_ is None:
            raise RuntimeError("build_application() was not given an assistant")
        return self.assistant_

    @property
    def settings(self) -> Settings:
        if self.settings_ is None:
            raise RuntimeError("build_application() was not given settings")
        return self.settings_


ChatData = dict[str, Any]
UserData = dict[str, Any]
Context = CallbackContext[ExtBot[None], UserData, ChatData, BotData]
