"""Runs a loaded Rasa model's graph in order, in the calling thread, without dask.

Rasa 3.6 runs every prediction (the NLU pipeline of each message, the policies of each next
action) through `DaskGraphRunner`, which hands the graph to `dask.get`: a general scheduler
that builds dependency sets, a ready queue and callbacks for every node on every call. For
Jaga's graphs (a dozen nodes, one thread) that bookkeeping was 17% of a Telegram front end's
CPU under load (docs/benchmarks.md). `SequentialGraphRunner` is the same runner with the
same graph, the same node objects, the same inputs and the same results; only the "call the
nodes a target needs, each once, after what it needs" step is a plain recursive walk, and the
minimal graph for each set of targets is worked out once instead of per call.

Used only to serve (`use_sequential_graph_runner`, called by `load_agent`); training keeps
Rasa's own runner.

Within one run (one prediction of the next action) the policies ask for the same tracker's
past states several times: RulePolicy twice (once for the text, once for the intent of the
last message), MemoizationPolicy once with other options, and each time Rasa replays the whole
conversation. `cache_past_states` makes a run replay each tracker once and build each
caller's states from that replay; within a turn (`past_states_per_turn`) the replays are kept
with the tracker, so the next prediction, and the next turn when it starts from the same
tracker (`bot.rasa_adapter.tracker_store.TurnTrackerStore`), replays only the events added
since.
"""

from __future__ import annotations

import copy
import logging
import weakref
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import islice
from typing import Any, Dict, Iterator, List, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

from bot.rasa_adapter.patching import is_patched, patch

logger = logging.getLogger(__name__)


class SequentialGraphRunner(DaskGraphRunner):
    """`DaskGraphRunner` with the dask scheduler replaced by an in-order walk."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._graphs: dict[tuple[str, ...], dict[str, Any]] = {}  # per set of targets

    def run(
        self,
        inputs: Dict[str, Any] | None = None,
        targets: List[str] | None = None,
    ) -> Dict[str, Any]:
        if _PAST_STATES.get() is not None:  # within a turn (`past_states_per_turn`)
            return self._run(inputs, targets)
        token = _PAST_STATES.set([])  # a prediction's past states live as long as its run
        try:
            return self._run(inputs, targets)
        finally:
            _PAST_STATES.reset(token)

    def _run(self, inputs: Dict[str, Any] | None, targets: List[str] | None) -> Dict[str, Any]:
        run_targets = list(targets) if targets else list(self._graph_schema.target_names)
        graph = dict(self._graph_for(tuple(run_targets)))
        if inputs:
            self._add_inputs_to_graph(inputs, graph)
        done: Dict[str, Any] = {}

        def value(key: str) -> Any:
            if key in done:
                return done[key]
            task = graph[key]
            # A node: (GraphNode, *names of the nodes it needs). An input: (name, value),
            # which is its own value, as in dask.
            if callable(task[0]):
                result = task[0](*(value(need) for need in task[1:]))
            else:
                result = task
            done[key] = result
            return result

        try:
            return dict(value(target) for target in run_targets)
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error

    def _graph_for(self, targets: tuple[str, ...]) -> dict[str, Any]:
        if targets not in self._graphs:
            minimal = self._graph_schema.minimal_graph_schema(list(targets))
            self._graphs[targets] = self._build_dask_graph(minimal)
        return self._graphs[targets]


def use_sequential_graph_runner() -> None:
    """Makes Rasa load models for serving with `SequentialGraphRunner`."""
    from rasa.core import processor

    if processor.DaskGraphRunner is not SequentialGraphRunner:
        processor.DaskGraphRunner = SequentialGraphRunner
    cache_past_states()


# -- past states, one replay --------------------------------------------------------------------

# Inside `SequentialGraphRunner.run`: the replays (`_Replay`); inside `past_states_per_turn`:
# `ON_THE_TRACKER` (each tracker's replays are kept with it); None outside.
_PAST_STATES: ContextVar[list[Any] | None] = ContextVar("jaga_past_states", default=None)
ON_THE_TRACKER: list[Any] = []  # a marker, never filled
REPLAYS = "_jaga_replays"  # the attribute of a tracker that holds its replays


@contextmanager
def past_states_per_turn() -> Iterator[None]:
    """Within this block (one turn: `runtime.handle_turn`, under the conversation's lock), a
    tracker's replays are kept with the tracker (`REPLAYS`), and the next prediction replays
    only the events added since (`_Replay`), in this turn or, for a tracker kept for the next
    turn (`TurnTrackerStore`), in that one. A tracker rebuilt from the store starts without
    them; they go when the tracker goes."""
    token = _PAST_STATES.set(ON_THE_TRACKER)
    try:
        yield
    finally:
        _PAST_STATES.reset(token)


def cache_past_states() -> None:
    """Makes `DialogueStateTracker.past_states` replay a tracker once for the rest of a
    `SequentialGraphRunner` run (or of a turn, `past_states_per_turn`), per tracker, domain
    and `omit_unset_slots`: the replay's steps are kept (`_Replay`) and each call builds its
    states from them as Rasa's `Domain.states_for_tracker_history` builds them from its own
    replay (`_states`), RulePolicy's and MemoizationPolicy's options alike. Every call gets
    states of its own (callers change them), shared between themselves where Rasa's are.
    Outside a run, and in training, it is Rasa's own method."""
    from rasa.shared.core.trackers import DialogueStateTracker

    if is_patched(DialogueStateTracker, "past_states"):
        return
    original = DialogueStateTracker.past_states

    def past_states(
        self: Any,
        domain: Any,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Dict[str, Any] | None = None,
    ) -> List[Dict[str, Any]]:
        cache = _PAST_STATES.get()
        if cache is None:
            return original(self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        if cache is ON_THE_TRACKER:
            cache = self.__dict__.setdefault(REPLAYS, [])
        replay = next((r for r in cache if r.serves(self, domain, omit_unset_slots)), None)
        if replay is None:
            replay = _Replay(self, domain, omit_unset_slots)
            cache[:] = [r for r in cache if r.domain is domain]  # none for a reloaded model's
            cache.append(replay)
        steps = replay.steps()
        return _states(steps, domain, ignore_rule_only_turns, rule_only_data, replay.mutable)

    patch(DialogueStateTracker, "past_states", past_states)


# One step of a replay: whether the turn is hidden from ML policies, whether that may change
# at this step, the previous action's sub-state, and the active state.
Step = Tuple[bool, bool, Any, Dict[str, Any]]


class _Replay:
    """The steps `Domain.states_for_tracker_history` reads from a tracker's prior trackers
    (`DialogueStateTracker.generate_all_prior_trackers`), for any options: one replay. When
    the tracker has grown since (the next prediction of the turn: an action and its events
    appended), only the new events are replayed, from where the last replay stopped, if
    Rasa's `applied_events` would just append them: none of them restarts, starts a session
    or reverts anything, and the conversation has no loop (form). Otherwise all of it. It
    holds its tracker weakly: kept on the tracker (`REPLAYS`), it must not keep it alive."""

    def __init__(self, tracker: Any, domain: Any, omit_unset_slots: bool) -> None:
        self.tracker_ref = weakref.ref(tracker)
        self.domain, self.omit_unset_slots = domain, omit_unset_slots
        self.count = -1  # the number of events replayed; -1: none yet
        self.last: Any = None  # the last of them
        self.prior: Any = None  # the replaying tracker, after all of them
        self.kept: List[Step] = []
        self.loops = False  # the conversation has `active_loop` events: always replay all
        # The keys of each sub-state of the steps whose values callers could change, found
        # once (`_states`); by id, each with its sub-state, which keeps that id its own.
        self.mutable: Dict[int, Tuple[Any, Tuple[str, ...]]] = {}

    def serves(self, tracker: Any, domain: Any, omit_unset_slots: bool) -> bool:
        return (
            tracker is self.tracker_ref()
            and domain is self.domain
            and omit_unset_slots == self.omit_unset_slots
        )

    def steps(self) -> List[Step]:
        from rasa.shared.core.events import (
            ActionExecuted,
            ActionReverted,
            ActiveLoop,
            Restarted,
            SessionStarted,
            UserUtteranceReverted,
        )

        resets = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted, ActiveLoop)

        tracker: Any = self.tracker_ref()  # alive: `serves` has just been asked about it
        events = tracker.events
        count = len(events)
        last = events[-1] if count else None
        if count == self.count and last is self.last:
            return self.kept
        new = None
        if 0 < self.count < count and events[self.count - 1] is self.last and not self.loops:
            new = list(islice(events, self.count, None))
            if any(isinstance(event, resets) for event in new):
                new = None  # Rasa's applied_events would do more than append them
        if new is None:  # from the start, as Rasa's generate_all_prior_trackers
            prior = tracker.init_copy()
            applied = tracker.applied_events()
            steps: List[Step] = []
            self.loops = any(isinstance(e, ActiveLoop) for e in events)
            self.mutable = {}  # new steps, new sub-states
        else:  # on from the last replay; its final step (the tracker as it was) is redone
            prior, applied, steps = self.prior, new, self.kept[:-1]
        for event in applied:
            if isinstance(event, ActionExecuted):
                steps.append(self._step(prior, event.hide_rule_turn))
            prior.update(event)
        steps.append(self._step(prior, False))
        self.count, self.last, self.prior, self.kept = count, last, prior, steps
        return steps

    def _step(self, prior: Any, hide_rule_turn: bool) -> Step:
        domain = self.domain
        return (
            hide_rule_turn,
            not prior.followup_action and not prior.latest_action_name == prior.active_loop_name,
            domain._get_prev_action_sub_state(prior),
            domain.get_active_state(prior, omit_unset_slots=self.omit_unset_slots),
        )


def _states(
    steps: List[Step],
    domain: Any,
    ignore_rule_only_turns: bool,
    rule_only_data: Dict[str, Any] | None,
    mutable: Dict[int, Tuple[Any, Tuple[str, ...]]] | None = None,
) -> List[Dict[str, Any]]:
    """`Domain.states_for_tracker_history` (Rasa 3.6) over the steps of a replay, on copies:
    the same states, sharing sub-states where Rasa's share them (through one copy per
    sub-state seen in the replay), nothing with the steps or another call. A copy is the
    sub-state's dict with its values that could be changed (not strings, numbers, None, or
    tuples of them) deep-copied; which keys those are is found once per sub-state and kept
    in `mutable` (the replay's: its steps' sub-states are never changed, only copied)."""
    from rasa.shared.core.constants import PREVIOUS_ACTION

    copies: dict[int, Any] = {}
    mutable = {} if mutable is None else mutable

    def own(sub_state: Any) -> Any:
        if not isinstance(sub_state, dict):
            return sub_state
        found = copies.get(id(sub_state))
        if found is None:
            known = mutable.get(id(sub_state))
            if known is None or known[0] is not sub_state:
                keys = tuple(key for key, value in sub_state.items() if not _immutable(value))
                known = mutable[id(sub_state)] = (sub_state, keys)
            found = copies[id(sub_state)] = dict(sub_state)
            for key in known[1]:
                found[key] = copy.deepcopy(sub_state[key])
        return found

    states: List[Dict[str, Any]] = []
    last_ml_action_sub_state = None
    turn_was_hidden = False
    for hide_rule_turn, may_hide, prev_action_sub_state, active_state in steps:
        if ignore_rule_only_turns:
            if not turn_was_hidden:
                last_ml_action_sub_state = own(prev_action_sub_state)
            if may_hide:
                turn_was_hidden = hide_rule_turn
            if turn_was_hidden:
                continue
        state = {key: own(sub_state) for key, sub_state in active_state.items()}
        if ignore_rule_only_turns:
            domain._remove_rule_only_features(state, rule_only_data)
            if states:
                domain._substitute_rule_only_user_input(state, states[-1])
            if last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = last_ml_action_sub_state
        states.append(domain._clean_state(state))
    return states


def _immutable(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_immutable(item) for item in value)
    return value is None or isinstance(value, (str, int, float, bool))
