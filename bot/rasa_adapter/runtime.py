"""Running Rasa inside a Python process: loading the model, running actions in process,
and handling one user message. Used by the in-process assistant and by Jaga's Rasa input
channel (`bot.rasa_adapter.channel`), so both take exactly the same path."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import marshal
import os
import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Callable

from bot.core.replies import TURN_FIELDS, RasaResult, is_urgent, to_replies
from bot.rasa_adapter.patching import is_patched, patch

logger = logging.getLogger(__name__)

LANGUAGES = ("en", "ms", "zh", "ta")
LANG_HINT = "lang"  # the message metadata key of a front end's language hint
PRIVACY_CARD_SLOT = "privacy_card_owed"  # set by action_session_start (actions/session.py)
CONVERSATION_TTL = 60 * 60  # seconds; domain.yml's session_expiration_time, unless set there


def quiet_rasa_logs() -> None:
    """Rasa and TensorFlow log a lot at INFO/DEBUG; Jaga's front ends want warnings only."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    if not os.environ.get("JAGA_DEBUG"):
        # Sanic (imported by Rasa) turns deprecation warnings back on when imported; import
        # it first, then silence the pages of warnings Rasa's old pins print at import.
        import warnings

        import sanic  # noqa: F401

        warnings.simplefilter("ignore")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    for name in ("rasa", "rasa_sdk", "tensorflow", "absl", "matplotlib", "apscheduler", "sanic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def latest_model(model_path: Path) -> Path:
    """The model file to load: `model_path` itself, or the newest `*.tar.gz` in it."""
    model_path = Path(model_path)
    if model_path.is_file():
        return model_path
    models = sorted(model_path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise FileNotFoundError(
            f"No trained model in {model_path}/. Run `make train` first (it takes a few minutes)."
        )
    return models[-1]


def in_process_action_endpoint(package: str = "actions"):
    """An action endpoint that runs rasa-sdk actions in this process instead of over HTTP.

    Rasa calls `endpoint.request(json=...)` for every custom action; here that call goes
    straight to rasa-sdk's ActionExecutor, the same code the action server runs.
    """
    from rasa.utils.endpoints import EndpointConfig
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package(package)

    class InProcessActionEndpoint(EndpointConfig):
        in_process = True  # its responses are rasa-sdk's own: nothing crossed a network

        async def request(
            self,
            method: str = "post",
            subpath: str | None = None,
            content_type: str | None = "application/json",
            compress: bool = False,
            **kwargs: Any,
        ) -> Any:
            return await executor.run(kwargs["json"])

    return InProcessActionEndpoint(url="in-process://actions")


def cache_action_validation() -> None:
    """Validates custom-action responses with one prepared JSON-schema validator.

    Rasa's `RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)`,
    which checks the schema itself against the meta-schema on every call: about 27 ms of a
    30 ms reply here (docs/benchmarks.md). Same check, prepared once: 0.3 ms. Actions run in
    this process (`in_process_action_endpoint`) are not checked: their responses are built by
    the rasa-sdk executor pinned with Rasa, and never parsed from a server's reply (0.2 ms a
    turn).
    """
    import jsonschema
    from rasa.core.actions import action
    from rasa.shared.constants import DOCS_BASE_URL

    if is_patched(action.RemoteAction, "_validate_action_result"):
        return
    schema = action.RemoteAction.action_response_format_spec()
    validator = jsonschema.validators.validator_for(schema)(schema)

    def _validate_action_result(self: Any, result: dict) -> bool:
        if getattr(getattr(self, "action_endpoint", None), "in_process", False):
            return True  # built by rasa-sdk's executor in this process, not read off the wire
        try:
            validator.validate(result)
            return True
        except jsonschema.ValidationError as error:
            error.message += (
                ". Failed to validate Action server response from API, make sure your response "
                f"from the Action endpoint is valid. For more information visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise

    patch(action.RemoteAction, "_validate_action_result", _validate_action_result)


def cache_event_types() -> None:
    """Finds an event's class by its type name once, not once per stored event.

    Rasa's `Event.resolve_by_type` walks every subclass of `Event` (and `inspect.isabstract`
    for each) to rebuild each event of a stored tracker: about 1,300 walks a turn in a
    5-turn conversation, 3.5 of 26 ms a turn under the profiler (docs/benchmarks.md). Same
    lookup, remembered per type name; an unknown name still goes to Rasa's own code.
    """
    from rasa.shared.core.events import Event

    if is_patched(Event, "resolve_by_type"):
        return
    original = Event.resolve_by_type
    known: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
        found = known.get(type_name)
        if found is None:
            found = original(type_name, default)
            if found is not None and getattr(found, "type_name", None) == type_name:
                known[type_name] = found
        return found

    patch(Event, "resolve_by_type", resolve_by_type, static=True)


def compare_with_one_empty_domain() -> None:
    """Tells an empty domain with one empty domain built once, not one built per message.

    Rasa's `MessageProcessor._check_for_unseen_features` asks `domain.is_empty()` on every
    message, which builds a whole `Domain.empty()` (default intents, actions, slots) to compare
    the domain's data with its data: a twentieth of the dialogue's time a turn. The empty
    domain's data is the same every time; it is built once (a private copy nobody changes)
    and each call compares with it, as Rasa's method does.
    """
    from rasa.shared.core.domain import Domain

    if is_patched(Domain, "is_empty"):
        return
    empty: list[dict] = []

    def is_empty(self: Any) -> bool:
        if not empty:
            empty.append(copy.deepcopy(Domain.empty().as_dict()))
        return self.as_dict() == empty[0]

    patch(Domain, "is_empty", is_empty)


def serialise_each_event_once() -> None:
    """Writes the JSON of a stored conversation from each event's JSON, encoded once per event.

    Rasa's text stores (in memory, Redis) save a conversation as
    `json.dumps(tracker.as_dialogue().as_dict())`: every event encoded again at every save, the
    whole conversation's history for one more turn (a tenth of a reply's time, more the longer
    the conversation; `TurnTrackerStore` keeps a conversation's events from one turn to the
    next). The same string is joined from each event's `json.dumps(event.as_dict())`, kept on
    the event with a snapshot of that dict (`marshal` version 2, which has no back-references:
    the same bytes only for the same types and values in the same order) and used again only
    while the event's dict still gives the same snapshot; an event whose dict has changed, or
    cannot be snapshotted, is encoded again. Same string, byte for byte
    (tests/test_rasa_speedups.py).
    """
    from rasa.core.tracker_store import SerializedTrackerAsText

    if is_patched(SerializedTrackerAsText, "serialise_tracker"):
        return

    def serialise_tracker(tracker: Any) -> str:
        events = ", ".join(_event_json(event) for event in tracker.events)
        return '{"events": [' + events + '], "name": ' + json.dumps(tracker.sender_id) + "}"

    patch(SerializedTrackerAsText, "serialise_tracker", serialise_tracker, static=True)


def _event_json(event: Any) -> str:
    """`json.dumps(event.as_dict())`, from the event's memory while its dict is unchanged."""
    data = event.as_dict()
    try:
        snapshot = marshal.dumps(data, 2)
    except ValueError:  # a value marshal cannot write (numpy's, say): encoded every time
        return json.dumps(data)
    kept = event.__dict__.get("_jaga_json")
    if kept is not None and kept[0] == snapshot:
        return kept[1]
    encoded = json.dumps(data)
    event.__dict__["_jaga_json"] = (snapshot, encoded)
    return encoded


# The tracker that the running `_run_action` may hand to its action as it is (`READ_ONLY_RUNS`).
_SHARED_FOR_READING: ContextVar[Any] = ContextVar("jaga_shared_for_reading", default=None)


def read_only_actions() -> tuple[type, ...]:
    """Rasa's actions whose `run` only reads the tracker it is given: listening, a response
    from the domain, a custom action (whose server gets the tracker's state as JSON)."""
    from rasa.core.actions.action import ActionBotResponse, ActionListen, RemoteAction

    return (ActionListen, ActionBotResponse, RemoteAction)


def skip_copies_for_read_only_actions() -> None:
    """Runs an action that only reads the tracker on the tracker itself, not on a copy.

    Rasa's `MessageProcessor._run_action` copies the conversation before each action
    (`tracker.copy()`, which replays every event into a new tracker) so that the events of
    the prediction can be added to the copy and dropped if the action is rejected. When the
    prediction brings no events and the action is one of `read_only_actions` (exactly those
    classes: `action_listen` at the end of every turn, `utter_...` responses, Jaga's custom
    actions), the copy is the same conversation and nothing changes it: the tracker is
    handed over as it is (its first `copy()` in that `_run_action` returns it). Two copies
    a turn, a replay of the whole conversation each. Any other action, or a prediction with
    events, gets Rasa's copy.
    """
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    if is_patched(MessageProcessor, "_run_action"):
        return
    original_run = MessageProcessor._run_action
    original_copy = DialogueStateTracker.copy
    read_only = read_only_actions()

    def copy(self: Any) -> Any:
        if _SHARED_FOR_READING.get() is self:
            _SHARED_FOR_READING.set(None)  # once: `_run_action` copies once, for its action
            return self
        return original_copy(self)

    async def _run_action(
        self: Any, action: Any, tracker: Any, output_channel: Any, nlg: Any, prediction: Any
    ) -> bool:
        if type(action) not in read_only or prediction.events:
            return await original_run(self, action, tracker, output_channel, nlg, prediction)
        token = _SHARED_FOR_READING.set(tracker)
        try:
            return await original_run(self, action, tracker, output_channel, nlg, prediction)
        finally:
            _SHARED_FOR_READING.reset(token)

    patch(MessageProcessor, "_run_action", _run_action)
    patch(DialogueStateTracker, "copy", copy)


def plain_applied_events() -> None:
    """Tells a conversation's applied events by each event's class, when every event is of a
    class Rasa only appends (or, for a restart or a new session, starts again from).

    Rasa's `DialogueStateTracker.applied_events` tests each event against five event classes
    (abstract base classes: each test is slow) to undo reverted actions and utterances and
    loop (form) turns, and a turn asks for it three times (starting the session, checking its
    expiry, the custom actions' state), a pass over the whole conversation each. When every
    event is exactly one of `PLAIN_EVENTS` (no reverts, no loops) that comes to the events
    after the last restart or session start; anything else goes to Rasa's method.
    """
    from rasa.shared.core.events import (
        ActionExecuted,
        AllSlotsReset,
        BotUttered,
        DefinePrevUserUtteredFeaturization,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    if is_patched(DialogueStateTracker, "applied_events"):
        return
    original = DialogueStateTracker.applied_events
    resets = frozenset({Restarted, SessionStarted})
    plain = frozenset(
        {
            ActionExecuted,
            AllSlotsReset,
            BotUttered,
            DefinePrevUserUtteredFeaturization,
            SlotSet,
            UserUttered,
        }
    )

    def applied_events(self: Any) -> list:
        start = 0
        for index, event in enumerate(self.events):
            kind = type(event)
            if kind in resets:
                start = index + 1
            elif kind not in plain:
                return original(self)  # a revert, a loop, anything else: Rasa's own walk
        return list(islice(self.events, start, None))

    patch(DialogueStateTracker, "applied_events", applied_events)


def index_rules_by_last_action_and_intent() -> None:
    """RulePolicy looks for the rules that fit the conversation by testing every rule against
    its latest state (then the survivors against the states before). A rule whose last state
    names a previous action (as rules after a message do: `action_listen`) fits only a state
    with that action and, if it names one, that intent: Rasa's `_is_rule_applicable` is False
    for any other. So only the rules that name neither, or the state's own, are tested; the
    others are left out untested. The same rules are found (`_is_rule_applicable` decides on
    every candidate, as before); the index is built once per rule lookup."""
    from rasa.core.policies.rule_policy import RulePolicy

    if is_patched(RulePolicy, "_get_possible_keys"):
        return
    original = RulePolicy._get_possible_keys

    def _get_possible_keys(self: Any, lookup: dict, states: list) -> set:
        index = _rule_index(self, lookup)
        if index is None or not states:
            return original(self, lookup, states)
        action, intent = _action_and_intent(states[-1])
        candidates = index.get((None, None), set()).union(
            index.get((action, None), ()), index.get((action, intent), ())
        )
        possible_keys = set(lookup.keys()) & candidates
        for i, state in enumerate(reversed(states)):
            possible_keys = {
                key for key in possible_keys if self._is_rule_applicable(key, i, state)
            }
        return possible_keys

    patch(RulePolicy, "_get_possible_keys", _get_possible_keys)


def _action_and_intent(state: dict) -> tuple[Any, Any]:
    """A state's previous action name and user intent (None where there is none)."""
    from rasa.shared.core.constants import PREVIOUS_ACTION, USER
    from rasa.shared.nlu.constants import ACTION_NAME, INTENT

    return (state.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME), (state.get(USER) or {}).get(INTENT)


def _rule_index(policy: Any, lookup: dict) -> dict | None:
    """The rule keys of a lookup by what their last state requires: (None, None) for the
    rules tested against every state (no previous action in their last state: Rasa's test
    then turns on other things), (action, None) for a previous action alone, (action, intent)
    for both. None when a rule's last state cannot be read so (then Rasa's own method)."""
    from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET

    kept = policy.__dict__.setdefault("_jaga_rule_index", {})
    found = kept.get(id(lookup))
    if found is not None and found[0] is lookup and found[1] == len(lookup):
        return found[2]
    index: dict = {}
    try:
        for key in lookup:
            last = policy._rule_key_to_state(key)[-1]
            action, intent = _action_and_intent(last) if last.get(PREVIOUS_ACTION) else (None, None)
            if action is None or action == SHOULD_NOT_BE_SET or isinstance(action, list):
                action, intent = None, None
            elif intent == SHOULD_NOT_BE_SET or isinstance(intent, list) or not intent:
                intent = None
            index.setdefault((action, intent), set()).add(key)
    except Exception:  # noqa: BLE001 - an unexpected rule format: Rasa's own method
        index = None  # type: ignore[assignment]
    kept[id(lookup)] = (lookup, len(lookup), index)
    return index


# Rasa modules that use the `copy` module only to deep-copy what they pass to a debug log.
DEBUG_LOG_COPIERS = (
    "rasa.core.processor",
    "rasa.core.policies.memoization",
    "rasa.core.policies.rule_policy",
)


class DebugLogCopies:
    """Stands in for the `copy` module in a Rasa module that deep-copies events, states and
    parse data only to pass them to `structlogger.debug(...)`, which Rasa does on every turn
    whether or not debug logs are on (the copies guard the values against the log processors,
    which may rewrite what they are given). `deepcopy` copies when that module's logger lets
    debug through, and hands the value itself over when the logger drops debug calls without
    looking at them (structlog's filtering logger above DEBUG, as `quiet_rasa_logs` sets it).
    Anything else is the `copy` module's own."""

    def __init__(self, logger: Any) -> None:
        self._logger = logger

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if drops_debug(self._logger):
            return value  # the call it is built for does nothing with it
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def drops_debug(logger: Any) -> bool:
    """Whether a structlog logger's `debug` is structlog's no-op (its filtering logger set to
    a level above DEBUG); False when that cannot be told."""
    try:
        from structlog._native import _nop

        return getattr(type(logger.bind()), "debug", None) is _nop
    except Exception:  # noqa: BLE001 - unknown logger or structlog version: copy as Rasa does
        return False


def skip_debug_log_copies() -> None:
    """`DebugLogCopies` in the Rasa modules that use `copy` only for debug logs: about 0.2 ms
    of deep copies a turn (docs/benchmarks.md). The same debug logs when they are on."""
    import importlib

    for name in DEBUG_LOG_COPIERS:
        module = importlib.import_module(name)
        if getattr(module, "copy", None) is copy:
            setattr(module, "copy", DebugLogCopies(module.structlogger))  # noqa: B010


def skip_unlogged_rule_states() -> None:
    """RulePolicy writes out the conversation's states as text on each rule lookup (two a
    prediction: `format_tracker_states`, a line per state) only to pass the text to a debug
    log, whether or not debug logs are on; the text is used for nothing else. It is written
    when rule_policy's logger lets debug through; when that logger drops debug calls without
    looking at them (`drops_debug`), the log call is given an empty text instead."""
    from rasa.core.policies import rule_policy

    if is_patched(rule_policy.RulePolicy, "format_tracker_states"):
        return
    original = rule_policy.RulePolicy.format_tracker_states

    def format_tracker_states(states: list) -> str:
        if drops_debug(rule_policy.structlogger):
            return ""  # for a debug log that is off
        return original(states)

    patch(rule_policy.RulePolicy, "format_tracker_states", format_tracker_states, static=True)


def keep_tensorflow_out(model: Path, *, rasa_server: bool = True) -> None:
    """Before Rasa is imported: no TensorFlow for a model without a TensorFlow component, and
    stand-ins for the packages Rasa imports for channels, stores and plots this process does
    not use (`bot.rasa_adapter.lean_imports`, which says how that is decided).

    Rasa imports TensorFlow even for a model that never uses it: 2+ s and ~450 MB a process.
    `JAGA_ALLOW_TF=1` turns that off, `JAGA_REAL_IMPORTS=1` the stand-ins. `rasa_server`: this
    process is a Rasa server, whose command line (`sys.argv`, as deploy/rasa_serve.py has it
    when it calls this) names the channels and stores it serves; False for Rasa in process.
    """
    if not os.environ.get("JAGA_ALLOW_TF"):
        from bot.rasa_adapter import tf_guard

        if not tf_guard.model_uses_tensorflow(model):
            tf_guard.block_tensorflow()
    from bot.rasa_adapter import lean_imports

    lean_imports.stand_in(lean_imports.rasa_server_needs(sys.argv[1:]) if rasa_server else ())


def speed_up_rasa() -> None:
    """Every process that serves a model, in the front ends or as a Rasa server, runs these:
    the same results as Rasa's own code, measured faster (docs/benchmarks.md)."""
    from bot.rasa_adapter.graph_runner import use_sequential_graph_runner

    cache_action_validation()
    cache_event_types()
    compare_with_one_empty_domain()
    serialise_each_event_once()
    skip_copies_for_read_only_actions()
    plain_applied_events()
    skip_debug_log_copies()
    skip_unlogged_rule_states()
    index_rules_by_last_action_and_intent()
    use_sequential_graph_runner()


def load_agent(
    model_path: Path,
    *,
    action_server_url: str | None = None,
    tracker_store: Any = None,
    lock_store: Any = None,
):
    """Loads the Rasa agent once. Actions run in process unless an action server URL is given."""
    from bot.rasa_adapter import lean_imports

    model = latest_model(model_path)
    keep_tensorflow_out(model, rasa_server=False)
    try:
        quiet_rasa_logs()
        from rasa.core.agent import Agent
        from rasa.utils.endpoints import EndpointConfig

        speed_up_rasa()
        endpoint = (
            EndpointConfig(url=action_server_url)
            if action_server_url
            else in_process_action_endpoint()
        )
        started = time.perf_counter()
        agent = Agent.load(
            model, action_endpoint=endpoint, tracker_store=tracker_store, lock_store=lock_store
        )
    finally:
        lean_imports.finish()  # whatever imports them from now on gets the real packages
    share_vocabularies(agent)
    sentence_features_only(agent)
    logger.info("Loaded model %s in %.1f s", model.name, time.perf_counter() - started)
    return agent


def share_vocabularies(agent: Any) -> int:
    """Keeps one copy of each loaded CountVectors vocabulary instead of two.

    Rasa's CountVectorsFeaturizer gives the vocabulary it loads to scikit-learn's
    CountVectorizer, which validates it and keeps a copy (`vocabulary_`, the dict `transform`
    reads); the dict it was given (`vocabulary`) is not read again. Pointing both at the one
    copy frees the other: Jaga's two featurisers hold about 70k n-grams, 3.7 MB of a serving
    process (docs/benchmarks.md). Only a vocabulary equal to its copy is shared. Returns how many.
    """
    runner = getattr(getattr(agent, "processor", None), "graph_runner", None)
    nodes = getattr(runner, "_instantiated_nodes", None) or {}
    shared = 0
    for node in nodes.values():
        vectorizers = getattr(getattr(node, "_component", None), "vectorizers", None)
        for vectorizer in (vectorizers or {}).values():
            copy = getattr(vectorizer, "vocabulary_", None)
            given = getattr(vectorizer, "vocabulary", None)
            if isinstance(copy, dict) and given is not copy and given == copy:
                vectorizer.vocabulary = copy
                shared += 1
    return shared


# The components of a serving graph that never read a message's sequence features (Rasa's
# classifiers and Jaga's read the sentence features; the rest read text, tokens or trackers).
SEQUENCE_FEATURES_UNREAD = frozenset(
    {
        "rasa.graph_components.converters.nlu_message_converter.NLUMessageConverter",
        "components.normaliser.TextNormaliser",
        "components.tokenizer.HanSplittingTokenizer",
        "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer.CountVectorsFeaturizer",
        "components.classifier.FastLogisticRegressionClassifier",
        "rasa.nlu.classifiers.fallback_classifier.FallbackClassifier",
        "components.safety_net.SafetyNet",
        "components.risk.RiskScorer",
        "components.language.LanguageDetector",
        "components.age.AgeExtractor",
        "components.speaker.SpeakerDetector",
        "rasa.nlu.classifiers.regex_message_handler.RegexMessageHandler",
        "rasa.graph_components.providers.domain_provider.DomainProvider",
        "components.risk_policy.RiskPolicy",
        "rasa.core.policies.memoization.MemoizationPolicy",
        "rasa.core.policies.rule_policy.RulePolicy",
        "rasa.graph_components.providers.rule_only_provider.RuleOnlyDataProvider",
        "rasa.core.policies.ensemble.DefaultPolicyPredictionEnsemble",
    }
)


def sentence_features_only(agent: Any) -> int:
    """Lets the loaded CountVectors featurizers skip a message's sequence features when
    nothing in the serving graph reads them.

    For each message Rasa's CountVectorsFeaturizer transforms the text twice: token by token
    (sequence features, for networks such as DIET and TED) and as one string (sentence
    features, which the logistic-regression classifier reads, Rasa's and
    `components.classifier`). Jaga's graph has no component that reads sequence features, so
    half of the featurizers' time a message went into matrices nobody looked at. Only when
    every component of the graph is in `SEQUENCE_FEATURES_UNREAD` (exactly those classes),
    the featurizers of this agent compute the sentence features alone; the same matrices
    (kept as scikit-learn returns them, CSR, which the classifier multiplies, instead of
    converted to COO and back), so the same intents. Training never sees this. Returns how
    many featurizers it applies to.
    """
    runner = getattr(getattr(agent, "processor", None), "graph_runner", None)
    nodes = getattr(runner, "_instantiated_nodes", None) or {}
    components = [getattr(node, "_component", None) for node in nodes.values()]
    names = {f"{type(c).__module__}.{type(c).__qualname__}" for c in components}
    if not components or not names <= SEQUENCE_FEATURES_UNREAD:
        return 0
    from types import MethodType

    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
        CountVectorsFeaturizer,
    )

    featurizers: list[Any] = [c for c in components if type(c) is CountVectorsFeaturizer]
    for featurizer in featurizers:
        featurizer._create_features = MethodType(_sentence_features, featurizer)
    return len(featurizers)


def _sentence_features(self: Any, attribute: str, all_tokens: list) -> tuple[list, list]:
    """Rasa's `CountVectorsFeaturizer._create_features` with no sequence features (None, as
    for a message without tokens) for the attributes that have sentence features, and the
    sentence features in CSR."""
    from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES

    if attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
        return type(self)._create_features(self, attribute, all_tokens)
    if not self.vectorizers.get(attribute):
        return [None], [None]
    sequence_features: list = []
    sentence_features: list = []
    for tokens in all_tokens:
        sequence_features.append(None)
        if not tokens:
            sentence_features.append(None)
            continue
        sentence_vec = self.vectorizers[attribute].transform([" ".join(tokens)])
        sentence_vec.sort_indices()
        sentence_features.append(sentence_vec)  # CSR, which the classifier multiplies
    return sequence_features, sentence_features


async def handle_turn(
    agent,
    sender_id: str,
    text: str,
    *,
    lang: str | None = None,
    metadata: dict | None = None,
    input_channel: str = "jaga",
    budget: float | None = None,
) -> RasaResult:
    """Runs one user message through Rasa's `MessageProcessor.handle_message` (NLU, policies,
    actions, saving the tracker) under the sender's lock, then reads from the saved tracker
    what the front ends need (the tracker Rasa just saved, unless the store would hand back
    something else: `bot.rasa_adapter.tracker_store.reading_back`).

    `lang` is a language hint (a UI switch, Telegram's language_code, a /start payload): it
    travels in the message metadata, where the session-start action (actions/session.py) and
    the language component (components/language.py) read it. `budget`: seconds before the
    child is sent the safe reply instead of this one; a turn that ends later does not spend the
    privacy card on a reply nobody sees.
    """
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.shared.core.events import SlotSet

    from bot.rasa_adapter.graph_runner import past_states_per_turn
    from bot.rasa_adapter.tracker_store import read_back_saved_trackers, reading_back

    card_by = None if budget is None else time.monotonic() + budget
    processor = agent.processor
    read_back_saved_trackers(processor.tracker_store)  # once per store; cheap after that
    output = CollectingOutputChannel()
    metadata = dict(metadata or {})
    if lang in LANGUAGES:
        metadata[LANG_HINT] = lang
    message = UserMessage(text, output, sender_id, input_channel=input_channel, metadata=metadata)
    async with agent.lock_store.lock(sender_id):
        # the tracker just saved, not read from the store again; the conversation replayed
        # for the policies once a turn, not once a prediction
        with reading_back(), past_states_per_turn():
            await processor.handle_message(message)
            tracker = await processor.get_tracker(sender_id)
        turn = read_turn(tracker)
        # The privacy card, once per conversation, on its first calm turn: neither this turn
        # nor the one before was urgent (a "yes" to "are you thinking about ending your
        # life?" is not a calm moment either). Recorded before the reply leaves.
        card = (
            not turn.restarted
            and tracker.get_slot(PRIVACY_CARD_SLOT) is True
            and not any(turn.urgent)
            and (card_by is None or time.monotonic() < card_by)
        )
        if card:
            tracker.update(SlotSet(PRIVACY_CARD_SLOT, False))
            await processor.save_tracker(tracker)

    note_untranslated(output.messages, turn.lang)
    shared = {name: getattr(turn, name) for name in TURN_FIELDS}
    return RasaResult(text=text, replies=to_replies(output.messages), privacy_card=card, **shared)


@dataclass
class TrackerTurn:
    """What the tracker says about the turn that just ran."""

    intent: str | None = None
    confidence: float = 0.0
    lang: str = "en"
    safety_net: str | None = None
    risk: str | None = None  # "danger" or "concern" when this turn ran a risk action
    restarted: bool = False  # the turn forgot the conversation ("padam chat saya")
    urgent: tuple[bool, bool] = (False, False)  # (this turn, the turn before) were urgent


def read_turn(tracker: Any) -> TrackerTurn:
    """Reads the latest turn from the tracker's events (still there after a restart, which
    clears the latest message and the slots)."""
    from rasa.shared.core.events import ActionExecuted, Restarted, UserUttered

    turn = TrackerTurn()
    users: list[tuple[dict, str | None]] = []  # (parse data, risk), newest first
    risk: str | None = None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            users.append((event.parse_data or {}, risk))
            risk = None
            if len(users) == 2:
                break
        elif isinstance(event, ActionExecuted) and event.action_name in RISK_ACTIONS:
            risk = risk or RISK_ACTIONS[event.action_name]
        elif isinstance(event, Restarted) and not users:
            turn.restarted = True
    if not users:
        return turn
    parse, turn.risk = users[0]
    intent = parse.get("intent") or {}
    turn.intent = intent.get("name")
    turn.confidence = float(intent.get("confidence") or 0.0)
    net = parse.get("safety_net") or {}
    turn.safety_net = None if net.get("deferred") else net.get("category")
    lang = _lang_before_restart(tracker) if turn.restarted else tracker.get_slot("lang")
    turn.lang = lang if lang in LANGUAGES else "en"
    urgency = [is_urgent((p.get("intent") or {}).get("name"), r) for p, r in users]
    turn.urgent = (urgency[0], len(urgency) > 1 and urgency[1])
    return turn


def _lang_before_restart(tracker: Any) -> str | None:
    """The `lang` slot as it was before the conversation was restarted."""
    from rasa.shared.core.events import Restarted, SlotSet

    restarted = False
    for event in reversed(tracker.events):
        if isinstance(event, Restarted):
            restarted = True
        elif restarted and isinstance(event, SlotSet) and event.key == "lang":
            return event.value
    return None


async def conversation_language(agent, sender_id: str) -> str | None:
    """The `lang` slot of a stored conversation; None when there is none."""
    tracker = await agent.tracker_store.retrieve(sender_id)
    if tracker is None or not tracker.events:
        return None
    lang = tracker.get_slot("lang")
    return lang if lang in LANGUAGES else None


def note_untranslated(messages: list[dict], lang: str | None) -> None:
    """Mandarin and Tamil are newer than English and Malay: before the first bubble that is not
    yet in the child's script, one line in their language says so and keeps the helplines
    (`untranslated_note` in bot/core/messages.yml)."""
    if lang not in ("zh", "ta"):
        return
    from bot.core import messages as texts
    from components.lexicon import script_language

    for index, message in enumerate(messages):
        text = message.get("text") or ""
        if text and script_language(text) != lang:
            messages.insert(index, {"text": texts.text("untranslated_note", lang)})
            return


# The actions that answer a worrying message, by the risk level they stand for.
RISK_ACTIONS = {"action_crisis": "danger", "action_risk_check_in": "concern"}


def tracker_stores(agent) -> tuple[Any, list[Any]]:
    """The store that holds the conversations, and the copies Rasa keeps in memory while it
    is down. Rasa wraps every store in a fail-safe store (again on each model reload, which
    passes the running agent's store on)."""
    store, fallbacks = agent.tracker_store, []
    while hasattr(store, "_tracker_store"):
        fallback = getattr(store, "_fallback_tracker_store", None)
        if fallback is not None:
            fallbacks.append(fallback)
        store = store._tracker_store
    return store, fallbacks


async def forget(agent, sender_id: str) -> None:
    """Deletes a conversation: its tracker (in memory or Redis), the copy Rasa kept in memory
    if Redis was down when it was saved, and its lock. Raises if the store cannot be reached,
    so that nobody is told "deleted" when it was not."""
    from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore

    from bot.rasa_adapter.tracker_store import forget_kept

    inner, fallbacks = tracker_stores(agent)
    locks = agent.lock_store
    async with locks.lock(sender_id):
        forget_kept(agent.tracker_store, sender_id)  # the tracker kept for its next turn
        for fallback in fallbacks:
            if isinstance(fallback, InMemoryTrackerStore):
                fallback.store.pop(sender_id, None)
        if isinstance(inner, InMemoryTrackerStore):
            inner.store.pop(sender_id, None)
        elif isinstance(inner, RedisTrackerStore):
            inner.red.delete(inner.key_prefix + sender_id)
        else:
            from rasa.shared.core.trackers import DialogueStateTracker

            await agent.tracker_store.save(DialogueStateTracker(sender_id, agent.domain.slots))
    # The lock goes too, with any ticket of a process that died mid-turn; only a turn of this
    # conversation still waiting keeps it, and removes it when it ends.
    locks.update_lock(sender_id)
    if not locks.is_someone_waiting(sender_id):
        locks.delete_lock(sender_id)


# -- expiry -------------------------------------------------------------------------------------
# A conversation ends after `session_expiration_time` of silence (domain.yml). Redis deletes a
# silent tracker itself (`record_exp`, deploy/endpoints.redis.yml); nothing would delete one
# kept in memory (the in-memory store, or the copy Rasa keeps while Redis is down), so a
# background task sweeps those. Nothing is ever deleted on the path of a child's reply.

SWEEP_EVERY = 60.0  # seconds between two sweeps


def conversation_ttl(agent) -> float:
    """Seconds of silence after which a stored conversation is deleted: the Redis store's
    `record_exp` when set, else the domain's session expiry."""
    record_exp = getattr(tracker_stores(agent)[0], "record_exp", None)
    if record_exp:
        return float(record_exp)
    session = getattr(getattr(agent, "domain", None), "session_config", None)
    minutes = getattr(session, "session_expiration_time", 0) or 0
    return float(minutes) * 60 if minutes > 0 else CONVERSATION_TTL


def sweep_idle(agent, ttl: float | None = None, now: float | None = None) -> int:
    """Deletes the conversations kept in this process's memory (the in-memory tracker store,
    and Rasa's fail-safe copies while Redis was down) that have been silent for `ttl` seconds.
    Returns how many were deleted."""
    from rasa.core.tracker_store import InMemoryTrackerStore

    from bot.rasa_adapter.tracker_store import forget_kept

    inner, fallbacks = tracker_stores(agent)
    ttl = conversation_ttl(agent) if ttl is None else ttl
    now = time.time() if now is None else now
    deleted = 0
    for kept in (inner, *fallbacks):
        if not isinstance(kept, InMemoryTrackerStore):
            continue
        for sender_id, serialised in list(kept.store.items()):
            if now - _last_activity(serialised) > ttl:
                kept.store.pop(sender_id, None)
                forget_kept(agent.tracker_store, sender_id)
                deleted += 1
    if deleted:
        logger.info("Deleted %s silent conversation(s) kept in memory", deleted)
    return deleted


def _last_activity(serialised: Any) -> float:
    """The time of a stored tracker's last event; 0 when unreadable (not worth keeping)."""
    try:
        events = json.loads(serialised).get("events") or []
        return max((e.get("timestamp") or 0.0) for e in events) if events else 0.0
    except (TypeError, ValueError, AttributeError):
        return 0.0


async def keep_sweeping(get_agent: Callable[[], Any], every: float = SWEEP_EVERY) -> None:
    """`sweep_idle` every minute, for as long as the process runs (a background task)."""
    while True:
        await asyncio.sleep(every)
        try:
            sweep_idle(get_agent())
        except Exception as error:  # noqa: BLE001 - try again next time
            logger.warning("Could not sweep silent conversations: %s", type(error).__name__)
