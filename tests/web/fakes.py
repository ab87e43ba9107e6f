"""A scripted assistant for the web tests: the real `FakeAssistant` when bot.core.conversation
imports, else a tiny stand-in with the same interface (respond, forget, close)."""

from __future__ import annotations

from typing import Any

from bot.core.replies import Button, Reply, Turn

# message (or payload) -> (intent, reply text, Rasa-style buttons)
SCRIPT: dict[str, tuple[str, str, list[dict[str, str]]]] = {
    "hello": ("greet", "Hi! I'm Jaga. Ask me about staying safe online.", []),
    "apa itu grooming": (
        "ask_grooming",
        "Grooming ialah apabila seseorang membina kepercayaan kanak-kanak untuk menganiaya mereka.",
        [],
    ),
    "/ask_grooming": (
        "ask_grooming",
        "Grooming is when someone builds a child's trust in order to abuse them.",
        [
            {"title": "How to report", "payload": "/ask_report"},
            {"title": "MCMC complaints", "url": "https://aduan.skmm.gov.my/"},
        ],
    ),
    "/ask_report": (
        "ask_report",
        "To report: go to the nearest police station, or call 999 in danger.",
        [],
    ),
}


class TinyFakeAssistant:
    """Answers from SCRIPT; anything else gets '(lang) You said: ...'."""

    def __init__(self, script: dict | None = None, *, fail: bool = False) -> None:
        self.script = SCRIPT if script is None else script
        self.calls: list[tuple[str, str, str | None]] = []
        self.forgotten: list[str] = []
        self.fail = fail
        self.closed = False

    async def respond(
        self, sender_id: str, text: str, *, lang: str | None = None, metadata: Any = None
    ) -> Turn:
        self.calls.append((sender_id, text, lang))
        if self.fail:
            raise RuntimeError(f"boom: {text}")
        lang = lang or "en"
        intent, reply, buttons = self.script.get(
            text, ("out_of_scope", f"({lang}) You said: {text}", [])
        )
        return Turn(
            text=text,
            replies=[Reply(reply, tuple(Button(**b) for b in buttons))],
            intent=intent,
            confidence=1.0,
            lang=lang,
        )

    async def language(self, sender_id: str) -> str:
        return "en"

    async def forget(self, sender_id: str) -> None:
        self.forgotten.append(sender_id)

    async def close(self) -> None:
        self.closed = True


def conversation_fake(**options: Any) -> Any:
    """The real conversation module in front of a scripted Rasa (`fail=True`: Rasa is down)."""
    try:
        from bot.testing.assistant import FakeAssistant
    except ImportError:
        from bot.core.conversation import FakeAssistant  # type: ignore[attr-defined,no-redef]
    return FakeAssistant(**options)


def make_fake() -> Any:
    """The project's FakeAssistant when it can be imported, else TinyFakeAssistant."""
    try:
        return conversation_fake(script=SCRIPT)
    except Exception:  # noqa: BLE001 - the conversation module may be unfinished
        return TinyFakeAssistant()
