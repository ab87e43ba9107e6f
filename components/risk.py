"""How worried should Jaga be? One risk level for a message and for the conversation so far.

The top intent alone is a poor guide to danger: a child who writes "gave my cat to my cousin,
won't need to feed her after tonight" may get a top intent of `out_of_scope` with a third of the
probability on `crisis`. Here the whole intent ranking, the safety net's match and a few signals
of a method, a place, a time, a farewell or someone dangerous nearby (components/risk.yml) are
combined into one score and one level: none, concern or danger.

- `RiskScorer` (NLU, after the safety net) adds `risk` to the parse result and raises a message
  at `danger` to `crisis`. It never lowers a safety intent.
- `RiskPolicy` (dialogue) answers a message at `concern` with a kind check-in
  (`action_risk_check_in`, 15999 in the same bubble), and raises a farewell or "that's it" after
  earlier distress in the conversation. It stays silent otherwise, so the rules answer.

`assess(text, ranking, net_category)` and `conversation_level(...)` are pure functions: tests and
`make eval` use them without Rasa.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence, Tuple

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from components.base import MessageRule, raise_intent, typed_text
from components.intents import SAFETY_INTENTS
from components.spelling import respell
from components.text import normalise

RISK_FILE = Path(__file__).with_name("risk.yml")
LEVELS = ("none", "concern", "danger")
CHECK_IN_ACTION = "action_risk_check_in"
CRISIS_ACTION = "action_crisis"


class RiskConfigError(ValueError):
    """components/risk.yml is malformed: the message says where."""


def _guard_source(guard_id: str) -> str:
    """The regex of a safety-net guard (components/safety_patterns.yml) a signal shares.

    A reading both the net and the risk level need ("this is play-fighting") lives in one
    place: the net's guard. A signal lists it under `guards:` instead of copying its words.
    """
    from components.safety_net import default_patterns  # the net loads no risk config

    for guard in default_patterns().guards:
        if guard.id == guard_id:
            return guard.regex.pattern
    raise ValueError(f"guards: {guard_id!r}: no such guard in the safety patterns")


@dataclass(frozen=True)
class Signal:
    name: str
    weight: float
    kind: str | None
    regex: re.Pattern
    unless: Tuple[str, ...] = ()  # ignored when any of these signals is found too


@dataclass(frozen=True)
class Risk:
    level: str
    score: float
    kind: str | None = None  # self_harm, person or home: which crisis reply fits
    signals: Tuple[str, ...] = ()

    def as_dict(self) -> Dict[str, Any]:
        return {
            "level": self.level,
            "score": round(self.score, 3),
            "kind": self.kind,
            "signals": list(self.signals),
        }


@dataclass
class RiskConfig:
    crisis_weight: float
    safety_weight: float
    signal_cap: float
    danger: float
    concern: float
    remember_turns: int
    escalate_intents: frozenset
    signals: List[Signal] = field(default_factory=list)
    # One signal of `lone_groups` alone is no check-in below this crisis probability; nor is
    # one of `sure_groups` alone below `sure_max_crisis` (the model all but sure it is everyday).
    lone_max_crisis: float = 0.0
    lone_groups: frozenset = frozenset()
    sure_max_crisis: float = 0.0
    sure_groups: frozenset = frozenset()

    @classmethod
    def from_dict(cls, data: Any, source: str = "<risk>") -> RiskConfig:
        try:
            weights, thresholds = data["weights"], data["thresholds"]
            conversation = data.get("conversation") or {}
            lone = data.get("lone_signal") or {}
            sure = lone.get("sure_everyday") or {}
            signals = []
            for name, group in (data.get("signals") or {}).items():
                sources = list(group.get("patterns") or []) + [
                    _guard_source(g) for g in group.get("guards") or []
                ]
                if not sources:
                    raise ValueError(f"signal {name!r} needs `patterns` or `guards`")
                body = "|".join(f"(?:{p})" for p in sources)
                regex = re.compile(f"(?<![a-z0-9])(?:{body})(?![a-z0-9])")
                unless = tuple(group.get("unless") or ())
                signals.append(
                    Signal(name, float(group["weight"]), group.get("kind"), regex, unless)
                )
            config = cls(
                crisis_weight=float(weights["crisis_probability"]),
                safety_weight=float(weights["safety_probability"]),
                signal_cap=float(weights["signal_cap"]),
                danger=float(thresholds["danger"]),
                concern=float(thresholds["concern"]),
                remember_turns=int(conversation.get("remember_turns", 6)),
                escalate_intents=frozenset(conversation.get("escalate_intents") or ()),
                signals=signals,
                lone_max_crisis=float(lone.get("max_crisis_probability", 0.0)),
                lone_groups=frozenset(lone.get("groups") or ()),
                sure_max_crisis=float(sure.get("max_crisis_probability", 0.0)),
                sure_groups=frozenset(sure.get("groups") or ()),
            )
        except (KeyError, TypeError, ValueError, re.error) as error:
            raise RiskConfigError(f"{source}: {type(error).__name__}: {error}") from None
        names = {s.name for s in signals}
        unknown = sorted((config.lone_groups | config.sure_groups) - names)
        if unknown:
            raise RiskConfigError(f"{source}: lone_signal: {unknown[0]!r}: no such signal")
        for signal in signals:
            for other in signal.unless:
                if other not in names:
                    problem = f"{signal.name}: unless {other!r}: no such signal"
                    raise RiskConfigError(f"{source}: {problem}")
        if not 0 < config.concern < config.danger:
            raise RiskConfigError(f"{source}: need 0 < thresholds.concern < thresholds.danger")
        return config


_LOCK = threading.Lock()
_DEFAULT: RiskConfig | None = None


def load_config(path: Path = RISK_FILE) -> RiskConfig:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return RiskConfig.from_dict(data, str(path))


def default_config() -> RiskConfig:
    global _DEFAULT
    if _DEFAULT is None:
        with _LOCK:
            if _DEFAULT is None:
                _DEFAULT = load_config()
    return _DEFAULT


def _probabilities(ranking: Iterable[Dict[str, Any]]) -> Dict[str, float]:
    probs: Dict[str, float] = {}
    for item in ranking or []:
        name = item.get(INTENT_NAME_KEY) or item.get("name")
        if name and name not in probs:
            probs[name] = float(item.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    return probs


def assess(
    text: str,
    ranking: Sequence[Dict[str, Any]] = (),
    intent: str | None = None,
    config: RiskConfig | None = None,
) -> Risk:
    """The risk level of one message from its ranking, its final intent and its words."""
    config = config or default_config()
    normal = normalise(text or "")
    risk = _assess_form(normal, ranking, intent, config)
    respelt = respell(normal)  # the signals also meet "sy", "kawe" and "x" as "saya" and "tak"
    if respelt != normal:
        other = _assess_form(respelt, ranking, intent, config)
        if other.score > risk.score:  # the other spelling can only raise the level
            risk = other
    return risk


def _assess_form(
    normal: str, ranking: Sequence[Dict[str, Any]], intent: str | None, config: RiskConfig
) -> Risk:
    probs = _probabilities(ranking)
    found: List[Signal] = [s for s in config.signals if s.regex.search(normal)]
    names = {s.name for s in found}
    found = [s for s in found if not names.intersection(s.unless)]
    signal_sum = min(config.signal_cap, sum(s.weight for s in found))
    others = sum(probs.get(name, 0.0) for name in SAFETY_INTENTS[1:])
    score = (
        config.crisis_weight * probs.get("crisis", 0.0) + config.safety_weight * others + signal_sum
    )
    kinds = sorted(
        (s for s in found if s.kind and s.weight > 0), key=lambda s: s.weight, reverse=True
    )
    kind = kinds[0].kind if kinds else None
    if intent == "crisis":
        level = "danger"
    elif score >= config.danger:
        level = "danger"
    elif score >= config.concern and not _lone_signal(found, probs, config):
        level = "concern"
    else:
        level = "none"
    return Risk(level, max(0.0, score), kind, tuple(s.name for s in found))


def _lone_signal(found: Sequence[Signal], probs: Dict[str, float], config: RiskConfig) -> bool:
    """One circumstantial signal alone, in a message the model reads as everyday; or words of
    feeling alone, in a message the model is all but sure is everyday."""
    raising = [s for s in found if s.weight > 0]
    if len(raising) != 1:
        return False
    crisis = probs.get("crisis", 0.0)
    name = raising[0].name
    sure = bool(probs) and crisis < config.sure_max_crisis  # no ranking: no model to be sure
    return (name in config.lone_groups and crisis < config.lone_max_crisis) or (
        name in config.sure_groups and sure
    )


def conversation_level(
    current: Dict[str, Any] | None,
    intent: str | None,
    earlier: Sequence[Dict[str, Any]],
    config: RiskConfig | None = None,
) -> str:
    """The level to act on for this turn, given the `risk` of earlier user turns (oldest first).

    Earlier distress raises a farewell or "that's it" (an intent in `escalate_intents`) to a
    check-in, and a second worrying message in a row to danger.
    """
    config = config or default_config()
    level = (current or {}).get("level", "none")
    recent = [r for r in earlier[-config.remember_turns :] if r]
    worried = any(r.get("level") in ("concern", "danger") for r in recent)
    if not worried:
        return level
    if level == "concern":
        return "danger"
    if level == "none" and intent in config.escalate_intents:
        return "concern"
    return level


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RiskScorer(MessageRule):
    """Adds `risk` to every parse result; raises a message at `danger` to `crisis`."""

    def _process(self, message: Message) -> None:
        text = typed_text(message)
        if text is None:
            return  # buttons and commands carry their own intent
        name = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        try:
            risk = assess(text, message.get(INTENT_RANKING_KEY) or [], name)
        except Exception:  # noqa: BLE001 - scoring must never take the bot down
            return
        message.set("risk", risk.as_dict(), add_to_output=True)
        if risk.level == "danger" and name not in SAFETY_INTENTS:
            raise_intent(message, "crisis")
