"""Serving runs Rasa's graph without dask, with exactly the results Rasa's own runner gives."""

from __future__ import annotations

import asyncio
import copy

import pytest
from rasa.core.channels import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_adapter.graph_runner import SequentialGraphRunner

TEXTS = [
    "hi",
    "someone says he will post my pictures unless i pay rm500",
    "abang dari game tu nak jemput aku kat sekolah esok, jangan bagitau mak",
    "我不想活了",
    "what is grooming",
]


@pytest.fixture(scope="module")
def processor(rasa_backend):
    return rasa_backend.agent.processor


def test_the_loaded_model_is_served_by_the_sequential_runner(processor):
    assert type(processor.graph_runner) is SequentialGraphRunner


@pytest.mark.parametrize("text", TEXTS)
def test_nlu_results_are_the_same_as_with_dask(processor, text):
    ours = processor.graph_runner
    rasa_own = DaskGraphRunner.__new__(DaskGraphRunner)
    rasa_own.__dict__.update({k: v for k, v in ours.__dict__.items() if k != "_graphs"})
    target = processor.model_metadata.nlu_target
    tracker = DialogueStateTracker("graph-runner-test", processor.domain.slots)

    def parse(runner) -> dict:
        message = UserMessage(text, message_id="same-message")
        inputs = {PLACEHOLDER_MESSAGE: [message], PLACEHOLDER_TRACKER: tracker}
        return runner.run(inputs=inputs, targets=[target])[target][0].as_dict()

    assert parse(ours) == parse(rasa_own)


def test_a_whole_reply_still_works(rasa_backend):
    from bot.core.conversation import BaseAssistant

    turn = asyncio.run(
        BaseAssistant(rasa_backend, timeout=30.0, stats=None).respond("runner-test", "hi")
    )
    assert turn.intent == "greet" and turn.replies


# -- past states, once per prediction -----------------------------------------------------------


async def _conversation(rasa_backend, sender: str, texts: list[str]) -> DialogueStateTracker:
    from bot.rasa_adapter.runtime import handle_turn

    agent = rasa_backend.agent
    for text in texts:
        await handle_turn(agent, sender, text)
    return await agent.processor.get_tracker(sender)


CONVERSATION = ["hi", "someone online keeps asking for my photos", "ya", "/ask_help_menu", "ok"]


def test_a_prediction_computes_each_past_states_once_and_predicts_as_with_dask(
    rasa_backend, processor, monkeypatch
):
    from rasa.shared.core.domain import Domain

    tracker = asyncio.run(_conversation(rasa_backend, "past-states-test", CONVERSATION))
    computed = []
    states_for = Domain.states_for_tracker_history

    def counted(self, tracker, *args, **kwargs):
        computed.append(kwargs.get("ignore_rule_only_turns"))
        return states_for(self, tracker, *args, **kwargs)

    monkeypatch.setattr(Domain, "states_for_tracker_history", counted)
    ours = processor.graph_runner
    rasa_own = DaskGraphRunner.__new__(DaskGraphRunner)
    rasa_own.__dict__.update({k: v for k, v in ours.__dict__.items() if k != "_graphs"})
    target = processor.model_metadata.core_target

    def predict(runner):
        prediction = runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[target])[target]
        return prediction.probabilities, prediction.policy_name, prediction.events

    # at each point of the conversation, as well as at its end
    totals = {"rasa": 0, "ours": 0}
    for length in range(2, len(tracker.events) + 1):
        partial = DialogueStateTracker.from_events(
            tracker.sender_id, list(tracker.events)[:length], processor.domain.slots
        )
        computed.clear()
        rasa_prediction = predict_for(rasa_own, partial, target)
        totals["rasa"] += len(computed)
        computed.clear()
        assert predict_for(ours, partial, target) == rasa_prediction
        assert len(computed) == len(set(computed))  # once per set of options
        totals["ours"] += len(computed)
    asyncio.run(rasa_backend.forget("past-states-test"))
    assert totals["ours"] < totals["rasa"]
    assert predict(ours) == predict(rasa_own)


def predict_for(runner, tracker, target):
    prediction = runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[target])[target]
    return prediction.probabilities, prediction.policy_name, prediction.events


def test_each_caller_gets_its_own_copy_of_the_past_states(rasa_backend, processor):
    from bot.rasa_adapter import graph_runner

    tracker = asyncio.run(_conversation(rasa_backend, "past-states-copy", CONVERSATION))
    domain = processor.domain
    token = graph_runner._PAST_STATES.set([])  # as inside a run
    try:
        first = tracker.past_states(domain)
        expected = copy.deepcopy(first)
        assert expected[-1]["user"]
        first[-1].clear()  # a caller changes what it got (RulePolicy deletes keys)
        second = tracker.past_states(domain)
        assert second == expected and second is not first
        second[-1]["user"].clear()
        assert tracker.past_states(domain) == expected
    finally:
        graph_runner._PAST_STATES.reset(token)
    asyncio.run(rasa_backend.forget("past-states-copy"))


def _sharing(states: list) -> list:
    """Which sub-states of a list of states are one object: (state, key) -> first place."""
    first: dict[int, tuple] = {}
    return [
        [first.setdefault(id(sub), (i, key)) for key, sub in sorted(state.items())]
        for i, state in enumerate(states)
    ]


def _parts(states: list) -> set[int]:
    return {id(s) for s in states} | {id(sub) for s in states for sub in s.values()}


def test_states_from_one_replay_are_rasas_for_every_option(rasa_backend, processor):
    """`_states` over one replay gives what Rasa's `states_for_tracker_history` gives, value
    for value and shared sub-state for shared sub-state, with either policy's options and
    with rule-only slots and loops to remove; and shares nothing with another call."""
    from rasa.shared.core.constants import RULE_ONLY_LOOPS, RULE_ONLY_SLOTS
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

    from bot.rasa_adapter.graph_runner import _Replay, _states

    domain = processor.domain
    rule_policy = next(
        n._component
        for n in processor.graph_runner._instantiated_nodes.values()
        if type(n._component).__name__ == "RulePolicy"
    )
    slot_names = [slot.name for slot in domain.slots]
    rule_only = [
        None,
        rule_policy._get_rule_only_data(),
        {RULE_ONLY_SLOTS: slot_names[:3], RULE_ONLY_LOOPS: []},
    ]
    tracker = asyncio.run(_conversation(rasa_backend, "past-states-rasa", CONVERSATION))
    asyncio.run(rasa_backend.forget("past-states-rasa"))
    # and turns only rules know (hidden from ML policies), where Rasa's states share parts
    hidden = [
        UserUttered("hi", {"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet", hide_rule_turn=True),
        ActionExecuted("action_listen", hide_rule_turn=True),
        UserUttered("ok", {"name": "affirm", "confidence": 1.0}),
        ActionExecuted("utter_greet"),
        ActionExecuted("action_listen"),
        UserUttered("bye", {"name": "goodbye", "confidence": 1.0}),
        ActionExecuted("utter_greet", hide_rule_turn=True),
        SlotSet(slot_names[0], None),
        ActionExecuted("action_listen", hide_rule_turn=True),
    ]
    conversations = [list(tracker.events), list(tracker.events)[:6] + hidden]
    checked = shared = 0
    for events, length in [(e, n) for e in conversations for n in range(1, len(e) + 1)]:
        partial = DialogueStateTracker.from_events(tracker.sender_id, events[:length], domain.slots)
        for omit in (False, True):
            replay = _Replay(partial, domain, omit)
            steps = replay.steps()
            for ignore in (False, True):
                for data in rule_only:
                    rasa = domain.states_for_tracker_history(
                        partial,
                        omit_unset_slots=omit,
                        ignore_rule_only_turns=ignore,
                        rule_only_data=data,
                    )
                    ours = _states(steps, domain, ignore, data, replay.mutable)
                    again = _states(steps, domain, ignore, data, replay.mutable)
                    assert ours == rasa
                    assert _sharing(ours) == _sharing(rasa)
                    places = [id(sub) for state in rasa for sub in state.values()]
                    shared += len(set(places)) < len(places)
                    assert not _parts(ours) & _parts(again)
                    checked += 1
    assert checked > 100 and shared > 0  # (some of Rasa's states do share parts)


def test_within_a_turn_a_grown_tracker_is_replayed_from_where_it_stopped(
    rasa_backend, processor, monkeypatch
):
    """One tracker growing event by event (as a turn's predictions see it): at every length,
    the states equal Rasa's; a conversation that only grows is replayed from the start once;
    a restart, a new session, a reverted action or utterance, or a loop, from the start."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        ActiveLoop,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
        UserUttered,
    )

    from bot.rasa_adapter.graph_runner import past_states_per_turn

    domain = processor.domain
    tracker = asyncio.run(_conversation(rasa_backend, "past-states-grow", CONVERSATION))
    asyncio.run(rasa_backend.forget("past-states-grow"))
    real = list(tracker.events)
    user = UserUttered("ok", {"name": "affirm", "confidence": 1.0})
    slot = next(iter(domain.slots)).name
    odd = [
        ActionExecuted("utter_greet", hide_rule_turn=True),
        ActionExecuted("action_listen", hide_rule_turn=True),
        user,
        ActionExecuted("utter_greet"),
        ActionReverted(),
        ActionExecuted("action_listen"),
        UserUttered("hm", {"name": "deny", "confidence": 1.0}),
        UserUtteranceReverted(),
        SlotSet(slot, None),
        Restarted(),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        user,
        ActiveLoop("some_form"),
        ActionExecuted("some_form"),
        ActiveLoop(None),
        ActionExecuted("action_listen"),
    ]
    full_replays = []
    applied = DialogueStateTracker.applied_events

    def counted(self):
        full_replays.append(len(self.events))
        return applied(self)

    rule_only = {"slots": [slot], "loops": ["some_form"]}
    for events in (real, real + odd):
        grown = DialogueStateTracker(tracker.sender_id, domain.slots)
        full_replays.clear()
        with past_states_per_turn():
            for event in events:
                grown.update(event)
                monkeypatch.setattr(DialogueStateTracker, "applied_events", counted)
                ours = [
                    grown.past_states(domain, ignore_rule_only_turns=i, rule_only_data=d)
                    for i in (False, True)
                    for d in (None, rule_only)
                ]
                monkeypatch.setattr(DialogueStateTracker, "applied_events", applied)
                rasa = [
                    domain.states_for_tracker_history(
                        grown, ignore_rule_only_turns=i, rule_only_data=d
                    )
                    for i in (False, True)
                    for d in (None, rule_only)
                ]
                assert ours == rasa
                assert [_sharing(s) for s in ours] == [_sharing(s) for s in rasa]
        if events is real:  # the first two events start the session; then only what is added
            assert full_replays == [1, 2]
        else:
            assert len(full_replays) > 5


def test_a_tracker_kept_for_the_next_turn_is_replayed_from_where_it_stopped(
    rasa_backend, processor, monkeypatch
):
    """The replays go with the tracker from one turn to the next (a tracker kept by
    `TurnTrackerStore`): the next turn's states equal Rasa's without replaying from the
    start; a run outside a turn replays for itself; the replays do not keep a tracker alive."""
    import gc
    import weakref

    from bot.rasa_adapter.graph_runner import REPLAYS, past_states_per_turn

    domain = processor.domain
    tracker = asyncio.run(_conversation(rasa_backend, "past-states-turns", CONVERSATION))
    asyncio.run(rasa_backend.forget("past-states-turns"))
    events = list(tracker.events)
    half = len(events) // 2
    full_replays = []
    applied = DialogueStateTracker.applied_events

    def counted(self):
        full_replays.append(len(self.events))
        return applied(self)

    grown = DialogueStateTracker(tracker.sender_id, domain.slots)
    for turn in (events[:half], events[half:]):
        with past_states_per_turn():
            for event in turn:
                grown.update(event)
                monkeypatch.setattr(DialogueStateTracker, "applied_events", counted)
                ours = grown.past_states(domain, ignore_rule_only_turns=True)
                monkeypatch.setattr(DialogueStateTracker, "applied_events", applied)
                rasa = domain.states_for_tracker_history(grown, ignore_rule_only_turns=True)
                assert ours == rasa
    assert full_replays == [1, 2]  # the second turn went on from the first turn's replay
    assert grown.__dict__[REPLAYS]
    monkeypatch.setattr(DialogueStateTracker, "applied_events", counted)
    full_replays.clear()
    assert grown.past_states(domain) == domain.states_for_tracker_history(grown)
    assert full_replays  # outside a turn: Rasa's own replay
    kept = weakref.ref(grown)
    del grown
    gc.collect()
    assert kept() is None


def test_rules_found_through_the_index_are_the_rules_rasa_finds(rasa_backend, processor):
    """RulePolicy's candidate rules (`runtime.index_rules_by_last_action_and_intent`) for the
    states of every prefix of two conversations, by text and by intent, as Rasa finds them;
    and most rules are never tested against the latest state."""
    from rasa.core.policies.rule_policy import RULES, RulePolicy

    from bot.rasa_adapter.runtime import _rule_index

    ours = RulePolicy._get_possible_keys
    assert getattr(ours, "jaga_cached", False)
    rasa = ours.__wrapped__
    policy = next(
        n._component
        for n in processor.graph_runner._instantiated_nodes.values()
        if type(n._component) is RulePolicy
    )
    domain = processor.domain
    lookup = policy.lookup[RULES]
    index = _rule_index(policy, lookup)
    assert index is not None and sum(len(keys) for keys in index.values()) == len(lookup)
    tracker = asyncio.run(_conversation(rasa_backend, "rules-index", CONVERSATION + ["bye"]))
    asyncio.run(rasa_backend.forget("rules-index"))
    events = list(tracker.events)
    found = 0
    for length in range(1, len(events) + 1):
        partial = DialogueStateTracker.from_events(tracker.sender_id, events[:length], domain.slots)
        for by_text in (True, False):
            states = policy._prediction_states(
                partial, domain, by_text, rule_only_data=policy._get_rule_only_data()
            )
            assert ours(policy, lookup, states) == rasa(policy, lookup, states)
            found += bool(rasa(policy, lookup, states))
    assert found > 10
    assert len(index.get((None, None), ())) < len(lookup) / 2
