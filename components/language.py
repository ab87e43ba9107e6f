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
from components.lexicon import detect_language, requested_language

__all__ = ["LanguageDetector", "detect_language", "requested_language"]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(RuleComponent):
    """Adds a `lang` entity (en/ms) that fills the `lang` slot."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if has_entity(message, "lang"):
                continue  # a button already said which language
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get("name")
            if intent == "change_language":
                lang = requested_language(text)
            else:
                lang = detect_language(text)
            if lang:
                add_entity(message, "lang", lang, "LanguageDetector")
        return messages
