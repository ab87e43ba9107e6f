"""Dialogue policy: acts on the risk level of the conversation so far (components/risk.py).

- A message at `concern` whose intent is not a safety intent gets the kind check-in
  (`action_risk_check_in`: "Are you safe right now?" with 15999 in the same bubble).
- Earlier distress in the conversation raises a farewell or "that's it" to the check-in, and a
  second worrying message to the crisis reply.
- Otherwise it says nothing and the rules answer. Safety intents keep their own replies, whose
  first bubble already gives 999 and 15999.

Its priority is above RulePolicy's, so on a tie its prediction wins; after its own action it
predicts `action_listen`, so a turn never runs into the core fallback.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from components.risk import CHECK_IN_ACTION, CRISIS_ACTION, SAFETY_INTENTS, conversation_level

RULE_POLICY_PRIORITY = 6  # rasa.core.constants.RULE_POLICY_PRIORITY


def _user_turns(tracker: DialogueStateTracker) -> List[UserUttered]:
    """The user messages of the current session, oldest first."""
    turns: List[UserUttered] = []
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted) and event.action_name == "action_session_start":
            break
        if isinstance(event, UserUttered):
            turns.append(event)
    return list(reversed(turns))


def decide(tracker: DialogueStateTracker) -> str | None:
    """The action this policy takes for the latest user message, or None to stay silent."""
    turns = _user_turns(tracker)
    if not turns:
        return None
    latest = turns[-1]
    text = latest.text or ""
    intent = (latest.intent or {}).get("name")
    if text.startswith("/") or intent in SAFETY_INTENTS:
        return None  # a button's own path, or a safety intent's own reply
    earlier = [(t.parse_data or {}).get("risk") or {} for t in turns[:-1]]
    # A safety intent earlier in the conversation counts as earlier distress too.
    earlier += [
        {"level": "danger"} for t in turns[:-1] if (t.intent or {}).get("name") in SAFETY_INTENTS
    ]
    level = conversation_level((latest.parse_data or {}).get("risk"), intent, earlier)
    if level == "danger":
        return CRISIS_ACTION
    if level == "concern":
        return CHECK_IN_ACTION
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class RiskPolicy(Policy):
    """Answers worrying messages with the check-in or the crisis reply; silent otherwise."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"priority": RULE_POLICY_PRIORITY + 1}

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource  # nothing to learn: the levels live in components/risk.yml

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = decide(tracker)
        if action is not None:
            latest = tracker.latest_action_name
            target = action if latest == ACTION_LISTEN_NAME else None
            if latest == action:
                target = ACTION_LISTEN_NAME  # our action ran: wait for the user
            if target is not None and target in domain.action_names_or_texts:
                probabilities[domain.index_for_action(target)] = 1.0
        return self._prediction(probabilities)
