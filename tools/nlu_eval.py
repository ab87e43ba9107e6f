"""Shared helpers for Jaga's data checks, accuracy reports and the CI quality gate.

Loading the test sets and `quality.yml` needs only PyYAML; running a model imports Rasa, so
`load_agent` and `predict` import it lazily and `python -m tools.check_data` stays fast.
Metrics come from scikit-learn so that they mean what everyone expects them to mean.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import yaml

from components.intents import CLASS_SPLIT, SAFETY_INTENTS

ROOT = Path(__file__).resolve().parent.parent
QUALITY_FILE = ROOT / "quality.yml"
NLU_DIR = ROOT / "nlu_data"
HELDOUT_FILE = ROOT / "tests" / "data" / "nlu_heldout.yml"
SAFETY_FILE = ROOT / "tests" / "data" / "safety_set.yml"
# Every safety set, by the quality.yml section that gates it. safety_set.yml and
# safety_blind.yml were used to tune the safety net's patterns (development sets);
# safety_holdout.yml never was, so it is the honest measure of unseen messages.
SAFETY_SETS = {
    "safety": SAFETY_FILE,
    "safety_blind": ROOT / "tests" / "data" / "safety_blind.yml",
    "safety_holdout": ROOT / "tests" / "data" / "safety_holdout.yml",
}
MODELS_DIR = ROOT / "models"

LANGS = ("en", "ms", "mixed")
FALLBACK_INTENT = "nlu_fallback"

# `[text](entity)`, `[text](entity:value)` and `[text]{"entity": ...}` annotations.
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    lang: str | None = None  # held-out block language (en/ms/mixed); None in training data
    source: str = ""  # file the example came from, relative to the repository
    own_class: str | None = None  # trained as a class of its own (components/classifier.py)

    @property
    def label(self) -> str:
        """The class the pipeline's classifier trains this example as."""
        return f"{self.intent}{CLASS_SPLIT}{self.own_class}" if self.own_class else self.intent


@dataclass(frozen=True)
class Prediction:
    text: str
    intent: str | None
    confidence: float
    ranking: tuple[tuple[str, float], ...] = field(default=())


def strip_annotations(text: str) -> str:
    """The plain text of a Rasa training example, without entity mark-up."""
    return _ANNOTATION.sub(r"\1", text).strip()


def relative(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _example_texts(examples: Any) -> Iterable[tuple[str, dict]]:
    """(text, metadata) pairs of one block's `examples`, in either Rasa form."""
    if isinstance(examples, str):
        for line in examples.splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield line[2:], {}
            elif line == "-":
                yield "", {}
    elif isinstance(examples, list):
        for item in examples:
            if isinstance(item, dict):
                yield str(item.get("text", "")), item.get("metadata") or {}
            else:
                yield str(item), {}


# libyaml's parser when PyYAML has it (the wheels do): the same documents, about 10x faster,
# which keeps `check_data` quick at 12k+ examples.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: os.PathLike | str) -> Any:
    """One YAML file, parsed safely (no tags that run code); empty file -> {}."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}


def load_nlu_file(path: Path) -> list[Example]:
    """Every intent example of one Rasa NLU YAML file (synonyms, lookups and regexes skipped)."""
    data = read_yaml(path)
    source = relative(path)
    found: list[Example] = []
    for block in data.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        block_meta = block.get("metadata") or {}
        block_lang, own = block_meta.get("lang"), block_meta.get("own_class")
        for text, meta in _example_texts(block.get("examples")):
            lang = (meta or {}).get("lang", block_lang)
            intent = str(block["intent"])
            found.append(Example(strip_annotations(text), intent, lang, source, own))
    return found


def nlu_files(nlu_dir: Path = NLU_DIR) -> list[Path]:
    nlu_dir = Path(nlu_dir)
    if nlu_dir.is_file():
        return [nlu_dir]
    return sorted([*nlu_dir.rglob("*.yml"), *nlu_dir.rglob("*.yaml")])


def load_training_data(nlu_dir: Path = NLU_DIR) -> list[Example]:
    return [e for path in nlu_files(nlu_dir) for e in load_nlu_file(path)]


def load_heldout(path: Path = HELDOUT_FILE) -> list[Example]:
    """The held-out set; every example carries its block's language (en, ms or mixed)."""
    return [e for e in load_nlu_file(path) if e.text]


def load_safety_set(path: Path = SAFETY_FILE) -> dict[str, list[dict]]:
    data = read_yaml(path)
    return {
        "positives": [dict(p) for p in data.get("positives") or []],
        "negatives": [dict(n) for n in data.get("negatives") or []],
    }


def load_quality(path: Path = QUALITY_FILE) -> dict[str, Any]:
    return read_yaml(path)


# --- running a model -------------------------------------------------------------------------


def find_model(path: os.PathLike | None = None) -> Path:
    """`path` if given (a file, or a directory to search), else models/jaga.tar.gz, else the
    newest models/*.tar.gz."""
    candidate = Path(path) if path else MODELS_DIR
    if candidate.is_file():
        return candidate
    if candidate.is_dir():
        preferred = candidate / "jaga.tar.gz"
        if preferred.is_file():
            return preferred
        models = sorted(candidate.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        if models:
            return models[-1]
    raise FileNotFoundError(f"no trained model at {relative(candidate)}: run `make train` first")


def quiet_logging() -> None:
    """Keep Rasa's and TensorFlow's start-up chatter out of reports and test output."""
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"rasa\..*")
    warnings.filterwarnings("ignore", message=".*[Dd]eprecat.*")
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    # Importing TensorFlow resets the warning filters, so also drop library warnings at display.
    if not getattr(warnings.showwarning, "_jaga_quiet", False):
        show = warnings.showwarning

        def quiet_show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
            if issubclass(category, DeprecationWarning) or "site-packages" in str(filename):
                return
            show(message, category, filename, lineno, file, line)

        quiet_show._jaga_quiet = True  # type: ignore[attr-defined]
        warnings.showwarning = quiet_show
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)
    except ImportError:  # older or newer Rasa without structlog set-up
        pass
    for name in ("rasa", "tensorflow", "absl", "sanic", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)


def load_agent(model_path: os.PathLike | None = None) -> Any:
    """A Rasa Agent for the model (see `find_model`)."""
    quiet_logging()
    from rasa.core.agent import Agent

    return Agent.load(str(find_model(model_path)))


def _prediction(text: str, parsed: dict) -> Prediction:
    intent = parsed.get("intent") or {}
    ranking = tuple(
        (str(r.get("name")), float(r.get("confidence") or 0.0))
        for r in (parsed.get("intent_ranking") or [])[:3]
    )
    return Prediction(text, intent.get("name"), float(intent.get("confidence") or 0.0), ranking)


def predict(agent: Any, texts: Sequence[str]) -> list[Prediction]:
    """The full NLU pipeline's intent for each text (fallback and safety net included)."""

    async def run() -> list[Prediction]:
        return [_prediction(t, await agent.parse_message(t)) for t in texts]

    return asyncio.run(run())


def safety_net_classifier() -> Callable[[str], str | None] | None:
    """`text -> category or None` from `components.safety_net.classify`, if it exists."""
    try:
        from components import safety_net
    except Exception:  # noqa: BLE001 - a broken module is reported as "not available"
        return None
    classify = getattr(safety_net, "classify", None)
    if classify is None:
        return None

    def run(text: str) -> str | None:
        match = classify(text)
        return getattr(match, "category", None) if match else None

    return run


# --- metrics ---------------------------------------------------------------------------------


def intent_metrics(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Per-intent precision/recall/F1/support, accuracy and macro-F1 over the true intents.

    A prediction of `nlu_fallback` (or any intent not in the test set) counts as a miss for the
    true intent; macro-F1 averages over the intents the test set contains.
    """
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    labels = sorted(set(y_true))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    per_intent = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    macro_f1 = float(sum(f1) / len(f1)) if len(labels) else 0.0
    return {
        "per_intent": per_intent,
        "macro_f1": round(macro_f1, 4),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4) if y_true else 0.0,
    }


def language_accuracy(examples: Sequence[Example], preds: Sequence[Prediction]) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, example in enumerate(examples):
        by_lang[example.lang or "unknown"].append(i)
    result = {}
    for lang in sorted(by_lang, key=lambda x: (LANGS.index(x) if x in LANGS else 9, x)):
        idx = by_lang[lang]
        y_true = [examples[i].intent for i in idx]
        y_pred = [preds[i].intent or "" for i in idx]
        result[lang] = {
            "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
            "macro_f1": round(
                float(f1_score(y_true, y_pred, labels=sorted(set(y_true)), average="macro")), 4
            ),
            "n": len(idx),
        }
    return result


def evaluate_heldout(examples: Sequence[Example], preds: Sequence[Prediction]) -> dict[str, Any]:
    y_true = [e.intent for e in examples]
    y_pred = [p.intent or "" for p in preds]
    report = intent_metrics(y_true, y_pred)
    report["n"] = len(examples)
    report["per_language"] = language_accuracy(examples, preds)
    # per intent and language: accuracy (= recall of that intent within the language)
    cells: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    fallbacks: dict[str, int] = defaultdict(int)
    for example, pred in zip(examples, preds, strict=True):
        cell = cells[example.intent][example.lang or "unknown"]
        cell[1] += 1
        cell[0] += int(pred.intent == example.intent)
        if pred.intent == FALLBACK_INTENT:
            fallbacks[example.intent] += 1
    report["per_intent_language"] = {
        intent: {
            lang: {"correct": c, "n": n, "recall": round(c / n, 4)}
            for lang, (c, n) in langs.items()
        }
        for intent, langs in sorted(cells.items())
    }
    report["fallbacks"] = dict(sorted(fallbacks.items(), key=lambda kv: -kv[1]))
    report["errors"] = [
        {
            "text": e.text,
            "intent": e.intent,
            "lang": e.lang,
            "predicted": p.intent,
            "confidence": round(p.confidence, 4),
            "runner_up": [list(r) for r in p.ranking[1:2]],
        }
        for e, p in zip(examples, preds, strict=True)
        if p.intent != e.intent
    ]
    return report


def _rate(hits: int, n: int) -> dict[str, Any]:
    return {"hits": hits, "n": n, "rate": round(hits / n, 4) if n else None}


def evaluate_safety(
    safety: dict[str, list[dict]],
    positive_intents: Sequence[str | None],
    negative_intents: Sequence[str | None],
) -> dict[str, Any]:
    """Recall per category (and per category and language) and false alarms on near misses.

    `positive_intents`/`negative_intents` are what one classifier said for each safety-set text:
    an intent (full model) or a safety-net category (net alone); None means "not raised".
    A positive counts only if raised to its own category; a negative is a false alarm if it was
    raised to any safety category.
    """
    recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    recall_lang: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    missed = []
    for item, got in zip(safety["positives"], positive_intents, strict=True):
        category, lang = item.get("category"), item.get("lang", "unknown")
        hit = got == category
        recall[category][0] += hit
        recall[category][1] += 1
        recall_lang[category][lang][0] += hit
        recall_lang[category][lang][1] += 1
        if not hit:
            missed.append(
                {"text": item.get("text"), "category": category, "lang": lang, "got": got}
            )
    alarms_near: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    alarms_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    false_alarms = []
    for item, got in zip(safety["negatives"], negative_intents, strict=True):
        alarm = got in SAFETY_INTENTS
        for table, key in (
            (alarms_near, item.get("near", "?")),
            (alarms_lang, item.get("lang", "?")),
        ):
            table[key][0] += alarm
            table[key][1] += 1
        if alarm:
            false_alarms.append(
                {
                    "text": item.get("text"),
                    "near": item.get("near"),
                    "lang": item.get("lang"),
                    "got": got,
                }
            )
    n_neg = len(safety["negatives"])
    return {
        "recall": {c: _rate(*hn) for c, hn in sorted(recall.items())},
        "recall_by_language": {
            c: {lang: _rate(*hn) for lang, hn in sorted(langs.items())}
            for c, langs in sorted(recall_lang.items())
        },
        "false_alarms": {
            **_rate(len(false_alarms), n_neg),
            "by_near": {k: _rate(*hn) for k, hn in sorted(alarms_near.items())},
            "by_language": {k: _rate(*hn) for k, hn in sorted(alarms_lang.items())},
        },
        "missed": missed,
        "false_alarm_examples": false_alarms,
    }


# --- the quality gate ------------------------------------------------------------------------


def quality_failures(report: dict[str, Any], quality: dict[str, Any]) -> list[str]:
    """One sentence per threshold of quality.yml that the report does not meet."""
    failures = []
    heldout = report.get("heldout") or {}
    gate = quality.get("heldout") or {}
    if "macro_f1_min" in gate and heldout.get("macro_f1", 0) < gate["macro_f1_min"]:
        failures.append(
            f"held-out macro-F1 {heldout.get('macro_f1', 0):.3f} is below {gate['macro_f1_min']}"
        )
    for lang, minimum in (gate.get("language_accuracy_min") or {}).items():
        got = (heldout.get("per_language") or {}).get(lang)
        if got is None:
            failures.append(f"held-out set has no '{lang}' examples (quality.yml expects some)")
        elif got["accuracy"] < minimum:
            failures.append(
                f"held-out accuracy in '{lang}' {got['accuracy']:.3f} is below {minimum}"
            )
    intent_min = gate.get("intent_f1_min")
    if intent_min is not None:
        for intent, m in (heldout.get("per_intent") or {}).items():
            if m["f1"] < intent_min:
                failures.append(
                    f"held-out F1 of intent '{intent}' {m['f1']:.3f} is below {intent_min}"
                )
    for section in SAFETY_SETS:
        part = report.get("safety") if section == "safety" else None
        part = part or (report.get("safety_sets") or {}).get(section)
        failures += _safety_failures(section, part, quality.get(section))
    return failures


def _safety_failures(section: str, part: dict | None, gate: dict | None) -> list[str]:
    """Failures of one safety set against its quality.yml section."""
    if not gate:
        return []
    name = relative(SAFETY_SETS[section])
    if not part:
        return [f"{name} was not evaluated (quality.yml gates it)"]
    failures = []
    full = part.get("full_model") or {}
    for category, minimum in (gate.get("recall_min") or {}).items():
        got = (full.get("recall") or {}).get(category)
        if got is None or got["rate"] is None:
            failures.append(f"{name} has no '{category}' positives (quality.yml expects some)")
        elif got["rate"] < minimum:
            misses = [m["text"] for m in full.get("missed", []) if m["category"] == category]
            failures.append(
                f"{name}: recall of '{category}' {got['rate']:.3f} ({got['hits']}/{got['n']}) "
                f"is below {minimum}; missed: {misses[:10]}"
            )
    net = part.get("safety_net")
    for key, sub, who in (
        ("false_alarm_rate_max", net, "safety net"),
        ("full_model_false_alarm_rate_max", full, "full model"),
    ):
        limit = gate.get(key)
        alarms = (sub or {}).get("false_alarms") or {}
        if limit is None or alarms.get("rate") is None or alarms["rate"] <= limit:
            continue
        texts = [a["text"] for a in sub.get("false_alarm_examples", [])]
        failures.append(
            f"{name}: {who} false-alarm rate on near misses {alarms['rate']:.3f} "
            f"({alarms['hits']}/{alarms['n']}) is above {limit}; raised: {texts[:5]}"
        )
    return failures


# --- tables ----------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "  -  " if x is None else f"{100 * x:5.1f}"


def format_tables(report: dict[str, Any]) -> str:
    """Plain-text per-intent and per-language tables for the terminal and CI logs."""
    heldout = report["heldout"]
    langs = list(heldout["per_language"])
    lines = [
        f"Held-out set: {heldout['n']} examples, macro-F1 {heldout['macro_f1']:.3f}, "
        f"accuracy {heldout['accuracy']:.3f}",
        "",
        f"{'intent':<24} {'P':>5} {'R':>5} {'F1':>5} {'n':>4}  "
        + " ".join(f"{'R ' + lang:>8}" for lang in langs),
    ]
    for intent, m in sorted(heldout["per_intent"].items(), key=lambda kv: kv[1]["f1"]):
        cells = heldout["per_intent_language"].get(intent, {})
        lines.append(
            f"{intent:<24} {_pct(m['precision'])} {_pct(m['recall'])} {_pct(m['f1'])} "
            f"{m['support']:>4}  "
            + " ".join(
                f"{_pct(cells[lang]['recall']) + '/' + str(cells[lang]['n']):>8}"
                if lang in cells
                else f"{'-':>8}"
                for lang in langs
            )
        )
    lines += ["", f"{'language':<10} {'accuracy':>8} {'macro-F1':>8} {'n':>5}"]
    for lang, m in heldout["per_language"].items():
        lines.append(f"{lang:<10} {_pct(m['accuracy']):>8} {_pct(m['macro_f1']):>8} {m['n']:>5}")
    unseen = heldout.get("unseen_only")
    if unseen:
        lines += [
            "",
            f"{heldout['n'] - unseen['n']} held-out messages are also in nlu_data/; on the "
            f"{unseen['n']} unseen ones: macro-F1 {unseen['macro_f1']:.3f}, accuracy "
            + ", ".join(f"{k} {_pct(v['accuracy'])}" for k, v in unseen["per_language"].items()),
        ]
    sets = {"safety": report.get("safety") or {}, **(report.get("safety_sets") or {})}
    for section, safety in sets.items():
        label = relative(SAFETY_SETS.get(section, Path(section)))
        for name in ("full_model", "safety_net"):
            part = safety.get(name)
            if not part:
                continue
            lines += ["", f"{label}, {name.replace('_', ' ')}: recall per category"]
            for category, r in part["recall"].items():
                by_lang = part["recall_by_language"].get(category, {})
                lines.append(
                    f"  {category:<22} {_pct(r['rate'])}% ({r['hits']}/{r['n']})  "
                    + "  ".join(f"{lang} {x['hits']}/{x['n']}" for lang, x in by_lang.items())
                )
            fa = part["false_alarms"]
            lines.append(
                f"  false alarms on near misses: {_pct(fa['rate'])}% ({fa['hits']}/{fa['n']})"
            )
    return "\n".join(lines)
