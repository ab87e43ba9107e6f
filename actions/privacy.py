"""Deleting the conversation on request (/forget, "padam chat saya")."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, Restarted
from rasa_sdk.executor import CollectingDispatcher


class ActionForgetMe(Action):
    """Confirms, then resets every slot and restarts the conversation.

    The front end also deletes the stored tracker; these events make Rasa forget it too. The
    confirmation says what was deleted (Jaga's copy) and what was not: the chat still shows in
    the user's Telegram app, or on the web page, until they clear it there.
    """

    def name(self) -> str:
        return "action_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        metadata = (tracker.latest_message or {}).get("metadata") or {}
        web = metadata.get("channel") == "web"
        dispatcher.utter_message(response="utter_forgotten_web" if web else "utter_forgotten")
        return [AllSlotsReset(), Restarted()]
