"""Rasa component: which language the user writes in, and which one they ask for.

The detector (components.lexicon) only speaks up when one language clearly leads; otherwise
it sets nothing and the `lang` slot keeps the user's language. For `change_language` it
reports the language asked for instead.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.base import RuleComponent, add_entity, has_entity
from components.intents import SAFETY_INTENTS
from components.lexicon import UNREADABLE, detect_language, requested_language, script_language

__all__ = ["LanguageDetector", "detect_language", "requested_language"]


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
            if (
                not text.startswith("/")
                and script_language(text) == UNREADABLE
                and intent not in SAFETY_INTENTS
            ):
                message.set("unreadable", True, add_to_output=True)
                fallback = {"name": "nlu_fallback", "confidence": 1.0}
                message.set(INTENT, fallback, add_to_output=True)
                continue
            if intent == "change_language":
                lang = requested_language(text)
            else:
                lang = detect_language(text)
            if lang:
                add_entity(message, "lang", lang, "LanguageDetector")
        return messages
