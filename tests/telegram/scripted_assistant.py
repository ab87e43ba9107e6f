"""A small assistant for the Telegram tests, implementing the interface of
docs/architecture.md ("The conversation module") with canned answers."""

from __future__ import annotations

import asyncio
import re
import time

from bot.core.replies import Button, Reply, Turn

# The longest kind of payload Jaga sends: signed, it still fits Telegram's 64 bytes.
LONG_PAYLOAD = '/ask_parent_guidance{"topic":"pupil_discloses"}'
MENU_BUTTONS = (
    Button("What is grooming?", payload="/ask_grooming"),
    Button("Parents: warning signs", payload=LONG_PAYLOAD),
    Button("Klik Dengan Bijak", url="https://www.klikdenganbijak.my/"),
    Button("Call 999", url="tel:999"),  # Telegram refuses tel: buttons: must be dropped
)
_MALAY = re.compile(r"\b(apa|aku|saya|nak|tak|macam|mana|dia)\b", re.IGNORECASE)
_TEXTS = {
    "ask_help_menu": ("Here is what I can help with.", "Ini perkara yang saya boleh bantu."),
    "ask_grooming": ("Grooming is when someone builds trust to harm you.", "Grooming ialah..."),
    "ask_parent_guidance": ("Warning signs to watch for.", "Tanda amaran."),
    "forget_me": ("I will delete our chat now.", "Saya akan padam chat kita."),
    "crisis": ("Call 999 now. Talian Kasih 15999.", "Telefon 999 sekarang. Talian Kasih 15999."),
    "disclose_sextortion": ("You are not in trouble. Do not pay.", "Kamu tidak bersalah."),
}


class ScriptedAssistant:
    def __init__(self, *, delay: float = 0.0, fail: bool = False) -> None:
        self.delay = delay
        self.fail = fail
        self.calls: list[tuple[str, str, str | None]] = []
        self.media: list[tuple[str, str, str | None]] = []
        self.forgotten: list[tuple[str, float]] = []
        self.langs: dict[str, str] = {}

    def texts(self) -> list[str]:
        return [text for _, text, _ in self.calls]

    async def respond(
        self, sender_id: str, text: str, *, lang: str | None = None, metadata=None
    ) -> Turn:
        self.calls.append((sender_id, text, lang))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise ConnectionError("Rasa is down")
        lang = lang or self.langs.get(sender_id) or ("ms" if _MALAY.search(text) else "en")
        self.langs[sender_id] = lang
        intent, buttons = self._intent(text), ()
        if intent == "ask_help_menu":
            buttons = MENU_BUTTONS
        if intent in _TEXTS:
            reply = _TEXTS[intent][lang == "ms"]
        elif text.startswith("/"):
            reply = f"[{intent}]"
        else:
            reply = f"({lang}) You said: {text}"
        return Turn(text=text, replies=[Reply(reply, buttons)], intent=intent, lang=lang)

    async def respond_to_media(self, sender_id: str, kind: str, *, lang: str | None = None) -> Turn:
        self.media.append((sender_id, kind, lang))
        lang = self.langs[sender_id] = lang or self.langs.get(sender_id, "en")
        return Turn(text=f"<{kind}>", replies=[Reply(f"notice for a {kind}")], lang=lang)

    async def language(self, sender_id: str) -> str:
        return self.langs.get(sender_id, "en")

    async def forget(self, sender_id: str) -> None:
        self.forgotten.append((sender_id, time.monotonic()))
        self.langs.pop(sender_id, None)

    async def close(self) -> None:
        return None

    @staticmethod
    def _intent(text: str) -> str:
        if text.startswith("/"):
            return re.split(r"[{\s]", text[1:], maxsplit=1)[0]
        lowered = text.lower()
        if "outside my house" in lowered:
            return "crisis"
        if "ugut" in lowered or "nudes" in lowered:
            return "disclose_sextortion"
        if "kuiz" in lowered or "quiz" in lowered:
            return "start_quiz"
        return "out_of_scope"


class HangingAssistant(ScriptedAssistant):
    """Breaks the interface's promise to answer in time: our own guard must catch it."""

    async def respond(self, sender_id: str, text: str, *, lang=None, metadata=None) -> Turn:
        self.calls.append((sender_id, text, lang))
        await asyncio.sleep(60)
        raise AssertionError("unreachable")
