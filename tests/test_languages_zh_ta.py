"""A newcomer talks about sextortion and reporting in Mandarin and in Tamil, with the trained
model: every reply is in the child's language, the first bubble gives 999 and 15999, and the
referrals name image removal and where to report, in that language."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import messages
from components.lexicon import script_counts, script_language

DOMAIN = Path(__file__).resolve().parents[1] / "domain.yml"
# What the child types or taps, and the intent the model must find.
MANDARIN = {
    "sextortion": ("有人威胁要把我的裸照发出去，除非我给钱", "disclose_sextortion"),
    "paid": ('/disclose_sextortion{"topic":"paid"}', "disclose_sextortion"),
    "report": ("我要怎么举报？", "ask_report"),
    "telegram": ('/ask_report{"topic":"telegram"}', "ask_report"),
    "removal": ("我的照片被传出去了，怎么删掉？", "ask_image_removal"),
}
TAMIL = {
    "sextortion": (
        "காசு குடுக்கலன்னா என் photos-அ எல்லாருக்கும் அனுப்புவேன்னு ஒருத்தன் மிரட்டுறான்",
        "disclose_sextortion",
    ),
    "paid": ('/disclose_sextortion{"topic":"paid"}', "disclose_sextortion"),
    "report": ("எப்படி report பண்றது?", "ask_report"),
    "telegram": ("Telegram-ல் எப்படி report செய்வது?", "ask_report"),
    "removal": ("என் படத்தை internet-ல இருந்து எப்படி எடுக்கிறது?", "ask_image_removal"),
}
# Names in the referral bubble, by language.
REMOVAL = ("Take It Down (NCMEC)", "StopNCII.org", "NCMEC CyberTipline")
REPORT = {
    "zh": ("警察（PDRM）", "MCMC 投诉", "Talian Kasih", "在 Telegram 里举报"),
    "ta": ("காவல்துறை (PDRM)", "MCMC புகார்", "Talian Kasih", "Telegram-இல் புகார்"),
}
HEADER = {"zh": "可以在这里求助：", "ta": "உதவி கிடைக்கும் இடங்கள்:"}
SPEAKS = {"zh": "讲华语", "ta": "தமிழில் பேசலாம்"}


def _in_language(turn, lang: str, helplines_first: bool = True) -> None:
    """Every bubble and button in `lang`, no "not translated yet" line, and (for a disclosure
    or a question about reporting) 999 and 15999 in the first bubble."""
    texts = [reply.text for reply in turn.replies]
    assert texts, f"no reply to {turn.text!r}"
    if helplines_first:
        assert "999" in texts[0] and "15999" in texts[0], texts[0]
    assert messages.text("untranslated_note", lang) not in texts, texts
    for text in texts:
        assert script_language(text) == lang, text
    for reply in turn.replies:
        for button in reply.buttons:
            if button.payload and button.url is None and button.title not in ("Menu",):
                assert script_language(button.title) in (lang, None), button.title


def _referrals(turn, lang: str) -> str:
    bubbles = [r.text for r in turn.replies if r.text.startswith(HEADER[lang])]
    assert len(bubbles) == 1, [r.text for r in turn.replies]
    return bubbles[0]


async def _say(assistant, user: str, lang: str, said: tuple[str, str]):
    text, intent = said
    turn = await assistant.respond(user, text)
    assert turn.intent == intent, (text, turn.intent, turn.confidence)
    assert turn.lang == lang
    return turn


@pytest.mark.parametrize("lang, script", [("zh", MANDARIN), ("ta", TAMIL)])
async def test_sextortion_then_reporting_in_the_childs_language(assistant, lang, script):
    user = f"lang-{lang}-{uuid.uuid4().hex[:8]}"

    turn = await _say(assistant, user, lang, script["sextortion"])
    _in_language(turn, lang)
    bubble = _referrals(turn, lang)
    assert all(name in bubble for name in REMOVAL), bubble
    assert REPORT[lang][-1] in bubble  # report in Telegram
    assert SPEAKS[lang] in bubble  # Buddy Bear answers in the child's language
    assert "takeitdown.ncmec.org" in "\n".join(r.text for r in turn.replies)

    turn = await _say(assistant, user, lang, script["paid"])
    _in_language(turn, lang)
    assert all(name in _referrals(turn, lang) for name in REMOVAL)

    turn = await _say(assistant, user, lang, script["report"])
    _in_language(turn, lang)
    bubble = _referrals(turn, lang)
    assert all(name in bubble for name in REPORT[lang]), bubble
    assert "1800 188 030" in bubble and "15999" in bubble

    # Follow-ups: the Telegram steps, then removing a picture (helplines in the referrals).
    turn = await _say(assistant, user, lang, script["telegram"])
    _in_language(turn, lang, helplines_first=False)
    assert "t.me" in turn.replies[0].text and "15999" in _referrals(turn, lang)

    turn = await _say(assistant, user, lang, script["removal"])
    _in_language(turn, lang, helplines_first=False)
    assert all(name in _referrals(turn, lang) for name in REMOVAL)


# Every reply on the sextortion, grooming, image-removal and reporting paths (children and
# parents), "talk to someone" and the crisis reply for adults has a Mandarin and a Tamil variant.
TRANSLATED_PATHS = (
    "utter_crisis_help_adult",
    "utter_sextortion_what",
    "utter_sextortion_reassure",
    "utter_sextortion_reassure_parent",
    "utter_sextortion_steps",
    "utter_sextortion_steps_parent",
    "utter_sextortion_paid",
    "utter_sextortion_peer",
    "utter_sextortion_payment",
    "utter_sextortion_video_call",
    "utter_sextortion_fake_helpers",
    "utter_image_removal_intro",
    "utter_image_removal_under18",
    "utter_image_removal_any_age",
    "utter_deepfake",
    "utter_abuse_content_dont_share",
    "utter_abuse_content_steps",
    "utter_abuse_content_i_shared",
    "utter_report_how",
    "utter_report_telegram",
    "utter_report_after",
    "utter_grooming_what",
    "utter_grooming_signs",
    "utter_grooming_reassure",
    "utter_ask_safe_now",
    "utter_grooming_steps",
    "utter_grooming_reassure_parent",
    "utter_ask_safe_now_parent",
    "utter_grooming_steps_parent",
    "utter_report_after_parent",
    "utter_helpline_intro",
    "utter_bot_challenge",
)


@pytest.mark.parametrize("name", TRANSLATED_PATHS)
def test_the_safety_paths_are_in_mandarin_and_tamil(name):
    variants = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"][name]
    english = variants[0]
    for lang in ("zh", "ta"):
        condition = [{"type": "slot", "name": "lang", "value": lang}]
        variant = next((v for v in variants if v.get("condition") == condition), None)
        assert variant is not None, f"{name} has no {lang} variant"
        assert script_language(variant["text"]) == lang
        for number in ("999", "15999", "1-800-18-2327", "019-261 5999"):
            assert (number in variant["text"]) == (number in english["text"]), (name, number)
        buttons = [b["payload"] for b in variant.get("buttons") or []]
        assert buttons == [b["payload"] for b in english.get("buttons") or []], name


GROOMING = {
    "zh": "网上有个人一直叫我传照片给他，还叫我不要告诉别人",
    "ta": "ஒருத்தன் online-ல என்கிட்ட photos அனுப்ப சொல்றான், யார்கிட்டயும் சொல்லாதேன்னு சொல்றான்",
}


@pytest.mark.parametrize("lang", ["zh", "ta"])
async def test_a_grooming_disclosure_in_the_childs_language(assistant, lang):
    user = f"grooming-{lang}-{uuid.uuid4().hex[:8]}"
    turn = await assistant.respond(user, GROOMING[lang])
    assert turn.intent == "disclose_grooming", (turn.intent, turn.confidence)
    _in_language(turn, lang)
    safe = turn.replies[-1]
    assert [b.payload for b in safe.buttons] == ["/affirm", "/deny"]
    turn = await assistant.respond(user, "/affirm")
    _in_language(turn, lang, helplines_first=False)
    bubble = _referrals(turn, lang)
    assert "999" in bubble and "15999" in bubble and SPEAKS[lang] in bubble


def _facts(text: str) -> set[tuple[str, str]]:
    """Phone numbers, addresses and law sections (opening hours are worded per language)."""
    from tools.check_facts import extract

    return {(f.kind, f.key) for f in extract(text) if f.kind != "hours"}


def test_every_mandarin_and_tamil_response_states_the_english_ones_facts():
    """Same numbers, addresses and law sections as the English text: none lost, none added
    (the Malay text's reading counts too, where the reader finds a number only there)."""
    for name, variants in yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"].items():
        english = _facts(variants[0]["text"])
        known = english | {f for v in variants[1:2] for f in _facts(v["text"])}
        for variant in variants[1:]:
            lang = (variant.get("condition") or [{}])[0].get("value")
            if lang in ("zh", "ta"):
                facts = _facts(variant["text"])
                assert english <= facts <= known, (name, lang, english - facts, facts - known)


def _counts_by_letter(text: str) -> tuple[int, int, int, int]:
    """What `script_counts` counts, character by character: the reference."""
    from components.lexicon import _HAN, _TAMIL

    def within(ch: str, ranges: tuple) -> bool:
        return any(lo <= ord(ch) <= hi for lo, hi in ranges)

    han = tamil = latin = other = 0
    for ch in text:
        if within(ch, _HAN):
            han += 1
        elif within(ch, _TAMIL):
            tamil += 1
        elif ch.isalpha():
            if ch.isascii() or "\u00c0" <= ch <= "\u024f":
                latin += 1
            else:
                other += 1
    return han, tamil, latin, other


SCRIPTS = (
    "abcXYZ éü×÷ɏȀ 中文字㐀鿿豈﫿 தமிழ் ா் ٱلعربية ไทย 한국어 😭 1, "
    "\u3400\u4dbf\u4e00\u9fff\uf900\ufaff\u0b80\u0bff"
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.text(alphabet=SCRIPTS, max_size=200),
    )
)
def test_script_counts_count_every_letter_as_the_reference(text):
    assert script_counts(text) == _counts_by_letter(text)


def test_script_counts_on_every_reply_as_the_reference():
    domain = yaml.safe_load((Path(__file__).resolve().parents[1] / "domain.yml").read_text())
    texts = [
        variant.get("text") or ""
        for variants in (domain.get("responses") or {}).values()
        for variant in variants
    ]
    assert len(texts) > 100
    for text in texts:
        assert script_counts(text) == _counts_by_letter(text), text
