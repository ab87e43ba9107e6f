"""`make bench`: how fast, how big and how accurate Jaga is, next to Rasa's stock pipeline.

    python -m tools.bench                 # Jaga (config.yml) and stock (benchmarks/)
    python -m tools.bench --skip-stock    # Jaga only, for fast iteration
    python -m tools.bench --quick         # smoke run: the existing models/ model, few repetitions
    python -m tools.bench --candidates other_config.yml   # one more column per config

Writes reports/bench.md and reports/bench.json. Every measurement runs in its own fresh
process (`python -m tools.bench.worker`), so imports and memory are clean. The stock model
takes minutes to train; it is cached in reports/bench-models/ under a fingerprint of its
config and Jaga's data, with the training time measured when it was trained. See
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from tools.bench.common import REPORTS, ROOT, log, machine, summary, version
from tools.bench.report import figures, markdown

MODELS_CACHE = REPORTS / "bench-models"
STOCK_CONFIG = ROOT / "benchmarks" / "config_stock.yml"
DATA_PATHS = ("domain.yml", "nlu_data", "stories")
PYTHON = sys.executable


# --- the machine's load ----------------------------------------------------------------------


class LoadMonitor:
    """Samples the 1-minute load average before every measurement."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self.sample()

    def sample(self) -> None:
        try:
            self.samples.append((time.time(), os.getloadavg()[0]))
        except OSError:
            pass

    def describe(self) -> dict:
        loads = [x for _, x in self.samples]
        cores = os.cpu_count() or 1
        return {
            "samples": len(loads),
            "min": min(loads, default=None),
            "median": statistics.median(loads) if loads else None,
            "max": max(loads, default=None),
            "cores": cores,
        }


# --- models ----------------------------------------------------------------------------------


def fingerprint(config: Path) -> str:
    """Hash of the config, Jaga's data and (when the config uses them) Jaga's components."""
    digest = hashlib.sha256()
    text = Path(config).read_text(encoding="utf-8")
    digest.update(text.encode())
    digest.update(version("rasa").encode())
    paths = [ROOT / p for p in DATA_PATHS]
    if "components." in text:
        paths.append(ROOT / "components")
    for base in paths:
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in files:
            if path.suffix not in (".yml", ".yaml", ".py", ".json", ".txt"):
                continue
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def existing_model() -> Path:
    from tools.nlu_eval import find_model

    return find_model(ROOT / "models")


# --- running workers -------------------------------------------------------------------------


def run_worker(mode: str, *args: str, timeout: float = 1800, env_extra: dict | None = None) -> dict:
    """Runs `python -m tools.bench.worker mode ...` in a fresh process; its JSON result."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result_path = Path(handle.name)
    env = dict(os.environ, PYTHONHASHSEED="0", TF_CPP_MIN_LOG_LEVEL="2", LOG_LEVEL="WARNING")
    env.update(env_extra or {})
    command = [PYTHON, "-m", "tools.bench.worker", mode, "--result", str(result_path), *args]
    spawned = time.time()
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        stderr = done.stderr
    except subprocess.TimeoutExpired as error:
        return {
            "error": f"{mode} timed out after {timeout:.0f} s",
            "stderr": str(error.stderr or "")[-2000:],
        }
    wall = time.perf_counter() - started
    try:
        result = json.loads(result_path.read_text(encoding="utf-8") or "{}")
    except (OSError, json.JSONDecodeError):
        result = {"error": f"{mode} wrote no result (exit {done.returncode})"}
    finally:
        result_path.unlink(missing_ok=True)
    if "error" in result:
        result["stderr"] = stderr[-3000:]
    result["_spawned_epoch"] = spawned
    result["_process_wall_s"] = wall
    return result


# --- the measurements ------------------------------------------------------------------------


class Plan:
    def __init__(self, args: argparse.Namespace) -> None:
        quick = args.quick
        self.quick = quick
        self.cold_starts = args.cold_starts or (1 if quick else 3)
        self.parses = args.parses or (60 if quick else 1000)
        self.replies = args.replies or (40 if quick else 400)
        self.train_repeats = args.train_repeats or (0 if quick else 3)
        self.rates = args.rates or ("100,200" if quick else "")
        self.duration = args.duration or (1.0 if quick else 3.0)
        self.processes = args.processes
        self.max_p95_ms = str(args.max_p95_ms)
        self.profile = not quick and not args.no_profile
        self.throughput = not args.no_throughput


def train_model(
    label: str, config: Path, plan: Plan, *, cache_only: bool, stale_ok: bool = False
) -> dict:
    """Trains (and times) the config; a cached model is reused when `cache_only`.

    With `stale_ok`, the newest cached model of this label is used even if the data changed
    since it was trained (the report says so): the stock model takes many minutes to train.
    """
    fp = fingerprint(config)
    MODELS_CACHE.mkdir(parents=True, exist_ok=True)
    if cache_only and stale_ok and not (MODELS_CACHE / f"{label}-{fp}.tar.gz").exists():
        older = sorted(
            (
                p
                for p in MODELS_CACHE.glob(f"{label}-*.tar.gz")
                if p.with_suffix("").with_suffix(".json").exists()
            ),
            key=lambda p: p.stat().st_mtime,
        )
        if older:
            record = json.loads(older[-1].with_suffix("").with_suffix(".json").read_text())
            log(f"{label}: using {older[-1].name}, trained on older data (fingerprint now {fp})")
            return {
                "model": str(older[-1]),
                "fingerprint": record.get("fingerprint"),
                "fingerprint_now": fp,
                "stale": True,
                "runs": record["runs"],
                "cached": True,
                "trained_at": record.get("trained_at"),
            }
    model = MODELS_CACHE / f"{label}-{fp}.tar.gz"
    record_path = MODELS_CACHE / f"{label}-{fp}.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {"runs": []}
    if cache_only and model.exists() and record.get("runs"):
        log(f"{label}: cached model {model.name} (trained {record.get('trained_at', '?')})")
        return {
            "model": str(model),
            "fingerprint": fp,
            "runs": record["runs"],
            "cached": True,
            "trained_at": record.get("trained_at"),
        }
    repeats = 1 if cache_only else max(1, plan.train_repeats)
    runs = []
    for i in range(repeats):
        log(f"{label}: training {i + 1}/{repeats} ({config.relative_to(ROOT)}) ...")
        result = run_worker("train", "--config", str(config), "--out", str(model), timeout=3600)
        if "error" in result:
            log(f"{label}: training failed: {result['error']}\n{result.get('stderr', '')[-1500:]}")
            return {"error": result["error"], "detail": result.get("stderr", ""), "fingerprint": fp}
        runs.append(
            {k: result[k] for k in ("train_s", "train_cpu_s", "train_peak_rss_mb", "model_mb")}
        )
        log(f"{label}: trained in {result['train_s']:.1f} s (CPU {result['train_cpu_s']:.1f} s)")
    record = {
        "runs": runs,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": str(config.relative_to(ROOT)),
        "fingerprint": fp,
    }
    record_path.write_text(json.dumps(record, indent=1))
    return {
        "model": str(model),
        "fingerprint": fp,
        "runs": runs,
        "cached": False,
        "trained_at": record["trained_at"],
    }


def cold_start(model: str) -> dict:
    result = run_worker("cold", "--model", model, "--text", "hi, i need help")
    if "error" not in result:
        spawned = result["_spawned_epoch"]
        result["total_s"] = result["t_first_reply_epoch"] - spawned
        result["interpreter_s"] = result["t_start_epoch"] - spawned
        result["import_load_s"] = result["import_s"] + (result["load_s"] or 0.0)
    return result


def measure(labels: dict[str, dict], plan: Plan, monitor: LoadMonitor) -> dict[str, dict]:
    """Runs every measurement for every model; cold starts interleaved across models."""
    results: dict[str, dict] = {label: {"cold": []} for label in labels}
    active = {label: info for label, info in labels.items() if "model" in info}
    for i in range(plan.cold_starts):
        for label, info in active.items():
            monitor.sample()
            log(f"{label}: cold start {i + 1}/{plan.cold_starts}")
            result = cold_start(info["model"])
            if "error" in result:
                log(f"{label}: cold start failed: {result['error']}\n{result.get('traceback', '')}")
            results[label]["cold"].append(result)
    load = ["--duration", str(plan.duration), "--max-p95-ms", plan.max_p95_ms]
    load += ["--rates", plan.rates] if plan.rates else []
    for label, info in active.items():
        model = info["model"]
        monitor.sample()
        if plan.quick:
            log(f"{label}: serve + accuracy + throughput (one process, quick)")
            sizes = ["--parses", str(plan.parses), "--replies", str(plan.replies)]
            combined = run_worker(
                "quick", "--model", model, *sizes, *load, "--turns", "4", "--limit", "250"
            )
            results[label]["serve"] = combined
            for key in ("accuracy", "throughput_conversation"):
                results[label][key] = combined.get(key) or {"error": combined.get("error")}
            continue
        log(f"{label}: {plan.parses} parses, {plan.replies} replies")
        sizes = ["--parses", str(plan.parses), "--replies", str(plan.replies)]
        results[label]["serve"] = run_worker("serve", "--model", model, *sizes)
        monitor.sample()
        log(f"{label}: held-out accuracy and safety recall")
        results[label]["accuracy"] = run_worker("accuracy", "--model", model)
        if plan.throughput:
            monitor.sample()
            log(f"{label}: throughput, conversation module alone")
            results[label]["throughput_conversation"] = run_worker(
                "throughput", "--model", model, "--frontend", "conversation", *load
            )
            monitor.sample()
            log(f"{label}: throughput, Telegram front ends on Redis ({plan.processes} processes)")
            results[label]["throughput"] = run_worker(
                "throughput", "--model", model, "--processes", plan.processes, *load
            )
        if plan.profile:
            monitor.sample()
            log(f"{label}: profile of handle_turn")
            results[label]["profile"] = run_worker("profile", "--model", model)
        for key in ("serve", "accuracy", "throughput", "throughput_conversation", "profile"):
            part = results[label].get(key) or {}
            if "error" in part:
                log(f"{label}: {key} failed: {part['error']}\n{part.get('traceback', '')[-1500:]}")
    monitor.sample()
    return results


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: existing models/ model, few repetitions, no training",
    )
    parser.add_argument(
        "--skip-stock", action="store_true", help="do not measure the stock pipeline"
    )
    parser.add_argument("--config", default="config.yml", help="Jaga's config (default config.yml)")
    parser.add_argument("--label", default="jaga")
    parser.add_argument("--stock-config", default=str(STOCK_CONFIG))
    parser.add_argument(
        "--candidates",
        nargs="*",
        default=[],
        help="more configs to measure side by side (one column each)",
    )
    parser.add_argument("--model", default="", help="measure this model instead of training")
    parser.add_argument("--cold-starts", type=int, default=0)
    parser.add_argument("--parses", type=int, default=0)
    parser.add_argument("--replies", type=int, default=0)
    parser.add_argument("--train-repeats", type=int, default=0)
    parser.add_argument("--rates", default="", help="offered rates for the throughput sweep")
    parser.add_argument("--duration", type=float, default=0.0, help="seconds per throughput step")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument(
        "--retrain-stock",
        action="store_true",
        help="train the stock model even if a cached one matches",
    )
    parser.add_argument(
        "--processes", default="1,2", help="Telegram front-end processes to measure, e.g. 1,2"
    )
    parser.add_argument(
        "--max-p95-ms", type=float, default=250.0, help="latency limit of the throughput figure"
    )
    parser.add_argument(
        "--stock-stale-ok",
        action="store_true",
        help="use the newest cached stock model even if Jaga's data changed since",
    )
    parser.add_argument("--out", default=str(REPORTS / "bench.md"))
    args = parser.parse_args(argv)
    raw_argv = list(argv if argv is not None else sys.argv[1:])

    started = time.perf_counter()
    plan = Plan(args)
    monitor = LoadMonitor()
    REPORTS.mkdir(parents=True, exist_ok=True)
    configs: dict[str, Path] = {}
    models: dict[str, dict] = {}
    errors: list[str] = []

    if args.quick or args.model:
        model = Path(args.model) if args.model else existing_model()
        models[args.label] = {
            "model": str(model),
            "config": args.config,
            "runs": [],
            "cached": False,
        }
    else:
        configs[args.label] = ROOT / args.config
    if not args.quick:
        for path in args.candidates:
            configs[Path(path).stem.replace("config_", "")] = Path(path).resolve()
        if not args.skip_stock:
            configs["stock"] = Path(args.stock_config).resolve()

    for label, config in configs.items():
        monitor.sample()
        info = train_model(
            label,
            config,
            plan,
            cache_only=(label == "stock" and not args.retrain_stock),
            stale_ok=args.stock_stale_ok,
        )
        info["config"] = str(config.relative_to(ROOT))
        models[label] = info
        if "error" in info:
            errors.append(f"{label}: training failed: {info['error']}")

    importtime = {}
    if not args.quick:
        monitor.sample()
        log("import time of rasa.core.agent")
        importtime = run_worker("importtime")

    results = measure(models, plan, monitor)
    figs = {label: figures(models[label], results[label]) for label in models}
    for label, res in results.items():
        for key, part in res.items():
            parts = part if isinstance(part, list) else [part]
            for p in parts:
                if isinstance(p, dict) and ("error" in p or "stubbed" in p):
                    errors.append(f"{label} {key}: {p.get('error') or p['stubbed']}")
                    break

    # "not below the best pipeline tried": best held-out accuracy / crisis recall of any column
    best = None
    scored = [(lab, f) for lab, f in figs.items() if "accuracy" in f and "crisis_recall" in f]
    if scored:
        top_acc = max(f["accuracy"]["value"] for _, f in scored)
        top_crisis = max(f["crisis_recall"]["value"] for _, f in scored)
        mine = figs.get(args.label, {})
        best = {
            "label": max(scored, key=lambda kv: kv[1]["accuracy"]["value"])[0],
            "accuracy": top_acc,
            "crisis_recall": top_crisis,
            "met": bool(
                mine.get("accuracy")
                and mine.get("crisis_recall")
                and mine["accuracy"]["value"] >= top_acc
                and mine["crisis_recall"]["value"] >= top_crisis
            ),
        }
    report = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "argv": raw_argv,
        "quick": args.quick,
        "duration_s": time.perf_counter() - started,
        "machine": machine(),
        "load": monitor.describe(),
        "load_samples": monitor.samples,
        "primary": args.label,
        "baseline": "stock" if "stock" in models else None,
        "models": models,
        "figures": figs,
        "best_accuracy": best,
        "importtime": importtime,
        "results": results,
        "errors": errors,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(report), encoding="utf-8")
    _strip_samples(results)
    out.with_suffix(".json").write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    log(
        f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} and .json "
        f"in {report['duration_s']:.0f} s"
    )
    for e in errors:
        log(f"problem: {e}")
    return 1 if errors else 0


def _strip_samples(results: dict) -> None:
    """Raw latency samples make the JSON huge; keep the summaries instead."""
    for res in results.values():
        serve = res.get("serve") or {}
        for key in ("parse_ms", "reply_ms", "reply_fresh_ms", "reply_ongoing_ms"):
            if isinstance(serve.get(key), list):
                serve[key] = summary(serve[key])


if __name__ == "__main__":
    sys.exit(main())
