"""Where a reply's time goes: cProfile of `bot.rasa_adapter.runtime.handle_turn`, grouped into the
steps of a Rasa turn. Times are cumulative per turn (a step includes what it calls), measured
under the profiler (which inflates everything ~2x), so read the shares, not the absolute values.
"""

from __future__ import annotations

import cProfile
import pstats
import time
import uuid
from typing import Any

# (label, path suffix, function name). Cumulative time of each, per turn.
BUCKETS = (
    ("handle_turn (whole turn, under lock)", "bot/rasa_adapter/runtime.py", "handle_turn"),
    ("  log_message: fetch tracker + NLU", "rasa/core/processor.py", "log_message"),
    (
        "    fetch tracker (store retrieve, session)",
        "rasa/core/processor.py",
        "fetch_tracker_and_update_session",
    ),
    ("      tracker store: deserialise", "rasa/core/tracker_store.py", "deserialise_tracker"),
    ("    NLU: parse_message", "rasa/core/processor.py", "parse_message"),
    (
        "  extract slots (action_extract_slots)",
        "rasa/core/processor.py",
        "run_action_extract_slots",
    ),
    ("  prediction loop", "rasa/core/processor.py", "_run_prediction_loop"),
    (
        "    policy ensemble (predict next action)",
        "rasa/core/processor.py",
        "_predict_next_with_tracker",
    ),
    ("    run actions", "rasa/core/processor.py", "_run_action"),
    ("      custom action call (RemoteAction.run)", "rasa/core/actions/action.py", "run"),
    ("        tracker -> JSON (current_state)", "rasa/shared/core/trackers.py", "current_state"),
    ("        domain -> dict (as_dict)", "rasa/shared/core/domain.py", "as_dict"),
    ("        rasa-sdk executor", "rasa_sdk/executor.py", "run"),
    ("      responses (NLG)", "rasa/core/nlg/generator.py", "generate"),
    ("  save tracker", "rasa/core/processor.py", "save_tracker"),
    ("    tracker store: serialise", "rasa/core/tracker_store.py", "serialise_tracker"),
    (
        "domain: states for tracker (featurise)",
        "rasa/shared/core/domain.py",
        "states_for_tracker_history",
    ),
    ("tracker: past_states", "rasa/shared/core/trackers.py", "past_states"),
    ("events: apply_to (replay)", "rasa/shared/core/events.py", "apply_to"),
)

# NLU components' process(), per component module.
COMPONENT_HINTS = ("rasa/nlu/", "components/")


def _group(stats: pstats.Stats, turns: int) -> tuple[list[dict], list[dict], list[dict]]:
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    buckets = []
    for label, suffix, name in BUCKETS:
        cumulative = 0.0
        calls = 0
        for (path, _line, func), (_cc, nc, _tt, ct, _callers) in raw.items():
            if func != name or not path.replace("\\", "/").endswith(suffix):
                continue
            cumulative += ct
            calls += nc
        buckets.append(
            {
                "step": label,
                "ms_per_turn": round(cumulative / turns * 1000, 3),
                "calls_per_turn": round(calls / turns, 2),
            }
        )
    components = []
    for (path, _line, func), (_cc, _nc, _tt, ct, _callers) in raw.items():
        norm = path.replace("\\", "/")
        if func in ("process", "process_training_data") and any(h in norm for h in COMPONENT_HINTS):
            short = norm.split("site-packages/")[-1]
            components.append({"component": short, "ms_per_turn": round(ct / turns * 1000, 3)})
    components.sort(key=lambda c: -c["ms_per_turn"])
    own = sorted(raw.items(), key=lambda kv: -kv[1][2])[:20]
    top_self = [
        {
            "function": f"{p.split('site-packages/')[-1]}:{line}({f})",
            "self_ms_per_turn": round(tt / turns * 1000, 3),
            "calls_per_turn": round(nc / turns, 1),
        }
        for (p, line, f), (_cc, nc, tt, _ct, _callers) in own
    ]
    return buckets, components, top_self


async def run(args) -> dict:
    from bot.rasa_adapter.runtime import handle_turn
    from tools.bench.common import build, peak_rss_mb, texts_for_load

    assistant = await build(args.model)
    agent = assistant._backend.agent
    texts = texts_for_load()
    turns = max(20, args.turns_profiled)
    per_conversation = max(2, args.turns)
    for i in range(30):
        await handle_turn(agent, f"warm-{i % 3}", texts[i % len(texts)])
    # unprofiled reference timing of the same turns
    senders = [f"prof-{uuid.uuid4().hex}" for _ in range(turns // per_conversation + 1)]
    started = time.perf_counter()
    for i in range(turns):
        await handle_turn(agent, senders[i // per_conversation] + "-ref", texts[i % len(texts)])
    plain_ms = (time.perf_counter() - started) / turns * 1000
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(turns):
        await handle_turn(agent, senders[i // per_conversation], texts[i % len(texts)])
    profiler.disable()
    stats = pstats.Stats(profiler)
    buckets, components, top_self = _group(stats, turns)
    await assistant.close()
    return {
        "turns": turns,
        "turns_per_conversation": per_conversation,
        "handle_turn_ms_unprofiled": round(plain_ms, 3),
        "steps": buckets,
        "components": components[:20],
        "top_self": top_self,
        "peak_rss_mb": peak_rss_mb(),
    }
