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
"""

from __future__ import annotations

import logging
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
