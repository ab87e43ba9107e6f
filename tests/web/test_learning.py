"""bot.learning: the teaching content loads, is complete in both languages, states only facts
from the fact sheet, and a broken file fails with a message a teacher can act on."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml

from bot.learning import (
    CONTENT_DIR,
    ROOT,
    Content,
    ContentError,
    Quiz,
    load_parents,
    load_scenarios,
)

FACTS_CANDIDATES = [
    ROOT.parent / "shared" / "knowledge" / "facts.md",
    ROOT / "shared" / "knowledge" / "facts.md",
    Path("/work/shared/knowledge/facts.md"),
]


@pytest.fixture(scope="module")
def content() -> Content:
    return Content.load()


@pytest.fixture(scope="module")
def facts() -> str:
    for path in FACTS_CANDIDATES:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    pytest.skip("the fact sheet shared/knowledge/facts.md is not beside this checkout")


def all_texts() -> str:
    return "\n".join(
        (CONTENT_DIR / name).read_text(encoding="utf-8")
        for name in ("scenarios.yml", "quiz.yml", "parents.yml")
    )


# ------------------------------------------------------------------ the content itself


def test_scenarios_cover_the_four_situations(content):
    ids = [s.id for s in content.scenarios]
    assert len(ids) >= 4
    assert {"game-credits", "video-call-threat", "group-chat-video", "class-group-pile-on"} <= set(
        ids
    )
    for s in content.scenarios:
        assert s.pauses >= 2, s.id
        assert len(s.steps) >= 6 and len(s.advice) >= 3
        for lang in ("en", "ms"):
            view = s.localized(lang)
            assert view["title"] and all(step["text"] for step in view["steps"])


def test_scenario_advice_gives_the_malaysian_referrals(content):
    advice = " ".join(a.text["en"] for s in content.scenarios for a in s.advice)
    for needle in ("999", "15999", "019-261 5999", "1-800-18-2327", "aduan.skmm.gov.my"):
        assert needle in advice, needle
    assert "Take It Down" in advice and "StopNCII" in advice
    assert "Act 792" in advice


def test_quiz_has_at_least_twenty_questions_in_both_languages(content):
    quiz = content.quiz
    assert len(quiz) >= 20
    for i in range(len(quiz)):
        for lang in ("en", "ms"):
            q = quiz.question(i, lang)
            assert q.text and 3 <= len(q.options) <= 4 and all(q.options)
            assert q.number == i + 1 and q.total == len(quiz)
        assert quiz.sources(i)
    en, ms = quiz.question(0, "en"), quiz.question(0, "ms")
    assert en.text != ms.text


def test_quiz_answers_are_not_always_in_the_same_place(content):
    positions = {content.quiz.answer(i) for i in range(len(content.quiz))}
    assert len(positions) >= 3


def test_quiz_api_for_the_telegram_front_end():
    quiz = Quiz.load()
    right = quiz.answer(3)
    ok, why = quiz.check(3, right)
    assert ok is True and why
    wrong = (right + 1) % len(quiz.question(3).options)
    ok, why_ms = quiz.check(3, wrong, "ms")
    assert ok is False and why_ms != why
    assert quiz.question(0, "xx").text == quiz.question(0, "en").text  # unknown -> English
    with pytest.raises(IndexError):
        quiz.question(len(quiz))
    with pytest.raises(IndexError):
        quiz.check(-1, 0)
    with pytest.raises(ValueError):
        quiz.check(0, 7)
    with pytest.raises(ValueError):
        quiz.check(0, True)
    summary = quiz.summary(len(quiz), "en")
    assert summary.startswith(f"Your score: {len(quiz)} out of {len(quiz)}.")
    assert "What to remember" in summary and "15999" in summary
    summary_ms = quiz.summary(3, "ms")
    assert summary_ms.startswith(f"Markah kamu: 3 daripada {len(quiz)}.")
    assert quiz.summary(-5, "en").startswith("Your score: 0 out of")
    assert Quiz.load() is Quiz.load()  # loaded once


def test_parents_path_sections(content):
    ids = [s.id for s in content.parents.sections]
    assert ids[:4] == ["warning-signs", "talking", "first-hour", "privacy-settings"]
    first_hour = " ".join(i.text["en"] for i in content.parents.sections[2].items)
    for needle in ("Believe", "blame", "Never screenshot", "police", "15999"):
        assert needle in first_hour, needle


def test_every_text_is_bilingual_and_every_fact_has_a_source():
    for name in ("scenarios.yml", "quiz.yml", "parents.yml"):
        data = yaml.safe_load((CONTENT_DIR / name).read_text(encoding="utf-8"))

        _walk_bilingual(data, name)


def _walk_bilingual(node, where: str) -> None:
    if isinstance(node, dict):
        if "en" in node or "ms" in node:
            assert set(node) == {"en", "ms"}, where
            assert all(isinstance(v, str) and v.strip() for v in node.values()), where
            return
        for key, value in node.items():
            _walk_bilingual(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk_bilingual(value, f"{where}[{i}]")


# ------------------------------------------------------------------ facts only from facts.md


def test_every_phone_number_and_address_is_in_the_fact_sheet(facts):
    text = all_texts()
    flat_facts = re.sub(r"\s+", " ", facts)
    numbers = set(re.findall(r"(?<![\w.])(?:\d[\d -]{2,}\d)(?![\w])", text))
    numbers = {n.strip() for n in numbers if sum(c.isdigit() for c in n) >= 3}
    numbers -= {"1998", "2001", "2012", "2017", "2022", "2023", "2025", "1000", "1,000"}
    missing = sorted(n for n in numbers if n not in flat_facts and not re.fullmatch(r"\d{4}", n))
    assert not missing, f"numbers not in facts.md: {missing}"
    for address in set(re.findall(r"\b[a-z0-9.-]+\.(?:gov\.my|org\.my|org|my)\b", text)):
        assert address in facts, address
    for email in set(re.findall(r"[\w.]+@[\w.]+\.\w+", text)):
        assert email in facts, email


def test_nothing_unverified_or_in_conflict_is_stated():
    text = all_texts().lower()
    for forbidden in (
        "abuse@telegram.org",  # [unverified]
        "@searchreport",  # [unverified]
        "act 666",  # [conflict] typo
        "03-7956 3488",  # [conflict] old WAO number
        "under 16",  # [unverified] social-media age policy
        "bawah 16",
        "befrienders",  # phone number not confirmed
        "s.15b carries",  # penalty [unverified]
    ):
        assert forbidden not in text, forbidden


def test_sources_name_real_fact_sheet_sections(facts):
    headings = set(re.findall(r"^## (\d)\.", facts, re.M))
    text = all_texts()
    for section in re.findall(r"facts\.md §(\d)", text):
        assert section in headings, section


# ------------------------------------------------------------------ clear errors for teachers


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


GOOD_SCENARIO = """
scenarios:
  - id: test-one
    title: {en: "T", ms: "T"}
    summary: {en: "S", ms: "S"}
    names:
      child: {en: "Kid", ms: "Budak"}
    steps:
      - speaker: narrator
        text: {en: "a", ms: "a"}
      - speaker: child
        text: {en: "b", ms: "b"}
        pause: {en: "why?", ms: "kenapa?"}
      - speaker: narrator
        text: {en: "c", ms: "c"}
    advice:
      - text: {en: "x", ms: "x"}
        source: "facts.md §4 Grooming"
      - text: {en: "y", ms: "y"}
        source: ["facts.md §2 Referral contacts", "facts.md §6 How to report"]
"""


def test_a_teacher_can_add_a_scenario_without_code(tmp_path):
    (scenario,) = load_scenarios(write(tmp_path, "scenarios.yml", GOOD_SCENARIO))
    assert scenario.id == "test-one" and scenario.pauses == 1
    assert scenario.localized("ms")["names"]["child"] == "Budak"


@pytest.mark.parametrize(
    "change, message",
    [
        (('ms: "kenapa?"}', 'ms: "kenapa?", ml: "x"}'), "step 2 pause: unknown language"),
        (('ms: "kenapa?"', 'xx: "kenapa?"'), "step 2 pause: the 'ms' text is missing"),
        (('{en: "x", ms: "x"}', '{en: "x"}'), "advice 1: the 'ms' text is missing"),
        (('source: "facts.md §4 Grooming"', 'source: "NSPCC website"'), "should start with"),
        (('source: "facts.md §4 Grooming"', 'source: "facts.md §9 Nothing"'), "§N"),
        (('        source: "facts.md §4 Grooming"\n', ""), "'source' is missing"),
        (("speaker: child", "speaker: stranger"), "speaker 'stranger' is unknown"),
        (('        pause: {en: "why?", ms: "kenapa?"}\n', ""), "at least one step with a 'pause:'"),
        (("id: test-one", "id: Test One"), "id 'Test One' should be"),
        (('title: {en: "T", ms: "T"}', 'title: "T"'), "needs both languages"),
    ],
)
def test_scenario_mistakes_are_explained(tmp_path, change, message):
    old, new = change
    assert old in GOOD_SCENARIO
    path = write(tmp_path, "scenarios.yml", GOOD_SCENARIO.replace(old, new, 1))
    with pytest.raises(ContentError) as err:
        load_scenarios(path)
    assert "scenarios.yml" in str(err.value)
    assert message in str(err.value)


def test_broken_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "quiz.yml", "title:\n  en: a: b\n")
    with pytest.raises(ContentError, match=r"quiz.yml: not valid YAML at line 2"):
        Quiz.load(path)
    with pytest.raises(ContentError, match="file not found"):
        Quiz.load(tmp_path / "missing.yml")


GOOD_QUIZ = """
title: {en: "Q", ms: "K"}
questions:
  - id: one
    question: {en: "?", ms: "?"}
    options:
      - {en: "a", ms: "a"}
      - {en: "b", ms: "b"}
      - {en: "c", ms: "c"}
    answer: 2
    explain: {en: "because", ms: "sebab"}
    source: "facts.md §5 Sextortion"
remember:
  - {text: {en: "r1", ms: "r1"}, source: "facts.md §2 x"}
  - {text: {en: "r2", ms: "r2"}, source: "facts.md §2 x"}
  - {text: {en: "r3", ms: "r3"}, source: "facts.md §2 x"}
"""


def test_quiz_file_is_checked(tmp_path):
    quiz = Quiz.load(write(tmp_path, "quiz.yml", GOOD_QUIZ))
    assert quiz.answer(0) == 1 and quiz.check(0, 1) == (True, "because")
    for old, new, message in [
        ("answer: 2", "answer: 4", "is 4 but there are only 3 options"),
        ("answer: 2", "answer: b", "should be the number of the right option"),
        ('      - {en: "c", ms: "c"}\n', "", "needs at least 3 item(s)"),
        ('    source: "facts.md §5 Sextortion"\n', "", "'source' is missing"),
    ]:
        path = write(tmp_path, "quiz.yml", GOOD_QUIZ.replace(old, new, 1))
        with pytest.raises(ContentError, match=re.escape(message)):
            Quiz.load(path)


def test_parents_file_needs_the_four_sections(tmp_path):
    body = """
    title: {en: "P", ms: "P"}
    intro: {en: "i", ms: "i"}
    sections:
      - id: warning-signs
        title: {en: "W", ms: "W"}
        items:
          - {text: {en: "a", ms: "a"}, source: "facts.md §4 x"}
          - {text: {en: "b", ms: "b"}, source: "facts.md §4 x"}
    """
    with pytest.raises(ContentError, match="must have the sections"):
        load_parents(write(tmp_path, "parents.yml", body))


def test_check_command(capsys):
    from bot.learning import main

    assert main() == 0
    assert capsys.readouterr().out.startswith("OK: ")
