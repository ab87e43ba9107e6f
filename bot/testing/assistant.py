"""`FakeAssistant`: the real conversation module (`bot.core.conversation.BaseAssistant`) in
front of a scripted Rasa, for front-end tests that do not need the model.

The scripted Rasa keeps what Rasa's tracker keeps (the language, whether the privacy card is
still owed, whether the last turn was urgent), in this process's memory: it is a test double.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from bot.core.conversation import DEVELOPMENT_ID_KEY, BaseAssistant, join_payload, split_payload
from bot.core.replies import RasaMessage, RasaResult, is_urgent, to_replies
from components.lexicon import detect_language


class FakeAssistant(BaseAssistant):
    """Answers from a script instead of a model, for front-end tests.

    `script` maps a message (or payload) to (intent, reply text, buttons); anything else
    gets `default`. Set `fail=True` or `delay` to test the fallback path.
    """

    def __init__(
        self,
        script: dict | None = None,
        *,
        timeout: float = 2.0,
        delay: float = 0.0,
        fail: bool = False,
        stats: Any = None,
    ) -> None:
        self.calls: list[tuple[str, str, str | None]] = []
        self.forgotten: list[str] = []
        self.backend_ids: list[str] = []  # what Rasa would have seen: pseudonyms
        self.script = script or {}
        self.delay = delay
        self.fail = fail
        self._front_end_ids: dict[str, str] = {}
        super().__init__(FakeRasa(self), timeout=timeout, stats=stats, id_key=DEVELOPMENT_ID_KEY)

    def pseudonym(self, sender_id: str) -> str:
        # A test double: `calls` and `forgotten` show the ids the front end used.
        alias = super().pseudonym(sender_id)
        self._front_end_ids[alias] = sender_id
        return alias

    def front_end_id(self, alias: str) -> str:
        return self._front_end_ids.get(alias, alias)


def _payload_language(text: str) -> tuple[str, str | None]:
    """A payload's `lang` entity, which Rasa puts in the slot, and the payload without it (the
    payload the front end sent, for `calls` and the script)."""
    parts = split_payload(text)
    if parts is None or "lang" not in parts[1]:
        return text, None
    intent, values = parts
    chosen = values.pop("lang")
    return join_payload(intent, values), chosen


@dataclass
class _Conversation:
    """What Rasa's tracker holds for one conversation (the parts Jaga reads)."""

    lang: str = "en"
    privacy_card_owed: bool = True  # action_session_start
    urgent: bool = False  # the last turn was a safety reply


class FakeRasa:
    """A scripted stand-in for Rasa and its tracker store."""

    def __init__(self, owner: FakeAssistant) -> None:
        self.owner = owner
        self.conversations: dict[str, _Conversation] = {}

    async def turn(self, message: RasaMessage) -> RasaResult:
        sender_id, lang = message.sender_id, message.lang
        text, chosen = _payload_language(message.text)
        owner = self.owner
        owner.backend_ids.append(sender_id)
        owner.calls.append((owner.front_end_id(sender_id), text, lang))
        loop = asyncio.get_running_loop()
        card_by = None if message.budget is None else loop.time() + message.budget
        if owner.delay:
            await asyncio.sleep(owner.delay)
        if owner.fail:
            raise ConnectionError("fake Rasa is down")
        conversation = self.conversations.get(sender_id)
        if conversation is None:  # action_session_start
            conversation = self.conversations[sender_id] = _Conversation(lang=lang or "en")
        conversation.lang = chosen or detect_language(text) or lang or conversation.lang
        intent, reply, buttons = owner.script.get(
            text, ("out_of_scope", f"({conversation.lang}) You said: {text}", [])
        )
        urgent = is_urgent(intent, None)
        late = card_by is not None and loop.time() > card_by  # the child got the safe reply
        card = conversation.privacy_card_owed and not (urgent or conversation.urgent or late)
        conversation.urgent = urgent
        conversation.privacy_card_owed &= not card
        return RasaResult(
            text=text,
            replies=to_replies([{"text": reply, "buttons": buttons}]),
            intent=intent,
            confidence=1.0,
            lang=conversation.lang,
            privacy_card=card,
        )

    async def language(self, sender_id: str) -> str | None:
        conversation = self.conversations.get(sender_id)
        return conversation.lang if conversation else None

    async def forget(self, sender_id: str) -> None:
        owner = self.owner
        owner.backend_ids.append(sender_id)
        owner.forgotten.append(owner.front_end_id(sender_id))
        self.conversations.pop(sender_id, None)

    async def close(self) -> None:
        return None
