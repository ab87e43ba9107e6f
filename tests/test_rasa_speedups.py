"""The lookups Jaga remembers for Rasa give exactly what Rasa's own code gives."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

from bot.rasa_adapter.runtime import cache_event_types


def test_event_types_resolve_as_before_and_unknown_names_still_fail():
    cache_event_types()
    cache_event_types()  # idempotent: wrapping twice would still work, but is not done
    assert getattr(Event.resolve_by_type, "jaga_cached", False)
    for cls in (UserUttered, ActionExecuted, SlotSet):
        assert Event.resolve_by_type(cls.type_name) is cls
        assert Event.resolve_by_type(cls.type_name) is cls  # second time from memory
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")


def test_a_stored_conversation_comes_back_event_for_event():
    cache_event_types()
    events = [
        UserUttered("hi", {"name": "greet", "confidence": 0.9}),
        SlotSet("language", "ms"),
        ActionExecuted("utter_greet"),
    ]
    restored = [Event.from_parameters(e.as_dict()) for e in events]
    assert restored == events


def test_an_action_servers_malformed_reply_is_still_refused():
    # Over the network the prepared check stays; in this process rasa-sdk built the reply.
    import jsonschema
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_adapter.runtime import cache_action_validation, in_process_action_endpoint

    cache_action_validation()
    malformed = {"events": "not a list", "responses": []}
    remote = RemoteAction("action_crisis", EndpointConfig(url="http://actions:5055/webhook"))
    with pytest.raises(jsonschema.ValidationError):
        remote._validate_action_result(malformed)
    assert remote._validate_action_result({"events": [], "responses": []})
    local = RemoteAction("action_crisis", in_process_action_endpoint())
    assert local._validate_action_result({"events": [], "responses": []})


def test_debug_log_copies_are_made_only_when_debug_logs_are_on():
    import copy
    import importlib
    import logging

    import structlog

    from bot.rasa_adapter.runtime import (
        DEBUG_LOG_COPIERS,
        DebugLogCopies,
        skip_debug_log_copies,
    )

    skip_debug_log_copies()
    skip_debug_log_copies()  # once: the stand-in is not wrapped again
    for name in DEBUG_LOG_COPIERS:
        module = importlib.import_module(name)
        assert isinstance(module.copy, DebugLogCopies)
        assert module.copy._logger is module.structlogger

    def logger(level: int):
        wrapper = structlog.make_filtering_bound_logger(level)
        return structlog.wrap_logger(structlog.PrintLogger(), wrapper_class=wrapper)

    value = {"events": [{"event": "user", "parse_data": {"entities": []}}]}
    assert DebugLogCopies(logger(logging.WARNING)).deepcopy(value) is value
    copied = DebugLogCopies(logger(logging.DEBUG)).deepcopy(value)
    assert copied == value and copied is not value
    assert copied["events"][0] is not value["events"][0]
    assert DebugLogCopies(object()).deepcopy(value) is not value  # unknown logger: copied
    assert DebugLogCopies(logger(logging.WARNING)).copy is copy.copy


def test_those_rasa_modules_copy_only_what_they_pass_to_a_debug_log():
    """What makes `DebugLogCopies` safe: in those modules every use of `copy` is an argument
    of a `structlogger.debug(...)` call (checked on Rasa's source, so an upgrade that copies
    for anything else fails here)."""
    import ast
    import importlib
    import inspect

    from bot.rasa_adapter.runtime import DEBUG_LOG_COPIERS

    for name in DEBUG_LOG_COPIERS:
        tree = ast.parse(inspect.getsource(importlib.import_module(name)))
        inside_debug: set[int] = set()
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "debug"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "structlogger"
            ):
                inside_debug.update(id(inner) for inner in ast.walk(node))
        uses = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id == "copy" and isinstance(node.ctx, ast.Load)
        ]
        assert uses, name
        assert all(id(use) in inside_debug for use in uses), name


def test_an_empty_domain_is_told_as_rasa_tells_it():
    from rasa.shared.core.domain import Domain

    from bot.rasa_adapter.runtime import compare_with_one_empty_domain

    compare_with_one_empty_domain()
    compare_with_one_empty_domain()  # once
    assert getattr(Domain.is_empty, "jaga_cached", False)
    rasas = Domain.is_empty.__wrapped__
    with_intent = Domain.from_dict({"intents": ["greet"]})
    with_response = Domain.from_dict({"responses": {"utter_hi": [{"text": "hi"}]}})
    for domain in (Domain.empty(), Domain.from_dict({}), with_intent, with_response):
        assert domain.is_empty() == rasas(domain)
        assert domain.is_empty() == rasas(domain)  # the second time from the one built
    assert Domain.empty().is_empty() and not with_intent.is_empty()


def test_the_processor_still_asks_the_domain_whether_it_is_empty():
    """What `compare_with_one_empty_domain` speeds up: each message's check of its intent
    and entities against the domain starts by asking `domain.is_empty()`."""
    import inspect

    from rasa.core.processor import MessageProcessor

    assert "self.domain.is_empty()" in inspect.getsource(
        MessageProcessor._check_for_unseen_features
    )


def _stored_events() -> list:
    import numpy as np
    from rasa.shared.core.events import BotUttered, SessionStarted

    user = UserUttered(
        "saya 12 tahun",
        {"name": "tell_age", "confidence": 0.93},
        [{"entity": "age", "value": 12.0, "start": 5, "end": 7}],
        {"text_tokens": [(0, 4), (5, 7)], "risk": {"level": "none", "score": 0.0}},
    )
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        user,
        SlotSet("age", np.float64(12.0)),  # a value marshal cannot write: encoded each time
        SlotSet("lang", "ms"),
        BotUttered("Terima kasih 😊", {"buttons": [{"title": "Ya", "payload": "/affirm"}]}),
        ActionExecuted("action_listen"),
    ]


def test_a_conversation_is_stored_as_the_same_json_byte_for_byte():
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_adapter.runtime import serialise_each_event_once

    serialise_each_event_once()
    serialise_each_event_once()  # once
    ours = InMemoryTrackerStore.serialise_tracker
    assert getattr(ours, "jaga_cached", False)
    rasas = ours.__wrapped__
    tracker = DialogueStateTracker('child "1" ☺', None)
    assert ours(tracker) == rasas(tracker)  # no events
    for event in _stored_events():
        tracker.update(event)
        assert ours(tracker) == rasas(tracker)
        assert ours(tracker) == rasas(tracker)  # from what the events kept
    user = tracker.events[3]
    user.parse_data["intent"]["name"] = "greet"  # an event changed after it was stored
    user.metadata = {"model_id": "x"}
    assert ours(tracker) == rasas(tracker)
    assert '"name": "greet"' in ours(tracker)


def test_read_only_actions_run_on_the_tracker_and_leave_it_as_rasa_does():
    """`action_listen`, a response and a custom action without prediction events run on the
    conversation itself; the conversation ends as with Rasa's copy, event for event; any
    other action, or a prediction with events, still gets a copy."""
    from rasa.core.actions.action import ActionBotResponse, ActionListen, ActionRestart
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import DefinePrevUserUtteredFeaturization
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_adapter.runtime import skip_copies_for_read_only_actions

    skip_copies_for_read_only_actions()
    skip_copies_for_read_only_actions()  # once
    assert getattr(MessageProcessor._run_action, "jaga_cached", False)
    domain = Domain.from_dict(
        {
            "intents": ["greet"],
            "responses": {"utter_greet": [{"text": "hi"}]},
            "actions": ["action_listen", "utter_greet"],
        }
    )
    processor = object.__new__(MessageProcessor)  # just what `_run_action` reads
    processor.domain = domain
    processor.action_endpoint = None
    copies: list = []
    copy = DialogueStateTracker.copy

    def counted_copy(self: Any) -> Any:
        made = copy(self)
        copies.append(made is not self)
        return made

    def conversation() -> DialogueStateTracker:
        tracker = DialogueStateTracker("child", domain.slots)
        for event in _stored_events()[:4]:
            tracker.update(event)
        return tracker

    async def run(action: Any, events: list, rasas: bool) -> list:
        tracker = conversation()
        run_action = (
            MessageProcessor._run_action.__wrapped__ if rasas else MessageProcessor._run_action
        )
        prediction = PolicyPrediction([1.0], "policy", events=events)
        nlg = TemplatedNaturalLanguageGenerator(domain.responses)
        await run_action(processor, action, tracker, CollectingOutputChannel(), nlg, prediction)
        return [(type(e), e.as_dict()) for e in tracker.events]

    DialogueStateTracker.copy = counted_copy  # type: ignore[method-assign]
    try:
        for action, events, copied in (
            (ActionListen(), [], False),
            (ActionBotResponse("utter_greet"), [], False),
            (ActionBotResponse("utter_greet"), [DefinePrevUserUtteredFeaturization(False)], True),
            (ActionRestart(), [], True),
        ):
            copies.clear()
            ours = asyncio.run(run(action, events, rasas=False))
            assert copies == [copied], action.name()
            rasas = asyncio.run(run(action, events, rasas=True))
            assert [(t, {k: v for k, v in d.items() if k != "timestamp"}) for t, d in ours] == [
                (t, {k: v for k, v in d.items() if k != "timestamp"}) for t, d in rasas
            ]
    finally:
        DialogueStateTracker.copy = copy  # type: ignore[method-assign]


def test_the_actions_run_on_the_tracker_only_read_it():
    """What makes `skip_copies_for_read_only_actions` safe, checked on Rasa's source so that
    an upgrade that changes it fails here: `_run_action` copies once, for the action; the
    actions handed the tracker itself never change it (no `update`, no assignment to it or
    its attributes; a response reads the slots); a custom action sends its state
    (`current_state`)."""
    import ast
    import inspect
    import textwrap

    from rasa.core.processor import MessageProcessor

    from bot.rasa_adapter.runtime import read_only_actions

    source = inspect.getsource(MessageProcessor._run_action.__wrapped__)
    assert source.count(".copy()") == 1 and "temporary_tracker = tracker.copy()" in source
    for action in read_only_actions():
        tree = ast.parse(textwrap.dedent(inspect.getsource(action)))
        names = {"tracker", "temporary_tracker"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id in names:
                    assert node.attr in {"current_state", "sender_id"}, (action, node.attr)
                    assert isinstance(node.ctx, ast.Load), action
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                assert not any(isinstance(t, ast.Name) and t.id in names for t in targets)
    # A response's text is filled in from the slots (the templated generator reads nothing else).
    from rasa.core.nlg import generator, response

    for module in (generator, response):
        tree = ast.parse(inspect.getsource(module))
        used = {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "tracker"
        }
        assert used == {"current_slot_values"}, module.__name__


def test_rule_states_are_written_out_only_for_a_debug_log_that_is_on(monkeypatch):
    import ast
    import inspect
    import logging
    import textwrap

    import structlog
    from rasa.core.policies import rule_policy

    from bot.rasa_adapter.runtime import skip_unlogged_rule_states

    skip_unlogged_rule_states()
    skip_unlogged_rule_states()  # once
    written = rule_policy.RulePolicy.format_tracker_states
    assert getattr(written, "jaga_cached", False)
    states = [{"user": {"intent": "greet"}, "prev_action": {"action_name": "action_listen"}}]
    rasas = written.__wrapped__(states)
    assert "user intent: greet" in rasas

    def logger(level: int) -> Any:
        wrapper = structlog.make_filtering_bound_logger(level)
        return structlog.wrap_logger(structlog.PrintLogger(), wrapper_class=wrapper)

    monkeypatch.setattr(rule_policy, "structlogger", logger(logging.WARNING))
    assert written(states) == ""
    monkeypatch.setattr(rule_policy, "structlogger", logger(logging.DEBUG))
    assert written(states) == rasas
    # Checked on Rasa's source: the text goes to `structlogger.debug` and nowhere else.
    source = textwrap.dedent(inspect.getsource(rule_policy.RulePolicy._find_action_from_rules))
    tree = ast.parse(source)
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "current_states"]
    assert len(uses) == 2  # set, then passed to the debug log
    debug_calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "debug"
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == "structlogger"
    ]
    inside = {id(n) for call in debug_calls for n in ast.walk(call)}
    assert sum(id(use) in inside for use in uses) == 1
    assert "format_tracker_states" not in inspect.getsource(rule_policy.RulePolicy._predict)


def test_applied_events_are_rasas_for_plain_and_other_conversations():
    """Plain conversations (appends, restarts, new sessions) by class; reverts, loops and
    anything else through Rasa's own walk; the same events either way."""
    import random

    from rasa.shared.core.events import (
        ActionReverted,
        ActiveLoop,
        AllSlotsReset,
        BotUttered,
        DefinePrevUserUtteredFeaturization,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_adapter.runtime import plain_applied_events

    plain_applied_events()
    plain_applied_events()  # once
    ours = DialogueStateTracker.applied_events
    assert getattr(ours, "jaga_cached", False)
    rasas = ours.__wrapped__
    kinds = [
        lambda: ActionExecuted("action_listen"),
        lambda: ActionExecuted("utter_greet"),
        lambda: ActionExecuted("some_form"),
        lambda: UserUttered("hi", {"name": "greet", "confidence": 1.0}),
        lambda: BotUttered("hello"),
        lambda: SlotSet("lang", "ms"),
        lambda: DefinePrevUserUtteredFeaturization(False),
        lambda: AllSlotsReset(),
        lambda: SessionStarted(),
        lambda: Restarted(),
    ]
    others = [
        lambda: ActionReverted(),
        lambda: UserUtteranceReverted(),
        lambda: ActiveLoop("some_form"),
        lambda: ActiveLoop(None),
    ]
    chance = random.Random(7)
    walked = 0
    for trial in range(400):
        pool = kinds + (others if trial % 2 else [])
        tracker = DialogueStateTracker("child", None)
        for _ in range(chance.randint(0, 30)):
            tracker.events.append(chance.choice(pool)())
        expected = rasas(tracker)
        assert ours(tracker) == expected
        assert all(a is b for a, b in zip(ours(tracker), expected, strict=True))
        walked += trial % 2
    assert walked


def test_rasas_applied_events_special_cases_only_those_classes():
    """What `plain_applied_events` relies on, checked on Rasa's source: its walk treats only
    restarts and new sessions, reverts, loops (ActiveLoop names) and loop actions specially;
    every other event is appended."""
    import ast
    import inspect
    import textwrap

    from rasa.shared.core.trackers import DialogueStateTracker

    source = textwrap.dedent(inspect.getsource(DialogueStateTracker.applied_events.__wrapped__))
    tested = {
        node.id
        for call in ast.walk(ast.parse(source))
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "isinstance"
        for node in ast.walk(call.args[1])
        if isinstance(node, ast.Name)
    }
    assert tested == {
        "ActiveLoop",
        "Restarted",
        "SessionStarted",
        "ActionReverted",
        "UserUtteranceReverted",
        "ActionExecuted",
    }
