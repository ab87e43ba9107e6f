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
