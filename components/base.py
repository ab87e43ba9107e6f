"""What Jaga's rule-based Rasa components share: no training, no state, entity helpers."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from components.intents import lowered_intent


def files_fingerprint(*paths: Path) -> str:
    """A hash of the files a component's training output follows from (its code, its data).

    Rasa's training cache keys a component by its class name and config only, so after an edit
    to, say, components/spelling.yml `rasa train` would reuse the old tokens and train nothing
    new. A component whose output during training depends on such files returns this from
    `fingerprint_addon`, and an edit retrains it and everything after it."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).name.encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


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


class MessageRule(RuleComponent):
    """A rule component that looks at each message on its own (`_process`)."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process(message)
        return messages

    def _process(self, message: Message) -> None:
        raise NotImplementedError


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


def typed_text(message: Message) -> str | None:
    """The text a person typed, or None for an empty message or a button/command ("/...")."""
    text = message.get(TEXT)
    if not isinstance(text, str) or not text or text.startswith("/"):
        return None
    return text


def raise_intent(message: Message, name: str) -> None:
    """Makes `name` the message's intent (confidence 1.0), first in the ranking, and keeps the
    intent it replaces in the ranking so reports can still see what the model said."""
    current = message.get(INTENT) or {}
    current_name = current.get(INTENT_NAME_KEY)
    ranking = [
        dict(r) for r in (message.get(INTENT_RANKING_KEY) or []) if r.get(INTENT_NAME_KEY) != name
    ]
    if current_name and not any(r.get(INTENT_NAME_KEY) == current_name for r in ranking):
        ranking.insert(
            0,
            {
                INTENT_NAME_KEY: current_name,
                PREDICTED_CONFIDENCE_KEY: current.get(PREDICTED_CONFIDENCE_KEY, 0.0),
            },
        )
    raised = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, raised, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(raised)] + ranking, add_to_output=True)


def lower_intent(message: Message, answered: bool = False) -> str:
    """Makes the best-ranked intent that is not a safety intent (`out_of_scope` when the
    everyday reading has an answer of its own) the message's intent, with the model's own
    confidence, first in the ranking; the safety intents stay in the ranking, so the risk level
    still weighs them. Returns the new intent's name."""
    ranking = [dict(r) for r in (message.get(INTENT_RANKING_KEY) or [])]
    name = lowered_intent(ranking, answered)
    confidence = next(
        (r.get(PREDICTED_CONFIDENCE_KEY) for r in ranking if r[INTENT_NAME_KEY] == name), 0.0
    )
    chosen = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: float(confidence or 0.0)}
    message.set(INTENT, chosen, add_to_output=True)
    rest = [r for r in ranking if r.get(INTENT_NAME_KEY) != name]
    message.set(INTENT_RANKING_KEY, [dict(chosen)] + rest, add_to_output=True)
    return name
