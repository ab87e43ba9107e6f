"""`make bench`: how fast, how big and how accurate Jaga is, next to Rasa's stock pipeline.

    python -m tools.bench                 # Jaga (config.yml) and stock (benchmarks/)
    python -m tools.bench --skip-stock    # Jaga only, for fast iteration
    python -m tools.bench --quick         # smoke run: the existing models/ model, few repetitions
    python -m tools.bench --candidates benchmarks/candidates/*.yml   # extra columns

Writes reports/bench.md and reports/bench.json. Every measurement runs in its own fresh
subprocess (`tools.bench_worker`), so imports and memory are clean. The stock model takes
minutes to train; it is cached in reports/bench-models/ under a fingerprint of its config and
Jaga's data, with the training time measured when it was trained. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
MODELS_CACHE = REPORTS / "bench-models"
STOCK_CONFIG = ROOT / "benchmarks" / "config_stock.yml"
DATA_PATHS = ("domain.yml", "nlu_data", "stories")
PYTHON = sys.executable

TARGETS = {  # metric key -> (limit, "max" | "min", text)
    "reply_p95_ms": (8.0, "max", "reply p95 <= 8 ms in process"),
    "parse_p95_ms": (3.0, "max", "parse p95 <= 3 ms"),
    "import_load_s": (5.0, "max", "cold start (import + load) <= 5 s"),
    "train_s": (15.0, "max", "full retrain <= 15 s"),
    "peak_rss_mb": (450.0, "max", "peak memory <= 450 MB"),
    "throughput": (200.0, "min", ">= 200 updates/s at p95 <= 100 ms"),
}


# --- statistics ------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p25": pct(values, 25),
        "p75": pct(values, 75),
        "p95": pct(values, 95),
        "p99": pct(values, 99),
        "min": min(values),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


# --- the machine -----------------------------------------------------------------------------


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": mem_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "rasa": _version("rasa"),
        "rasa_sdk": _version("rasa-sdk"),
        "scikit_learn": _version("scikit-learn"),
        "tensorflow": _version("tensorflow"),
        "python_telegram_bot": _version("python-telegram-bot"),
    }


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
    digest.update(_version("rasa").encode())
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
    """Runs `python -m tools.bench_worker mode ...` in a fresh process; its JSON result."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result_path = Path(handle.name)
    env = dict(os.environ, PYTHONHASHSEED="0", TF_CPP_MIN_LOG_LEVEL="2", LOG_LEVEL="WARNING")
    env.pop("JAGA_BENCH_BLOCK_TF", None)
    env.update(env_extra or {})
    command = [PYTHON, "-m", "tools.bench_worker", mode, "--result", str(result_path), *args]
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


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


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


def cold_start(model: str, env: dict | None = None) -> dict:
    result = run_worker("cold", "--model", model, "--text", "hi, i need help", env_extra=env)
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
            result = cold_start(info["model"], info.get("env"))
            if "error" in result:
                log(f"{label}: cold start failed: {result['error']}\n{result.get('traceback', '')}")
            results[label]["cold"].append(result)
    for label, info in active.items():
        model = info["model"]
        env = info.get("env")
        if plan.quick:
            monitor.sample()
            log(f"{label}: serve + accuracy + throughput (one process, quick)")
            combined = run_worker(
                "quick",
                "--model",
                model,
                "--parses",
                str(plan.parses),
                "--replies",
                str(plan.replies),
                "--rates",
                plan.rates,
                "--duration",
                str(plan.duration),
                "--turns",
                "4",
                "--limit",
                "250",
                "--frontend",
                "conversation",
                env_extra=env,
            )
            results[label]["serve"] = combined
            results[label]["accuracy"] = combined.get("accuracy") or {
                "error": combined.get("error")
            }
            results[label]["throughput"] = combined.get("throughput") or {
                "error": combined.get("error")
            }
            continue
        monitor.sample()
        log(f"{label}: {plan.parses} parses, {plan.replies} replies")
        results[label]["serve"] = run_worker(
            "serve",
            "--model",
            model,
            "--parses",
            str(plan.parses),
            "--replies",
            str(plan.replies),
            env_extra=env,
        )
        monitor.sample()
        log(f"{label}: held-out accuracy and safety recall")
        results[label]["accuracy"] = run_worker("accuracy", "--model", model, env_extra=env)
        if plan.throughput:
            monitor.sample()
            log(f"{label}: throughput sweep")
            args = ["--model", model, "--duration", str(plan.duration)]
            if plan.rates:
                args += ["--rates", plan.rates]
            results[label]["throughput"] = run_worker("throughput", *args, env_extra=env)
            if results[label]["throughput"].get("frontend") == "telegram":
                log(f"{label}: throughput sweep, conversation module alone")
                results[label]["throughput_conversation"] = run_worker(
                    "throughput", *args, "--frontend", "conversation", env_extra=env
                )
        if plan.profile:
            monitor.sample()
            log(f"{label}: profile of handle_turn")
            results[label]["profile"] = run_worker("profile", "--model", model, env_extra=env)
        for key in ("serve", "accuracy", "throughput", "profile"):
            part = results[label].get(key) or {}
            if "error" in part:
                log(f"{label}: {key} failed: {part['error']}\n{part.get('traceback', '')[-1500:]}")
    monitor.sample()
    return results


# --- figures ---------------------------------------------------------------------------------


def figures(label_info: dict, result: dict) -> dict:
    """The headline figures of one model, each {"value", "spread", "n"}."""
    out: dict[str, dict] = {}

    def put(
        key: str,
        values: list[float],
        *,
        stat: str = "median",
        spread: str = "minmax",
        scale: float = 1.0,
    ) -> None:
        values = [v * scale for v in values if isinstance(v, (int, float))]
        if not values:
            return
        s = summary(values)
        if spread == "iqr":
            rng = (s["p25"], s["p75"])
        else:
            rng = (s["min"], s["max"])
        out[key] = {"value": s[stat], "spread": rng, "spread_kind": spread, "n": s["n"]}

    runs = label_info.get("runs") or []
    put("train_s", [r["train_s"] for r in runs])
    put("train_cpu_s", [r["train_cpu_s"] for r in runs])
    put("model_mb", [r["model_mb"] for r in runs])
    cold = [c for c in result.get("cold", []) if "error" not in c]
    put("cold_total_s", [c["total_s"] for c in cold])
    put("interpreter_s", [c["interpreter_s"] for c in cold])
    put("import_s", [c["import_s"] for c in cold])
    put("load_s", [c["load_s"] for c in cold])
    put("import_load_s", [c["import_load_s"] for c in cold])
    put("warmup_s", [c["warmup_s"] for c in cold], scale=1000)
    put("first_reply_ms", [c["first_reply_s"] for c in cold], scale=1000)
    put("cold_cpu_s", [c["cpu_s"] for c in cold])
    put("cold_peak_rss_mb", [c["peak_rss_mb"] for c in cold])
    serve = result.get("serve") or {}
    if "error" not in serve:
        for key, name in (
            ("parse_ms", "parse"),
            ("reply_ms", "reply"),
            ("reply_fresh_ms", "reply_fresh"),
            ("reply_ongoing_ms", "reply_ongoing"),
        ):
            values = serve.get(key) or []
            if values:
                s = summary(values)
                for q in ("median", "p95", "p99"):
                    qname = "p50" if q == "median" else q
                    if q == "median":
                        spread = (s["p25"], s["p75"])
                    else:  # the same percentile in each third of the run: min–max
                        thirds = [values[i::3] for i in range(3)]
                        per = [pct(t, float(q[1:])) for t in thirds if t]
                        spread = (min(per), max(per))
                    out[f"{name}_{qname}_ms"] = {
                        "value": s[q],
                        "spread": spread,
                        "spread_kind": "iqr" if q == "median" else "thirds",
                        "n": s["n"],
                    }
        if serve.get("peak_rss_mb"):
            out["peak_rss_mb"] = {"value": serve["peak_rss_mb"], "n": 1}
        if serve.get("rss_after_load_mb"):
            out["rss_after_load_mb"] = {"value": serve["rss_after_load_mb"], "n": 1}
    acc = result.get("accuracy") or {}
    if "error" not in acc and acc:
        for key in (
            "accuracy",
            "macro_f1",
            "crisis_recall",
            "safety_recall_all",
            "false_alarm_rate",
        ):
            if acc.get(key) is not None:
                out[key] = {"value": acc[key], "n": 1}
    thr = result.get("throughput") or {}
    if "error" not in thr and thr:
        out["throughput"] = {"value": thr.get("updates_per_s_at_p95"), "n": 1}
    thr = result.get("throughput_conversation") or {}
    if "error" not in thr and thr:
        out["throughput_conversation"] = {"value": thr.get("updates_per_s_at_p95"), "n": 1}
    return out


ROWS = (  # key, label, unit, format, lower is better
    ("train_s", "Full train (wall, empty cache)", "s", "{:.1f}", True),
    ("train_cpu_s", "Full train (CPU time)", "s", "{:.1f}", True),
    ("model_mb", "Model file", "MB", "{:.1f}", True),
    ("cold_total_s", "Cold start: process start -> first reply", "s", "{:.2f}", True),
    ("interpreter_s", "  interpreter start", "s", "{:.2f}", True),
    ("import_s", "  import (bot + rasa.core.agent)", "s", "{:.2f}", True),
    ("load_s", "  model load (Agent.load)", "s", "{:.2f}", True),
    ("warmup_s", "  warm-up turn in build_assistant", "ms", "{:.0f}", True),
    ("first_reply_ms", "  first reply", "ms", "{:.1f}", True),
    ("import_load_s", "Cold start: import + load", "s", "{:.2f}", True),
    ("cold_cpu_s", "Cold start CPU time", "s", "{:.2f}", True),
    ("parse_p50_ms", "NLU parse p50", "ms", "{:.2f}", True),
    ("parse_p95_ms", "NLU parse p95", "ms", "{:.2f}", True),
    ("parse_p99_ms", "NLU parse p99", "ms", "{:.2f}", True),
    ("reply_p50_ms", "Reply (BaseAssistant.respond) p50", "ms", "{:.2f}", True),
    ("reply_p95_ms", "Reply p95", "ms", "{:.2f}", True),
    ("reply_p99_ms", "Reply p99", "ms", "{:.2f}", True),
    ("reply_fresh_p50_ms", "  fresh conversation p50", "ms", "{:.2f}", True),
    ("reply_fresh_p95_ms", "  fresh conversation p95", "ms", "{:.2f}", True),
    ("reply_ongoing_p50_ms", "  ongoing conversation p50", "ms", "{:.2f}", True),
    ("reply_ongoing_p95_ms", "  ongoing conversation p95", "ms", "{:.2f}", True),
    ("peak_rss_mb", "Peak memory (VmHWM, serving process)", "MB", "{:.0f}", True),
    ("rss_after_load_mb", "  RSS after load", "MB", "{:.0f}", True),
    ("cold_peak_rss_mb", "Peak memory (cold-start process)", "MB", "{:.0f}", True),
    ("throughput", "Throughput at p95 <= 100 ms", "updates/s", "{:.0f}", False),
    ("throughput_conversation", "  conversation module alone", "updates/s", "{:.0f}", False),
    ("accuracy", "Held-out intent accuracy", "", "{:.3f}", False),
    ("macro_f1", "Held-out macro-F1", "", "{:.3f}", False),
    ("crisis_recall", "Safety set: crisis recall (full model)", "", "{:.3f}", False),
    ("safety_recall_all", "Safety set: recall, all 4 categories", "", "{:.3f}", False),
    ("false_alarm_rate", "Safety set: false alarms on near misses", "", "{:.3f}", True),
)


def _cell(fig: dict | None, fmt: str) -> str:
    if not fig or fig.get("value") is None:
        return "n/a"
    text = fmt.format(fig["value"])
    spread = fig.get("spread")
    if spread and fig.get("n", 1) > 1 and spread[0] is not None:
        text += f" ({fmt.format(spread[0])}–{fmt.format(spread[1])})"
    return text


def _ratio(a: dict | None, b: dict | None) -> str:
    if not a or not b or a.get("value") is None or not b.get("value"):
        return "n/a"
    return f"{a['value'] / b['value']:.2f}"


# --- the report ------------------------------------------------------------------------------


def busy_note(load: dict) -> str:
    peak = load.get("max") or 0.0
    cores = load.get("cores") or 1
    if peak <= 0.5 * cores:
        return ": the machine was quiet."
    return (
        f": the machine was busy (other work was running; up to {peak / cores:.1f} runnable "
        "tasks per core), so wall-clock figures are inflated; CPU-time rows are less so."
    )


def markdown(report: dict) -> str:
    m = report["machine"]
    load = report["load"]
    labels = list(report["figures"])
    base = report.get("baseline")
    head = report.get("primary", labels[0] if labels else "jaga")
    lines = [
        "# Jaga benchmark",
        "",
        f"Generated {report['generated']} by `python -m tools.bench {' '.join(report['argv'])}`"
        f" in {report['duration_s']:.0f} s{' (quick smoke run)' if report['quick'] else ''}.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores ({m['cores_usable']} usable), "
        f"{m['memory_gb']} GB memory, {m['os']}",
        f"- Python {m['python']}, Rasa {m['rasa']}, rasa-sdk {m['rasa_sdk']}, "
        f"scikit-learn {m['scikit_learn']}, TensorFlow {m['tensorflow']}",
        f"- Load average (1 min) during the run: min {load['min']:.2f}, median "
        f"{load['median']:.2f}, max {load['max']:.2f} on {load['cores']} cores "
        f"({load['samples']} samples)" + (busy_note(load)),
        "",
        "## Results",
        "",
        "Median of repeated runs; in brackets the spread: min–max over repeated runs (train, cold "
        "start), the inter-quartile range for p50 latencies, and for p95/p99 the min–max of that "
        "percentile in each third of the samples.",
        "",
    ]
    for label in labels:
        info = report["models"].get(label, {})
        extra = ""
        if info.get("cached"):
            extra = f", cached model trained {info.get('trained_at')}"
        if info.get("stale"):
            extra += (
                f" on an earlier version of Jaga's data (fingerprint {info.get('fingerprint')}; "
                f"the data now is {info.get('fingerprint_now')})"
            )
        lines.append(
            f"- **{label}**: `{info.get('config', '?')}`, model "
            f"`{Path(info.get('model', '?')).name}`{extra}"
        )
    lines.append("")
    header = "| figure | unit | " + " | ".join(labels)
    if base and base in labels and head in labels and head != base:
        header += f" | {head} / {base}"
        others = [x for x in labels if x not in (head, base)]
        header += "".join(f" | {x} / {base}" for x in others)
    lines.append(header + " |")
    lines.append("|" + "---|" * (header.count("|") - 0))
    for key, name, unit, fmt, _lower in ROWS:
        cells = [_cell(report["figures"][label].get(key), fmt) for label in labels]
        if all(c == "n/a" for c in cells):
            continue
        shown = "&nbsp;&nbsp;" + name.strip() if name.startswith("  ") else name
        row = f"| {shown} | {unit} | " + " | ".join(cells)
        if base and base in labels and head in labels and head != base:
            row += " | " + _ratio(
                report["figures"][head].get(key), report["figures"][base].get(key)
            )
            for x in [x for x in labels if x not in (head, base)]:
                row += " | " + _ratio(
                    report["figures"][x].get(key), report["figures"][base].get(key)
                )
        lines.append(row + " |")
    lines.append("")
    lines = _fix_separator(lines)  # one separator cell per column

    lines += ["## Targets", "", "| target | " + head + " | met |", "|---|---|---|"]
    figs = report["figures"].get(head, {})
    for key, (limit, kind, text) in TARGETS.items():
        fig = figs.get(key)
        if not fig or fig.get("value") is None:
            lines.append(f"| {text} | not measured | – |")
            continue
        value = fig["value"]
        ok = value <= limit if kind == "max" else value >= limit
        lines.append(f"| {text} | {value:.2f} | {'yes' if ok else 'NO'} |")
    best = report.get("best_accuracy")
    if best:
        lines.append(
            f"| held-out accuracy and crisis recall not below the best tried "
            f"({best['label']}: {best['accuracy']:.3f} / {best['crisis_recall']:.3f}) | "
            f"{figs.get('accuracy', {}).get('value', float('nan')):.3f} / "
            f"{figs.get('crisis_recall', {}).get('value', float('nan')):.3f} | "
            f"{'yes' if best['met'] else 'NO'} |"
        )
    lines.append("")

    for label in labels:
        res = report["results"][label]
        for thr in (res.get("throughput") or {}, res.get("throughput_conversation") or {}):
            if not thr or "error" in thr:
                continue
            lines += [
                f"## Throughput: {label}, {thr.get('frontend')}",
                "",
                f"Front end: **{thr.get('frontend')}**. {thr.get('note') or ''}",
                f"Open loop, {thr.get('duration_s')} s per step; a step passes "
                f"when p95 <= {thr.get('max_p95_ms')} ms and every update was answered.",
                "",
                "| offered /s | answered /s | p50 ms | p95 ms | p99 ms | passed |",
                "|---|---|---|---|---|---|",
            ]
            for s in thr.get("steps", []):
                lines.append(
                    f"| {s['rate']:.0f} | {s['achieved_per_s']} | {s['p50_ms']} | "
                    f"{s['p95_ms']} | {s['p99_ms']} | {'yes' if s['passed'] else 'no'} |"
                )
            lines.append("")
    for label in labels:
        acc = report["results"][label].get("accuracy") or {}
        if acc and "error" not in acc:
            lines += [
                f"## Accuracy by language: {label}",
                "",
                "| lang | accuracy | macro-F1 | n |",
                "|---|---|---|---|",
            ]
            for lang, x in (acc.get("per_language") or {}).items():
                lines.append(f"| {lang} | {x['accuracy']:.3f} | {x['macro_f1']:.3f} | {x['n']} |")
            recall = acc.get("safety_recall") or {}
            lines.append("")
            lines.append(
                "Safety-set recall: "
                + ", ".join(f"{k} {v:.3f}" for k, v in recall.items() if v is not None)
            )
            if acc.get("crisis_missed"):
                lines.append(
                    f"; crisis missed ({len(acc['crisis_missed'])}): "
                    + "; ".join(f"“{t}”" for t in acc["crisis_missed"][:8])
                )
            lines.append("")
    imp = report.get("importtime") or {}
    if imp and "error" not in imp:
        lines += [
            "## What `import rasa.core.agent` costs",
            "",
            f'`python -X importtime -c "{imp["statement"]}"`: {imp["wall_s"]:.2f} s wall, '
            f"{imp['total_self_s']:.2f} s of module execution; TensorFlow and its "
            f"dependencies: {imp['tensorflow_s']:.2f} s.",
            "",
            "| top-level package | self time s |",
            "|---|---|",
        ]
        for package, seconds in imp["by_package_s"].items():
            lines.append(f"| {package} | {seconds:.3f} |")
        lines.append("")
    for label in labels:
        prof = report["results"][label].get("profile") or {}
        if prof and "error" not in prof:
            lines += [
                f"## Profile of one reply: {label}",
                "",
                f"cProfile over {prof['turns']} `handle_turn` calls "
                f"({prof['turns_per_conversation']} turns per conversation); "
                f"unprofiled {prof['handle_turn_ms_unprofiled']:.2f} ms per turn. "
                "Cumulative ms per turn under the profiler (read the shares).",
                "",
                "| step | ms / turn | calls / turn |",
                "|---|---|---|",
            ]
            for step in prof["steps"]:
                name = step["step"].replace("  ", "&nbsp;&nbsp;")
                lines.append(f"| {name} | {step['ms_per_turn']:.3f} | {step['calls_per_turn']} |")
            lines += ["", "| NLU component process() | ms / turn |", "|---|---|"]
            for c in prof["components"][:12]:
                lines.append(f"| {c['component']} | {c['ms_per_turn']:.3f} |")
            lines += [
                "",
                "| hottest functions (self time) | ms / turn | calls / turn |",
                "|---|---|---|",
            ]
            for f in prof["top_self"][:12]:
                lines.append(
                    f"| `{f['function']}` | {f['self_ms_per_turn']:.3f} | {f['calls_per_turn']} |"
                )
            lines.append("")
    errors = report.get("errors") or []
    if errors:
        lines += ["## Measurements that failed", ""] + [f"- {e}" for e in errors] + [""]
    if report["quick"]:
        lines += [
            "Quick smoke run: the existing models/ model only, few repetitions, no "
            "training and no stock model. Not a benchmark result.",
            "",
        ]
    return "\n".join(lines)


def _fix_separator(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if line.startswith("|---|") and i > 0 and lines[i - 1].startswith("| figure"):
            cells = lines[i - 1].count("|") - 1
            lines[i] = "|" + "---|" * cells
    return lines


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
        "--notf-variant",
        action="store_true",
        help="add a column: Jaga's model served with TensorFlow kept out of the process",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="add a column: the model served with run-time patches, e.g. notf, validator, "
        "notf+validator (tools/bench_patches.py)",
    )
    parser.add_argument(
        "--variant-of",
        action="append",
        default=[],
        help="labels (besides Jaga's) that get the --variant columns too, e.g. fastlr",
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

    from tools.bench_patches import env_for

    variants = list(args.variant) + (["notf"] if args.notf_variant else [])
    for variant in variants:
        for base in list(args.variant_of or []) or [args.label]:
            if "error" in models.get(base, {"error": 1}):
                continue
            name = f"{base}+{variant}"
            models[name] = dict(models[base], env=env_for(variant))
            models[name]["config"] = (
                f"{models[base]['config']} + {variant} (tools/bench_patches.py)"
            )

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
