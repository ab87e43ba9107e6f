"""Helpers every action module shares: the user's language, age and mode, and referrals."""

from __future__ import annotations

from typing import Any, Iterable

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.referrals import ADULT_MODES, ALL_LANGS, render_referrals

# zh/ta: not yet reviewed by a native speaker (docs/translations.md).
MENU_BUTTON = {"en": "Menu", "ms": "Menu", "zh": "菜单", "ta": "மெனு"}


def user_lang(tracker: Tracker) -> str:
    """The conversation's language (`lang` slot): en, ms, zh or ta; en when unset."""
    lang = tracker.get_slot("lang")
    return lang if lang in ALL_LANGS else "en"


def user_age(tracker: Tracker) -> float | None:
    """The user's own age from the `age` slot, or None when unknown or nonsense."""
    value: Any = tracker.get_slot("age")
    try:
        age = float(value)
    except (TypeError, ValueError):
        return None
    return age if 0 < age < 120 else None


def user_mode(tracker: Tracker) -> str | None:
    return tracker.get_slot("mode")


def is_adult_helper(tracker: Tracker) -> bool:
    """A parent or educator asking about a child."""
    return user_mode(tracker) in ADULT_MODES


# The writers an answer written for parents in the first place (the parents' guide, the age
# rule for adults) has another form for: a teacher, counsellor or coach, who is not the parent.
FOR_EDUCATORS = ("educator",)


def for_writer(tracker: Tracker, response: str, forms: tuple[str, ...] = ADULT_MODES) -> str:
    """`response` as said to whoever is writing: `<response>_educator` to a teacher, counsellor
    or coach, `<response>_parent` to a parent, `response` itself to a child.

    `forms`: the writers `response` has a form of its own for; anyone else gets `response`
    itself. An answer written for parents names only FOR_EDUCATORS: a parent, or a child who
    asked for the parents' answer, gets it as it is, and a teacher gets `<response>_educator`.
    """
    mode = user_mode(tracker)
    return f"{response}_{mode}" if mode in ADULT_MODES and mode in forms else response


def is_under_18(tracker: Tracker) -> bool | None:
    """True or False when the user's age is known (and they are not a parent), else None."""
    age = user_age(tracker)
    if age is None or is_adult_helper(tracker):
        return None
    return age < 18


def send_referrals(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    topic: str,
    exclude: Iterable[str] = (),
) -> None:
    """One bubble with the topic's referrals, their URL buttons and a Menu button."""
    lang = user_lang(tracker)
    text, buttons = render_referrals(
        topic, lang, user_age(tracker), user_mode(tracker), exclude=exclude
    )
    buttons = buttons + [{"title": MENU_BUTTON[lang], "payload": "/ask_help_menu"}]
    dispatcher.utter_message(text=text, buttons=buttons)
