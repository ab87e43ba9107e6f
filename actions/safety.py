"""Safety dialogues: crisis, sextortion, grooming disclosures, abuse content, image removal.

Order matters in every one of them: help or reassurance comes first, questions later, and no
reply ever asks for personal details or pictures.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import for_writer, is_adult_helper, is_under_18, send_referrals
from actions.referrals import service_open
from actions.topics import button_topic, clear_topic, words_topic

# Shown in full in utter_crisis_help, so the crisis referral bubble leaves them out.
CRISIS_FIRST_LINE = ("police", "talian_kasih", "buddy_bear")


CRISIS_KINDS = ("self_harm", "person", "home")

# Finer answers a button or the words can ask for (actions/topics.py).
SEXTORTION_TOPICS = ("paid", "peer", "payment", "video_call")
IMAGE_TOPICS = ("deepfake",)
ABUSE_CONTENT_TOPICS = ("i_shared",)


def when_buddy_bear_closed(response: str) -> str:
    """`<response>_night` while Buddy Bear (noon to midnight, Malaysian time) is closed: those
    texts show it as closed, with the time it opens, after the lines that answer now."""
    return response if service_open("buddy_bear") else f"{response}_night"


def crisis_kind(tracker: Tracker) -> str | None:
    """Which crisis this is: a check-in button says so, else the risk signals (components/risk)."""
    latest = tracker.latest_message or {}
    for entity in latest.get("entities") or []:
        if entity.get("entity") == "crisis_kind" and entity.get("value") in CRISIS_KINDS:
            return entity["value"]
    kind = (latest.get("risk") or {}).get("kind")
    return kind if kind in CRISIS_KINDS else None


class ActionCrisis(Action):
    """Emergency numbers first, before any question; then stay with the user.

    The first bubble fits the situation: self-harm (acknowledge, the lines that listen, then ask
    directly), a dangerous person (999, don't go), abuse at home (an adult you feel safe with,
    not necessarily a parent), or a parent, or a teacher, reporting a child in danger.
    """

    def name(self) -> str:
        return "action_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        kind = crisis_kind(tracker)
        if is_adult_helper(tracker):
            first = for_writer(tracker, "utter_crisis")
        elif kind is not None:
            first = f"utter_crisis_{kind}"
        elif is_under_18(tracker) is False:
            # Buddy Bear is for under-18s: leave it out only when we know the user is an adult.
            first = "utter_crisis_help_adult"
        else:
            first = when_buddy_bear_closed("utter_crisis_help")
        dispatcher.utter_message(response=first)
        topic = f"crisis_{kind}" if kind is not None else "crisis"
        send_referrals(dispatcher, tracker, topic, exclude=CRISIS_FIRST_LINE)
        adult = is_adult_helper(tracker)
        if not adult:  # "go to an adult you feel safe with" is for the child, not the parent
            dispatcher.utter_message(response="utter_crisis_stay")
        asked = kind == "self_harm" and not adult
        if asked:
            dispatcher.utter_message(response="utter_crisis_ask_direct")
        return [SlotSet("asked_self_harm", asked)]


class ActionCrisisAnswer(Action):
    """A "yes" or "no" right after the crisis reply. Only a reply that asked "are you thinking
    about ending your life?" gets the answer to that question; after danger from a person or
    abuse at home, a "yes" ("yes I'm scared") must not be read as a plan to act on."""

    def name(self) -> str:
        return "action_crisis_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        said_yes = (tracker.latest_message.get("intent") or {}).get("name") == "affirm"
        if tracker.get_slot("asked_self_harm"):
            response = "utter_crisis_yes" if said_yes else "utter_crisis_no"
        else:
            response = "utter_crisis_yes_other" if said_yes else "utter_crisis_no_other"
        dispatcher.utter_message(response=response)
        return [SlotSet("asked_self_harm", False)]


class ActionRiskCheckIn(Action):
    """A message that worries us but is not clearly a crisis (components/risk.yml `concern`):
    ask kindly whether they are safe and thinking of self-harm, with 15999 in the same bubble."""

    def name(self) -> str:
        return "action_risk_check_in"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(response="utter_risk_check_in")
        return []


class ActionSextortion(Action):
    """Reassurance, the first-hour checklist, a fake-helper warning, image removal, referrals.

    A child's button ("I already paid", "it's someone I know", "gift cards or credits", "it was
    a video call") gets that answer, whose opening bubble gives 999 and 15999, then the
    referrals. The same words in a typed disclosure add that answer, without its opening (the
    reassurance just said it), after the reassurance.
    """

    def name(self) -> str:
        return "action_sextortion"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        adult = is_adult_helper(tracker)  # a parent or teacher writes for a child
        button = button_topic(tracker)
        if button in SEXTORTION_TOPICS and not adult:
            # Its own opening first: not their fault, 999 and 15999; then the answer.
            dispatcher.utter_message(response=f"utter_sextortion_{button}_opening")
            dispatcher.utter_message(response=f"utter_sextortion_{button}")
            send_referrals(dispatcher, tracker, "sextortion")
            return clear_topic(tracker)
        dispatcher.utter_message(response=for_writer(tracker, "utter_sextortion_reassure"))
        typed = None if adult else words_topic(tracker, "sextortion")
        if typed:  # after the reassurance, which already says it: the answer without its opening
            dispatcher.utter_message(response=f"utter_sextortion_{typed}")
        dispatcher.utter_message(response=for_writer(tracker, "utter_sextortion_steps"))
        dispatcher.utter_message(response="utter_sextortion_fake_helpers")
        dispatcher.utter_message(response=image_removal_response(tracker))
        send_referrals(dispatcher, tracker, "sextortion")
        return clear_topic(tracker)


class ActionDiscloseGrooming(Action):
    """Brief reassurance, then "are you safe right now?" with Yes (/affirm) and No (/deny).

    The answer is handled by rules conditioned on this action (stories/rules.yml).
    """

    def name(self) -> str:
        return "action_disclose_grooming"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(response=for_writer(tracker, "utter_grooming_reassure"))
        dispatcher.utter_message(response=for_writer(tracker, "utter_ask_safe_now"))
        return []


class ActionGroomingNextSteps(Action):
    """After "yes, I'm safe": what to do now, then referrals."""

    def name(self) -> str:
        return "action_grooming_next_steps"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(response=for_writer(tracker, "utter_grooming_steps"))
        send_referrals(dispatcher, tracker, "grooming")
        return []


class ActionReportAbuseContent(Action):
    """Never open, save or forward abuse material, even as evidence; keep the link; report.

    A child who says they sent someone's picture on ("I shared it") gets what to do now, with
    999 and 15999 first, instead of the reporting steps.
    """

    def name(self) -> str:
        return "action_report_abuse_content"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        topic = button_topic(tracker) or words_topic(tracker, "abuse_content")
        if topic in ABUSE_CONTENT_TOPICS:
            dispatcher.utter_message(response=f"utter_abuse_content_{topic}")
        else:
            dispatcher.utter_message(response="utter_abuse_content_dont_share")
            dispatcher.utter_message(response="utter_abuse_content_steps")
        send_referrals(dispatcher, tracker, "abuse_content")
        return clear_topic(tracker)


class ActionImageRemoval(Action):
    """Which removal tool fits (by age in the picture), then referrals; a fake (AI-made or
    edited) picture gets what can be done about it and what the law says."""

    def name(self) -> str:
        return "action_image_removal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        topic = button_topic(tracker) or words_topic(tracker, "image_removal")
        if topic not in IMAGE_TOPICS:
            dispatcher.utter_message(response="utter_image_removal_intro")
        if topic == "deepfake":
            dispatcher.utter_message(response="utter_deepfake")
        else:
            dispatcher.utter_message(response=image_removal_response(tracker))
        send_referrals(dispatcher, tracker, "image_removal")
        return clear_topic(tracker)


def image_removal_response(tracker: Tracker) -> str:
    """Take It Down alone for a known under-18; otherwise explain both tools by age.

    An adult may want a picture removed that was taken before they turned 18, so adults and
    unknown ages get both options.
    """
    return "utter_image_removal_under18" if is_under_18(tracker) else "utter_image_removal_any_age"
