"""What the handlers share, held by the Application (no module globals).

`context.bot_data` is a `BotData`; `context.chat_data` holds only ids and a language code:
`lang` (the last language Jaga answered this chat in) and `seeded` (sender ids whose
language was already seeded from Telegram's `language_code`). Never message text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

from bot.telegram.keyboards import CallbackStore
from bot.telegram.ratelimit import FloodGuard

if TYPE_CHECKING:
    from bot.core.conversation import Assistant
    from bot.core.settings import Settings


@dataclass
class BotData:
    """Built empty by PTB (`ContextTypes` needs that), filled by `build_application`."""

    assistant_: Assistant | None = None
    settings_: Settings | None = None
    buttons: CallbackStore = field(default_factory=CallbackStore)
    flood: FloodGuard = field(default_factory=FloodGuard)
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
