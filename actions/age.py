"""Acknowledging the age a user tells us (the `age` slot, from components.age.AgeExtractor)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import user_age

UNDER_13 = 13


class ActionAcknowledgeAge(Action):
    """Under 13: kind, no lecture, a trusted adult and two helplines. Otherwise: thanks."""

    def name(self) -> str:
        return "action_acknowledge_age"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        age = user_age(tracker)
        if age is not None and age < UNDER_13:
            dispatcher.utter_message(response="utter_age_under13")
        else:
            dispatcher.utter_message(response="utter_age_thanks")
        return []
