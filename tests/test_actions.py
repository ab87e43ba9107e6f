"""Jaga's custom actions on canned trackers, and the domain responses they compose.

Actions send domain responses by name (Rasa renders the language variant), so the helpers
below render each message through Rasa's own response generator with the tracker's slots:
the tests read exactly what a user would see.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset, Restarted, SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions import referrals
from actions.age import ActionAcknowledgeAge, ActionAgeRule
from actions.common import FOR_EDUCATORS, for_writer
from actions.guidance import (
    PARENT_TOPICS,
    ActionCyberbullying,
    ActionGroomingInfo,
    ActionHelpline,
    ActionLaw,
    ActionParentGuidance,
    ActionReport,
)
from actions.menu import (
    EVERYDAY_ANSWERS,
    WRITER_ANSWERS,
    ActionChangeLanguage,
    ActionFallback,
    ActionOutOfScope,
)
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


def kl(hour: int) -> dt.datetime:
    """Wednesday 2 December 2026 at `hour` o'clock, Malaysian time."""
    return dt.datetime(2026, 12, 2, hour, tzinfo=referrals.MALAYSIA)


@pytest.fixture(autouse=True)
def afternoon(monkeypatch):
    """Every line is open unless a test says otherwise (3pm in Malaysia)."""
    monkeypatch.setattr(referrals, "clock", lambda: kl(15))


def make_tracker(
    lang: str | None = "en",
    age: float | None = None,
    mode: str | None = None,
    topic: str | None = None,
    intent: str = "greet",
    entities: list[dict[str, Any]] | None = None,
    text: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": {"lang": lang, "age": age, "mode": mode, "topic": topic},
            "latest_message": {
                "text": text if text is not None else f"/{intent}",
                "intent": {"name": intent, "confidence": 1.0},
                "entities": entities or [],
                "metadata": metadata or {},
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
    # no question about ending one's life without a self-harm signal, and the slot says so
    assert [(e["event"], e["name"], e["value"]) for e in events] == [
        ("slot", "asked_self_harm", False)
    ]


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


async def test_a_teacher_reporting_a_pupil_in_danger_is_answered_as_the_adult_in_charge():
    messages, _ = await run(ActionCrisis(), make_tracker(mode="educator"))
    assert messages[0]["response"] == "utter_crisis_educator"
    first = messages[0]["text"]
    assert "999" in first and "15999" in first
    assert "the child" in first and "your child" not in first
    assert "utter_crisis_stay" not in names(messages)
    assert messages[-1]["buttons"]


async def test_a_parent_in_a_crisis_is_not_told_to_find_an_adult():
    messages, _ = await run(ActionCrisis(), make_tracker(mode="parent"))
    assert messages[0]["response"] == "utter_crisis_parent"
    assert "999" in messages[0]["text"]
    assert "utter_crisis_stay" not in names(messages)
    assert "adult you feel safe with" not in all_text(messages)
    assert messages[-1]["buttons"]  # the referrals' Menu: never a dead end


async def test_crisis_for_a_known_adult_leaves_out_buddy_bear():
    messages, _ = await run(ActionCrisis(), make_tracker(age=30))
    assert messages[0]["response"] == "utter_crisis_help_adult"
    assert "Buddy Bear" not in all_text(messages)
    assert "999" in messages[0]["text"]


@pytest.mark.parametrize(
    ("kind", "listed", "left_out"),
    [
        ("self_harm", "Befrienders", "OSCC"),  # a line that listens, not care after an assault
        ("person", "OSCC", "Befrienders"),  # someone waiting outside: not a suicide line
        ("home", "OSCC", "Befrienders"),
        (None, "Befrienders", None),  # situation unknown: both
    ],
)
async def test_the_crisis_referrals_fit_the_situation(kind, listed, left_out):
    entities = [{"entity": "crisis_kind", "value": kind}] if kind else []
    messages, _ = await run(ActionCrisis(), make_tracker(intent="crisis", entities=entities))
    text = all_text(messages)
    assert "999" in messages[0]["text"] and "15999" in messages[0]["text"]
    assert listed in text
    if left_out:
        assert left_out not in text
    else:
        assert "OSCC" in text


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


# A teacher, counsellor or coach is the adult in charge of someone else's child: every
# disclosure path speaks of "the child", never "your child", in each language.
YOUR_CHILD = re.compile(r"your child|anak anda|您的孩子|உங்கள் பிள்ளை", re.IGNORECASE)
THE_CHILD = {"en": "the child", "ms": "kanak-kanak itu", "zh": "孩子", "ta": "பிள்ளை"}


@pytest.mark.parametrize("lang", ["en", "ms", "zh", "ta"])
async def test_a_teacher_telling_of_grooming_sextortion_or_a_report_hears_the_child(lang):
    teacher = make_tracker(mode="educator", lang=lang)
    grooming, _ = await run(ActionDiscloseGrooming(), teacher)
    assert names(grooming) == ["utter_grooming_reassure_educator", "utter_ask_safe_now_educator"]
    steps, _ = await run(ActionGroomingNextSteps(), teacher)
    sext, _ = await run(ActionSextortion(), teacher)
    assert names(sext)[:2] == [
        "utter_sextortion_reassure_educator",
        "utter_sextortion_steps_educator",
    ]
    after, _ = await run(ActionReport(), make_tracker(mode="educator", lang=lang, topic="after"))
    assert names(after)[0] == "utter_report_after_educator"
    for reply in (grooming[0], grooming[1], steps[0], sext[0], sext[1], after[0]):
        assert THE_CHILD[lang] in reply["text"] and not YOUR_CHILD.search(reply["text"])
    # Help first: 999 and 15999 in the first bubble of both disclosures.
    assert "999" in grooming[0]["text"] and "15999" in grooming[0]["text"]
    assert "999" in sext[0]["text"] and "15999" in sext[0]["text"]
    if lang == "en":  # a teacher's own duties: no promise of secrecy, the school's procedure
        assert "Don't promise to keep it secret" in steps[0]["text"]
        assert "head teacher" in steps[0]["text"] and "s.19" in steps[0]["text"]


def test_every_answer_chosen_for_the_writer_has_a_parent_and_a_teacher_form():
    """`for_writer(tracker, "utter_x")` gives utter_x_parent or utter_x_educator: both exist, in
    all four languages, so no adult is ever sent a response the domain lacks. An answer written
    for parents (`for_writer(tracker, "utter_x", FOR_EDUCATORS)`: the parents' guide, the age
    rule for adults) needs utter_x_educator only; the everyday answers in WRITER_ANSWERS both."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "actions").glob("*.py"))
    calls = re.findall(r'for_writer\(tracker, "(utter_\w+)"(, FOR_EDUCATORS)?\)', source)
    forms = {
        (base, mode)
        for base, only in calls
        for mode in (["educator"] if only else ["parent", "educator"])
    }
    forms |= {(base, mode) for base in WRITER_ANSWERS for mode in ("parent", "educator")}
    forms |= {(base, "educator") for base in PARENT_TOPICS.values()}
    bases = {base for base, _ in forms}
    assert {"utter_crisis", "utter_grooming_steps", "utter_report_after"} <= bases
    assert {"utter_parent_age_rule", "utter_scam", "utter_parent_first_hour"} <= bases
    for base, mode in forms:
        variants = DOMAIN["responses"][f"{base}_{mode}"]
        langs = {c["value"] for v in variants for c in v.get("condition") or []}
        assert langs == {"ms", "zh", "ta"}, (base, mode)


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


@pytest.mark.parametrize(
    ("age", "response"), [(9, "under16"), (12, "under16"), (15, "under16"), (16, "thanks")]
)
async def test_acknowledge_age(age, response, monkeypatch):
    monkeypatch.delenv("WEB_PUBLIC_URL", raising=False)  # the web chat link: tests/test_age_rule.py
    messages, _ = await run(ActionAcknowledgeAge(), make_tracker(age=age))
    assert names(messages) == [f"utter_age_{response}"]


async def test_under_16_points_to_a_trusted_adult_and_two_helplines():
    messages, _ = await run(ActionAcknowledgeAge(), make_tracker(age=10, lang="ms"))
    text = messages[0]["text"]
    assert "orang dewasa yang kamu percaya" in text
    assert "15999" in text and "1-800-18-2327" in text


async def test_acknowledge_age_without_an_age_is_answered_as_not_understood():
    # A message misread as "telling my age" (no age in it): the menu and the helplines.
    messages, _ = await run(ActionAcknowledgeAge(), make_tracker(age=None))
    assert names(messages) in (["utter_default"], ["utter_default_night"])


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
        "utter_scam",
        "utter_family_photo",
    ):
        before = text[: text.index(f"\n  {name}:")].rstrip().splitlines()[-1]
        # "# source: knowledge <ids>" (tools.check_facts checks the ids exist); the older
        # "# source: facts.md §N" form is accepted until every comment is converted.
        assert before.strip().startswith(("# source: knowledge ", "# source: facts.md §")), name


# --- opening hours: nobody is sent to a line that won't answer --------------------------------


def _first_help(messages) -> str:
    return messages[0]["text"]


async def test_crisis_at_2am_shows_buddy_bear_closed_after_the_24_hour_lines(monkeypatch):
    monkeypatch.setattr(referrals, "clock", lambda: kl(2))
    for lang, closed in (("en", "closed now and opens at 12pm"), ("ms", "tutup sekarang")):
        messages, _ = await run(ActionCrisis(), make_tracker(lang=lang))
        first = _first_help(messages)
        assert messages[0]["response"] == "utter_crisis_help_night"
        assert closed in first
        assert first.index("999") < first.index("15999") < first.index("1-800-18-2327")


async def test_crisis_by_day_does_not_say_closed():
    messages, _ = await run(ActionCrisis(), make_tracker())
    assert messages[0]["response"] == "utter_crisis_help"
    assert "closed" not in all_text(messages)


@pytest.mark.parametrize(("hour", "response"), [(2, "utter_default_night"), (15, "utter_default")])
async def test_the_fallback_knows_the_time(monkeypatch, hour, response):
    monkeypatch.setattr(referrals, "clock", lambda: kl(hour))
    messages, _ = await run(ActionFallback(), make_tracker())
    assert names(messages) == [response]
    assert "15999" in messages[0]["text"]


@pytest.mark.parametrize(
    ("answer", "response"),
    [
        ("utter_scam", "utter_scam"),
        ("utter_family_photo", "utter_family_photo"),
        (None, "utter_out_of_scope"),
        ("utter_crisis", "utter_out_of_scope"),
    ],
)
async def test_an_everyday_message_gets_the_answer_the_safety_net_named(answer, response):
    """A scam the net read gets the scam answer (997, Cyber999, and a button to the sextortion
    path); anything else, or a name the action does not allow, the ordinary reply."""
    tracker = make_tracker(intent="out_of_scope", text="the seller blocked me after i paid")
    tracker.latest_message["everyday_answer"] = answer
    messages, _ = await run(ActionOutOfScope(), tracker)
    assert names(messages) == [response]
    text = all_text(messages)
    assert "15999" in text and "999" in text.replace("15999", "")
    if response == "utter_scam":
        assert "997" in text and "not your fault" in text
        assert "/disclose_sextortion" in [b["payload"] for b in messages[0]["buttons"]]
    if response == "utter_family_photo":
        assert "fair to ask" in text and "private family chat" in text


@pytest.mark.parametrize("lang", ["en", "ms", "zh", "ta"])
async def test_a_parent_gets_the_scam_answer_written_to_a_parent(lang):
    """A parent ("anak saya bagi kod TAC kat orang yang call") is told what to do with their
    child (997, no blame on the child), not addressed as the child ("tell a parent")."""
    tracker = make_tracker(
        lang=lang, mode="parent", intent="out_of_scope", text="anak saya bagi kod TAC"
    )
    tracker.latest_message["everyday_answer"] = "utter_scam"
    messages, _ = await run(ActionOutOfScope(), tracker)
    assert names(messages) == ["utter_scam_parent"]
    text = all_text(messages)
    assert "997" in text and "15999" in text and "999" in text.replace("15999", "")
    assert "/disclose_sextortion" in [b["payload"] for b in messages[0]["buttons"]]
    if lang == "en":
        assert "not your child's fault" in text and "tell a parent" not in text
    if lang == "ms":
        assert "anak anda" in text and "beritahu ibu bapa" not in text


@pytest.mark.parametrize(
    ("answer", "mode", "response"),
    [
        ("utter_scam", None, "utter_scam"),
        ("utter_scam", "parent", "utter_scam_parent"),
        ("utter_scam", "educator", "utter_scam_educator"),
        ("utter_family_photo", None, "utter_report_how"),
        (None, None, "utter_report_how"),
    ],
)
async def test_a_reporting_question_about_a_scam_gets_the_scam_answer(answer, mode, response):
    """A scam told as a reporting question ("he wants rm40, how do I report him"): 997 and the
    sextortion button, not the general reporting steps; other reporting questions unchanged."""
    tracker = make_tracker(mode=mode, intent="ask_report", text="how do i report him")
    tracker.latest_message["everyday_answer"] = answer
    messages, _ = await run(ActionReport(), tracker)
    assert names(messages)[0] == response
    if response.startswith("utter_scam"):
        assert names(messages) == [response] and "997" in all_text(messages)


def test_every_answer_a_guard_names_is_a_response_the_action_gives():
    from components.safety_net import default_patterns

    named = {g.answer for g in default_patterns().guards if g.answer}
    assert named and named <= EVERYDAY_ANSWERS <= set(DOMAIN["responses"])
    assert WRITER_ANSWERS <= EVERYDAY_ANSWERS
    for answer in WRITER_ANSWERS:
        assert {f"{answer}_parent", f"{answer}_educator"} <= set(DOMAIN["responses"])


def test_buddy_bears_hours_are_shown_wherever_its_number_is():
    hours = ("12pm", "12 tengah hari", "中午 12", "மதியம் 12")
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            if "1-800-18-2327" in variant["text"]:
                assert any(h in variant["text"] for h in hours), name


def test_no_text_says_the_whatsapp_line_is_open_24_hours():
    texts = [v["text"] for variants in DOMAIN["responses"].values() for v in variants]
    for path in ("bot/core/messages.yml", "content/parents.yml", "content/scenarios.yml"):
        texts.append((ROOT / path).read_text(encoding="utf-8"))
    texts.append((ROOT / "content/quiz.yml").read_text(encoding="utf-8"))
    for text in texts:
        assert not re.search(r"019-261 5999,? \(?24", text), text[:200]


# --- the law, shown to a child and to an adult -----------------------------------------------


async def test_the_law_for_a_child_starts_with_you_are_the_victim():
    for lang, start in (
        ("en", "If it is a picture of you, you are the victim, not the criminal."),
        ("ms", "Kalau itu gambar kamu, kamu mangsa, bukan penjenayah."),
    ):
        messages, _ = await run(ActionLaw(), make_tracker(lang=lang, intent="ask_law"))
        text = messages[0]["text"]
        assert messages[0]["response"] == "utter_law" and text.startswith(start)
        # No duty or penalty that could stop a child telling about a friend; no unsourced year.
        assert not re.search(r"s\.19|seksyen 19|must tell|wajib|jail|penjara|2023", text)


async def test_the_law_for_a_parent_or_teacher_gives_the_duty_to_report():
    for mode in ("parent", "educator"):
        messages, _ = await run(ActionLaw(), make_tracker(mode=mode, intent="ask_law"))
        assert names(messages) == ["utter_law_adult"]
        assert "must tell the police (s.19)" in messages[0]["text"]
        assert "s.15A" in messages[0]["text"] and "2023" not in messages[0]["text"]


@pytest.mark.parametrize(
    ("topic", "text", "response"),
    [
        ("deepfake", None, "utter_deepfake"),
        ("bullying", None, "utter_cyberbullying_law"),
        (None, "is it illegal to make AI nudes of someone", "utter_deepfake"),
        (None, "apa hukuman buli siber", "utter_cyberbullying_law"),
    ],
)
async def test_the_law_on_fake_pictures_and_on_bullying(topic, text, response):
    messages, _ = await run(ActionLaw(), make_tracker(topic=topic, intent="ask_law", text=text))
    assert names(messages) == [response]


# --- sextortion: what children bring next ----------------------------------------------------


@pytest.mark.parametrize("topic", ["paid", "peer", "payment", "video_call"])
@pytest.mark.parametrize("lang", ["en", "ms"])
async def test_each_sextortion_button_answers_with_help_first(topic, lang):
    tracker = make_tracker(lang=lang, topic=topic, intent="disclose_sextortion")
    messages, events = await run(ActionSextortion(), tracker)
    assert names(messages)[:2] == [f"utter_sextortion_{topic}_opening", f"utter_sextortion_{topic}"]
    first = messages[0]["text"]
    assert "999" in first and "15999" in first
    assert first.index("15999") < 400, "help in the first few lines"
    assert re.search(r"not in trouble|not your fault|tidak akan dimarahi|bukan salah", first)
    assert events == [SlotSet("topic", None)]


async def answer(topic: str) -> str:
    """A sextortion button's answer: its opening and the answer itself."""
    messages, _ = await run(
        ActionSextortion(), make_tracker(topic=topic, intent="disclose_sextortion")
    )
    return "\n".join(m["text"] for m in messages[:2])


async def test_the_sextortion_answers_say_what_the_sources_say():
    paid = await answer("paid")
    assert "Don't pay again" in paid and "receipts" in paid
    assert "whatever the age" in await answer("peer")
    assert "s.15A" in await answer("video_call")
    pay = await answer("payment")
    for form in ("e-wallet", "gift cards", "game credits"):
        assert form in pay


async def test_a_typed_i_already_paid_adds_that_answer_after_the_reassurance():
    tracker = make_tracker(intent="disclose_sextortion", text="he has my nudes and i already paid")
    messages, _ = await run(ActionSextortion(), tracker)
    assert names(messages)[:3] == [
        "utter_sextortion_reassure",
        "utter_sextortion_paid",
        "utter_sextortion_steps",
    ]
    # The reassurance already said "not in trouble" and gave 999 and 15999: said once.
    texts = [m["text"] for m in messages]
    assert sum("15999" in t for t in texts[:2]) == 1


@pytest.mark.parametrize(
    "text",
    ["someone will post my nudes unless i pay", "dia minta aku bayar rm100 kalau tak dia post"],
)
async def test_a_demand_to_pay_is_not_taken_for_having_paid(text):
    """ "Unless I pay" is the threat, not a payment: no "don't pay again"."""
    messages, _ = await run(
        ActionSextortion(), make_tracker(intent="disclose_sextortion", text=text)
    )
    assert "utter_sextortion_paid" not in names(messages)


async def test_the_sextortion_steps_offer_the_topic_buttons_to_a_child_only():
    messages, _ = await run(ActionSextortion(), make_tracker())
    payloads = [b["payload"] for b in messages[1]["buttons"]]
    assert '/disclose_sextortion{"topic":"paid"}' in payloads
    parent, _ = await run(ActionSextortion(), make_tracker(mode="parent", topic="paid"))
    assert parent[0]["response"] == "utter_sextortion_reassure_parent"


async def test_parent_sextortion_steps_are_a_list_not_one_folded_paragraph():
    messages, _ = await run(ActionSextortion(), make_tracker(mode="parent", lang="ms"))
    steps = messages[1]["text"]
    assert steps.count("\n") >= 5 and "\n5. " in steps


# --- evidence: screenshots of the chat, never of the sexual picture --------------------------


def test_every_text_that_asks_for_screenshots_says_never_of_the_sexual_picture():
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            text = variant["text"]
            recommends = (
                r"(?:take|keep|bring|ambil|simpan|bawa) (?:\w+ ){0,2}screenshot|screenshots? of"
                r"|screenshot (?:chat|teks)"
            )
            if re.search(recommends, text, re.I):
                assert re.search(r"never|jangan sekali-kali", text, re.I), name


async def test_abuse_material_on_the_phone_one_rule():
    messages, _ = await run(ActionReportAbuseContent(), make_tracker())
    steps = messages[1]["text"]
    for part in ("saved itself", "tell the police about it", "delete it straight away", "link"):
        assert part in steps
    assert '/report_abuse_content{"topic":"i_shared"}' in [
        b["payload"] for b in messages[1]["buttons"]
    ]


@pytest.mark.parametrize(
    ("topic", "text"), [("i_shared", None), (None, "i forwarded a nude of my classmate")]
)
async def test_a_child_who_shared_someone_elses_picture(topic, text):
    tracker = make_tracker(topic=topic, intent="report_abuse_content", text=text)
    messages, _ = await run(ActionReportAbuseContent(), tracker)
    first = messages[0]["text"]
    assert messages[0]["response"] == "utter_abuse_content_i_shared"
    assert "999" in first and "15999" in first and "right thing" in first
    assert "Delete your copies" in first and "victim" in first


async def test_a_fake_ai_picture_gets_its_own_answer():
    tracker = make_tracker(intent="ask_image_removal", text="someone made an AI nude of me")
    messages, _ = await run(ActionImageRemoval(), tracker)
    assert names(messages)[0] == "utter_deepfake"
    assert "CyberTipline" in messages[0]["text"] and "s.292" in messages[0]["text"]


async def test_take_it_down_says_it_does_not_work_on_encrypted_services():
    for age in (15, None):
        messages, _ = await run(ActionImageRemoval(), make_tracker(age=age))
        assert "does not work on encrypted services" in all_text(messages)


# --- grooming through games, reporting, cyberbullying ----------------------------------------


async def test_grooming_info_and_grooming_through_games():
    messages, _ = await run(ActionGroomingInfo(), make_tracker(intent="ask_grooming"))
    assert names(messages) == ["utter_grooming_what", "utter_grooming_signs"]
    messages, events = await run(ActionGroomingInfo(), make_tracker(topic="games"))
    assert names(messages) == ["utter_grooming_games"]
    text = messages[0]["text"]
    assert "credits" in text and "voice" in text and "Roblox" in text
    assert events == [SlotSet("topic", None)]
    typed = make_tracker(intent="ask_grooming", text="is it grooming if a roblox guy gives robux")
    messages, _ = await run(ActionGroomingInfo(), typed)
    assert names(messages) == ["utter_grooming_what", "utter_grooming_games"]


async def test_a_parent_asking_what_grooming_is_is_told_about_the_child_not_as_the_child():
    # "saya ibu, anak saya 12 tahun ... apa tanda-tanda grooming?" is ask_grooming in parent
    # mode: the answer speaks of the child and lists the signs a parent can see; a teacher
    # gets the signs in a pupil.
    for mode, signs in (
        ("parent", "utter_parent_warning_signs"),
        ("educator", "utter_parent_warning_signs_educator"),
    ):
        tracker = make_tracker(lang="ms", intent="ask_grooming", mode=mode)
        messages, _ = await run(ActionGroomingInfo(), tracker)
        assert names(messages) == ["utter_grooming_what_adult", signs]
        assert "kamu" not in all_text(messages) and "anak" in all_text(messages)


async def test_telegram_evidence_note_the_username_now():
    messages, _ = await run(ActionReport(), make_tracker(topic="telegram"))
    text = messages[0]["text"]
    assert "delete messages for both of you" in text and "@username" in text


@pytest.mark.parametrize(
    ("mode", "suffix"), [(None, ""), ("parent", "_parent"), ("educator", "_educator")]
)
async def test_what_happens_after_a_report_is_told_honestly(mode, suffix):
    messages, _ = await run(ActionReport(), make_tracker(topic="after", mode=mode))
    assert messages[0]["response"] == f"utter_report_after{suffix}"
    text = messages[0]["text"]
    assert "Talian Kasih" in text and "police" in text.lower() and "OSCC" in text
    if not mode:
        assert "may call your parents, unless a parent is the one hurting you" in text


@pytest.mark.parametrize(
    "topic", ["bystander", "i_bullied", "fake_account", "doxxing", "school", "threats", "law"]
)
async def test_each_cyberbullying_button_has_its_answer(topic):
    messages, events = await run(ActionCyberbullying(), make_tracker(topic=topic))
    assert messages[0]["response"] == f"utter_cyberbullying_{topic}"
    assert messages[-1]["text"].startswith("Where to get help:")
    assert events == [SlotSet("topic", None)]


async def test_typed_cyberbullying_gets_the_general_answer_then_the_topic():
    tracker = make_tracker(
        lang="ms", intent="ask_cyberbullying", text="ada orang buat akaun palsu guna nama aku"
    )
    messages, _ = await run(ActionCyberbullying(), tracker)
    assert names(messages)[:2] == ["utter_cyberbullying", "utter_cyberbullying_fake_account"]
    assert len(messages[0]["buttons"]) == 7


@pytest.mark.parametrize(
    ("lang", "text", "topic"),
    [
        ("en", "my friend is being bullied in our class group chat, what can i do", "bystander"),
        ("ms", "kawan baik saya selalu dibuli dalam group kelas", "bystander"),
        ("en", "i was the bully in our group chat and now i feel bad", "i_bullied"),
    ],
)
async def test_a_child_who_is_not_the_target_is_not_told_it_is_not_their_fault(lang, text, topic):
    tracker = make_tracker(lang=lang, intent="ask_cyberbullying", text=text)
    messages, _ = await run(ActionCyberbullying(), tracker)
    assert names(messages)[0] == f"utter_cyberbullying_{topic}"
    assert "utter_cyberbullying" not in names(messages)
    assert not any("never your fault" in (m.get("text") or "") for m in messages)
    assert messages[-1]["text"].startswith(("Where to get help:", "Tempat"))


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        # the words say it: the threats answer first, then the general one, no repeat
        ("they keep threatening me in the group chat", None),
        # the risk signals say it (a person who is a danger), whatever words the topics know
        ("budak2 geng tu dm i, lepas tuition dorg nk belasah i", {"kind": "person"}),
    ],
)
async def test_a_bullied_child_who_is_threatened_hears_999_first(text, risk):
    tracker = make_tracker(intent="ask_cyberbullying", text=text)
    if risk:
        tracker.latest_message["risk"] = risk
    messages, _ = await run(ActionCyberbullying(), tracker)
    assert names(messages)[:2] == ["utter_cyberbullying_threats", "utter_cyberbullying"]
    assert "999" in messages[0]["text"]
    assert names(messages).count("utter_cyberbullying_threats") == 1


async def test_bullying_with_no_threat_does_not_open_with_999():
    tracker = make_tracker(intent="ask_cyberbullying", text="they made a meme of my face")
    tracker.latest_message["risk"] = {"kind": "self_harm"}
    messages, _ = await run(ActionCyberbullying(), tracker)
    assert names(messages)[0] == "utter_cyberbullying"


@pytest.mark.parametrize(
    "text", ["i was bullied a lot at school this year", "i was bullied them all laughed at me"]
)
async def test_a_child_who_was_bullied_is_told_it_is_not_their_fault(text):
    # "I was bullied" is the child being bullied, not the child who bullied.
    tracker = make_tracker(intent="ask_cyberbullying", text=text)
    messages, _ = await run(ActionCyberbullying(), tracker)
    assert names(messages)[0] == "utter_cyberbullying"
    assert "utter_cyberbullying_i_bullied" not in names(messages)
    assert "never your fault" in messages[0]["text"]


async def test_the_school_route_and_the_threats_answer_give_their_ways_to_report():
    school, _ = await run(ActionCyberbullying(), make_tracker(topic="school"))
    assert "014-800 9325" in school[0]["text"] and "Aduan Buli" in school[-1]["text"]
    threats, _ = await run(ActionCyberbullying(), make_tracker(topic="threats"))
    assert (
        threats[0]["text"].startswith("If someone threatens to hurt you")
        and "999" in (threats[0]["text"])
    )


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("how do i know if my son is being groomed", "utter_parent_warning_signs"),
        ("saya ibu, macam mana nak tahu anak saya sedang di-groom", "utter_parent_warning_signs"),
        ("how do i talk to my daughter about online strangers", "utter_parent_how_to_talk"),
        ("cara nak bincang dengan anak pasal orang asing online", "utter_parent_how_to_talk"),
        ("my son just told me a man online asked for photos", "utter_parent_first_hour"),
        ("how can i protect my child online", "utter_parent_menu"),  # no one topic: the menu
    ],
)
async def test_a_parent_asking_in_words_gets_that_answer_not_the_menu(text, response):
    tracker = make_tracker(intent="ask_parent_guidance", text=text, mode="parent")
    messages, _ = await run(ActionParentGuidance(), tracker)
    assert names(messages) == [response]


# --- teachers --------------------------------------------------------------------------------


async def test_a_teacher_gets_the_teacher_menu():
    for tracker in (make_tracker(mode="educator"), make_tracker(topic="teacher")):
        messages, _ = await run(ActionParentGuidance(), tracker)
        assert names(messages) == ["utter_educator_menu"]


@pytest.mark.parametrize(
    ("topic", "response", "needle"),
    [
        ("pupil_discloses", "utter_educator_disclosure", "Don't promise to keep it secret"),
        ("duty", "utter_educator_duty", "Act 792 s.19"),
        ("classroom_ages", "utter_educator_ages", "from 13"),
    ],
)
async def test_teacher_topics(topic, response, needle):
    messages, events = await run(ActionParentGuidance(), make_tracker(topic=topic, lang="en"))
    assert names(messages) == [response] and needle in messages[0]["text"]
    assert events == [SlotSet("topic", None)]


# The answers written first for parents (the age rule, the scam answer, the parents' guide)
# have a teacher's form: a teacher, counsellor or coach is the adult in charge of someone
# else's child, so hears "the child" or "your pupils", never "your child", in the text or on a
# button, in each language.
PUPIL = {"en": "pupil", "ms": "murid", "zh": "学生", "ta": "மாணவ"}


def text_and_buttons(message: dict[str, Any]) -> str:
    return "\n".join([message["text"], *(b.get("title", "") for b in message["buttons"])])


@pytest.mark.parametrize("lang", ["en", "ms", "zh", "ta"])
async def test_a_teacher_is_never_told_your_child_on_the_paths_written_for_parents(lang):
    def teacher(**slots: Any) -> Tracker:
        return make_tracker(mode="educator", lang=lang, **slots)

    replies = []
    for action, intent in ((ActionAgeRule(), "ask_age_rule"), (ActionAcknowledgeAge(), "tell_age")):
        messages, _ = await run(action, teacher(intent=intent))
        assert names(messages) == ["utter_parent_age_rule_educator"]
        replies += messages
    for action, intent in ((ActionOutOfScope(), "out_of_scope"), (ActionReport(), "ask_report")):
        tracker = teacher(intent=intent, text="a pupil gave her TAC code to a caller")
        tracker.latest_message["everyday_answer"] = "utter_scam"
        messages, _ = await run(action, tracker)
        assert names(messages) == ["utter_scam_educator"]
        assert "997" in messages[0]["text"] and THE_CHILD[lang] in messages[0]["text"]
        assert "/disclose_sextortion" in [b["payload"] for b in messages[0]["buttons"]]
        replies += messages
    for topic, response in PARENT_TOPICS.items():
        messages, events = await run(ActionParentGuidance(), teacher(topic=topic))
        assert names(messages) == [f"{response}_educator"]
        assert events == [SlotSet("topic", None)]
        replies += messages
    grooming, _ = await run(ActionGroomingInfo(), teacher(intent="ask_grooming"))
    assert names(grooming) == ["utter_grooming_what_adult", "utter_parent_warning_signs_educator"]
    replies.append(grooming[1])
    for reply in replies:
        shown = text_and_buttons(reply)
        assert not YOUR_CHILD.search(shown), (reply["response"], lang)
        assert THE_CHILD[lang] in shown or PUPIL[lang] in shown, (reply["response"], lang)
        # The teacher's own buttons (a pupil tells, the duty), not the parents' menu.
        payloads = [b["payload"] for b in reply["buttons"]]
        assert '/ask_parent_guidance{"topic":"teacher"}' not in payloads, reply["response"]
    if lang == "en":
        first_hour = next(r for r in replies if r["response"] == "utter_parent_first_hour_educator")
        assert "Don't promise to keep it secret" in first_hour["text"]
        assert "s.19" in first_hour["text"] and "head teacher" in first_hour["text"]
        scam = next(r for r in replies if r["response"] == "utter_scam_educator")
        assert "not the child's fault" in scam["text"] and "tell a parent" not in scam["text"]


@pytest.mark.parametrize(
    ("mode", "form"),
    [(None, ""), ("child", ""), ("parent", ""), ("educator", "_educator")],
)
async def test_only_a_teacher_gets_another_form_of_an_answer_written_for_parents(mode, form):
    """A parent, or anyone who opens the parents' guide, gets it as written; a teacher, the
    teacher's form (for_writer with FOR_EDUCATORS)."""
    tracker = make_tracker(mode=mode)
    assert for_writer(tracker, "utter_parent_age_rule", FOR_EDUCATORS) == (
        f"utter_parent_age_rule{form}"
    )
    for topic, response in PARENT_TOPICS.items():
        messages, _ = await run(ActionParentGuidance(), make_tracker(mode=mode, topic=topic))
        assert names(messages) == [f"{response}{form}"]


def test_the_age_guidance_names_every_classroom_scenario():
    from bot.content.lessons import load_scenarios

    text = NLG.generate_from_slots("utter_educator_ages", {"lang": "en"}, "")["text"]
    for scenario in load_scenarios():
        assert scenario.title["en"] in text, scenario.id
        assert scenario.ages, f"{scenario.id} has no suggested ages"


# --- forgetting says what was deleted --------------------------------------------------------


@pytest.mark.parametrize(
    ("metadata", "response", "needle"),
    [
        ({}, "utter_forgotten", "Telegram app"),
        ({"channel": "web"}, "utter_forgotten_web", "screen"),
    ],
)
async def test_forgetting_says_what_was_deleted_and_what_was_not(metadata, response, needle):
    messages, _ = await run(ActionForgetMe(), make_tracker(metadata=metadata))
    assert names(messages) == [response]
    assert "my copy" in messages[0]["text"] and needle in messages[0]["text"]


# --- Malay: kamu with children, anda with parents and teachers -------------------------------


def test_malay_uses_kamu_with_children_and_anda_with_adults():
    adult = ("parent", "educator", "adult")
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            if variant.get("condition") != MS_CONDITION:
                continue
            text = variant["text"]
            if any(word in name for word in adult):
                assert not re.search(r"\bkamu\b", text), name
            else:
                assert not re.search(r"\banda\b", text), name
            for button in variant.get("buttons") or []:
                assert button["title"] != "Padam gambar", name  # it would mean "delete the photo"


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("i am a teacher and a pupil told me her uncle touches her", "utter_educator_disclosure"),
        ("sebagai guru, adakah saya wajib lapor kepada polis", "utter_educator_duty"),
        ("i'm a teacher, how do i protect my class online", "utter_educator_menu"),
        ("how can i protect my daughter online", "utter_parent_menu"),
    ],
)
async def test_a_teacher_writing_is_answered_as_a_teacher(text, response):
    tracker = make_tracker(intent="ask_parent_guidance", text=text)
    messages, _ = await run(ActionParentGuidance(), tracker)
    assert names(messages) == [response]


@pytest.mark.parametrize(
    ("text", "mode", "response"),
    [
        ("i am a teacher. at what age can my pupils have tiktok?", "educator", "educator"),
        ("saya cikgu, umur berapa murid boleh ada akaun instagram", "educator", "educator"),
        ("what age can my son open a facebook account", "parent", "parent"),
    ],
)
async def test_the_age_for_an_account_asked_on_the_guidance_path_gets_the_age_rule(
    text, mode, response
):
    tracker = make_tracker(intent="ask_parent_guidance", text=text, mode=mode)
    messages, _ = await run(ActionParentGuidance(), tracker)
    rule = "utter_parent_age_rule" + ("_educator" if response == "educator" else "")
    assert names(messages) == [rule]


async def test_an_age_question_about_talking_is_not_the_account_rule():
    text = "what age should i talk to my son about strangers online"
    tracker = make_tracker(intent="ask_parent_guidance", text=text, mode="parent")
    messages, _ = await run(ActionParentGuidance(), tracker)
    assert names(messages) != ["utter_parent_age_rule"]
