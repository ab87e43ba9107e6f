"""The redactor against a frozen red-team set of Malaysian personal details.

`tests/data/blind/pii_redteam.yml` was written without seeing the redactor: phones in every
grouping, MyKad numbers with dots or spaced pairs, e-mails with spaces, addresses, schools,
handles and profile URLs, game ids, bank and card numbers, passwords and OTPs, names with
bin/binti/a/l/a/p; and everyday numbers (levels, times, RM amounts, ages, years, scores,
helplines) that must be left alone. Nothing is tuned on it. The bar is 95% both ways.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from components.pii import redact

SET = yaml.safe_load(
    (Path(__file__).parent / "data" / "blind" / "pii_redteam.yml").read_text(encoding="utf-8")
)
FLOOR = 0.95


def test_personal_details_are_removed():
    missed = [i for i in SET["details"] if i["detail"] in redact(i["text"]).text]
    rate = 1 - len(missed) / len(SET["details"])
    by_kind = Counter(i["kind"] for i in missed)
    assert rate >= FLOOR, f"caught {rate:.3f}; missed by kind {dict(by_kind)}"


def test_everyday_numbers_are_left_alone():
    lost = [i for i in SET["everyday"] if i["keep"] not in redact(i["text"]).text]
    rate = 1 - len(lost) / len(SET["everyday"])
    assert rate >= FLOOR, f"kept {rate:.3f}; lost {[i['kind'] for i in lost]}"


@pytest.mark.parametrize("number", ["999", "15999", "1-800-18-2327", "019-261 5999"])
def test_helpline_numbers_are_never_redacted(number):
    assert number in redact(f"is {number} the right number to call?").text
