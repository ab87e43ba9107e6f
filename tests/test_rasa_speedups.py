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
