"""The gate on what a child sees, measured on the frozen blind sets (tests/data/blind/).

Those sets were written from situations and personas by writers who never saw the training
data, and nothing is tuned on them. The floors in quality.yml's `blind` section sit just
below what the committed model measured, so a change that makes Jaga miss more children in
danger, or raise more false alarms, fails `make test`. `python -m tools.blind_eval` prints
the same figures.
"""

from __future__ import annotations

import pytest

from tools import blind_eval
from tools.nlu_eval import load_quality


@pytest.fixture(scope="module")
def report(rasa_backend) -> dict:
    from bot.core.conversation import BaseAssistant

    report = blind_eval.evaluate(BaseAssistant(rasa_backend, timeout=30.0, stats=None))
    print("\n" + blind_eval.format_report(report))
    return report


def test_blind_sets_meet_the_quality_floors(report):
    gate = load_quality().get("blind")
    assert gate, "quality.yml has no `blind` section"
    failures = blind_eval.gate_failures(report, gate)
    assert not failures, "\n".join(failures)


def test_the_gate_fails_when_children_are_missed(report):
    """The gate itself works: a floor above what was measured is reported as a failure."""
    crisis = report["recall"]["crisis"]["all"]["rate"]
    failures = blind_eval.gate_failures(report, {"recall_min": {"crisis": crisis + 0.01}})
    assert failures and "crisis" in failures[0]
