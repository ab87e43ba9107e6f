"""Serving computes only the features the graph reads: the CountVectors featurizers skip the
sequence features (`bot.rasa_adapter.runtime.sentence_features_only`), and every parse is
exactly what it was with them."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from rasa.core.channels import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT

from bot.rasa_adapter.runtime import sentence_features_only
from tools.nlu_eval import load_heldout

EXTRA = ["", "/greet", "hi", "我不想活了", "எனக்கு பயமா இருக்கு", "12 jalan mawar, taman melati"]


@pytest.fixture(scope="module")
def featurizers(rasa_backend):
    nodes = rasa_backend.agent.processor.graph_runner._instantiated_nodes
    found = [
        n._component
        for n in nodes.values()
        if type(n._component).__name__ == "CountVectorsFeaturizer"
    ]
    assert len(found) == 2
    return found


def test_the_loaded_featurizers_compute_sentence_features_only(rasa_backend, featurizers):
    for featurizer in featurizers:
        assert "_create_features" in vars(featurizer)
    processor = rasa_backend.agent.processor
    target = processor.model_metadata.nlu_target
    message = UserMessage("someone wants my photos", message_id="same-message")
    tracker = DialogueStateTracker("features-test", processor.domain.slots)
    inputs = {PLACEHOLDER_MESSAGE: [message], PLACEHOLDER_TRACKER: tracker}
    parsed = processor.graph_runner.run(inputs=inputs, targets=[target])[target][0]
    kinds = [(f.type, f.origin) for f in parsed.features if f.attribute == TEXT]
    assert [kind for kind, _ in kinds] == [FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SENTENCE]


def test_every_parse_is_the_same_as_with_sequence_features(rasa_backend, featurizers):
    processor = rasa_backend.agent.processor
    texts = [e.text for e in load_heldout()] + EXTRA

    async def parses() -> list[dict]:
        out = []
        for text in texts:
            message = UserMessage(text, message_id="same-message", sender_id="features-test")
            out.append(await processor.parse_message(message))
        return out

    lean = asyncio.run(parses())
    kept = [vars(f).pop("_create_features") for f in featurizers]
    try:
        full = asyncio.run(parses())
    finally:
        for featurizer, method in zip(featurizers, kept, strict=True):
            featurizer._create_features = method
    assert len(lean) == len(texts) > 600
    assert lean == full


def test_a_graph_with_a_component_that_may_read_them_keeps_them():
    class SomethingElse:
        pass

    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
        CountVectorsFeaturizer,
    )

    featurizer = CountVectorsFeaturizer.__new__(CountVectorsFeaturizer)
    nodes = {
        "a": SimpleNamespace(_component=featurizer),
        "b": SimpleNamespace(_component=SomethingElse()),
    }
    agent = SimpleNamespace(
        processor=SimpleNamespace(graph_runner=SimpleNamespace(_instantiated_nodes=nodes))
    )
    assert sentence_features_only(agent) == 0
    assert "_create_features" not in vars(featurizer)
    del nodes["b"]
    assert sentence_features_only(agent) == 1
    assert "_create_features" in vars(featurizer)
