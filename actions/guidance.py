"""Information answers that end with referrals: reporting, cyberbullying, helplines, parents."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import send_referrals

# Parent guidance topics (the `topic` entity of the parent menu's buttons) and their answers.
PARENT_TOPICS = {
    "warning_signs": "utter_parent_warning_signs",
    "how_to_talk": "utter_parent_how_to_talk",
    "first_hour": "utter_parent_first_hour",
}
PARENT_HELP_TOPIC = "help"


class ActionReport(Action):
    def name(self) -> str:
        return "action_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(response="utter_report_how")
        send_referrals(dispatcher, tracker, "report")
        return []


class ActionCyberbullying(Action):
    def name(self) -> str:
        return "action_cyberbullying"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(response="utter_cyberbullying")
        send_referrals(dispatcher, tracker, "cyberbullying")
        return []


class ActionHelpline(Action):
    def name(self) -> str:
        return "action_helpline"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(response="utter_helpline_intro")
        send_referrals(dispatcher, tracker, "helpline")
        return []


class ActionParentGuidance(Action):
    """Answers the topic a parent picked (the `topic` slot), or offers the topics.

    The slot is cleared after answering so that a later "how do I protect my child" shows the
    topic buttons again instead of repeating the last answer.
    """

    def name(self) -> str:
        return "action_parent_guidance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        topic = tracker.get_slot("topic")
        if topic in PARENT_TOPICS:
            dispatcher.utter_message(response=PARENT_TOPICS[topic])
        elif topic == PARENT_HELP_TOPIC:
            send_referrals(dispatcher, tracker, "parent")
        else:
            dispatcher.utter_message(response="utter_parent_menu")
        return [SlotSet("topic", None)] if topic is not None else []
