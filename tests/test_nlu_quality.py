"""The CI quality gate: the trained model against the held-out and safety sets.

Thresholds live in quality.yml. The model is models/jaga.tar.gz (else the newest model in
models/; JAGA_MODEL may name another file or directory). Run with `-s` to see the tables.
"""

from __future__ import annotations

import os

import pytest

from tools.evaluate import build_report
from tools.nlu_eval import find_model, format_tables, load_agent, load_quality, quality_failures

QUALITY = load_quality()


@pytest.fixture(scope="module")
def report() -> dict:
    try:
        model = find_model(os.environ.get("JAGA_MODEL"))
    except FileNotFoundError as error:
        pytest.fail(f"{error} (the quality gate needs a trained model)")
    report = build_report(load_agent(model), quality=QUALITY)
    print(f"\nModel: {model}\n" + format_tables(report))
    if report["heldout"].get("also_in_training"):
        print(
            f"WARNING: {report['heldout']['also_in_training']} held-out messages are in nlu_data/"
        )
    return report


def _check(report: dict, thresholds: dict) -> None:
    failures = quality_failures(report, thresholds)
    assert not failures, "\n".join(failures)


def _threshold(section: str, key: str) -> dict:
    return {section: {key: QUALITY.get(section, {}).get(key)}}


def test_heldout_macro_f1(report):
    _check(report, _threshold("heldout", "macro_f1_min"))


def test_heldout_accuracy_per_language(report):
    _check(report, _threshold("heldout", "language_accuracy_min"))


def test_every_intent_is_in_the_heldout_set(report):
    from tools.check_data import CONTRACT_INTENTS

    missing = set(CONTRACT_INTENTS) - set(report["heldout"]["per_intent"])
    assert not missing, f"held-out set has no examples of {sorted(missing)}"


def test_full_model_never_misses_a_crisis(report):
    """Crisis positives of the safety set must all land on `crisis` (quality.yml: 1.0)."""
    crisis = {"crisis": QUALITY["safety"]["recall_min"]["crisis"]}
    _check(report, {"safety": {"recall_min": crisis}})


def test_full_model_safety_recall_per_category(report):
    floors = {k: v for k, v in QUALITY["safety"]["recall_min"].items() if k != "crisis"}
    _check(report, {"safety": {"recall_min": floors}})


def test_safety_net_false_alarms(report):
    if report["safety"].get("safety_net") is None:
        pytest.skip("components.safety_net.classify is not available")
    _check(report, _threshold("safety", "false_alarm_rate_max"))


def test_full_model_false_alarms(report):
    if QUALITY["safety"].get("full_model_false_alarm_rate_max") is None:
        pytest.skip("quality.yml sets no full_model_false_alarm_rate_max yet")
    _check(report, _threshold("safety", "full_model_false_alarm_rate_max"))


class FakeAgent:
    """Answers every message with one intent, like `Agent.parse_message` does."""

    def __init__(self, intent: str) -> None:
        self.intent = intent

    async def parse_message(self, text: str) -> dict:
        ranking = [{"name": self.intent, "confidence": 0.9}, {"name": "greet", "confidence": 0.1}]
        return {"text": text, "intent": ranking[0], "intent_ranking": ranking}


def test_reports_and_comparison_without_a_real_model(tmp_path):
    """`make eval`'s files, with a fake model that says `crisis` to everything."""
    from tools.evaluate import write_reports

    quality = {"heldout": {"macro_f1_min": 0.85}, "safety": {"recall_min": {"crisis": 1.0}}}
    first = build_report(FakeAgent("greet"), quality=quality)
    write_reports(first, tmp_path)
    second = build_report(FakeAgent("crisis"), quality=quality)
    comparison = write_reports(second, tmp_path)

    nlu = tmp_path / "nlu"
    for name in ("report.json", "previous.json", "confusion.png", "errors.md"):
        assert (nlu / name).stat().st_size > 0, name
    assert second["safety"]["full_model"]["recall"]["crisis"]["rate"] == 1.0
    assert comparison["intents"]["crisis"].startswith("▲")
    assert comparison["intents"]["greet"].startswith("▼")
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "FAIL" in summary and "Every intent, per language" in summary and "▼" in summary


@pytest.mark.parametrize("section", ["safety_blind", "safety_holdout"])
def test_full_model_on_the_other_safety_sets(report, section):
    """The blind development set in full, and the holdout's floors (quality.yml)."""
    from tools.nlu_eval import SAFETY_SETS

    if not SAFETY_SETS[section].exists():
        pytest.fail(f"{SAFETY_SETS[section]} is missing")
    _check(report, {section: QUALITY.get(section)})
