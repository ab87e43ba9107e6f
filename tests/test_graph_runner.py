"""Serving runs Rasa's graph without dask, with exactly the results Rasa's own runner gives."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_adapter.graph_runner import SequentialGraphRunner

TEXTS = [
    "hi",
    "someone says he will post my pictures unless i pay rm500",
    "abang dari game tu nak jemput aku kat sekolah esok, jangan bagitau mak",
    "我不想活了",
    "what is grooming",
]


@pytest.fixture(scope="module")
def processor(rasa_backend):
    return rasa_backend.agent.processor


def test_the_loaded_model_is_served_by_the_sequential_runner(processor):
    assert type(processor.graph_runner) is SequentialGraphRunner


@pytest.mark.parametrize("text", TEXTS)
def test_nlu_results_are_the_same_as_with_dask(processor, text):
    ours = processor.graph_runner
    rasa_own = DaskGraphRunner.__new__(DaskGraphRunner)
    rasa_own.__dict__.update({k: v for k, v in ours.__dict__.items() if k != "_graphs"})
    target = processor.model_metadata.nlu_target
    tracker = DialogueStateTracker("graph-runner-test", processor.domain.slots)

    def parse(runner) -> dict:
        message = UserMessage(text, message_id="same-message")
        inputs = {PLACEHOLDER_MESSAGE: [message], PLACEHOLDER_TRACKER: tracker}
        return runner.run(inputs=inputs, targets=[target])[target][0].as_dict()

    assert parse(ours) == parse(rasa_own)


def test_a_whole_reply_still_works(rasa_backend):
    from bot.core.conversation import BaseAssistant

    turn = asyncio.run(
        BaseAssistant(rasa_backend, timeout=30.0, stats=None).respond("runner-test", "hi")
    )
    assert turn.intent == "greet" and turn.replies
