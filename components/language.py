"""Rasa component: which language the user writes in, and which one they ask for.

The detector (components.lexicon) only speaks up when one language clearly leads; otherwise
the language the front end suggests in the message metadata (`{"lang": "ms"}`: a UI switch,
Telegram's language_code, a /start payload) is used, and without one the `lang` slot keeps
the user's language. For `change_language` it reports the language asked for instead.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.base import RuleComponent, add_entity, has_entity
from components.intents import SAFETY_INTENTS
from components.lexicon import UNREADABLE, detect_language, requested_language, script_language

__all__ = ["LanguageDetector", "detect_language", "language_hint", "requested_language"]

LANGUAGES = ("en", "ms", "zh", "ta")


def language_hint(message: Message) -> str | None:
    """The language the front end suggests in the message's metadata, if Jaga speaks it."""
    metadata = message.get("metadata")
    hint = metadata.get("lang") if isinstance(metadata, dict) else None
    return hint if hint in LANGUAGES else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(RuleComponent):
    """Adds a `lang` entity (en/ms/zh/ta) that fills the `lang` slot.

    A message in a script Jaga cannot read is marked `unreadable` and answered by the fallback
    (a short note in several languages with the helplines), whatever the model guessed, unless
    the safety net or the risk level already raised it to a safety intent.
    """

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if has_entity(message, "lang"):
                continue  # a button already said which language
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get("name")
            lang = None
            if (
                not text.startswith("/")
                and script_language(text) == UNREADABLE
                and intent not in SAFETY_INTENTS
            ):
                message.set("unreadable", True, add_to_output=True)
                fallback = {"name": "nlu_fallback", "confidence": 1.0}
                message.set(INTENT, fallback, add_to_output=True)
            elif intent == "change_language":
                lang = requested_language(text)
            else:
                lang = detect_language(text)
            lang = lang or language_hint(message)
            if lang:
                add_entity(message, "lang", lang, "LanguageDetector")
        return messages
