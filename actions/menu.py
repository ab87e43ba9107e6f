"""Switching language."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import for_writer
from actions.safety import when_buddy_bear_closed

LANGUAGES = ("en", "ms", "zh", "ta")


class ActionChangeLanguage(Action):
    """Confirms the language the user named; asks with two buttons when none was named.

    The `lang` slot is already filled from the `lang` entity when this runs, so Rasa renders
    the confirmation in the new language.
    """

    def name(self) -> str:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        requested = [v for v in tracker.get_latest_entity_values("lang") if v in LANGUAGES]
        if not requested:
            dispatcher.utter_message(response="utter_ask_language")
            return []
        dispatcher.utter_message(response="utter_language_changed")
        return [SlotSet("lang", requested[-1])]


def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The reply to a message Jaga could not make sense of: the menu and the helplines, or,
    for a script it cannot read, a short note in several languages."""
    unreadable = (tracker.latest_message or {}).get("unreadable")
    response = "utter_unreadable" if unreadable else "utter_default"
    dispatcher.utter_message(response=when_buddy_bear_closed(response))


class ActionFallback(Action):
    """Jaga did not understand. A message in a script it cannot read (Arabic, Thai, Korean...)
    gets a short note in several languages that says what Jaga reads and gives the helplines;
    anything else gets the menu and the helplines. Between midnight and noon the texts show
    Buddy Bear as closed, with the time it opens."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        not_understood(dispatcher, tracker)
        return []


# The everyday answers the safety net may name for a message (`answer:` of a guard in
# components/safety_patterns.yml); anything else gets the ordinary out-of-scope reply.
EVERYDAY_ANSWERS = frozenset({"utter_scam", "utter_family_photo"})
# The everyday answers with a form for an adult writing about a child: `<answer>_parent` for a
# parent or carer, `<answer>_educator` for a teacher, counsellor or coach (for_writer).
WRITER_ANSWERS = frozenset({"utter_scam"})


class ActionOutOfScope(Action):
    """An everyday message. When the safety net read it as a scam or a hacked account with no
    picture, or as a family's baby or bath photo (it sets `everyday_answer`), the answer for
    that (the scam answer in a parent's or a teacher's words when one writes); otherwise the
    ordinary reply that keeps 15999 and 999 in its first bubble."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(response=everyday_answer(tracker) or "utter_out_of_scope")
        return []


def everyday_answer(tracker: Tracker, allowed: frozenset[str] = EVERYDAY_ANSWERS) -> str | None:
    """The answer the safety net named for the latest message (`everyday_answer`), if the
    caller gives that answer, in a parent's or a teacher's words when one writes; else None."""
    answer = (tracker.latest_message or {}).get("everyday_answer")
    if answer not in allowed:
        return None
    if answer in WRITER_ANSWERS:
        return for_writer(tracker, str(answer))  # a parent or a teacher asks about a child
    return str(answer)
