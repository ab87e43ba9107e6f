"""The start of a conversation (Rasa's `action_session_start`, run before the first message
of a new conversation and after `session_expiration_time` of silence, domain.yml).

It does what Rasa's own session start does (`SessionStarted`, the slots carried over) and
records two facts in the tracker, so that every front end and every Rasa replica sees them:

- the privacy card is owed (`privacy_card_owed`): it is shown once per conversation, on the
  first calm turn, never before or inside a safety reply (help first). This action cannot know
  whether the first message is urgent (it runs before the message is understood), so the turn
  that answers a calm message sends the card (`bot.rasa_adapter.runtime.handle_turn`);
- the language the front end suggests (a UI switch, Telegram's language_code, a /start
  payload), sent in the message metadata as `lang`.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

PRIVACY_CARD_SLOT = "privacy_card_owed"
LANG_HINT = "lang"  # the metadata key of the front end's language hint
LANGUAGES = ("en", "ms", "zh", "ta")


def language_hint(metadata: Any) -> str | None:
    """The language a front end suggests in a message's metadata, if it is one Jaga speaks."""
    hint = metadata.get(LANG_HINT) if isinstance(metadata, dict) else None
    return hint if hint in LANGUAGES else None


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        events: List[Dict[str, Any]] = [SessionStarted()]
        session_config = domain.get("session_config") or {}
        if session_config.get("carry_over_slots_to_new_session", True):
            events.extend(
                SlotSet(name, value)
                for name, value in tracker.slots.items()
                if value is not None and name != PRIVACY_CARD_SLOT
            )
        hint = language_hint(tracker.get_slot("session_started_metadata"))
        if hint:
            events.append(SlotSet("lang", hint))
        events.append(SlotSet(PRIVACY_CARD_SLOT, True))
        events.append(ActionExecuted("action_listen"))
        return events
