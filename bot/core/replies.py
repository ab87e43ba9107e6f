"""What a front end receives for one user message: plain data, no Rasa types."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    """A button: either a `payload` sent back as the user's next message, or a `url`."""

    title: str
    payload: str | None = None
    url: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"title": self.title}
        if self.url:
            data["url"] = self.url
        else:
            data["payload"] = self.payload
        return data


@dataclass(frozen=True)
class Reply:
    """One chat bubble."""

    text: str
    buttons: tuple[Button, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": [b.as_dict() for b in self.buttons]}


@dataclass
class Turn:
    """The outcome of one user message."""

    text: str  # the user's message as Rasa saw it (personal details redacted)
    replies: list[Reply] = field(default_factory=list)
    intent: str | None = None
    confidence: float = 0.0
    lang: str = "en"
    redacted: list[str] = field(default_factory=list)  # kinds of personal detail removed
    degraded: bool = False  # Rasa failed or was too slow; the safe fallback reply was sent
    safety_net: str | None = None  # the category the safety net raised, if it acted
    risk: str | None = None  # "danger" (crisis reply) or "concern" (check-in) when one ran

    @property
    def reply_text(self) -> str:
        return "\n\n".join(r.text for r in self.replies if r.text)

    def as_json(self) -> dict[str, Any]:
        """The `python -m bot ask --json` format of the project contract."""
        return {
            "text": self.reply_text,
            "intent": self.intent,
            "confidence": round(float(self.confidence), 4),
            "lang": self.lang,
            "replies": [r.as_dict() for r in self.replies],
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _buttons(raw: Any) -> tuple[Button, ...]:
    buttons = []
    for item in raw or []:
        if not isinstance(item, dict) or not item.get("title"):
            continue
        if item.get("url"):
            buttons.append(Button(str(item["title"]), url=str(item["url"])))
        elif item.get("payload"):
            buttons.append(Button(str(item["title"]), payload=str(item["payload"])))
    return tuple(buttons)


def to_replies(messages: list[dict]) -> list[Reply]:
    """Rasa's collected bot messages as Jaga's replies (images and custom data dropped)."""
    replies = []
    for message in messages or []:
        if not isinstance(message, dict):
            continue
        text = message.get("text") or ""
        buttons = _buttons(message.get("buttons"))
        if text or buttons:
            replies.append(Reply(str(text), buttons))
    return replies


def is_urgent(intent: str | None, risk: str | None) -> bool:
    """A safety reply (crisis, disclosure) or a risk check-in: help first, nothing else."""
    from components.intents import SAFETY_INTENTS

    return risk is not None or intent in SAFETY_INTENTS


@dataclass(frozen=True)
class RasaMessage:
    """One user message on its way to Rasa, already cleaned and redacted."""

    sender_id: str  # the pseudonym, never the chat id
    text: str
    lang: str | None = None  # the front end's language hint, sent in the message metadata
    metadata: dict[str, str] = field(default_factory=dict)  # only Jaga's own (safe_metadata)
    # Seconds before the child is sent the safe reply instead: a turn that ends later leaves
    # the privacy card owed, for a reply the child does see.
    budget: float | None = None


# What Rasa's answer and a front end's turn share, besides the text and the replies.
TURN_FIELDS = ("intent", "confidence", "lang", "safety_net", "risk")


@dataclass
class RasaResult:
    """What Rasa answered to one message, as it crosses from `bot.rasa_adapter` (in process, or
    over HTTP from Jaga's Rasa channel) to the conversation module."""

    text: str  # the message as Rasa saw it
    replies: list[Reply] = field(default_factory=list)
    intent: str | None = None
    confidence: float = 0.0
    lang: str = "en"  # the conversation's language after this turn (the `lang` slot)
    safety_net: str | None = None
    risk: str | None = None
    # The conversation still owed the privacy card and this turn is calm: the conversation
    # module sends it after everything else. The tracker already records it as shown.
    privacy_card: bool = False

    def to_turn(self) -> Turn:
        """The turn a front end receives (the conversation module adds its notes)."""
        shared = {name: getattr(self, name) for name in TURN_FIELDS}
        return Turn(text=self.text, replies=list(self.replies), **shared)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["messages"] = [reply.as_dict() for reply in self.replies]
        del data["replies"]
        return data

    @classmethod
    def from_json(cls, data: Any) -> RasaResult:
        """Reads `as_json` back (what a Rasa server sent); raises ValueError if it is not that."""
        if not isinstance(data, dict) or not isinstance(data.get("messages", []), list):
            raise ValueError("not a Rasa result")
        return cls(
            text=str(data.get("text") or ""),
            replies=to_replies(data.get("messages") or []),
            intent=data.get("intent") if isinstance(data.get("intent"), str) else None,
            confidence=float(data.get("confidence") or 0.0),
            lang=str(data.get("lang") or "en"),
            safety_net=data.get("safety_net") or None,
            risk=data.get("risk") or None,
            privacy_card=data.get("privacy_card") is True,
        )
