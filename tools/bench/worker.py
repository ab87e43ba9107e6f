"""One benchmark measurement, run in a fresh process by `tools.bench.run`.

`python -m tools.bench.worker <mode> --model M --result out.json [...]`

Every mode writes one JSON object to `--result`. The module imports only the standard library
at the top, so that `cold` sees the same imports a front end pays for.

Modes:
  cold        process start -> first reply ready: import, load (+ warm-up turn), first reply
  serve       NLU parse latency, reply latency (fresh and ongoing conversations), peak memory
              and what is loaded in the serving process
  accuracy    held-out intent accuracy / macro-F1 and safety-set recall of the full model
  throughput  updates per second, open loop (`--frontend conversation` or `telegram`)
  bot         one Telegram front end with Rasa in process on Redis (spawned by throughput)
  profile     where a reply's time goes (cProfile of `handle_turn`, grouped)
  train       one full `rasa train` with a fresh graph cache (wall and CPU time)
  importtime  what `import rasa.core.agent` costs, by top-level package (python -X importtime)
  quick       serve, accuracy and throughput on one loaded model (the smoke run)
"""

from __future__ import annotations

import time

_T_START = time.time()  # as close to interpreter start as this module can get

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from tools.bench.common import (  # noqa: E402
    ROOT,
    build,
    cpu_seconds,
    loaded_packages,
    ms,
    peak_rss_mb,
    quiet,
    real_tensorflow,
    rss_mb,
    settings_for,
    texts_for_load,
)

# --- modes -----------------------------------------------------------------------------------


async def _cold(args: argparse.Namespace) -> dict:
    quiet()
    t0 = time.perf_counter()
    wall0 = time.time()
    # What a front end imports before it loads the model; Rasa itself is imported by the
    # load (`load_agent` first keeps TensorFlow out when the model does not use it).
    import bot.core.conversation  # noqa: F401
    import bot.rasa_adapter.runtime  # noqa: F401
    from bot.core.conversation import BaseAssistant, InProcessRasa, build_assistant

    t_import = time.perf_counter()
    loaded: dict[str, float] = {}
    original = InProcessRasa.load.__func__

    def timed_load(cls, settings):
        started = time.perf_counter()
        backend = original(cls, settings)
        loaded["load"] = time.perf_counter() - started
        return backend

    InProcessRasa.load = classmethod(timed_load)  # type: ignore[method-assign]
    assistant: BaseAssistant = await build_assistant(settings_for(args.model), stats=None)
    t_ready = time.perf_counter()
    turn = await assistant.respond("cold-start-user", args.text)
    t_first = time.perf_counter()
    await assistant.close()
    return {
        "t_start_epoch": _T_START,
        "t_import_start_epoch": wall0,
        "t_first_reply_epoch": time.time(),
        "import_s": t_import - t0,
        "load_s": loaded.get("load"),
        "warmup_s": (t_ready - t_import) - loaded.get("load", 0.0),
        "build_assistant_s": t_ready - t_import,
        "first_reply_s": t_first - t_ready,
        "in_process_total_s": t_first - t0 + (wall0 - _T_START),
        "degraded": turn.degraded,
        "first_intent": turn.intent,
        "peak_rss_mb": peak_rss_mb(),
        "cpu_s": cpu_seconds(),
        "tensorflow_imported": real_tensorflow(),
        "modules_loaded": len(sys.modules),
    }


async def _serve(args: argparse.Namespace, assistant: Any = None) -> dict:
    quiet()
    import gc
    import uuid

    own = assistant is None
    if own:
        assistant = await build(args.model)
    agent = assistant._backend.agent
    texts = texts_for_load()
    result: dict[str, Any] = {"rss_after_load_mb": rss_mb(), "peak_after_load_mb": peak_rss_mb()}

    # NLU parse: the model's NLU graph only (normaliser ... safety net, language, age).
    for text in texts[:20]:
        await agent.parse_message(text)
    parse = []
    for i in range(args.parses):
        text = texts[i % len(texts)]
        started = time.perf_counter()
        await agent.parse_message(text)
        parse.append(time.perf_counter() - started)
    result["parse_ms"] = [ms(x) for x in parse]

    # Full replies through the conversation module: redaction, NLU, policies, actions, replies.
    gc.collect()
    fresh, ongoing, degraded = [], [], 0
    turns_per_conversation = max(2, args.turns)
    n_conversations = max(1, args.replies // turns_per_conversation)
    k = 0
    for c in range(n_conversations):
        sender = f"bench-{uuid.uuid4().hex}"
        for t in range(turns_per_conversation):
            text = texts[k % len(texts)]
            k += 1
            started = time.perf_counter()
            turn = await assistant.respond(sender, text)
            elapsed = time.perf_counter() - started
            degraded += int(turn.degraded)
            (fresh if t == 0 else ongoing).append(elapsed)
        if c % 2 == 0:
            await assistant.forget(sender)  # half the conversations stay in the store
    result["reply_fresh_ms"] = [ms(x) for x in fresh]
    result["reply_ongoing_ms"] = [ms(x) for x in ongoing]
    result["reply_ms"] = [ms(x) for x in fresh + ongoing]
    result["degraded"] = degraded
    result["conversations"] = n_conversations
    result["turns_per_conversation"] = turns_per_conversation
    result["peak_rss_mb"] = peak_rss_mb()
    result["rss_end_mb"] = rss_mb()
    result["tensorflow_imported"] = real_tensorflow()
    result["modules_loaded"] = len(sys.modules)
    result["packages"] = loaded_packages()  # where the memory goes: what is imported
    if own:
        await assistant.close()
    return result


async def _accuracy(args: argparse.Namespace, agent: Any = None) -> dict:
    quiet()
    from tools import nlu_eval

    if agent is None:
        agent = nlu_eval.load_agent(args.model)
    examples = nlu_eval.load_heldout()
    if args.limit and args.limit < len(examples):  # evenly spaced: every intent, language
        step = len(examples) / args.limit
        examples = [examples[int(i * step)] for i in range(args.limit)]

    async def run(texts):
        return [nlu_eval._prediction(t, await agent.parse_message(t)) for t in texts]

    preds = await run([e.text for e in examples])
    heldout = nlu_eval.evaluate_heldout(examples, preds)
    safety = nlu_eval.load_safety_set()
    pos = await run([p["text"] for p in safety["positives"]])
    neg = await run([n["text"] for n in safety["negatives"]])
    report = nlu_eval.evaluate_safety(safety, [p.intent for p in pos], [p.intent for p in neg])
    all_hits = sum(r["hits"] for r in report["recall"].values())
    all_n = sum(r["n"] for r in report["recall"].values())
    crisis = report["recall"].get("crisis") or {"hits": 0, "n": 0, "rate": None}
    return {
        "heldout_n": heldout["n"],
        "accuracy": heldout["accuracy"],
        "macro_f1": heldout["macro_f1"],
        "per_language": heldout["per_language"],
        "crisis_recall": crisis["rate"],
        "crisis_hits": crisis["hits"],
        "crisis_n": crisis["n"],
        "safety_recall_all": round(all_hits / all_n, 4) if all_n else None,
        "safety_recall": {c: r["rate"] for c, r in report["recall"].items()},
        "false_alarm_rate": report["false_alarms"]["rate"],
        "crisis_missed": [m["text"] for m in report["missed"] if m["category"] == "crisis"],
    }


async def _throughput(args: argparse.Namespace, assistant: Any = None) -> dict:
    quiet()
    from tools.bench import throughput

    if args.frontend == "telegram":
        return await throughput.telegram(args)
    return await throughput.conversation(args, assistant)


async def _bot(args: argparse.Namespace) -> dict:
    quiet()
    from tools.bench import throughput

    return await throughput.serve_bot(args)


async def _profile(args: argparse.Namespace) -> dict:
    quiet()
    from tools.bench import turn_profile

    return await turn_profile.run(args)


async def _quick(args: argparse.Namespace) -> dict:
    """serve, accuracy and throughput on one loaded model: the smoke run has no time for three."""
    assistant = await build(args.model)
    result = await _serve(args, assistant)
    result["accuracy"] = await _accuracy(args, assistant._backend.agent)
    from tools.bench import throughput

    result["throughput_conversation"] = await throughput.conversation(args, assistant)
    await assistant.close()
    return result


def _train(args: argparse.Namespace) -> dict:
    """A full training run with an empty graph cache, as `make train` runs it."""
    import subprocess
    import tempfile

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jaga-bench-cache-") as cache:
        env = dict(
            os.environ, RASA_CACHE_DIRECTORY=cache, TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0"
        )
        command = [
            str(Path(sys.executable).with_name("rasa")),
            "train",
            "--config",
            args.config,
            "--domain",
            "domain.yml",
            "--data",
            "nlu_data",
            "stories",
            "--out",
            str(out.parent),
            "--fixed-model-name",
            out.name.replace(".tar.gz", ""),
            "--force",
            "--quiet",
            *args.train_args.split(),
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or not out.exists():
        return {
            "error": f"rasa train failed ({done.returncode})",
            "stderr": done.stderr[-3000:],
            "stdout": done.stdout[-2000:],
        }
    return {
        "train_s": wall,
        "train_cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "train_peak_rss_mb": after.ru_maxrss / 1024,
        "model": str(out),
        "model_mb": out.stat().st_size / 1e6,
    }


def _importtime(args: argparse.Namespace) -> dict:
    """Self time of `import rasa.core.agent` by top-level package, as a serving process pays
    for it (TensorFlow kept out, as `load_agent` does for a TensorFlow-free model)."""
    import subprocess

    code = (
        "from bot.rasa_adapter import tf_guard; tf_guard.block_tensorflow(); import rasa.core.agent"
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    self_us: dict[str, int] = {}
    total = 0
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        try:
            own = int(line.split(":", 1)[1].split("|", 2)[0])
            top = line.rsplit("|", 1)[1].strip().split(".")[0]
        except (ValueError, IndexError):
            continue
        self_us[top] = self_us.get(top, 0) + own
        total += own
    ranked = sorted(self_us.items(), key=lambda kv: -kv[1])
    return {
        "wall_s": wall,
        "total_self_s": total / 1e6,
        "by_package_s": {k: round(v / 1e6, 3) for k, v in ranked[:15]},
        "statement": code,
    }


MODES = {
    "cold": _cold,
    "serve": _serve,
    "accuracy": _accuracy,
    "throughput": _throughput,
    "profile": _profile,
    "bot": _bot,
    "train": _train,
    "importtime": _importtime,
    "quick": _quick,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.worker")
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--model", default=str(ROOT / "models"))
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--out", default="")
    parser.add_argument("--result", required=True)
    parser.add_argument("--text", default="hi")
    parser.add_argument("--parses", type=int, default=500)
    parser.add_argument("--replies", type=int, default=300)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--train-args", default="", help="extra `rasa train` options")
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--rates", default="")
    parser.add_argument("--max-p95-ms", type=float, default=250.0)
    parser.add_argument("--frontend", default="telegram", choices=["telegram", "conversation"])
    parser.add_argument("--processes", default="1,2", help="bot processes (telegram), e.g. 1,2")
    parser.add_argument("--redis", default="", help="redis:// URL (default: REDIS_HOST, db 7)")
    parser.add_argument("--key-prefix", default="jagabench")
    parser.add_argument("--port", type=int, default=0, help="webhook port (bot)")
    parser.add_argument("--api-url", default="", help="the fake Bot API (bot)")
    parser.add_argument("--turns-profiled", type=int, default=300)
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    function = MODES[args.mode]
    try:
        if asyncio.iscoroutinefunction(function):
            result = asyncio.run(function(args))
        else:
            result = function(args)
    except Exception as error:  # noqa: BLE001 - reported as a failed measurement
        import traceback

        result = {
            "error": f"{type(error).__name__}: {error}",
            "traceback": traceback.format_exc()[-4000:],
        }
        print(result["traceback"], file=sys.stderr, flush=True)
    result.setdefault("peak_rss_mb_process", peak_rss_mb())
    Path(args.result).write_text(json.dumps(result), encoding="utf-8")
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
