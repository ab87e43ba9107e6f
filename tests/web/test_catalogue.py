"""One catalogue for the front ends' texts (bot/core/messages.yml), and every helpline number
typed in one place only: the referral directory, actions/referrals.yml."""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path

import pytest
import yaml

from bot.core import messages
from bot.core.settings import ROOT
from bot.web.page import Page
from tools.check_facts import user_texts

REFERRALS = yaml.safe_load((ROOT / "actions" / "referrals.yml").read_text(encoding="utf-8"))
MESSAGES = yaml.safe_load(messages.MESSAGES_FILE.read_text(encoding="utf-8"))
# Where a helpline number may be written: the referral directory. The catalogue only names it.
CODE = ("bot/**/*.py", "bot/web/static/*.js", "bot/web/static/*.html")


def helpline_numbers() -> dict[str, str]:
    """digits -> as written, for every phone and WhatsApp number in the referral directory."""
    numbers = {}
    for service in REFERRALS["services"]:
        for field in ("phone", "whatsapp"):
            if service.get(field):
                numbers[re.sub(r"\D", "", service[field])] = service[field]
    return numbers


def python_literals(path: Path) -> list[tuple[int, str]]:
    """Strings (docstrings aside: they explain, a user never sees them) and numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, str(node.value))
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, (str, int))
        and not isinstance(node.value, bool)
        and id(node) not in docstrings
    ]


# A run of digits, maybe grouped by spaces or hyphens ("019-261 5999"), not part of a longer
# number or of a name ("police_999" is a knowledge-base id, not a number a user sees).
_RUN = re.compile(r"(?<![\d_])\d+(?:[ -]\d+)*(?![\d_])")


def numbers_in(text: str, numbers: dict[str, str]) -> list[str]:
    found = []
    for run in _RUN.finditer(text):
        parts = [run.group()] + re.findall(r"\d+", run.group())
        found += [numbers[d] for d in {re.sub(r"\D", "", p) for p in parts} if d in numbers]
    return found


def test_no_helpline_number_is_typed_in_the_code_or_the_page():
    numbers = helpline_numbers()
    assert {"999", "15999", "0192615999", "1800182327"} <= set(numbers)
    typed = []
    for pattern in CODE:
        for path in sorted(ROOT.glob(pattern)):
            rel = path.relative_to(ROOT).as_posix()
            if path.suffix == ".py":
                places = python_literals(path)
            else:  # the page and its script: every character, comments too
                places = list(enumerate(path.read_text(encoding="utf-8").splitlines(), 1))
            for line, text in places:
                typed += [f"{rel}:{line}: {n}" for n in numbers_in(text, numbers)]
    assert not typed, (
        "helpline numbers belong in actions/referrals.yml; name them in bot/core/messages.yml "
        "as {service.phone}:\n" + "\n".join(typed)
    )


def test_the_catalogue_types_no_helpline_number_either():
    numbers = helpline_numbers()
    typed = [
        f"{key}.{lang}: {n}"
        for key, entry in MESSAGES.items()
        for lang, text in entry.items()
        if lang in messages.ALL_LANGS and isinstance(text, str)
        for n in numbers_in(text, numbers)
    ]
    assert not typed, "use {service.phone} instead:\n" + "\n".join(typed)


def test_the_catalogue_fills_in_the_referral_directory():
    services = {s["id"]: s for s in REFERRALS["services"]}
    fallback = messages.text("safe_fallback", "en")
    for service, field in (("police", "phone"), ("talian_kasih", "phone"), ("buddy_bear", "phone")):
        assert services[service][field] in fallback
    assert services["talian_kasih"]["whatsapp"] in fallback
    assert services["buddy_bear"]["hours"]["ms"] in messages.text("safe_fallback", "ms")
    for key, lang, text in messages.texts():
        assert not re.search(r"\{[a-z_]+\.[a-z_]+\}", text), f"{key}.{lang}: {text}"


def test_a_number_changed_in_the_directory_changes_every_text():
    changed = copy.deepcopy(REFERRALS)
    for service in changed["services"]:
        if service["id"] == "talian_kasih":
            service["phone"] = "15888"
    catalogue = messages.build(MESSAGES, changed)
    for key in ("safe_fallback", "privacy_card", "web_error", "page_help_kasih", "page_offline"):
        for lang in ("en", "ms", "zh", "ta"):
            text = catalogue[key].get(lang) or catalogue[key]["en"]
            assert "15888" in text and "15999" not in text, (key, lang)


@pytest.mark.parametrize(
    "text, error",
    [
        ("Call {nobody.phone}.", "no service 'nobody'"),
        ("Call {talian_kasih.fax}.", "no field 'fax'"),
        ("Open {police.hours}.", "no hours in 'en'"),
    ],
)
def test_a_field_the_directory_lacks_stops_the_catalogue(text, error):
    broken = {"x": {"en": text, "ms": "ok"}}
    with pytest.raises(messages.CatalogueError, match=error):
        messages.build(broken, REFERRALS)


def test_the_facts_check_reads_the_texts_as_users_see_them():
    shown = {t.where: t.text for t in user_texts(ROOT) if t.file == "bot/core/messages.yml"}
    assert "999" in shown["safe_fallback.en"] and "{" not in shown["safe_fallback.en"]
    assert "1-800-18-2327" in shown["page_help_bear.en"]


def test_app_js_gets_its_labels_from_the_page():
    page = Page().render("en")
    data = re.search(r'<script type="application/json" id="jaga-texts">(.*?)</script>', page)
    assert data is not None
    texts = json.loads(data.group(1))
    assert texts["help_first"] == "999"
    assert set(texts["langs"]) == {"en", "ms", "zh", "ta"}
    for lang, labels in texts["langs"].items():
        assert len(labels["topics"]) == 8 and labels["icons"]["lock"], lang
        assert "15999" in labels["help_kasih"] and "{" not in labels["offline"], lang
    app_js = (ROOT / "bot" / "web" / "static" / "app.js").read_text(encoding="utf-8")
    for label in ("Skip to content", "Jaga is typing", "Jaga sedang menaip", "Type your question"):
        assert label not in app_js, label
