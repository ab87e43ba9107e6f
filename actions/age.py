"""The user's age (the `age` slot, from components.age.AgeExtractor) and the age rule.

Since 1 June 2026 MCMC's Child Protection Code lets only people aged 16 and over hold an
account on licensed social-media platforms in Malaysia (knowledge
child_protection_code_under16). So a child under 16 is never told to make or keep an account
anywhere: Jaga helps them all the same, points to an adult they feel safe with, Talian Kasih
15999 and Buddy Bear, and to the web chat, which needs no account. Parents get the rule itself
and what it means for their child's accounts; teachers, counsellors and coaches get the same
told about their pupils (actions.common.for_writer).
"""

from __future__ import annotations

import os
from typing import Any, Dict, List
from urllib.parse import urlparse

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import FOR_EDUCATORS, for_writer, is_adult_helper, user_age, user_lang
from actions.menu import not_understood

# knowledge child_protection_code_under16: accounts on licensed social-media platforms from 16.
ACCOUNT_AGE = 16
# zh/ta: not yet reviewed by a native speaker (docs/translations.md).
WEB_CHAT_BUTTON = {
    "en": "Jaga web chat",
    "ms": "Chat web Jaga",
    "zh": "Jaga 网页聊天",
    "ta": "Jaga இணைய chat",
}
# The "For parents" button of utter_age_rule: the parents' answer once, without making the
# user a parent for the rest of the conversation (a child may tap it out of curiosity).
PARENTS_TOPIC = "parents"


def web_chat_url() -> str | None:
    """The public web chat (WEB_PUBLIC_URL), when this deployment has one."""
    url = (os.environ.get("WEB_PUBLIC_URL") or "").strip()
    parsed = urlparse(url)
    return url if parsed.scheme in ("http", "https") and parsed.netloc else None


def on_web_chat(tracker: Tracker) -> bool:
    """Whether the latest message came through the web chat (its metadata says so)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return ((event.get("metadata") or {}).get("channel")) == "web"
    return False


def send_no_account_help(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The web chat needs no account: say so where the child is, with a link from elsewhere."""
    if on_web_chat(tracker):
        dispatcher.utter_message(response="utter_age_web_chat_here")
        return
    url = web_chat_url()
    if url:
        button = {"title": WEB_CHAT_BUTTON[user_lang(tracker)], "url": url}
        dispatcher.utter_message(response="utter_age_web_chat", buttons=[button])


def answer_age_rule(dispatcher: CollectingDispatcher, tracker: Tracker, *, asked: bool) -> None:
    """Parents get the rule (teachers, as it concerns their pupils); a child under 16 gets
    help without an account; others thanks.

    `asked`: the user asked about the rule (ask_age_rule), rather than telling their age.
    """
    if is_adult_helper(tracker) or (asked and tracker.get_slot("topic") == PARENTS_TOPIC):
        # A parent, or a child who tapped "For parents": the parents' answer; a teacher, the
        # same told about pupils ("the child", never "your child").
        answer = for_writer(tracker, "utter_parent_age_rule", FOR_EDUCATORS)
        dispatcher.utter_message(response=answer)
        return
    age = user_age(tracker)
    under_16 = age is not None and age < ACCOUNT_AGE
    if not asked and age is None:
        # "Telling an age" with no age in it is a message Jaga misread: answer as not
        # understood (the menu and the helplines), never "thanks for telling me".
        not_understood(dispatcher, tracker)
        return
    if asked:
        dispatcher.utter_message(response="utter_age_rule")
    elif under_16:
        dispatcher.utter_message(response="utter_age_under16")
    else:
        dispatcher.utter_message(response="utter_age_thanks")
        return
    if under_16 or age is None:
        send_no_account_help(dispatcher, tracker)


class ActionAcknowledgeAge(Action):
    """Under 16: kind, no lecture, an adult they feel safe with, two helplines, the web chat.
    A parent or teacher telling a child's age: the rule. Otherwise: thanks."""

    def name(self) -> str:
        return "action_acknowledge_age"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        answer_age_rule(dispatcher, tracker, asked=False)
        return []


class ActionAgeRule(Action):
    """ "How old must you be for TikTok?", "can my 12 year old have Telegram?"."""

    def name(self) -> str:
        return "action_age_rule"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        answer_age_rule(dispatcher, tracker, asked=True)
        return [SlotSet("topic", None)] if tracker.get_slot("topic") is not None else []
