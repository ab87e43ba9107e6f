"""The age rule in Jaga's answers (issue 16): since 1 June 2026 only people aged 16 and over
may hold accounts on licensed social-media platforms in Malaysia (knowledge
child_protection_code_under16).

A child under 16 is never told to make or keep an account; they are helped all the same and
pointed to an adult they feel safe with, Talian Kasih 15999, Buddy Bear and the web chat.
Parents get a short, sourced explanation; teachers the same, told about their pupils. First
the actions on canned trackers, then the same with the trained model.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.age import ActionAcknowledgeAge, ActionAgeRule

ROOT = Path(__file__).resolve().parents[1]
DOMAIN_TEXT = (ROOT / "domain.yml").read_text(encoding="utf-8")
DOMAIN = yaml.safe_load(DOMAIN_TEXT)
NLG = TemplatedNaturalLanguageGenerator(DOMAIN["responses"])
WEB_URL = "https://chat.jaga.example.my/"

# Words that would tell a child to make or keep an account (English, Malay, Mandarin, Tamil).
TELLS_TO_HAVE_AN_ACCOUNT = re.compile(
    r"\b(?:make|create|open|set up|sign up for|register|keep|get)\b[^.!?\n]*\baccount"
    r"|\b(?:buat|buka|daftar|simpan|kekalkan|dapatkan)\b[^.!?\n]*\bakaun"
    r"|(?<!不)(?:开|申请|注册|保留)[^。！？\n]{0,6}账号"
    r"|கணக்கு(?:த்)? ?(?:திற|உருவாக்கு|தொடங்கு)",
    re.I,
)
# The Mandarin and Tamil variants of the age answers (docs/translations.md).
AGE_RESPONSES = (
    "utter_age_under16",
    "utter_age_rule",
    "utter_age_web_chat",
    "utter_age_web_chat_here",
    "utter_parent_age_rule",
    "utter_parent_age_rule_educator",
    "utter_age_thanks",
)
CHILD_RESPONSES = (
    "utter_age_under16",
    "utter_age_rule",
    "utter_age_web_chat",
    "utter_age_web_chat_here",
)


def tracker(
    *,
    age: float | None = None,
    mode: str | None = None,
    topic: str | None = None,
    lang: str = "en",
    channel: str | None = None,
    intent: str = "tell_age",
) -> Tracker:
    metadata = {"channel": channel} if channel else {}
    return Tracker.from_dict(
        {
            "sender_id": "age-test",
            "slots": {"lang": lang, "age": age, "mode": mode, "topic": topic},
            "latest_message": {"text": f"/{intent}", "intent": {"name": intent}, "entities": []},
            "events": [{"event": "user", "text": f"/{intent}", "metadata": metadata}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


async def run(action, state: Tracker) -> tuple[list[dict[str, Any]], list]:
    """(what the user sees, events): responses rendered by Rasa, with the action's buttons."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, state, DOMAIN)
    shown = []
    for message in dispatcher.messages:
        rendered = NLG.generate_from_slots(
            message["response"], state.current_slot_values(), "telegram"
        )
        assert rendered is not None, message["response"]
        shown.append(
            {
                "response": message["response"],
                "text": rendered.get("text", ""),
                "buttons": (rendered.get("buttons") or []) + (message.get("buttons") or []),
            }
        )
    return shown, events


def names(shown) -> list[str]:
    return [m["response"] for m in shown]


def text(shown) -> str:
    return "\n".join(m["text"] for m in shown)


def urls(shown) -> list[str]:
    return [b["url"] for m in shown for b in m["buttons"] if b.get("url")]


@pytest.fixture
def web_url(monkeypatch):
    monkeypatch.setenv("WEB_PUBLIC_URL", WEB_URL)
    return WEB_URL


# --- the texts ----------------------------------------------------------------------------------


def _variants(name: str) -> list[str]:
    return [v["text"] for v in DOMAIN["responses"][name]]


def _variant(name: str, lang: str) -> str:
    """The text of a response's variant for `lang` (zh or ta)."""
    for variant in DOMAIN["responses"][name]:
        if {"type": "slot", "name": "lang", "value": lang} in (variant.get("condition") or []):
            return variant["text"]
    raise AssertionError(f"{name} has no {lang} variant")


@pytest.mark.parametrize("lang", ["zh", "ta"])
@pytest.mark.parametrize("name", AGE_RESPONSES)
def test_every_age_answer_is_in_mandarin_and_tamil(name, lang):
    from components.lexicon import script_language

    assert script_language(_variant(name, lang)) == lang


@pytest.mark.parametrize("name", CHILD_RESPONSES)
def test_no_answer_to_a_child_tells_them_to_make_or_keep_an_account(name):
    for variant in _variants(name):
        assert not TELLS_TO_HAVE_AN_ACCOUNT.search(variant), variant


@pytest.mark.parametrize("name", ["utter_age_under16", "utter_age_rule"])
def test_a_child_is_pointed_to_an_adult_and_both_helplines(name):
    english, malay = _variants(name)[:2]
    assert "adult you feel safe with" in english
    assert "orang dewasa yang kamu percaya" in malay
    assert "让你觉得安全的大人" in _variant(name, "zh")
    assert "நீ பாதுகாப்பாக உணரும் ஒரு பெரியவர" in _variant(name, "ta")
    for variant in _variants(name):
        assert "15999" in variant and "Buddy Bear" in variant and "1-800-18-2327" in variant


def _sources(name: str) -> list[str]:
    """The knowledge ids in the `# source: knowledge ...` comment just above a response."""
    lines = DOMAIN_TEXT.splitlines()
    at = lines.index(f"  {name}:")
    comment = lines[at - 1]
    assert comment.strip().startswith("# source: knowledge"), f"{name} cites no source"
    return [s.strip() for s in comment.split("knowledge", 1)[1].split(",")]


@pytest.mark.parametrize(
    "name",
    [
        "utter_parent_age_rule",
        "utter_parent_age_rule_educator",
        "utter_age_rule",
        "utter_age_under16",
        "utter_age_web_chat",
    ],
)
def test_the_answers_cite_the_rule_from_the_knowledge_base(name):
    from bot.content.knowledge import knowledge

    assert "child_protection_code_under16" in _sources(name)
    item = knowledge().items["child_protection_code_under16"]
    assert item.stateable and "16" in item.claim


@pytest.mark.parametrize("name", ["utter_parent_age_rule", "utter_parent_age_rule_educator"])
def test_the_parents_explanation_is_short_and_says_what_the_rule_is(name):
    """The parents' answer, and the teachers' one, which states the same rule."""
    english, malay = _variants(name)[:2]
    for needle in ("1 June 2026", "16", "Online Safety Act 2025", "MyKad", "Roblox", "15999"):
        assert needle in english, needle
    for needle in ("1 Jun 2026", "16", "Akta Keselamatan Dalam Talian 2025", "MyKad", "15999"):
        assert needle in malay, needle
    assert len(english.split()) < 170, "keep it short"
    # The rule does not say a six-month transition (reported only by an aggregator).
    assert "month" not in english and "bulan" not in malay
    mandarin, tamil = _variant(name, "zh"), _variant(name, "ta")
    for needle in (
        "2026 年 6 月 1 日",
        "16 岁",
        "Online Safety Act 2025",
        "MyKad",
        "Roblox",
        "15999",
    ):
        assert needle in mandarin, needle
    for needle in ("2026 ஜூன் 1", "16 வயது", "Online Safety Act 2025", "MyKad", "Roblox", "15999"):
        assert needle in tamil, needle
    assert "个月" not in mandarin and "மாத" not in tamil


@pytest.mark.parametrize(
    "message, parent, age",
    [
        ("can my 12 year old have a tiktok account", True, None),
        ("my 9yo wants roblox", True, None),
        ("my 12 year old brother has tiktok", False, None),
        ("i am 12 years old", False, 12),
    ],
)
def test_my_12_year_old_is_a_parent_writing_not_a_12_year_old(message, parent, age):
    from components.age import extract_age
    from components.speaker import writes_as_parent

    assert writes_as_parent(message) is parent
    assert extract_age(message) == age


# --- the actions --------------------------------------------------------------------------------


@pytest.mark.parametrize("age", [9, 12, 13, 15])
async def test_a_child_under_16_telling_their_age_on_telegram(age, web_url):
    shown, events = await run(ActionAcknowledgeAge(), tracker(age=age))
    assert names(shown) == ["utter_age_under16", "utter_age_web_chat"]
    assert "15999" in shown[0]["text"] and "Buddy Bear" in shown[0]["text"]
    assert "no account" in shown[1]["text"]
    assert urls(shown) == [web_url]
    assert events == []


async def test_in_malay_the_web_chat_button_is_in_malay(web_url):
    shown, _ = await run(ActionAcknowledgeAge(), tracker(age=11, lang="ms"))
    assert "tanpa akaun" in shown[1]["text"]
    assert [b["title"] for b in shown[1]["buttons"]] == ["Chat web Jaga"]


@pytest.mark.parametrize(
    "lang, no_account, button",
    [("zh", "不需要账号", "Jaga 网页聊天"), ("ta", "கணக்கோ பதிவோ தேவையில்லை", "Jaga இணைய chat")],
)
async def test_in_mandarin_and_tamil_the_whole_answer_is_in_that_language(
    lang, no_account, button, web_url
):
    from components.lexicon import script_language

    shown, _ = await run(ActionAcknowledgeAge(), tracker(age=11, lang=lang))
    assert names(shown) == ["utter_age_under16", "utter_age_web_chat"]
    assert all(script_language(m["text"]) == lang for m in shown)
    assert "15999" in shown[0]["text"] and no_account in shown[1]["text"]
    assert [b["title"] for b in shown[1]["buttons"]] == [button]
    asked, _ = await run(ActionAgeRule(), tracker(lang=lang, intent="ask_age_rule"))
    assert names(asked) == ["utter_age_rule", "utter_age_web_chat"]
    assert all(script_language(m["text"]) == lang for m in asked)


async def test_a_child_under_16_in_the_web_chat_is_told_no_account_is_needed(web_url):
    shown, _ = await run(ActionAcknowledgeAge(), tracker(age=10, channel="web"))
    assert names(shown) == ["utter_age_under16", "utter_age_web_chat_here"]
    assert "no sign-up" in shown[1]["text"] and "Leave quickly" in shown[1]["text"]
    assert not urls(shown)  # already there


async def test_without_a_public_web_chat_no_link_is_offered(monkeypatch):
    monkeypatch.delenv("WEB_PUBLIC_URL", raising=False)
    shown, _ = await run(ActionAcknowledgeAge(), tracker(age=12))
    assert names(shown) == ["utter_age_under16"]


@pytest.mark.parametrize("age", [16, 17, 35])
async def test_16_and_over_are_thanked(age, web_url):
    shown, _ = await run(ActionAcknowledgeAge(), tracker(age=age))
    assert names(shown) == ["utter_age_thanks"]


async def test_a_parent_telling_their_childs_age_gets_the_rule(web_url):
    shown, _ = await run(ActionAcknowledgeAge(), tracker(mode="parent"))
    assert names(shown) == ["utter_parent_age_rule"]
    assert "Online Safety Act 2025" in shown[0]["text"]


async def test_asking_about_the_rule_without_an_age_gets_the_childs_answer_and_a_parents_button(
    web_url,
):
    shown, events = await run(ActionAgeRule(), tracker(intent="ask_age_rule"))
    assert names(shown) == ["utter_age_rule", "utter_age_web_chat"]
    payloads = [b.get("payload") for b in shown[0]["buttons"]]
    assert '/ask_age_rule{"topic":"parents"}' in payloads
    assert events == []


async def test_the_parents_button_answers_once_without_making_the_user_a_parent(web_url):
    shown, events = await run(ActionAgeRule(), tracker(intent="ask_age_rule", topic="parents"))
    assert names(shown) == ["utter_parent_age_rule"]
    assert events == [SlotSet("topic", None)]  # and `mode` is left alone


async def test_a_child_of_17_asking_gets_the_rule_without_the_under_16_extras(web_url):
    shown, _ = await run(ActionAgeRule(), tracker(age=17, intent="ask_age_rule"))
    assert names(shown) == ["utter_age_rule"]


@pytest.mark.parametrize("lang", ["en", "ms", "zh", "ta"])
@pytest.mark.parametrize("action", [ActionAgeRule, ActionAcknowledgeAge])
async def test_an_educator_gets_the_rule_told_about_pupils_not_your_child(action, lang, web_url):
    """A teacher, counsellor or coach is not the child's parent: "your pupils", never "your
    child", and the teachers' buttons rather than the parents' menu."""
    shown, _ = await run(action(), tracker(mode="educator", lang=lang, intent="ask_age_rule"))
    assert names(shown) == ["utter_parent_age_rule_educator"]
    seen = text(shown) + "\n" + "\n".join(b["title"] for b in shown[0]["buttons"])
    assert not re.search(r"your child|anak anda|您的孩子|உங்கள் பிள்ளை", seen, re.I), seen
    pupils = {"en": "your pupils", "ms": "murid anda", "zh": "您的学生", "ta": "உங்கள் மாணவர்"}
    assert pupils[lang] in seen
    payloads = [b.get("payload") for b in shown[0]["buttons"]]
    assert '/ask_parent_guidance{"topic":"pupil_discloses"}' in payloads
    assert '/ask_parent_guidance{"topic":"teacher"}' not in payloads


# --- with the trained model ---------------------------------------------------------------------


def new_user() -> str:
    return f"age-{uuid.uuid4().hex}"


async def test_dialogue_a_12_year_old_then_asks_about_telegram(assistant, web_url):
    user = new_user()
    told = await assistant.respond(user, "i'm 12")
    assert told.intent == "tell_age"
    assert "15999" in told.reply_text and "Buddy Bear" in told.reply_text
    assert any(b.url == web_url for r in told.replies for b in r.buttons)
    asked = await assistant.respond(user, "how old do you have to be to use telegram")
    assert asked.intent == "ask_age_rule"
    assert "16" in asked.reply_text and "15999" in asked.reply_text
    for turn in (told, asked):
        assert not TELLS_TO_HAVE_AN_ACCOUNT.search(turn.reply_text), turn.reply_text


async def test_dialogue_in_the_web_chat_a_malay_child_of_13(assistant, web_url):
    turn = await assistant.respond(
        new_user(), "saya 13 tahun boleh buat akaun instagram tak", metadata={"channel": "web"}
    )
    assert turn.intent == "ask_age_rule" and turn.lang == "ms"
    assert "16" in turn.reply_text and "15999" in turn.reply_text
    assert "tak perlu daftar" in turn.reply_text  # this web chat needs no account
    assert not any(b.url for r in turn.replies for b in r.buttons)
    assert not TELLS_TO_HAVE_AN_ACCOUNT.search(turn.reply_text), turn.reply_text


@pytest.mark.parametrize(
    "message, needle",
    [
        ("can my 12 year old have a tiktok account", "Online Safety Act 2025"),
        ("anak saya 12 tahun boleh ada akaun tiktok ke", "Akta Keselamatan Dalam Talian 2025"),
    ],
)
async def test_dialogue_a_parent_asking_gets_the_sourced_rule(assistant, message, needle):
    turn = await assistant.respond(new_user(), message)
    assert turn.intent == "ask_age_rule"
    assert needle in turn.reply_text and "MyKad" in turn.reply_text


async def test_dialogue_the_parents_button(assistant):
    user = new_user()
    first = await assistant.respond(user, "what is the minimum age for social media in malaysia")
    assert first.intent == "ask_age_rule"
    payload = next(b.payload for r in first.replies for b in r.buttons if b.title == "For parents")
    parents = await assistant.respond(user, payload)
    assert "Online Safety Act 2025" in parents.reply_text
    # Still answered as a child afterwards: the button did not make the user a parent.
    later = await assistant.respond(user, "someone online keeps asking me for photos")
    assert "your child" not in later.reply_text.lower()


async def test_telling_an_age_without_one_is_answered_as_not_understood_with_the_helplines():
    """A message misread as "telling my age" (no age in it) never gets "thanks for telling me"."""
    shown, events = await run(ActionAcknowledgeAge(), tracker(age=None))
    assert names(shown)[0].startswith("utter_default")
    assert "999" in shown[0]["text"] and "15999" in shown[0]["text"]
    assert events == []
