"""Safety dialogues: crisis, sextortion, grooming disclosures, abuse content, image removal.

Order matters in every one of them: help or reassurance comes first, questions later, and no
reply ever asks for personal details or pictures.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import is_adult_helper, is_under_18, send_referrals

# Shown in full in utter_crisis_help, so the crisis referral bubble leaves them out.
CRISIS_FIRST_LINE = ("police", "talian_kasih", "buddy_bear")


class ActionCrisis(Action):
    """Emergency numbers first, before any question; then stay with the user."""

    def name(self) -> str:
        return "action_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        # Buddy Bear is for under-18s: leave it out only when we know the user is an adult.
        adult = is_under_18(tracker) is False
        dispatcher.utter_message(
            response="utter_crisis_help_adult" if adult else "utter_crisis_help"
        )
        send_referrals(dispatcher, tracker, "crisis", exclude=CRISIS_FIRST_LINE)
        dispatcher.utter_message(response="utter_crisis_stay")
        return []


class ActionSextortion(Action):
    """Reassurance, the first-hour checklist, a fake-helper warning, image removal, referrals."""

    def name(self) -> str:
        return "action_sextortion"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        parent = "_parent" if is_adult_helper(tracker) else ""  # a parent writes for a child
        dispatcher.utter_message(response=f"utter_sextortion_reassure{parent}")
        dispatcher.utter_message(response=f"utter_sextortion_steps{parent}")
        dispatcher.utter_message(response="utter_sextortion_fake_helpers")
        dispatcher.utter_message(response=image_removal_response(tracker))
        send_referrals(dispatcher, tracker, "sextortion")
        return []


class ActionDiscloseGrooming(Action):
    """Brief reassurance, then "are you safe right now?" with Yes (/affirm) and No (/deny).

    The answer is handled by rules conditioned on this action (stories/rules.yml).
    """

    def name(self) -> str:
        return "action_disclose_grooming"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        if is_adult_helper(tracker):
            dispatcher.utter_message(response="utter_grooming_reassure_parent")
            dispatcher.utter_message(response="utter_ask_safe_now_parent")
        else:
            dispatcher.utter_message(response="utter_grooming_reassure")
            dispatcher.utter_message(response="utter_ask_safe_now")
        return []


class ActionGroomingNextSteps(Action):
    """After "yes, I'm safe": what to do now, then referrals."""

    def name(self) -> str:
        return "action_grooming_next_steps"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        parent = is_adult_helper(tracker)
        dispatcher.utter_message(
            response="utter_grooming_steps_parent" if parent else "utter_grooming_steps"
        )
        send_referrals(dispatcher, tracker, "grooming")
        return []


class ActionReportAbuseContent(Action):
    """Never open, save or forward abuse material, even as evidence; keep the link; report."""

    def name(self) -> str:
        return "action_report_abuse_content"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(response="utter_abuse_content_dont_share")
        dispatcher.utter_message(response="utter_abuse_content_steps")
        send_referrals(dispatcher, tracker, "abuse_content")
        return []


class ActionImageRemoval(Action):
    """Which removal tool fits (by age in the picture), then referrals."""

    def name(self) -> str:
        return "action_image_removal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(response="utter_image_removal_intro")
        dispatcher.utter_message(response=image_removal_response(tracker))
        send_referrals(dispatcher, tracker, "image_removal")
        return []


def image_removal_response(tracker: Tracker) -> str:
    """Take It Down alone for a known under-18; otherwise explain both tools by age.

    An adult may want a picture removed that was taken before they turned 18, so adults and
    unknown ages get both options.
    """
    return "utter_image_removal_under18" if is_under_18(tracker) else "utter_image_removal_any_age"
