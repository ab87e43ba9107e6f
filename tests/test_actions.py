"""Jaga's custom actions on canned trackers, and the domain responses they compose.

Actions send domain responses by name (Rasa renders the language variant), so the helpers
below render each message through Rasa's own response generator with the tracker's slots:
the tests read exactly what a user would see.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset, Restarted, SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.age import ActionAcknowledgeAge
from actions.guidance import ActionCyberbullying, ActionHelpline, ActionParentGuidance, ActionReport
from actions.menu import ActionChangeLanguage
from actions.privacy import ActionForgetMe
from actions.referrals import directory
from actions.safety import (
    ActionCrisis,
    ActionDiscloseGrooming,
    ActionGroomingNextSteps,
    ActionImageRemoval,
    ActionReportAbuseContent,
    ActionSextortion,
)

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
NLG = TemplatedNaturalLanguageGenerator(DOMAIN["responses"])
MS_CONDITION = [{"type": "slot", "name": "lang", "value": "ms"}]


def make_tracker(
    lang: str | None = "en",
    age: float | None = None,
    mode: str | None = None,
    topic: str | None = None,
    intent: str = "greet",
    entities: list[dict[str, Any]] | None = None,
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": {"lang": lang, "age": age, "mode": mode, "topic": topic},
            "latest_message": {
                "text": f"/{intent}",
                "intent": {"name": intent, "confidence": 1.0},
                "entities": entities or [],
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


async def run(action, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Runs an action; returns (rendered messages, events)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return [render(m, tracker.current_slot_values()) for m in dispatcher.messages], events


def render(message: dict[str, Any], slots: dict[str, Any]) -> dict[str, Any]:
    """What the user sees: a named response rendered by Rasa, or the action's own text."""
    if message.get("response"):
        rendered = NLG.generate_from_slots(message["response"], slots, "telegram")
        assert rendered is not None, f"unknown response {message['response']}"
        return {
            "response": message["response"],
            "text": rendered.get("text", ""),
            "buttons": rendered.get("buttons") or [],
        }
    return {"response": None, "text": message.get("text") or "", "buttons": message["buttons"]}


def names(messages):
    return [m["response"] for m in messages]


def all_text(messages) -> str:
    return "\n".join(m["text"] for m in messages)


# --- crisis ----------------------------------------------------------------------------------


async def test_crisis_first_message_gives_999_and_15999_before_any_question():
    messages, events = await run(ActionCrisis(), make_tracker())
    first = messages[0]["text"]
    assert "999" in first and "15999" in first
    question = first.find("?")
    assert question == -1 or (first.index("999") < question and first.index("15999") < question)
    assert "1-800-18-2327" in first  # Buddy Bear, as age is unknown
    assert events == []


async def test_crisis_then_stays_with_the_child_and_never_dead_ends():
    messages, _ = await run(ActionCrisis(), make_tracker())
    last = messages[-1]
    assert last["response"] == "utter_crisis_stay"
    assert (
        "adult you feel safe with" in last["text"]
        and "parent" not in last["text"]
        and "keep talking" in last["text"]
    )
    assert last["buttons"]


async def test_crisis_for_a_known_adult_leaves_out_buddy_bear():
    messages, _ = await run(ActionCrisis(), make_tracker(age=30))
    assert messages[0]["response"] == "utter_crisis_help_adult"
    assert "Buddy Bear" not in all_text(messages)
    assert "999" in messages[0]["text"]


async def test_crisis_in_malay():
    messages, _ = await run(ActionCrisis(), make_tracker(lang="ms"))
    assert messages[0]["text"].startswith("Kalau kamu dalam bahaya sekarang, telefon 999")
    assert "Tempat untuk dapatkan bantuan" in all_text(messages)


# --- sextortion ------------------------------------------------------------------------------


async def test_sextortion_first_bubble_reassures():
    messages, _ = await run(ActionSextortion(), make_tracker())
    assert messages[0]["response"] == "utter_sextortion_reassure"
    assert "not your fault" in messages[0]["text"].lower()
    assert "not in trouble" in messages[0]["text"]


async def test_sextortion_checklist_fake_helpers_removal_and_referrals():
    messages, _ = await run(ActionSextortion(), make_tracker())
    assert names(messages)[:3] == [
        "utter_sextortion_reassure",
        "utter_sextortion_steps",
        "utter_sextortion_fake_helpers",
    ]
    steps = messages[1]["text"]
    for advice in ("Stop replying", "Don't pay", "don't save or forward", "don't delete the chat"):
        assert advice in steps
    assert "Tell an adult you trust" in steps
    assert "hack back" in messages[2]["text"]
    assert "Take It Down" in messages[3]["text"] and "StopNCII" in messages[3]["text"]
    urls = [b.get("url") for b in messages[-1]["buttons"]]
    assert "https://takeitdown.ncmec.org" in urls


async def test_sextortion_for_a_12_year_old_offers_take_it_down_not_stopncii():
    messages, _ = await run(ActionSextortion(), make_tracker(age=12))
    assert "utter_image_removal_under18" in names(messages)
    text = all_text(messages)
    assert "Take It Down" in text and "Buddy Bear" in text
    assert "StopNCII" not in text


async def test_sextortion_in_malay_is_malay():
    messages, _ = await run(ActionSextortion(), make_tracker(lang="ms"))
    assert "bukan salah kamu" in messages[0]["text"].lower()
    assert "Jangan bayar" in messages[1]["text"]
    assert messages[-1]["text"].startswith("Tempat untuk dapatkan bantuan:")
    assert "Call " not in all_text(messages)


# --- grooming --------------------------------------------------------------------------------


async def test_grooming_disclosure_reassures_then_asks_if_safe_with_yes_no_buttons():
    messages, events = await run(ActionDiscloseGrooming(), make_tracker())
    assert names(messages) == ["utter_grooming_reassure", "utter_ask_safe_now"]
    assert "not your fault" in messages[0]["text"]
    payloads = [b["payload"] for b in messages[1]["buttons"]]
    assert payloads == ["/affirm", "/deny"]
    assert events == []


async def test_grooming_disclosure_by_a_parent_asks_about_the_child():
    messages, _ = await run(ActionDiscloseGrooming(), make_tracker(mode="parent"))
    assert names(messages) == ["utter_grooming_reassure_parent", "utter_ask_safe_now_parent"]
    assert "your child" in messages[1]["text"]


async def test_grooming_next_steps_then_referrals():
    messages, _ = await run(ActionGroomingNextSteps(), make_tracker(lang="ms"))
    assert messages[0]["response"] == "utter_grooming_steps"
    assert "Jangan sekali-kali berjumpa" in messages[0]["text"]
    assert "Talian Kasih" in messages[-1]["text"]
    assert {"title": "Menu", "payload": "/ask_help_menu"} in messages[-1]["buttons"]


# --- abuse content, image removal, reporting -------------------------------------------------


async def test_abuse_content_says_never_save_or_forward_even_as_evidence():
    messages, _ = await run(ActionReportAbuseContent(), make_tracker())
    first = messages[0]["text"]
    assert "don't open, save, screenshot, forward or share" in first
    assert "not even as evidence" in first
    # The child hears "you are the victim" before any law, and help before the rule.
    assert first.index("victim") < first.index("don't open") and "999" in first
    assert "link" in messages[1]["text"] and "Act 792" in messages[1]["text"]
    urls = [b.get("url") for b in messages[-1]["buttons"]]
    assert "https://aduan.skmm.gov.my/" in urls
    assert "Telegram" in messages[-1]["text"]


async def test_abuse_content_in_malay():
    messages, _ = await run(ActionReportAbuseContent(), make_tracker(lang="ms"))
    assert "jangan buka, simpan, screenshot, forward atau kongsi" in messages[0]["text"]


@pytest.mark.parametrize(("age", "response"), [(15, "under18"), (25, "any_age"), (None, "any_age")])
async def test_image_removal_by_age(age, response):
    messages, _ = await run(ActionImageRemoval(), make_tracker(age=age))
    assert f"utter_image_removal_{response}" in names(messages)


@pytest.mark.parametrize("action", [ActionReport, ActionCyberbullying, ActionHelpline])
@pytest.mark.parametrize("lang", ["en", "ms"])
async def test_information_actions_end_with_referrals_and_a_menu_button(action, lang):
    messages, _ = await run(action(), make_tracker(lang=lang))
    last = messages[-1]
    assert last["response"] is None  # built by render_referrals
    header = "Where to get help:" if lang == "en" else "Tempat untuk dapatkan bantuan:"
    assert last["text"].startswith(header)
    assert last["buttons"][-1] == {"title": "Menu", "payload": "/ask_help_menu"}


# --- parent guidance, language, age, forgetting ----------------------------------------------


async def test_parent_guidance_without_topic_offers_topic_buttons():
    messages, events = await run(ActionParentGuidance(), make_tracker())
    assert names(messages) == ["utter_parent_menu"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert '/ask_parent_guidance{"topic":"warning_signs"}' in payloads
    assert events == []


@pytest.mark.parametrize(
    ("topic", "response"),
    [
        ("warning_signs", "utter_parent_warning_signs"),
        ("how_to_talk", "utter_parent_how_to_talk"),
        ("first_hour", "utter_parent_first_hour"),
    ],
)
async def test_parent_guidance_answers_the_topic_and_clears_it(topic, response):
    messages, events = await run(ActionParentGuidance(), make_tracker(topic=topic))
    assert names(messages) == [response]
    assert events == [SlotSet("topic", None)]


async def test_parent_guidance_help_topic_gives_parent_referrals():
    messages, _ = await run(ActionParentGuidance(), make_tracker(topic="help", mode="parent"))
    assert messages[0]["text"].startswith("Where you and your child can get help:")


async def test_change_language_confirms_in_the_new_language():
    tracker = make_tracker(
        lang="ms", intent="change_language", entities=[{"entity": "lang", "value": "ms"}]
    )
    messages, events = await run(ActionChangeLanguage(), tracker)
    assert messages[0]["text"] == "Okey, saya akan guna Bahasa Melayu mulai sekarang."
    assert events == [SlotSet("lang", "ms")]


async def test_change_language_without_a_language_offers_all_four():
    messages, events = await run(ActionChangeLanguage(), make_tracker(intent="change_language"))
    assert names(messages) == ["utter_ask_language"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/change_language{"lang":"en"}',
        '/change_language{"lang":"ms"}',
        '/change_language{"lang":"zh"}',
        '/change_language{"lang":"ta"}',
    ]
    assert events == []


@pytest.mark.parametrize(("age", "response"), [(9, "under13"), (12, "under13"), (13, "thanks")])
async def test_acknowledge_age(age, response):
    messages, _ = await run(ActionAcknowledgeAge(), make_tracker(age=age))
    assert names(messages) == [f"utter_age_{response}"]


async def test_under_13_points_to_a_trusted_adult_and_two_helplines():
    messages, _ = await run(ActionAcknowledgeAge(), make_tracker(age=10, lang="ms"))
    text = messages[0]["text"]
    assert "orang dewasa yang kamu percaya" in text
    assert "15999" in text and "1-800-18-2327" in text


async def test_acknowledge_age_without_an_age_just_thanks():
    messages, _ = await run(ActionAcknowledgeAge(), make_tracker(age=None))
    assert names(messages) == ["utter_age_thanks"]


async def test_forget_me_confirms_resets_slots_and_restarts():
    messages, events = await run(ActionForgetMe(), make_tracker(lang="ms", age=12))
    assert names(messages) == ["utter_forgotten"]
    assert "padam" in messages[0]["text"]
    assert events == [AllSlotsReset(), Restarted()]


# --- the domain's responses and actions ------------------------------------------------------


def test_every_domain_action_is_registered_in_the_actions_package():
    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(DOMAIN["actions"]) <= set(executor.actions)


@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_every_response_has_english_default_and_malay_variant(name):
    variants = DOMAIN["responses"][name]
    defaults = [v for v in variants if "condition" not in v]
    malay = [v for v in variants if v.get("condition") == MS_CONDITION]
    assert len(defaults) == 1 and len(malay) == 1, name
    assert NLG.generate_from_slots(name, {"lang": "ms"}, "")["text"] == malay[0]["text"]
    assert NLG.generate_from_slots(name, {"lang": "en"}, "")["text"] == defaults[0]["text"]
    assert len(defaults[0].get("buttons") or []) == len(malay[0].get("buttons") or []), name


def test_every_phone_number_in_responses_is_in_the_referral_directory():
    from tools.check_facts import extract, normalise_phone

    known = set()
    for service in directory().services.values():
        known |= {normalise_phone(n) for n in (service.phone, service.whatsapp) if n}
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            for found in extract(variant["text"]):
                if found.kind == "phone":
                    assert found.key in known, f"{name}: {found.shown!r} not in referrals.yml"


def test_button_payloads_name_known_intents_and_render_plain_json():
    intents = set(DOMAIN["intents"])
    for name in DOMAIN["responses"]:
        for lang in ("en", "ms"):
            rendered = NLG.generate_from_slots(name, {"lang": lang}, "")
            for button in rendered.get("buttons") or []:
                payload = button["payload"]
                match = re.fullmatch(r"/(\w+)(\{\"\w+\":\"\w+\"\})?", payload)
                assert match, f"{name}: malformed payload {payload!r}"
                assert match.group(1) in intents, f"{name}: unknown intent in {payload!r}"


def test_no_response_asks_for_personal_details_or_pictures():
    asking = re.compile(
        r"(?<!don't )(send|tell|give) me (your|a|the) (name|address|phone|number|photo|picture)"
        r"|(?<!jangan )hantar (gambar|nama|alamat) (kamu )?kepada saya",
        re.IGNORECASE,
    )
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            assert not asking.search(variant["text"]), name


def test_fact_stating_responses_carry_a_source_comment():
    text = (ROOT / "domain.yml").read_text(encoding="utf-8")
    for name in (
        "utter_crisis_help",
        "utter_sextortion_steps",
        "utter_law",
        "utter_abuse_content_dont_share",
        "utter_bot_challenge",
        "utter_out_of_scope",
    ):
        before = text[: text.index(f"\n  {name}:")].rstrip().splitlines()[-1]
        # "# source: knowledge <ids>" (tools.check_facts checks the ids exist); the older
        # "# source: facts.md §N" form is accepted until every comment is converted.
        assert before.strip().startswith(("# source: knowledge ", "# source: facts.md §")), name
