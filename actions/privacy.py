"""Deleting the conversation on request (/forget, "padam chat saya")."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, Restarted
from rasa_sdk.executor import CollectingDispatcher


class ActionForgetMe(Action):
    """Confirms, then resets every slot and restarts the conversation.

    The front end also deletes the stored tracker; these events make Rasa forget it too.
    """

    def name(self) -> str:
        return "action_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(response="utter_forgotten")
        return [AllSlotsReset(), Restarted()]
