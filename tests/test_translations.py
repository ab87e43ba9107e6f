"""docs/translations.md lists every Mandarin and Tamil text, with its review status.

A text with zh or ta in domain.yml, actions/referrals.yml, bot/core/messages.yml or the small
label tables in actions/ must have a row; a row marked reviewed carries the fingerprint of the
text the reviewer read, so a later edit sends the text back for review.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from actions import age, common, referrals

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / "docs" / "translations.md"
LANGS = ("zh", "ta")
NOT_REVIEWED = "not yet reviewed"
MISSING = "—"
REVIEWED = re.compile(
    r"^reviewed: (?P<who>.+?) (?P<date>\d{4}-\d{2}-\d{2}) sha:(?P<sha>[0-9a-f]{8})$"
)
# Label tables in the actions code: (file, name) -> {lang: text}.
TABLES = {
    ("actions/referrals.py", "_WORDS"): referrals._WORDS,
    ("actions/common.py", "MENU_BUTTON"): common.MENU_BUTTON,
    ("actions/age.py", "WEB_CHAT_BUTTON"): age.WEB_CHAT_BUTTON,
}


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _load(name: str):
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8")) or {}


def project_texts() -> dict[tuple[str, str], dict[str, str]]:
    """(file, key) -> {lang: text} for every text in Mandarin or Tamil (and every response)."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for name, variants in (_load("domain.yml").get("responses") or {}).items():
        entry = found.setdefault(("domain.yml", name), {})
        for variant in variants:
            lang = next(
                (c.get("value") for c in variant.get("condition") or [] if c.get("name") == "lang"),
                None,
            )
            if lang in LANGS:
                titles = [b.get("title", "") for b in variant.get("buttons") or []]
                entry[lang] = "\n".join([variant.get("text", "")] + titles)
    for service in _load("actions/referrals.yml").get("services") or []:
        for lang in LANGS:
            if service.get(f"name_{lang}"):
                found.setdefault(("actions/referrals.yml", f"{service['id']}.name"), {})[lang] = (
                    service[f"name_{lang}"]
                )
        for field in ("purpose", "how", "note", "hours"):
            texts = service.get(field)
            if isinstance(texts, dict):
                entry = found.setdefault(("actions/referrals.yml", f"{service['id']}.{field}"), {})
                entry.update({lang: texts[lang] for lang in LANGS if texts.get(lang)})
    for key, texts in _load("bot/core/messages.yml").items():
        if isinstance(texts, dict):
            entry = found.setdefault(("bot/core/messages.yml", str(key)), {})
            for lang in LANGS:
                value = texts.get(lang)
                if value:
                    entry[lang] = value if isinstance(value, str) else yaml.safe_dump(value)
    for where, table in TABLES.items():
        found[where] = {lang: repr(table[lang]) for lang in LANGS if lang in table}
    return found


def register() -> dict[tuple[str, str], dict[str, str]]:
    """(file, key) -> {lang: status cell} from the register's tables: the rows whose first two
    cells are a `file` and a `key` in backticks (other tables, such as the terms, are skipped)."""
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for line in REGISTER.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or len(cells) != 4:
            continue
        file, key, zh, ta = (c.strip("`") for c in cells)
        assert (file, key) not in rows, f"docs/translations.md lists {file} {key} twice"
        rows[(file, key)] = {"zh": zh, "ta": ta}
    return rows


def test_every_mandarin_and_tamil_text_is_in_the_register():
    rows = register()
    missing = [
        f"{file} {key} {lang}"
        for (file, key), texts in project_texts().items()
        for lang in texts
        if rows.get((file, key), {}).get(lang, MISSING) == MISSING
    ]
    assert not missing, (
        "add these to docs/translations.md (status 'not yet reviewed'): " + ", ".join(missing)
    )


def test_the_register_names_only_texts_that_exist():
    texts = project_texts()
    for (file, key), cells in register().items():
        assert (file, key) in texts, f"docs/translations.md: {file} has no {key}"
        for lang, cell in cells.items():
            exists = lang in texts[(file, key)]
            assert (cell == MISSING) == (not exists), (
                f"docs/translations.md: {file} {key} {lang}: says {cell!r} but the text "
                + ("exists" if exists else "does not exist")
            )


@pytest.mark.parametrize("lang", LANGS)
def test_review_marks_are_well_formed_and_match_the_text(lang):
    texts = project_texts()
    for (file, key), cells in register().items():
        cell = cells[lang]
        if cell in (MISSING, NOT_REVIEWED):
            continue
        mark = REVIEWED.match(cell)
        assert mark, (
            f"docs/translations.md: {file} {key} {lang}: {cell!r} is neither "
            f"'{NOT_REVIEWED}' nor 'reviewed: <name> <YYYY-MM-DD> sha:<8 hex>'"
        )
        now = fingerprint(texts[(file, key)][lang])
        assert mark["sha"] == now, (
            f"docs/translations.md: {file} {key} {lang} changed since it was reviewed "
            f"(the current text's fingerprint is sha:{now}): review it again"
        )
