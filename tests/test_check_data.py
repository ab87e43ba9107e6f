"""`python -m tools.check_data`: bad data is refused, one line naming file and intent each."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools import check_data
from tools.check_data import CONTRACT_INTENTS, run_checks

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 28)
MS = [{"type": "slot", "name": "lang", "value": "ms"}]


def _nlu(blocks: dict[str, list[str]]) -> str:
    data = {
        "version": "3.1",
        "nlu": [
            {"intent": i, "examples": "".join(f"- {t}\n" for t in texts)}
            for i, texts in blocks.items()
        ],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def make_project(tmp_path: Path, *, blocks=None, responses=None, referrals=None, heldout=None,
                 quality=None, intents=None) -> dict:  # fmt: skip
    """A small valid project; each argument replaces one part of it."""
    if blocks is None:
        blocks = {i: [f"{i} one", f"{i} two"] for i in CONTRACT_INTENTS}
    (tmp_path / "nlu_data").mkdir()
    (tmp_path / "nlu_data" / "all.yml").write_text(_nlu(blocks), encoding="utf-8")
    if responses is None:
        responses = {"utter_greet": [{"text": "Hi"}, {"condition": MS, "text": "Hai"}]}
    domain = {"intents": list(intents if intents is not None else blocks), "responses": responses}
    (tmp_path / "domain.yml").write_text(yaml.safe_dump(domain), encoding="utf-8")
    if referrals is None:
        referrals = {"services": [{"id": "police", "source": "https://x", "checked": "2026-11-01"}]}
    (tmp_path / "referrals.yml").write_text(yaml.safe_dump(referrals), encoding="utf-8")
    (tmp_path / "heldout.yml").write_text(_nlu(heldout or {"greet": ["completely unseen"]}))
    quality = quality or {"training_data": {"min_examples_total": 2}}
    (tmp_path / "quality.yml").write_text(yaml.safe_dump(quality), encoding="utf-8")
    return {
        "domain_file": tmp_path / "domain.yml",
        "nlu_dir": tmp_path / "nlu_data",
        "referrals_file": tmp_path / "referrals.yml",
        "test_files": [tmp_path / "heldout.yml"],
        "quality_file": tmp_path / "quality.yml",
        "today": TODAY,
    }


def problems_of(tmp_path: Path, **parts) -> list[str]:
    problems, _warnings, _counts = run_checks(**make_project(tmp_path, **parts))
    return problems


def test_a_valid_project_passes(tmp_path):
    assert problems_of(tmp_path) == []


def test_missing_contract_intent_is_named(tmp_path):
    blocks = {i: [f"{i} one", f"{i} two"] for i in CONTRACT_INTENTS if i != "crisis"}
    problems = problems_of(tmp_path, blocks=blocks)
    assert any("'crisis'" in p and "domain.yml" in p for p in problems)
    assert any("'crisis'" in p and "nlu_data" in p for p in problems)


def test_intent_with_examples_but_not_in_domain(tmp_path):
    blocks = {i: [f"{i} one", f"{i} two"] for i in CONTRACT_INTENTS}
    blocks["tell_age"] = ["i am twelve", "umur saya dua belas"]
    problems = problems_of(tmp_path, blocks=blocks, intents=CONTRACT_INTENTS)
    assert len(problems) == 1
    assert "all.yml: intent 'tell_age' has examples but is not in" in problems[0]
    assert "domain.yml `intents:`" in problems[0]


def test_too_few_examples_per_language(tmp_path):
    blocks = {i: [f"{i} one", f"{i} two"] for i in CONTRACT_INTENTS}
    blocks["crisis"] = ["i want to die", "he is outside my house now", "aku nak bunuh diri"]
    quality = {"training_data": {"min_examples_total": 2, "min_examples_per_language": {"ms": 2}}}
    problems = problems_of(tmp_path, blocks=blocks, quality=quality)
    crisis = [p for p in problems if "'crisis'" in p]
    assert len(crisis) == 1 and "1 Malay examples, needs at least 2" in crisis[0]
    assert "all.yml" in crisis[0]
    # every other intent has no Malay examples either
    assert len(problems) == len(CONTRACT_INTENTS)


def test_per_intent_override_of_minima(tmp_path):
    quality = {
        "training_data": {
            "min_examples_total": 2,
            "min_examples_per_language": {"en": 5},
            "overrides": {i: {"en": 0} for i in CONTRACT_INTENTS},
        }
    }
    assert problems_of(tmp_path, quality=quality) == []


def test_same_text_under_two_intents(tmp_path):
    blocks = {i: [f"{i} one", f"{i} two"] for i in CONTRACT_INTENTS}
    blocks["affirm"].append("OK  la")
    blocks["thank"].append("ok la")  # the same after normalising
    problems = problems_of(tmp_path, blocks=blocks)
    assert len(problems) == 1
    assert "two intents" in problems[0] and "'affirm'" in problems[0] and "'thank'" in problems[0]


def test_heldout_example_in_training_data(tmp_path):
    problems = problems_of(tmp_path, heldout={"greet": ["GREET  one"]})
    assert len(problems) == 1
    assert "'greet'" in problems[0] and "heldout.yml" in problems[0] and "all.yml" in problems[0]


def test_annotated_examples_are_compared_as_plain_text(tmp_path):
    blocks = {i: [f"{i} one", f"{i} two"] for i in CONTRACT_INTENTS}
    blocks["change_language"].append("speak [malay](lang) please")
    problems = problems_of(
        tmp_path, blocks=blocks, heldout={"change_language": ["speak malay please"]}
    )
    assert len(problems) == 1 and "'change_language'" in problems[0]


def test_response_without_malay_or_english_variant(tmp_path):
    responses = {
        "utter_greet": [{"text": "Hi"}],
        "utter_goodbye": [{"condition": MS, "text": "Jumpa lagi"}],
    }
    problems = problems_of(tmp_path, responses=responses)
    assert any("'utter_greet' has no Malay variant" in p for p in problems)
    assert any("'utter_goodbye' has no English variant" in p for p in problems)
    assert len(problems) == 2


def test_referral_needs_source_and_checked_date(tmp_path):
    referrals = {
        "services": [
            {"id": "police", "checked": "2026-11-01"},
            {"id": "talian_kasih", "source": "https://x", "checked": "last week"},
            {"id": "future", "source": "https://x", "checked": dt.date(2030, 1, 1)},
            {"id": "ok", "source": "https://x", "checked": dt.date(2026, 1, 1)},
        ]
    }
    problems = problems_of(tmp_path, referrals=referrals)
    assert len(problems) == 3
    assert "'police' has no `source`" in problems[0]
    assert "'talian_kasih' needs a `checked` date as YYYY-MM-DD" in problems[1]
    assert "'future'" in problems[2] and "future" in problems[2]


def test_old_referral_is_a_warning(tmp_path):
    referrals = {"services": [{"id": "old", "source": "https://x", "checked": "2020-01-01"}]}
    quality = {"training_data": {"min_examples_total": 2}, "referrals": {"max_age_days": 365}}
    project = make_project(tmp_path, referrals=referrals, quality=quality)
    problems, warnings, _ = run_checks(**project)
    assert problems == [] and len(warnings) == 1 and "'old'" in warnings[0]


def test_language_detection_is_the_bots_own():
    detect = check_data.language_detector()
    assert detect("aku nak bunuh diri") == "ms"
    assert detect("he is outside my house now") == "en"
    assert check_data.language_bucket(detect("ok")) == "mixed"


def test_cli_is_fast_and_does_not_import_rasa():
    # CPU time, not wall time: CI machines are often busy with other jobs.
    code = (
        "import sys, time; from tools import check_data; check_data.run_checks(); "
        "print(time.process_time(), 'rasa' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    # Importing Rasa alone costs about 9 s; reading 20,000 examples and 5,000 blind messages
    # costs 2-3 s on a 2-core CI machine, so 5 s tells the two apart with room for the data.
    assert float(out[0]) < 5.0, f"check_data took {out[0]} s of CPU"
    assert out[1] == "False"


@pytest.mark.skipif(not (ROOT / "nlu_data").is_dir(), reason="no training data yet")
def test_repository_data_passes():
    problems, _warnings, _counts = run_checks()
    assert not problems, "\n".join(problems)


def test_stubbed_import_leaves_no_trace():
    before = {n for n in sys.modules if n.split(".")[0] == "rasa"}
    check_data.language_detector()
    after = {n for n in sys.modules if n.split(".")[0] == "rasa"}
    assert after == before
    assert "_jaga_check_data_language" not in sys.modules
