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
conversation. `cache_past_states` makes a run compute them once per tracker and options and
hand out copies (callers change the lists they get).
"""

from __future__ import annotations

import copy
import logging
from contextvars import ContextVar
from typing import Any, Dict, List

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

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


# -- past states, once per run ------------------------------------------------------------------

# Inside `SequentialGraphRunner.run`: (tracker, its number of events, its last event, domain,
# options, the states computed); None outside a run.
_PAST_STATES: ContextVar[list[tuple[Any, ...]] | None] = ContextVar(
    "jaga_past_states", default=None
)


def cache_past_states() -> None:
    """Makes `DialogueStateTracker.past_states` remember its result for the rest of a
    `SequentialGraphRunner` run, per tracker (unchanged: same events), domain and options.
    Each caller gets its own copy, as deep as the states go (shared parts stay shared, as Rasa
    builds them). Outside a run, and in training, it is Rasa's own method."""
    from rasa.shared.core.trackers import DialogueStateTracker

    if getattr(DialogueStateTracker.past_states, "jaga_cached", False):
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
        count = len(self.events)
        last = self.events[-1] if count else None
        options = (omit_unset_slots, ignore_rule_only_turns)
        for tracker, seen, seen_last, seen_domain, seen_options, seen_data, states in cache:
            if (
                tracker is self
                and seen == count
                and seen_last is last
                and seen_domain is domain
                and seen_options == options
                and seen_data == rule_only_data
            ):
                return copy_states(states)
        states = original(self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        kept = copy_states(states)  # nobody else holds this one
        cache.append((self, count, last, domain, options, copy.deepcopy(rule_only_data), kept))
        return states

    past_states.jaga_cached = True  # type: ignore[attr-defined]
    DialogueStateTracker.past_states = past_states


def copy_states(states: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """A copy of a list of Rasa states (state -> sub-state -> value) that shares nothing with
    it and keeps what it shares within itself shared (Rasa reuses one sub-state in several
    states). Values are strings and tuples; anything else is copied by `copy.deepcopy`."""
    copies: dict[int, Any] = {}

    def copied(item: Any) -> Any:
        found = copies.get(id(item))
        if found is None:
            found = copies[id(item)] = {
                key: value if _immutable(value) else copy.deepcopy(value)
                for key, value in item.items()
            }
        return found

    result = []
    for state in states:
        found = copies.get(id(state))
        if found is None:
            found = copies[id(state)] = {key: copied(sub) for key, sub in state.items()}
        result.append(found)
    return result


def _immutable(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_immutable(item) for item in value)
    return value is None or isinstance(value, (str, int, float, bool))
