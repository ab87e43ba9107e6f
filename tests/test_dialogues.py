"""Conversations with the real model, through the same path as `python -m bot ask`.

Each test is one user's need: a fresh conversation, a message, and what they must see first.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_FILE = ROOT / "tests" / "data" / "contract.yml"
CONTRACT = yaml.safe_load(CONTRACT_FILE.read_text(encoding="utf-8"))


def new_user() -> str:
    return f"test-{uuid.uuid4().hex}"


def contract_examples() -> list[tuple[str, str]]:
    """Every example message of the contract's intents (tests/data/contract.yml)."""
    examples = [
        (intent, text)
        for intent, entry in CONTRACT["intents"].items()
        for lang in ("en", "ms")
        for text in entry["examples"][lang]
    ]
    assert len(examples) >= 40, f"{CONTRACT_FILE.name}: the intents' examples were not found"
    return examples


@pytest.mark.parametrize("intent, text", contract_examples())
async def test_every_contract_example_lands_on_its_intent(assistant, intent, text):
    turn = await assistant.respond(new_user(), text)
    assert turn.intent == intent, f"{text!r} -> {turn.intent} ({turn.confidence:.2f})"


def test_the_contract_intents_are_the_ones_check_data_requires():
    from tools.check_data import CONTRACT_INTENTS

    assert set(CONTRACT["intents"]) == set(CONTRACT_INTENTS)
    for intent, entry in CONTRACT["intents"].items():
        assert entry["meaning"] and entry["examples"]["en"] and entry["examples"]["ms"], intent


def test_the_contract_settings_are_read_and_documented():
    settings = (ROOT / "bot" / "core" / "settings.py").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in CONTRACT["settings"]:
        assert f'"{name}"' in settings, f"bot/core/settings.py does not read {name}"
        assert re.search(rf"^#? ?{name}=", example, re.M), f".env.example does not show {name}"


def test_the_contract_make_commands_exist():
    targets = set(re.findall(r"^([a-z]+):", (ROOT / "Makefile").read_text(), re.M))
    for command in CONTRACT["commands"]:
        if command.startswith("make "):
            assert command.split()[1] in targets, command


@pytest.mark.parametrize(
    "text, lang",
    [
        ("he is outside my house now", "en"),
        ("i dont want to be alive anymore", "en"),
        ("aku nak bunuh diri", "ms"),
        ("tolong dia tunggu depan rumah aku sekarang", "ms"),
    ],
)
async def test_crisis_gets_emergency_help_before_any_question(assistant, text, lang):
    turn = await assistant.respond(new_user(), text)
    assert turn.intent == "crisis"
    assert turn.lang == lang
    first = turn.replies[0].text
    assert "999" in first and "15999" in first
    # Help first, questions later: the first bubble asks nothing back.
    assert not first.rstrip().endswith("?")
    assert not {b.payload for b in turn.replies[0].buttons} & {"/affirm", "/deny"}


async def test_sextortion_starts_with_reassurance_then_the_first_hour_steps(assistant):
    turn = await assistant.respond(new_user(), "he says he'll post my nudes unless I pay")
    assert turn.intent == "disclose_sextortion"
    assert "not your fault" in turn.replies[0].text.lower()
    everything = turn.reply_text.lower()
    assert "don't pay" in everything or "do not pay" in everything
    assert "take it down" in everything and "stopncii" in everything
    assert "15999" in everything


async def test_sextortion_in_malay_is_answered_in_malay(assistant):
    turn = await assistant.respond(new_user(), "bro dia ugut nak sebar gambar aku kalau tak bayar")
    assert turn.intent == "disclose_sextortion"
    assert turn.lang == "ms"
    assert "bukan salah" in turn.replies[0].text.lower()
    assert "jangan bayar" in turn.reply_text.lower()


async def test_grooming_disclosure_asks_if_safe_and_no_leads_to_emergency_help(assistant):
    user = new_user()
    turn = await assistant.respond(user, "a guy from a game wants me to keep our chats secret")
    assert turn.intent == "disclose_grooming"
    asked = [r for r in turn.replies if r.buttons and "safe" in r.text.lower()]
    assert asked, "Jaga should ask whether the child is safe right now"
    payloads = {b.payload for b in asked[0].buttons}
    assert {"/affirm", "/deny"} <= payloads
    answer = await assistant.respond(user, "/deny")
    assert "999" in answer.replies[0].text


async def test_grooming_disclosure_then_safe_gets_what_to_do(assistant):
    user = new_user()
    await assistant.respond(user, "pakcik dalam game suruh rahsiakan chat kami")
    turn = await assistant.respond(user, "ya")
    assert turn.lang == "ms"
    text = turn.reply_text.lower()
    assert "jangan" in text and "15999" in text


async def test_abuse_material_report_says_never_save_or_forward_it(assistant):
    turn = await assistant.respond(
        new_user(), "there are child abuse videos in this telegram group"
    )
    assert turn.intent == "report_abuse_content"
    text = turn.reply_text.lower()
    assert "forward" in text and ("save" in text or "download" in text)
    assert "aduan.skmm.gov.my" in turn.reply_text or any(
        "skmm" in (b.url or "") for r in turn.replies for b in r.buttons
    )


async def test_under_13_gets_a_trusted_adult_and_child_helplines(assistant):
    turn = await assistant.respond(new_user(), "i'm 11")
    assert turn.intent == "tell_age"
    assert "15999" in turn.reply_text and "Buddy Bear" in turn.reply_text


async def test_language_switch_is_kept_for_the_next_answer(assistant):
    user = new_user()
    turn = await assistant.respond(user, "speak malay please")
    assert turn.lang == "ms"
    nxt = await assistant.respond(user, "/ask_help_menu")
    assert nxt.lang == "ms"


async def test_out_of_scope_is_never_a_dead_end(assistant):
    turn = await assistant.respond(new_user(), "what's the weather tomorrow")
    assert turn.intent in ("out_of_scope", "nlu_fallback")
    assert any(r.buttons for r in turn.replies), "the menu should be offered"
    assert "15999" in turn.reply_text


async def test_gibberish_gets_the_kind_fallback_with_the_menu(assistant):
    turn = await assistant.respond(new_user(), "asdkjh qwpoeiru zzz")
    assert turn.intent in ("out_of_scope", "nlu_fallback")
    assert any(r.buttons for r in turn.replies)


async def test_every_referral_link_is_a_real_https_address(assistant):
    for text in [
        "how do I report him",
        "how do I get my photo deleted from the internet",
        "I want to talk to someone",
    ]:
        turn = await assistant.respond(new_user(), text)
        urls = [b.url for r in turn.replies for b in r.buttons if b.url]
        assert urls, text
        assert all(re.match(r"https?://[a-z0-9.-]+\.[a-z]{2,}", u) for u in urls), urls


async def test_a_parent_disclosing_is_answered_as_a_parent(assistant):
    turn = await assistant.respond(
        new_user(), "my son is 12 and a man from a game keeps sending him credits"
    )
    assert turn.intent == "disclose_grooming"
    text = turn.reply_text.lower()
    assert "your child" in text
    assert "are you safe" not in text


async def test_a_parent_reporting_sextortion_is_not_told_it_is_their_fault(assistant):
    turn = await assistant.respond(new_user(), "anak saya kena ugut nak sebar gambar bogel dia")
    assert turn.intent == "disclose_sextortion"
    first = turn.replies[0].text.lower()
    assert "anak anda tidak bersalah" in first
    assert "jangan bayar" in turn.reply_text.lower()
