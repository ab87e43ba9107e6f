"""The language component reads the front end's hint from the message metadata."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.language import LanguageDetector


def detected(text: str, metadata=None, intent: str = "greet") -> tuple[str | None, bool]:
    message = Message(data={TEXT: text, "metadata": metadata, INTENT: {"name": intent}})
    LanguageDetector().process([message])
    langs = [e["value"] for e in message.get(ENTITIES) or [] if e["entity"] == "lang"]
    return (langs[0] if langs else None), bool(message.get("unreadable"))


@pytest.mark.parametrize(
    "text, metadata, lang",
    [
        ("ok", {"lang": "ms"}, "ms"),  # the text does not say: the hint does
        ("hi", {"lang": "ta"}, "ta"),
        ("ok", None, None),  # no hint: the slot keeps the conversation's language
        ("ok", {"lang": "xx"}, None),  # not a language Jaga speaks
        ("ok", "lang=ms", None),
        ("how do I report him", {"lang": "ms"}, "en"),  # what the child writes in comes first
        ("macam mana nak buat laporan", {"lang": "en"}, "ms"),
    ],
)
def test_the_language_hint_counts_only_when_the_text_does_not_say(text, metadata, lang):
    assert detected(text, metadata) == (lang, False)


def test_a_request_for_a_language_wins_over_the_hint():
    assert detected("speak malay please", {"lang": "en"}, "change_language") == ("ms", False)


def test_an_unreadable_message_is_answered_in_the_hinted_language():
    assert detected("שלום מה שלומך", {"lang": "ta"}) == ("ta", True)
