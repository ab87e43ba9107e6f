"""Accuracy reports for a trained model: `make eval` (= `python -m tools.evaluate`).

Runs the model over the held-out set (tests/data/nlu_heldout.yml) and the safety set
(tests/data/safety_set.yml) and writes, under reports/ (git-ignored):

- reports/summary.md        one page for everyone: headline figures, safety, worst intents,
                            what changed since the last run (▲ better, ▼ worse)
- reports/nlu/report.json   every figure (per intent P/R/F1/support, per language, safety)
- reports/nlu/previous.json the report of the run before, for the comparison
- reports/nlu/confusion.png which intent was mistaken for which
- reports/nlu/errors.md     every misunderstood test message, with what the model said

Exits 1 when a threshold of quality.yml is not met (the reports are written anyway).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from components.text import normalise
from tools.nlu_eval import (
    HELDOUT_FILE,
    NLU_DIR,
    QUALITY_FILE,
    ROOT,
    SAFETY_FILE,
    SAFETY_SETS,
    find_model,
    format_tables,
    load_agent,
    load_heldout,
    load_quality,
    load_safety_set,
    load_training_data,
    predict,
    quality_failures,
    relative,
    safety_net_classifier,
)
from tools.nlu_eval import evaluate_heldout as _evaluate_heldout
from tools.nlu_eval import evaluate_safety as _evaluate_safety

REPORTS = ROOT / "reports"
SAME = 0.005  # changes smaller than half a percentage point are shown as "="
LANG_NAMES = {"en": "English", "ms": "Malay", "mixed": "Mixed / short"}


def _safety_report(agent: Any, safety_set: dict, net: Any) -> dict[str, Any]:
    """The full model's and the safety net's recall and false alarms on one safety set."""
    pos = [str(p["text"]) for p in safety_set["positives"]]
    neg = [str(n["text"]) for n in safety_set["negatives"]]
    full = predict(agent, pos + neg)
    return {
        "full_model": _evaluate_safety(
            safety_set, [p.intent for p in full[: len(pos)]], [p.intent for p in full[len(pos) :]]
        ),
        "safety_net": (
            _evaluate_safety(safety_set, [net(t) for t in pos], [net(t) for t in neg])
            if net
            else None
        ),
    }


def build_report(
    agent: Any,
    *,
    heldout_file: Path = HELDOUT_FILE,
    safety_file: Path = SAFETY_FILE,
    nlu_dir: Path = NLU_DIR,
    quality: dict | None = None,
) -> dict[str, Any]:
    """Every figure of one evaluation run, as plain JSON-able data."""
    examples = load_heldout(heldout_file)
    preds = predict(agent, [e.text for e in examples])
    heldout = _evaluate_heldout(examples, preds)
    heldout["rows"] = [
        (e.intent, p.intent) for e, p in zip(examples, preds, strict=True)
    ]  # for the plot
    training = load_training_data(nlu_dir)
    trained = {normalise(e.text) for e in training}
    unseen = [i for i, e in enumerate(examples) if normalise(e.text) not in trained]
    heldout["also_in_training"] = len(examples) - len(unseen)
    if heldout["also_in_training"]:  # the honest figures while the data leaks
        clean = _evaluate_heldout([examples[i] for i in unseen], [preds[i] for i in unseen])
        heldout["unseen_only"] = {
            k: clean[k] for k in ("n", "macro_f1", "accuracy", "per_language")
        }

    net = safety_net_classifier()
    safety = _safety_report(agent, load_safety_set(safety_file), net)
    safety_sets = {}
    for section, path in SAFETY_SETS.items():
        if section == "safety" or not path.exists():
            continue
        safety_sets[section] = _safety_report(agent, load_safety_set(path), net)
    report = {
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
        "heldout": heldout,
        "safety": safety,
        "safety_sets": safety_sets,
        "training_examples": dict(sorted(Counter(e.intent for e in training).items())),
    }
    failures = quality_failures(report, quality if quality is not None else load_quality())
    report["quality"] = {"passed": not failures, "failures": failures}
    return report


# --- comparison with the previous run --------------------------------------------------------


def mark(new: float | None, old: float | None) -> str:
    if new is None or old is None:
        return "new" if old is None and new is not None else ""
    if new - old > SAME:
        return f"▲ +{100 * (new - old):.1f}"
    if old - new > SAME:
        return f"▼ -{100 * (old - new):.1f}"
    return "="


def compare(current: dict, previous: dict | None) -> dict[str, Any]:
    """Per intent (F1), per language (accuracy), macro-F1 and safety recall: ▲ / ▼ / =."""
    if not previous:
        return {}
    cur, old = current["heldout"], previous.get("heldout") or {}
    old_intents, old_langs = old.get("per_intent") or {}, old.get("per_language") or {}
    old_recall = ((previous.get("safety") or {}).get("full_model") or {}).get("recall") or {}
    old_train = previous.get("training_examples") or {}
    old_cells = old.get("per_intent_language") or {}
    return {
        "previous_generated": previous.get("generated"),
        "macro_f1": mark(cur["macro_f1"], old.get("macro_f1")),
        "intents": {
            i: mark(m["f1"], (old_intents.get(i) or {}).get("f1"))
            for i, m in cur["per_intent"].items()
        },
        "languages": {
            lang: mark(m["accuracy"], (old_langs.get(lang) or {}).get("accuracy"))
            for lang, m in cur["per_language"].items()
        },
        "intent_languages": {
            i: {
                lang: mark(c["recall"], ((old_cells.get(i) or {}).get(lang) or {}).get("recall"))
                for lang, c in langs.items()
            }
            for i, langs in cur["per_intent_language"].items()
        },
        "safety_recall": {
            c: mark(r["rate"], (old_recall.get(c) or {}).get("rate"))
            for c, r in current["safety"]["full_model"]["recall"].items()
        },
        "training_examples": {
            i: n - old_train.get(i, 0)
            for i, n in current["training_examples"].items()
            if n != old_train.get(i, 0)
        },
    }


# --- writers ---------------------------------------------------------------------------------


def write_confusion(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    rows = report["heldout"]["rows"]
    y_true, y_pred = [r[0] for r in rows], [r[1] or "none" for r in rows]
    labels = sorted(set(y_true) | set(y_pred))
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    size = max(6.0, 0.42 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("what the model said")
    ax.set_ylabel("what the message was")
    ax.set_title(
        f"Held-out set: {len(rows)} messages, macro-F1 {report['heldout']['macro_f1']:.3f}"
    )
    top = matrix.max() or 1
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                colour = "white" if matrix[i, j] > top / 2 else ("black" if i == j else "red")
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7, color=colour)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_errors(report: dict, path: Path) -> None:
    errors = report["heldout"]["errors"]
    lines = [
        "# Misunderstood held-out messages",
        "",
        f"{len(errors)} of {report['heldout']['n']} messages. Add training examples like these "
        "(not these exact ones: the test set must stay unseen) to the intent's file in nlu_data/.",
    ]
    by_intent: dict[str, list] = {}
    for e in errors:
        by_intent.setdefault(e["intent"], []).append(e)
    for intent in sorted(by_intent, key=lambda i: -len(by_intent[i])):
        lines += ["", f"## {intent} ({len(by_intent[intent])})", ""]
        lines += [
            "| message | lang | model said | confidence | runner-up |",
            "|---|---|---|---|---|",
        ]
        for e in by_intent[intent]:
            runner = ", ".join(f"{n} {c:.2f}" for n, c in e.get("runner_up") or [])
            lines.append(
                f"| {_cell(e['text'])} | {e['lang']} | {e['predicted']} | "
                f"{e['confidence']:.2f} | {_cell(runner)} |"
            )
    safety = report["safety"]
    for name, title in (("full_model", "the full model"), ("safety_net", "the safety net alone")):
        part = safety.get(name)
        if not part:
            continue
        lines += ["", f"## Safety set: missed by {title} ({len(part['missed'])})", ""]
        lines += ["| message | category | lang | got |", "|---|---|---|---|"]
        lines += [
            f"| {_cell(m['text'])} | {m['category']} | {m['lang']} | {m['got']} |"
            for m in part["missed"]
        ]
        lines += [
            "",
            f"## Safety set: false alarms of {title} ({len(part['false_alarm_examples'])})",
            "",
        ]
        lines += ["| message | near | lang | raised to |", "|---|---|---|---|"]
        lines += [
            f"| {_cell(a['text'])} | {a['near']} | {a['lang']} | {a['got']} |"
            for a in part["false_alarm_examples"]
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def usage_fallbacks(stats_db: Path | None, days: int = 30) -> dict | None:
    """Real usage: which intents end low-confidence or in fallback most (bot/core/stats.py)."""
    if stats_db is None or not Path(stats_db).exists():
        return None
    try:
        from bot.core.stats import UsageStats

        return UsageStats(stats_db).summary(days=days)
    except Exception:  # noqa: BLE001 - statistics are a nice-to-have in the report
        return None


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _intent_table(h: dict, comparison: dict) -> list[str]:
    """Every intent: F1 and, per language, the share of its test messages understood."""
    langs = list(h["per_language"])
    lines = [
        "",
        "## Every intent, per language",
        "",
        "Share of each intent's test messages understood, per language; ▲ / ▼ compare with the "
        "last report.",
        "",
        "| intent | F1 | " + " | ".join(LANG_NAMES.get(lang, lang) for lang in langs) + " |",
        "|---|---|" + "---|" * len(langs),
    ]
    marks = comparison.get("intents") or {}
    cell_marks = comparison.get("intent_languages") or {}
    for intent, m in sorted(h["per_intent"].items(), key=lambda kv: kv[1]["f1"]):
        cells = h["per_intent_language"].get(intent, {})
        row = [f"{m['f1']:.2f} {marks.get(intent, '').strip('=')}".strip()]
        for lang in langs:
            c = cells.get(lang)
            note = (cell_marks.get(intent) or {}).get(lang, "").strip("=")
            row.append(f"{_pct(c['recall'])} of {c['n']} {note}".strip() if c else "-")
        lines.append(f"| {intent} | " + " | ".join(row) + " |")
    return lines


def write_summary(report: dict, comparison: dict, usage: dict | None, path: Path) -> None:
    h, quality = report["heldout"], report["quality"]
    full = report["safety"]["full_model"]
    net = report["safety"].get("safety_net")
    lines = [
        f"# Jaga: how well it understands messages ({report['generated'][:16].replace('T', ' ')})",
        "",
        f"Model `{report.get('model', '?')}`, tested on {h['n']} held-out messages"
        f" and {sum(r['n'] for r in full['recall'].values())} safety messages.",
        "",
    ]
    if quality["passed"]:
        lines.append("**Result: PASS.** Every threshold in `quality.yml` is met.")
    else:
        lines.append("**Result: FAIL.** Not good enough to release:")
        lines += [f"- {f}" for f in quality["failures"]]
    if h.get("also_in_training"):
        lines += [
            "",
            f"Warning: {h['also_in_training']} test messages are also training examples, so the "
            "figures below are too kind. `python -m tools.check_data` lists them. On the "
            f"{h['unseen_only']['n']} truly unseen ones: "
            f"macro-F1 {h['unseen_only']['macro_f1']:.3f}, "
            + ", ".join(
                f"{LANG_NAMES.get(k, k)} {_pct(v['accuracy'])}"
                for k, v in h["unseen_only"]["per_language"].items()
            )
            + ".",
        ]
    since = comparison.get("previous_generated")
    lines += [
        "",
        "## Headline",
        "",
        "| figure | now | change"
        + (f" since {since[:16].replace('T', ' ')}" if since else "")
        + " |",
        "|---|---|---|",
        f"| Messages understood correctly | {_pct(h['accuracy'])} | |",
        f"| Average score over all intents (macro-F1) | {h['macro_f1']:.3f} | "
        f"{comparison.get('macro_f1', '')} |",
    ]
    for lang, m in h["per_language"].items():
        lines.append(
            f"| {LANG_NAMES.get(lang, lang)} messages understood ({m['n']}) | "
            f"{_pct(m['accuracy'])} | {(comparison.get('languages') or {}).get(lang, '')} |"
        )
    lines += [
        "",
        "## Safety: does Jaga notice a child in danger?",
        "",
        "| kind of message | noticed by Jaga | by the safety net alone | change |",
        "|---|---|---|---|",
    ]
    for category, r in full["recall"].items():
        alone = (net or {}).get("recall", {}).get(category) if net else None
        lines.append(
            f"| {category} | {r['hits']} of {r['n']} ({_pct(r['rate'])}) | "
            + (f"{alone['hits']} of {alone['n']}" if alone else "not available")
            + f" | {(comparison.get('safety_recall') or {}).get(category, '')} |"
        )
    fa = full["false_alarms"]
    lines += [
        "",
        f"False alarms: {fa['hits']} of {fa['n']} harmless look-alike messages were treated as "
        f"an emergency ({_pct(fa['rate'])})"
        + (f"; the safety net alone raised {net['false_alarms']['hits']}." if net else "."),
    ]
    if full["missed"]:
        lines += ["", "Missed safety messages (see reports/nlu/errors.md):"]
        lines += [
            f'- "{m["text"]}" ({m["category"]}, taken as {m["got"]})' for m in full["missed"][:10]
        ]
    worst = sorted(h["per_intent"].items(), key=lambda kv: kv[1]["f1"])[:5]
    lines += [
        "",
        "## Intents that need the most work",
        "",
        "| intent | score (F1) | found | examples |",
    ]
    lines.append("|---|---|---|---|")
    for intent, m in worst:
        lines.append(f"| {intent} | {m['f1']:.2f} | {_pct(m['recall'])} | {m['support']} |")
    if h["fallbacks"]:
        lines += [
            "",
            "Test messages the bot did not understand at all (fallback), by intent: "
            + ", ".join(f"{i} {n}" for i, n in list(h["fallbacks"].items())[:8]),
        ]
    lines += _intent_table(h, comparison)
    if comparison:
        lines += ["", "## What changed since the last report", ""]
        added = comparison.get("training_examples") or {}
        if added:
            lines.append(
                "Training examples: " + ", ".join(f"{i} {n:+d}" for i, n in sorted(added.items()))
            )
        else:
            lines.append("Training examples: no change.")
        changed = [i for i, a in comparison["intents"].items() if a not in ("=", "")]
        if changed:
            lines += ["", "Better or worse (F1): " + ", ".join(
                f"{i} {comparison['intents'][i]}" for i in sorted(changed)
            )]  # fmt: skip
        else:
            lines += ["", "No intent got better or worse by more than half a point."]
    if usage and usage.get("turns"):
        lines += ["", f"## Real usage, last {usage['days']} days", ""]
        lines.append(
            f"{usage['turns']} messages, {usage['fallbacks']} not understood "
            f"({_pct(usage['fallbacks'] / usage['turns'])}), "
            f"{sum(usage['safety_net'].values())} raised by the safety net."
        )
        uncertain = usage.get("low_confidence") or {}
        if uncertain:
            lines += [
                "",
                "Intents the bot was least sure about (add examples like these users' messages):",
                "",
                "| intent | unsure | all |",
                "|---|---|---|",
            ]
            for intent, n in list(uncertain.items())[:8]:
                lines.append(f"| {intent} | {n} | {usage['intents'].get(intent, 0)} |")
    lines += [
        "",
        "Details: `reports/nlu/errors.md` (every mistake), `reports/nlu/confusion.png`, "
        "`reports/nlu/report.json`.",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_reports(report: dict, out: Path, stats_db: Path | None = None) -> dict:
    """Writes every report file under `out`; returns the comparison with the previous run."""
    nlu = out / "nlu"
    nlu.mkdir(parents=True, exist_ok=True)
    current_file, previous_file = nlu / "report.json", nlu / "previous.json"
    previous = None
    if current_file.exists():
        shutil.copyfile(current_file, previous_file)
    if previous_file.exists():
        try:
            previous = json.loads(previous_file.read_text(encoding="utf-8"))
        except ValueError:
            previous = None
    comparison = compare(report, previous)
    report["comparison"] = comparison
    write_confusion(report, nlu / "confusion.png")
    write_errors(report, nlu / "errors.md")
    saved = {k: v for k, v in report.items()}
    saved["heldout"] = {k: v for k, v in report["heldout"].items() if k != "rows"}
    current_file.write_text(json.dumps(saved, indent=2, ensure_ascii=False), encoding="utf-8")
    write_summary(report, comparison, usage_fallbacks(stats_db), out / "summary.md")
    return comparison


def _default_stats_db() -> Path | None:
    try:
        from bot.core.settings import Settings

        return Settings.from_env().stats_db
    except Exception:  # noqa: BLE001 - a settings problem must not stop the report
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--model", help="model file or directory (default: models/)")
    parser.add_argument("--out", default=str(REPORTS), help="reports directory (default: reports/)")
    parser.add_argument("--heldout", default=str(HELDOUT_FILE))
    parser.add_argument("--safety", default=str(SAFETY_FILE))
    parser.add_argument("--quality", default=str(QUALITY_FILE))
    args = parser.parse_args(argv)

    model = find_model(args.model)
    agent = load_agent(model)
    report = build_report(
        agent,
        heldout_file=Path(args.heldout),
        safety_file=Path(args.safety),
        quality=load_quality(Path(args.quality)),
    )
    report["model"] = relative(model)
    out = Path(args.out)
    write_reports(report, out, _default_stats_db())
    print(format_tables(report))
    print()
    # What the child sees on the frozen blind sets, and the risk levels that decided it.
    from components.risk import default_config
    from tools import blind_eval

    quality = load_quality(Path(args.quality))
    blind, blind_failures = blind_eval.evaluate_sets(
        blind_eval.build_assistant(model), None, quality
    )
    (out / "blind.json").write_text(json.dumps(blind, ensure_ascii=False, indent=1), "utf-8")
    risk = default_config()
    for one in blind.values():
        print()
        print(blind_eval.format_report(one))
    print(
        f"  risk levels (components/risk.yml): concern at {risk.concern}, danger at "
        f"{risk.danger}; earlier distress remembered for {risk.remember_turns} turns; one "
        f"circumstantial signal alone is no check-in below a crisis probability of "
        f"{risk.lone_max_crisis}, nor one of {', '.join(sorted(risk.sure_groups)) or 'none'} "
        f"below {risk.sure_max_crisis}"
    )
    failures = report["quality"]["failures"] + blind_failures
    for failure in failures:
        print(f"FAIL: {failure}")
    print(f"Reports written to {relative(out)}/ (start with {relative(out / 'summary.md')})")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
