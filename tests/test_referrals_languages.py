"""The referral directory in Mandarin and Tamil (actions/referrals.yml, actions/referrals.py)."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
import yaml

from actions import referrals
from actions.referrals import (
    ALL_LANGS,
    EXTRA_LANGS,
    ReferralError,
    directory,
    parse_directory,
    render_referrals,
)
from bot.content.knowledge import load_knowledge
from components.lexicon import script_language

MYT = referrals.MALAYSIA
DAY = dt.datetime(2026, 12, 2, 15, 0, tzinfo=MYT)  # a Wednesday afternoon: every line open
NIGHT = dt.datetime(2026, 12, 2, 2, 0, tzinfo=MYT)  # Buddy Bear and MCMC's phone closed
SPEAKS = {"zh": "讲华语", "ta": "தமிழில் பேசலாம்"}
# The words a knowledge item uses for a language a service answers in.
LANGUAGE_NAMES = {"en": "English", "ms": "BM", "zh": "Mandarin", "ta": "Tamil"}
TEXT_FIELDS = ("purpose", "how", "note", "hours")


@pytest.fixture
def raw():
    return yaml.safe_load(referrals.DIRECTORY_PATH.read_text(encoding="utf-8"))


def _numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d[\d -]{1,}\d", text))


@pytest.mark.parametrize("lang", EXTRA_LANGS)
def test_every_entry_has_every_text_in_mandarin_and_tamil(lang):
    for service in directory().services.values():
        assert service.missing_texts(lang) == [], f"{service.id} has no {lang} text"
        for field in TEXT_FIELDS:
            texts = getattr(service, field)
            if texts:
                assert script_language(texts[lang]) == lang, f"{service.id}.{field}.{lang}"


@pytest.mark.parametrize("lang", EXTRA_LANGS)
@pytest.mark.parametrize("topic", referrals.TOPICS)
@pytest.mark.parametrize("now", [DAY, NIGHT])
def test_every_topic_renders_in_the_childs_language_with_the_same_numbers(topic, lang, now):
    text, buttons = render_referrals(topic, lang, now=now)
    english, english_buttons = render_referrals(topic, "en", now=now)
    assert script_language(text) == lang
    assert text.splitlines()[0] == referrals._WORDS[lang]["header"]
    assert len(text.splitlines()) == len(english.splitlines())
    # Every phone number and address the English bubble gives, and no other.
    assert _numbers(text) == _numbers(english)
    assert [b["url"] for b in buttons] == [b["url"] for b in english_buttons]


def test_the_services_that_speak_the_childs_language_say_so():
    for lang, words in SPEAKS.items():
        for topic in referrals.TOPICS:
            text, _ = render_referrals(topic, lang, now=DAY)
            for line in text.splitlines()[1:]:
                service = next(
                    s
                    for s in directory().services.values()
                    if line.startswith(f"• {s.display_name(lang)}")
                )
                assert (words in line) == (lang in service.languages), line
    text, _ = render_referrals("helpline", "zh", now=DAY)
    assert "Buddy Bear Childline（18 岁以下；讲华语）" in text
    text, _ = render_referrals("helpline", "ta", now=DAY)
    assert "Buddy Bear Childline (18 வயதுக்குக் கீழ்; தமிழில் பேசலாம்)" in text


def test_english_and_malay_bubbles_do_not_name_languages():
    for lang in ("en", "ms"):
        text, _ = render_referrals("helpline", lang, now=DAY)
        assert not any(words in text for words in SPEAKS.values())


def test_a_services_languages_come_from_its_knowledge_item():
    book = load_knowledge()
    for service in directory().services.values():
        claim = book.items[service.knowledge].claim
        for lang in service.languages:
            assert lang in ALL_LANGS, f"{service.id}: unknown language {lang!r}"
            assert LANGUAGE_NAMES[lang] in claim, f"{service.id}: {lang} not in its item"


def test_closed_lines_say_when_they_open_in_mandarin_and_tamil():
    text, _ = render_referrals("helpline", "zh", now=NIGHT)
    assert "现在关闭，今天中午 12 点开放" in text
    text, _ = render_referrals("report", "zh", now=NIGHT)
    assert "电话热线现在关闭，今天上午 8 点 30 分开放" in text
    text, _ = render_referrals("helpline", "ta", now=NIGHT)
    assert "இன்று மதியம் 12 மணிக்குத் திறக்கும்" in text
    saturday = dt.datetime(2026, 12, 5, 20, 0, tzinfo=MYT)
    text, _ = render_referrals("report", "ta", now=saturday)
    assert "திங்கள் காலை 8.30 மணிக்குத் திறக்கும்" in text


def test_parent_mode_in_mandarin_and_tamil():
    text, _ = render_referrals("helpline", "zh", mode="parent", now=DAY)
    assert text.startswith("您和孩子可以在这里求助：") and "让孩子打" in text
    text, _ = render_referrals("helpline", "ta", mode="parent", now=DAY)
    assert "உங்கள் பிள்ளை அழைக்க" in text


def test_a_missing_translation_falls_back_to_english_for_the_whole_bubble(raw):
    broken = copy.deepcopy(raw)
    del next(s for s in broken["services"] if s["id"] == "talian_kasih")["purpose"]["zh"]
    book = parse_directory(broken)
    assert book.services["talian_kasih"].missing_texts("zh") == ["purpose"]
    assert book.services["talian_kasih"].missing_texts("ta") == []
    referrals.directory.cache_clear()
    original = referrals.directory
    referrals.directory = lambda: book
    try:
        text, _ = render_referrals("helpline", "zh", now=DAY)
        tamil, _ = render_referrals("helpline", "ta", now=DAY)
    finally:
        referrals.directory = original
    # All English, so the runtime's "not translated yet" line comes before it.
    assert text.startswith("Where to get help:") and script_language(text) is None
    assert script_language(tamil) == "ta"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("purpose", {"en": "x", "ms": "y", "zh": ""}, "purpose.zh"),
        ("purpose", {"en": "x", "ms": "y", "fr": "z"}, "purpose.fr"),
        ("hours", {"en": "12pm to 12am", "ms": "12 tengah hari", "ta": "நள்ளிரவு"}, "hours.ta"),
    ],
)
def test_bad_mandarin_or_tamil_texts_fail_naming_the_field(raw, field, value, message):
    broken = copy.deepcopy(raw)
    entry = next(s for s in broken["services"] if s["id"] == "buddy_bear")
    entry[field] = value
    with pytest.raises(ReferralError, match=re.escape(message)):
        parse_directory(broken)


def test_translated_names_are_used_where_given():
    services = directory().services
    assert services["police"].display_name("zh") == "警察（PDRM）"
    assert services["police"].display_name("ta") == "காவல்துறை (PDRM)"
    assert services["talian_kasih"].display_name("zh") == "Talian Kasih"
