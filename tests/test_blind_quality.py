"""The gate on what a child sees, measured on the frozen blind sets (tests/data/blind/set23/
onwards; sets 1 to 12 are training data since the eighteenth round, 13 to 16 since the
twentieth, 17 to 20 since the twenty-first, 21 since the twenty-second, 22 since the
twenty-third).

Those sets were written from situations and personas by writers who never saw the training
data, and nothing is trained on them. The floors in quality.yml's `blind_set23`, `blind_set24`
and `blind_set25` sections sit just below what the committed model measured, so a change that
makes Jaga miss more children in danger, or raise more false alarms, fails `make test`.
`python -m tools.blind_eval` prints the same figures.
"""

from __future__ import annotations

import pytest

from tools import blind_eval
from tools.nlu_eval import load_quality


@pytest.fixture(scope="module")
def reports(rasa_backend) -> tuple[dict, list[str]]:
    from bot.core.conversation import BaseAssistant

    assistant = BaseAssistant(rasa_backend, timeout=30.0, stats=None)
    reports, failures = blind_eval.evaluate_sets(assistant, None, load_quality())
    for one in reports.values():
        print("\n" + blind_eval.format_report(one))
    return reports, failures


@pytest.fixture(scope="module")
def report(reports) -> dict:
    return reports[0][min(blind_eval.BLIND_SETS)]  # the oldest set kept


def test_every_blind_set_has_a_gate():
    quality = load_quality()
    missing = [name for name in blind_eval.BLIND_SETS if not quality.get(name)]
    assert not missing, f"quality.yml has no section for {missing}"


def test_blind_sets_meet_the_quality_floors(reports):
    failures = reports[1]
    assert not failures, "\n".join(failures)


def test_the_gate_fails_when_children_are_missed(report):
    """The gate itself works: a floor above what was measured is reported as a failure."""
    crisis = report["recall"]["crisis"]["all"]["rate"]
    failures = blind_eval.gate_failures(report, {"recall_min": {"crisis": crisis + 0.01}})
    assert failures and "crisis" in failures[0]
