"""Rasa component: cleans every message before it is tokenised."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components import text as text_module
from components.base import RuleComponent, files_fingerprint
from components.text import normalise


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormaliser(RuleComponent):
    """Lower-cases, strips zero-width characters and shortens "plsssss" to "pls"."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str | None:
        return files_fingerprint(Path(__file__), Path(text_module.__file__))

    def _normalise(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str):
            message.set(TEXT, normalise(text))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalise(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalise(message)
        return messages
