"""bot.content.lessons: the teaching content loads, is complete in both languages, states only facts
from the knowledge base, and a broken file fails with a message a teacher can act on."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml

from bot.content.knowledge import knowledge
from bot.content.lessons import (
    CONTENT_DIR,
    Content,
    ContentError,
    Quiz,
    load_parents,
    load_scenarios,
    source_titles,
)
from tools.check_facts import extract, vouched


@pytest.fixture(scope="module")
def content() -> Content:
    return Content.load()


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
    for needle in ("Believe", "blame", "never screenshot", "police", "15999"):
        assert needle.lower() in first_hour.lower(), needle


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


# ------------------------------------------------------------------ facts from the knowledge base


def cited_texts(content: Content):
    """(the texts, the knowledge ids they cite) for every sourced piece of content."""
    for s in content.scenarios:
        for piece in (*s.steps, *s.advice):
            if piece.source:
                pause = getattr(piece, "pause", None) or {}
                yield [*piece.text.values(), *pause.values()], piece.source
    quiz = content.quiz
    for q in quiz.questions:
        options = [text for option in q.options for text in option.values()]
        yield [*q.text.values(), *options, *q.explain.values()], q.source
    for r in (*quiz.remember, *(i for s in content.parents.sections for i in s.items)):
        yield list(r.text.values()), r.source


def test_every_number_address_and_law_is_vouched_by_the_items_the_text_cites(content):
    """A text that gives 15999 must cite an item whose values include 15999, and so on."""
    book = knowledge()
    checked = 0
    for texts, ids in cited_texts(content):
        allowed = {f.key for i in ids for value in book.items[i].values for f in extract(value)}
        for text in texts:
            for finding in extract(text):
                checked += 1
                key = finding.key
                ok = key in allowed or (
                    finding.kind == "law" and any(a.endswith(" " + key) for a in allowed)
                )
                assert ok, f"{finding.shown!r} in {text!r} is not a value of {list(ids)}"
    assert checked > 50


def test_unsourced_numbers_and_addresses_are_only_in_cited_texts(content):
    """A scenario step without a source states no number, address, hours or law."""
    for s in content.scenarios:
        for step in s.steps:
            if not step.source:
                found = [f for text in step.text.values() for f in extract(text)]
                assert not found, f"scenario '{s.id}': {found} needs a source"


def test_nothing_unverified_or_in_conflict_is_stated():
    withheld = vouched(knowledge()).withheld
    assert withheld["phone"] and withheld["law"]  # e.g. an old WAO number, "Act 666"
    for name in ("scenarios.yml", "quiz.yml", "parents.yml"):
        for finding in extract((CONTENT_DIR / name).read_text(encoding="utf-8")):
            assert finding.key not in withheld[finding.kind], (name, finding)


def test_sources_are_stateable_knowledge_items_shown_by_title(content):
    book = knowledge()
    for _texts, ids in cited_texts(content):
        for i in ids:
            assert i in book.items and book.items[i].stateable, i
    advice = content.scenarios[0].localized("ms")["advice"][0]
    ids = content.scenarios[0].advice[0].source
    assert advice["source"] == [book.items[i].title for i in ids]
    assert source_titles(("talian_kasih",)) == ["Talian Kasih 15999 (KPWKM)"]


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
        source: grooming_stages
      - text: {en: "y", ms: "y"}
        source: [talian_kasih, police_report]
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
        (("source: grooming_stages", 'source: "NSPCC website"'), "is not an item id"),
        (("source: grooming_stages", "source: [befrienders_phone]"), "marked unverified"),
        (("source: grooming_stages", "source: [wao_hotline]"), "marked conflict"),
        (("        source: grooming_stages\n", ""), "'source' is missing"),
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
    source: [sextortion_steps]
remember:
  - {text: {en: "r1", ms: "r1"}, source: [talian_kasih]}
  - {text: {en: "r2", ms: "r2"}, source: [talian_kasih]}
  - {text: {en: "r3", ms: "r3"}, source: [talian_kasih]}
"""


def test_quiz_file_is_checked(tmp_path):
    quiz = Quiz.load(write(tmp_path, "quiz.yml", GOOD_QUIZ))
    assert quiz.answer(0) == 1 and quiz.check(0, 1) == (True, "because")
    for old, new, message in [
        ("answer: 2", "answer: 4", "is 4 but there are only 3 options"),
        ("answer: 2", "answer: b", "should be the number of the right option"),
        ('      - {en: "c", ms: "c"}\n', "", "needs at least 3 item(s)"),
        ("    source: [sextortion_steps]\n", "", "'source' is missing"),
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
          - {text: {en: "a", ms: "a"}, source: [grooming_signs_parent]}
          - {text: {en: "b", ms: "b"}, source: [grooming_signs_parent]}
    """
    with pytest.raises(ContentError, match="must have the sections"):
        load_parents(write(tmp_path, "parents.yml", body))


def test_check_command(capsys):
    from bot.content.lessons import main

    assert main() == 0
    assert capsys.readouterr().out.startswith("OK: ")
