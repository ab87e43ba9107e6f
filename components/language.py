"""Rasa component: which language the user writes in, and which one they ask for.

The detector (components.lexicon) only speaks up when one language clearly leads; otherwise
it sets nothing and the `lang` slot keeps the user's language. For `change_language` it
reports the language asked for instead.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.lexicon import detect_language, requested_language

__all__ = ["LanguageDetector", "detect_language", "requested_language"]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds a `lang` entity (en/ms) that fills the `lang` slot."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = message.get(ENTITIES) or []
            if any(e.get("entity") == "lang" for e in entities):
                continue  # a button already said which language
            intent = (message.get(INTENT) or {}).get("name")
            if intent == "change_language":
                lang = requested_language(text)
            else:
                lang = detect_language(text)
            if lang:
                entities = entities + [
                    {
                        "entity": "lang",
                        "value": lang,
                        "start": 0,
                        "end": len(text),
                        "confidence_entity": 1.0,
                        "extractor": "LanguageDetector",
                    }
                ]
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
