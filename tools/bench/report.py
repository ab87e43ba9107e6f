"""The benchmark's figures (one dict per column) and its Markdown report."""

from __future__ import annotations

import os
from pathlib import Path

from tools.bench.common import percentile, summary

TARGETS = {  # metric key -> (limit, kind, text); kind "ratio" is a limit on jaga / stock
    "reply_p95_ms": (0.2, "ratio", "reply p95 <= 0.2 x stock Rasa's"),
    "peak_rss_mb": (200.0, "max", "peak memory of a serving process <= 200 MB"),
    "throughput": (
        100.0,
        "min",
        ">= 100 updates/s through Telegram front ends on Redis at p95 <= 250 ms, no safe fallback",
    ),
    "import_load_s": (5.0, "max", "cold start (import + load) <= 5 s"),
}


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
                        per = [percentile(t, float(q[1:])) for t in thirds if t]
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
        for run in thr.get("runs") or []:
            count = run["processes"]
            out[f"throughput_{count}p"] = {"value": run["updates_per_s_at_p95"], "n": 1}
            cpu = [s["cpu_ms_per_update"] for s in run["steps"] if s.get("cpu_ms_per_update")]
            if cpu:  # what one fully busy core answers: 1000 / CPU ms per update
                out[f"per_core_{count}p"] = {"value": 1000 / min(cpu), "n": 1}
            if run.get("peak_rss_mb"):
                out[f"bot_rss_{count}p"] = {"value": max(run["peak_rss_mb"]), "n": 1}
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
    ("import_s", "  import (bot.core.conversation, bot.rasa_adapter.runtime)", "s", "{:.2f}", True),
    ("load_s", "  model load (load_agent: Rasa's import + Agent.load)", "s", "{:.2f}", True),
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
    ("throughput", "Throughput, Telegram front ends on Redis", "updates/s", "{:.0f}", False),
    ("throughput_1p", "  1 bot process", "updates/s", "{:.0f}", False),
    ("throughput_2p", "  2 bot processes", "updates/s", "{:.0f}", False),
    (
        "per_core_1p",
        "  per core (1000 / CPU ms an update), 1 process",
        "updates/s",
        "{:.0f}",
        False,
    ),
    ("per_core_2p", "  per core, 2 processes", "updates/s", "{:.0f}", False),
    ("bot_rss_1p", "  peak memory of a bot process, 1 process", "MB", "{:.0f}", True),
    ("bot_rss_2p", "  peak memory of a bot process, 2 processes", "MB", "{:.0f}", True),
    ("throughput_conversation", "Throughput, conversation module", "updates/s", "{:.0f}", False),
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
        if kind == "ratio":
            stock = report["figures"].get(base or "", {}).get(key) or {}
            if not stock.get("value"):
                lines.append(f"| {text} | {value:.2f} (no stock column) | – |")
                continue
            value = value / stock["value"]
        ok = value >= limit if kind == "min" else value <= limit
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
        lines += throughput_tables(label, report["results"][label])
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
    serve = report["results"].get(head, {}).get("serve") or {}
    if serve.get("packages"):
        lines += [
            f"## What the serving process loads: {head}",
            "",
            f"{serve.get('modules_loaded')} modules; RSS "
            f"{serve.get('rss_after_load_mb', 0):.0f} MB "
            f"after the model loaded, peak {serve.get('peak_rss_mb', 0):.0f} MB after the replies. "
            "Top-level packages by modules loaded: "
            + ", ".join(f"{k} {v}" for k, v in serve["packages"].items()),
            "",
        ]
    imp = report.get("importtime") or {}
    if imp and "error" not in imp:
        lines += [
            "## What `import rasa.core.agent` costs a serving process",
            "",
            f'`python -X importtime -c "{imp["statement"]}"`: {imp["wall_s"]:.2f} s wall, '
            f"{imp['total_self_s']:.2f} s of module execution.",
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


def throughput_tables(label: str, res: dict) -> list[str]:
    lines: list[str] = []
    thr = res.get("throughput") or {}
    runs = thr.get("runs") or [] if "error" not in thr else []
    conv = res.get("throughput_conversation") or {}
    if conv and "error" not in conv:
        runs = runs + [conv]
    passing = {r["processes"]: r["updates_per_s_at_p95"] for r in thr.get("runs") or []}
    if len(passing) > 1 and passing.get(1):
        lines += [
            f"## Throughput: {label}, scaling",
            "",
            ", ".join(
                f"{count} process(es): {rate:.0f} updates/s ({rate / passing[1]:.2f}x one)"
                for count, rate in sorted(passing.items())
            )
            + f" on {os.cpu_count()} cores.",
            "",
        ]
    for run in runs:
        frontend = run.get("frontend") or thr.get("frontend")
        title = f"{run.get('processes', 1)} process(es)" if frontend != "conversation" else ""
        lines += [
            f"## Throughput: {label}, {frontend} {title}".rstrip(),
            "",
            f"{run.get('note') or thr.get('note') or ''}",
            f"Open loop, {thr.get('duration_s') or run.get('duration_s')} s per step; a step "
            f"passes when p95 <= {thr.get('max_p95_ms') or run.get('max_p95_ms')} ms, every "
            "update was answered and none with the safe fallback.",
            "",
            "| offered /s | answered /s | p50 ms | p95 ms | p99 ms | lost | safe fallback "
            "| CPU ms / update | passed |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for s in run.get("steps", []):
            lines.append(
                f"| {s['rate']:.0f} | {s['achieved_per_s']} | {s['p50_ms']} | {s['p95_ms']} | "
                f"{s['p99_ms']} | {s.get('lost', 0)} | {s.get('safe_fallback', 0)} | "
                f"{s.get('cpu_ms_per_update', '–')} | {'yes' if s['passed'] else 'no'} |"
            )
        if run.get("bot_api_calls"):
            calls = ", ".join(f"{k} {v}" for k, v in sorted(run["bot_api_calls"].items()))
            lines += [
                "",
                f"Bot API calls: {calls}. Peak memory per process: {run.get('peak_rss_mb')} MB.",
            ]
        lines.append("")
    return lines


def _fix_separator(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if line.startswith("|---|") and i > 0 and lines[i - 1].startswith("| figure"):
            cells = lines[i - 1].count("|") - 1
            lines[i] = "|" + "---|" * cells
    return lines
