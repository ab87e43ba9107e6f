"""Information answers: grooming, the law, reporting, cyberbullying, helplines, parents and
teachers. Most end with referrals; a `topic` (actions/topics.py) picks a finer answer."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.age import answer_age_rule
from actions.common import (
    FOR_EDUCATORS,
    for_writer,
    is_adult_helper,
    send_referrals,
    user_mode,
)
from actions.menu import everyday_answer
from actions.safety import crisis_kind
from actions.topics import button_topic, clear_topic, words_topic

# The age for an account, read from the words on the parents' or teachers' path: the age rule.
AGE_RULE_TOPIC = "age_rule"
# Parent guidance topics (the `topic` entity of the parent menu's buttons) and their answers,
# written to parents; a teacher gets each one's `_educator` form (for_writer, FOR_EDUCATORS).
PARENT_TOPICS = {
    "warning_signs": "utter_parent_warning_signs",
    "how_to_talk": "utter_parent_how_to_talk",
    "first_hour": "utter_parent_first_hour",
}
PARENT_HELP_TOPIC = "help"
# Teachers: the menu (`teacher`, or any guidance question in educator mode) and its answers.
EDUCATOR_MENU_TOPIC = "teacher"
EDUCATOR_TOPICS = {
    "pupil_discloses": "utter_educator_disclosure",
    "duty": "utter_educator_duty",
    "classroom_ages": "utter_educator_ages",
}
REPORT_TOPICS = ("telegram", "after")
# The safety net's everyday answers a reporting question may get instead of the reporting
# steps: a scam or a hacked account ("he wants rm40 to give my account back, how do I report").
REPORT_ANSWERS = frozenset({"utter_scam"})
CYBERBULLYING_TOPICS = (
    "bystander",
    "i_bullied",
    "fake_account",
    "doxxing",
    "school",
    "threats",
    "law",
)


class ActionGroomingInfo(Action):
    """What grooming is and its warning signs; grooming through games (credits, voice chat,
    reporting in the game) when a button or the words ask for it. A parent or teacher gets
    the same told about a child, and the signs an adult can see."""

    def name(self) -> str:
        return "action_grooming_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        button = button_topic(tracker)
        if button == "games":
            dispatcher.utter_message(response="utter_grooming_games")
            return clear_topic(tracker)
        if is_adult_helper(tracker) and words_topic(tracker, "grooming") != "games":
            # A parent or teacher asking about a child: told about the child, and the signs
            # an adult can see, not "you" and "tell an adult you trust".
            dispatcher.utter_message(response="utter_grooming_what_adult")
            signs = for_writer(tracker, PARENT_TOPICS["warning_signs"], FOR_EDUCATORS)
            dispatcher.utter_message(response=signs)
            return clear_topic(tracker)
        dispatcher.utter_message(response="utter_grooming_what")
        if words_topic(tracker, "grooming") == "games":
            dispatcher.utter_message(response="utter_grooming_games")
        else:
            dispatcher.utter_message(response="utter_grooming_signs")
        return clear_topic(tracker)


class ActionLaw(Action):
    """The law for a child starts with "if it is a picture of you, you are the victim" and
    leads with no duty or penalty; parents and teachers get the duties and penalties too.
    Fake (AI-made) pictures and bullying have their own answers."""

    def name(self) -> str:
        return "action_law"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        topic = button_topic(tracker) or words_topic(tracker, "law")
        if topic == "deepfake":
            dispatcher.utter_message(response="utter_deepfake")
        elif topic == "bullying":
            dispatcher.utter_message(response="utter_cyberbullying_law")
        elif is_adult_helper(tracker):
            dispatcher.utter_message(response="utter_law_adult")
        else:
            dispatcher.utter_message(response="utter_law")
        return clear_topic(tracker)


class ActionReport(Action):
    """How to report; a scam or a hacked account the safety net read gets the scam answer
    (997, Cyber999, not your fault, a button to the sextortion path) instead."""

    def name(self) -> str:
        return "action_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        scam = everyday_answer(tracker, REPORT_ANSWERS)
        if scam:
            dispatcher.utter_message(response=scam)
            return clear_topic(tracker)
        topic = button_topic(tracker) or words_topic(tracker, "report")
        if topic == "after":
            dispatcher.utter_message(response=for_writer(tracker, "utter_report_after"))
        elif topic == "telegram":
            dispatcher.utter_message(response="utter_report_telegram")
        else:
            dispatcher.utter_message(response="utter_report_how")
        send_referrals(dispatcher, tracker, "report")
        return clear_topic(tracker)


# Typed topics whose writer is not the one being bullied.
NOT_THE_TARGET = frozenset({"bystander", "i_bullied"})


class ActionCyberbullying(Action):
    def name(self) -> str:
        return "action_cyberbullying"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        button = button_topic(tracker)
        if button in CYBERBULLYING_TOPICS:
            dispatcher.utter_message(response=f"utter_cyberbullying_{button}")
        else:
            # A typed message gets the general answer (with the topic buttons), then the topic.
            # The general answer speaks to the child being bullied ("never your fault"), so a
            # child telling about a friend, or who did the bullying, gets their own answer only.
            # A threat to hurt the child, or to come for them, is answered first, with 999:
            # read from the words, or from the risk signals of a person who is a danger (a
            # weapon, the address posted, being followed: the crisis reply's `person` kind).
            typed = words_topic(tracker, "cyberbullying")
            if typed == "threats" or crisis_kind(tracker) == "person":
                dispatcher.utter_message(response="utter_cyberbullying_threats")
            if typed not in NOT_THE_TARGET:
                dispatcher.utter_message(response="utter_cyberbullying")
            if typed and typed != "threats":
                dispatcher.utter_message(response=f"utter_cyberbullying_{typed}")
        send_referrals(dispatcher, tracker, "cyberbullying")
        return clear_topic(tracker)


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
    """Answers the topic a parent or teacher picked (the `topic` slot), or offers the topics.

    Teachers (educator mode, or the parent menu's "For teachers") get their own menu: what to
    do when a pupil tells, the duty to tell the police, and ages for the classroom scenarios;
    in educator mode the parents' topics are told about pupils, not "your child".
    The slot is cleared after answering so that a later "how do I protect my child" shows the
    topic buttons again instead of repeating the last answer.
    """

    def name(self) -> str:
        return "action_parent_guidance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        topic = tracker.get_slot("topic") or words_topic(tracker, "guidance")
        if topic == AGE_RULE_TOPIC:  # "at what age can my pupils have tiktok?"
            answer_age_rule(dispatcher, tracker, asked=True)
        elif topic in PARENT_TOPICS:
            answer = for_writer(tracker, PARENT_TOPICS[topic], FOR_EDUCATORS)
            dispatcher.utter_message(response=answer)
        elif topic in EDUCATOR_TOPICS:
            dispatcher.utter_message(response=EDUCATOR_TOPICS[topic])
        elif topic == PARENT_HELP_TOPIC:
            send_referrals(dispatcher, tracker, "parent")
        elif topic == EDUCATOR_MENU_TOPIC or user_mode(tracker) == "educator":
            dispatcher.utter_message(response="utter_educator_menu")
        else:
            dispatcher.utter_message(response="utter_parent_menu")
        return clear_topic(tracker)
