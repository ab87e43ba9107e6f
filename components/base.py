"""What Jaga's rule-based Rasa components share: no training, no state, entity helpers."""

from __future__ import annotations

from typing import Any, Dict

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message


class RuleComponent(GraphComponent):
    """A component built from code and data files only: nothing to train or persist."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls()


def has_entity(message: Message, name: str) -> bool:
    """True when a button payload or an earlier component already set this entity."""
    return any(e.get("entity") == name for e in message.get(ENTITIES) or [])


def add_entity(message: Message, name: str, value: str, extractor: str) -> None:
    """Adds a whole-message entity (it fills the slot of the same name)."""
    text = message.get(TEXT) or ""
    entity = {
        "entity": name,
        "value": value,
        "start": 0,
        "end": len(text),
        "confidence_entity": 1.0,
        "extractor": extractor,
    }
    message.set(ENTITIES, (message.get(ENTITIES) or []) + [entity], add_to_output=True)
