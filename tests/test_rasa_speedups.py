"""The lookups Jaga remembers for Rasa give exactly what Rasa's own code gives."""

from __future__ import annotations

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
