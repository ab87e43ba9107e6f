"""Candidate intent models side by side: `python -m tools.model_compare [--quick] [--real-text F]`.

Every candidate is trained on nlu_data/ only, outside Rasa, with scikit-learn and the
pipeline's own featurisation (the project's normaliser and tokenizer, Rasa's number token,
word 1-2-grams and char_wb 2-5-grams counted as CountVectorsFeaturizer counts them). Each
message then goes through a copy of the rest of the NLU chain: the fallback threshold, the
safety net (components/safety_net.py), the optional risk head of a candidate, and the risk
level (components/risk.py), as the pipeline runs them. What the child would get is scored as
tools/blind_eval.py scores it:

- crisis: a safety path (a safety intent, or a risk level of concern or danger);
- sextortion, grooming, abuse material: their own intent or crisis;
- bullying: the bullying intent with no alarm;
- look-alikes and real text: a false alarm when the message takes a safety path.

Development sets (tuning allowed): tests/data/safety_set.yml, safety_blind.yml and the
held-out set (its bullying and safety messages count as positives, the rest as ordinary
messages). The newest frozen blind set (tests/data/blind/) is scored last, for the final
comparison only: nothing here is tuned on them, and no text of theirs is printed.

Candidates: (a) the pipeline's LR on word 1-2 + char_wb 2-5 n-grams (the baseline), (a')
word-only and (b) char-only LR, (c, c') probability averages, (d) the baseline plus a separate
binary safety head (safety intent or not, word + char n-grams, class-weighted) that lifts a
message to its most likely safety intent at a threshold picked on the development sets
(look-alike alarms may rise by at most 1 or 2 points), and (e) a calibrated linear SVM.
The last table compares each candidate with (a) message by message on the blind sets.
`--quick` trains (a) and (b) only; `docs/model-choice.md` has the figures and the decision.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from components.intents import SAFETY_INTENTS, lowered_intent
from tools.blind_eval import ACCEPT, BLIND_SETS, NEWEST_SET, blind_files, load_blind
from tools.nlu_eval import (
    FALLBACK_INTENT,
    ROOT,
    SAFETY_SETS,
    _rate,
    load_heldout,
    load_safety_set,
    load_training_data,
    relative,
)

FALLBACK_THRESHOLD = 0.3  # config.yml, FallbackClassifier
RANKING_LENGTH = 10  # config.yml, the classifier's ranking_length
BULLYING = "ask_cyberbullying"
CATEGORIES = (*SAFETY_INTENTS, BULLYING)
ALARM_LEVELS = ("concern", "danger")
# How much the development look-alike false-alarm rate may rise when a threshold is picked.
HEAD_ALLOWANCES = (0.01, 0.02)


# --- scoring (pure Python: the test runs it without Rasa) -------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the NLU chain decided for one message: its final intent and its risk level."""

    intent: str | None
    level: str = "none"


def acted(outcome: Outcome) -> bool:
    """The message takes a safety path: a safety intent, the check-in or the crisis reply."""
    return outcome.intent in SAFETY_INTENTS or outcome.level in ALARM_LEVELS


def is_hit(category: str, outcome: Outcome) -> bool:
    if category == "crisis":
        return acted(outcome)
    if category == BULLYING:
        return outcome.intent == BULLYING and not acted(outcome)
    return outcome.intent in ACCEPT.get(category, {category})


def score_outcomes(
    categories: Sequence[str],
    positives: Sequence[Outcome],
    negatives: Sequence[Outcome],
) -> dict[str, Any]:
    """Recall per category of the positives and the false-alarm rate on the negatives."""
    cells: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for category, outcome in zip(categories, positives, strict=True):
        cells[category][0] += is_hit(category, outcome)
        cells[category][1] += 1
    alarms = sum(acted(o) for o in negatives)
    return {
        "recall": _with_pooled({c: _rate(*cells[c]) for c in CATEGORIES if c in cells}),
        "false_alarms": _rate(alarms, len(negatives)),
    }


def _with_pooled(recall: dict[str, Any]) -> dict[str, Any]:
    """Adds `safety`: crisis and the three disclosures together."""
    parts = [recall[c] for c in SAFETY_INTENTS if c in recall]
    if parts:
        recall["safety"] = _rate(sum(r["hits"] for r in parts), sum(r["n"] for r in parts))
    return recall


# --- evaluation sets ---------------------------------------------------------------------------


@dataclass
class EvalSet:
    name: str
    pos_texts: list[str]
    pos_categories: list[str]
    neg_texts: list[str]
    question_texts: list[str] | None = None
    question_intents: list[str] | None = None
    pos_langs: list[str] | None = None


def dev_sets() -> list[EvalSet]:
    sets = []
    for section in ("safety", "safety_blind"):
        data = load_safety_set(SAFETY_SETS[section])
        sets.append(
            EvalSet(
                relative(SAFETY_SETS[section]),
                [p["text"] for p in data["positives"]],
                [p["category"] for p in data["positives"]],
                [n["text"] for n in data["negatives"]],
                pos_langs=[str(p.get("lang")) for p in data["positives"]],
            )
        )
    heldout = load_heldout()
    pos = [e for e in heldout if e.intent in CATEGORIES]
    sets.append(
        EvalSet(
            "tests/data/nlu_heldout.yml",
            [e.text for e in pos],
            [e.intent for e in pos],
            [e.text for e in heldout if e.intent not in CATEGORIES],
            [e.text for e in heldout],
            [e.intent for e in heldout],
        )
    )
    return sets


def blind_set() -> EvalSet:
    """The newest frozen blind set."""
    data = load_blind(blind_files(BLIND_SETS[NEWEST_SET]))
    return EvalSet(
        f"tests/data/blind/{BLIND_SETS[NEWEST_SET].name}/ (frozen)",
        [p["text"] for p in data["positives"]],
        [p["category"] for p in data["positives"]],
        [n["text"] for n in data["negatives"]],
        [q["text"] for q in data["questions"]],
        [q["intent"] for q in data["questions"]],
        [str(p.get("lang")) for p in data["positives"]],
    )


def read_lines(path: Path) -> list[str]:
    text = Path(path).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- featurisation: the pipeline's --------------------------------------------------------------


class PipelineText:
    """Text as the pipeline's featurizers see it: normalised, tokenised, numbers replaced."""

    def __init__(self) -> None:
        from rasa.shared.nlu.constants import TEXT
        from rasa.shared.nlu.training_data.message import Message

        from components.tokenizer import HanSplittingTokenizer

        self._tokenizer = HanSplittingTokenizer(HanSplittingTokenizer.get_default_config())
        self._message, self._text = Message, TEXT
        self._cache: dict[str, str] = {}

    def __call__(self, texts: Sequence[str]) -> list[str]:
        import re

        from components.text import normalise

        out = []
        for text in texts:
            if text not in self._cache:
                message = self._message(data={self._text: normalise(text)})
                tokens = [t.text for t in self._tokenizer.tokenize(message, self._text)]
                tokens = [re.sub(r"\b[0-9]+\b", "__NUMBER__", t).lower() for t in tokens]
                self._cache[text] = " ".join(tokens)
            out.append(self._cache[text])
        return out


def vectorizers(kind: str, min_df: int = 1, binary: bool = False) -> list[Any]:
    """The pipeline's CountVectorsFeaturizers as scikit-learn's; `min_df` and `binary` as
    config.yml has them now (2, present-or-not) for tools/frontier.py."""
    from sklearn.feature_extraction.text import CountVectorizer

    word = CountVectorizer(
        analyzer="word",
        token_pattern=r"(?u)\b\w+\b",
        ngram_range=(1, 2),
        min_df=min_df,
        binary=binary,
    )
    char = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=min_df, binary=binary)
    return {"word": [word], "char": [char], "word+char": [word, char]}[kind]


class Featuriser:
    def __init__(self, kind: str, prepare: PipelineText) -> None:
        self.vecs = vectorizers(kind)
        self.prepare = prepare

    def fit_transform(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import hstack

        docs = self.prepare(texts)
        return hstack([v.fit_transform(docs) for v in self.vecs]).tocsr()

    def transform(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import hstack

        docs = self.prepare(texts)
        return hstack([v.transform(docs) for v in self.vecs]).tocsr()


# --- candidates ---------------------------------------------------------------------------------


def logistic(C: float = 1.0) -> Any:
    from sklearn.linear_model import LogisticRegression

    # Rasa's LogisticRegressionClassifier, with config.yml's settings.
    return LogisticRegression(
        solver="lbfgs", max_iter=300, tol=1e-4, C=C, class_weight="balanced", random_state=42
    )


class IntentModel:
    """Features + a probabilistic classifier over all intents."""

    def __init__(self, kind: str, make: Callable[[], Any], prepare: PipelineText) -> None:
        self.features = Featuriser(kind, prepare)
        self.make = make

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentModel:
        self.clf = self.make().fit(self.features.fit_transform(texts), np.asarray(labels))
        self.classes = [str(c) for c in self.clf.classes_]
        return self

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.clf.predict_proba(self.features.transform(texts))


class Average:
    """The mean of several fitted intent models' probabilities (same classes, same order)."""

    def __init__(self, *models: IntentModel) -> None:
        self.models = models
        self.classes = models[0].classes
        assert all(m.classes == self.classes for m in models)

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        return np.mean([m.proba(texts) for m in self.models], axis=0)


class SafetyHead:
    """A separate binary model: is this a safety message (any safety intent) or not?"""

    def __init__(self, prepare: PipelineText) -> None:
        self.features = Featuriser("word+char", prepare)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> SafetyHead:
        y = [label in SAFETY_INTENTS for label in labels]
        self.clf = logistic().fit(self.features.fit_transform(texts), y)
        return self

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.clf.predict_proba(self.features.transform(texts))[:, 1]


@dataclass
class Candidate:
    name: str
    model: Any  # IntentModel or Average, fitted
    head: SafetyHead | None = None
    threshold: float | None = None  # the head lifts a message at or above this
    train_seconds: float = 0.0


# --- the rest of the NLU chain -----------------------------------------------------------------


@functools.cache
def net_match(normal: str) -> Any:
    from components.safety_net import classify

    return classify(normal)


@functools.cache
def everyday_reading(normal: str, intent: str) -> str | None:
    from components.safety_net import default_patterns

    return default_patterns().everyday_reading(normal, intent)


def answer_of(reading: str) -> str | None:
    from components.safety_net import default_patterns

    return default_patterns().answer_of(reading)


def net_category(normal: str) -> str | None:
    found = net_match(normal)
    return found.category if found is not None else None


def decide(
    text: str,
    classes: Sequence[str],
    probs: np.ndarray,
    head_p: float | None = None,
    threshold: float | None = None,
    config: Any = None,
) -> Outcome:
    """Fallback, safety net (its everyday readings first), (head), risk level: the pipeline's
    order on one message.

    `config`: a components.risk.RiskConfig other than risk.yml's (tools/frontier.py)."""
    from components.risk import assess
    from components.safety_net import defers, priority
    from components.text import normalise

    order = np.argsort(-probs)[:RANKING_LENGTH]
    ranking = [{"name": classes[i], "confidence": float(probs[i])} for i in order]
    intent = ranking[0]["name"]
    if ranking[0]["confidence"] < FALLBACK_THRESHOLD:
        intent = FALLBACK_INTENT
    normal = normalise(text)
    reading = everyday_reading(normal, intent) if intent in SAFETY_INTENTS[1:] else None
    if reading:
        intent = lowered_intent(ranking, answered=answer_of(reading) is not None)
    found = net_match(normal)
    if found is not None and priority(found.category) > priority(intent):
        if not defers(found, intent, ranking[0]["confidence"]):
            intent = found.category
    if head_p is not None and threshold is not None and head_p >= threshold:
        if intent not in SAFETY_INTENTS:
            safety = [r["name"] for r in ranking if r["name"] in SAFETY_INTENTS]
            intent = safety[0] if safety else "crisis"
    risk = assess(normal, ranking, intent, config)
    if risk.level == "danger" and intent not in SAFETY_INTENTS:
        intent = "crisis"
    return Outcome(intent, risk.level)


class Scorer:
    """Runs candidates over texts; model outputs are computed once per text list."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], tuple[np.ndarray, np.ndarray | None]] = {}

    def _outputs(self, cand: Candidate, texts: Sequence[str]) -> tuple[Any, Any]:
        key = (cand.name.split(" @")[0], id(texts))
        if key not in self._cache:
            probs = cand.model.proba(texts) if texts else np.zeros((0, len(cand.model.classes)))
            head = cand.head.proba(texts) if cand.head is not None and texts else None
            self._cache[key] = (probs, head)
        return self._cache[key]

    def outcomes(self, cand: Candidate, texts: Sequence[str]) -> list[Outcome]:
        probs, head = self._outputs(cand, texts)
        return [
            decide(
                t,
                cand.model.classes,
                probs[i],
                None if head is None else float(head[i]),
                cand.threshold,
            )
            for i, t in enumerate(texts)
        ]

    def evaluate(self, cand: Candidate, data: EvalSet) -> dict[str, Any]:
        report = score_outcomes(
            data.pos_categories,
            self.outcomes(cand, data.pos_texts),
            self.outcomes(cand, data.neg_texts),
        )
        if data.question_texts:
            got = self.outcomes(cand, data.question_texts)
            right = sum(
                o.intent == w for o, w in zip(got, data.question_intents or [], strict=True)
            )
            report["questions"] = _rate(right, len(got))
        return report

    def alarms(self, cand: Candidate, texts: Sequence[str]) -> dict[str, Any]:
        return _rate(sum(acted(o) for o in self.outcomes(cand, texts)), len(texts))


def merge(reports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Several sets' reports as one (hits and counts added)."""
    recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    alarms = [0, 0]
    for report in reports:
        for category, r in report["recall"].items():
            if category not in CATEGORIES:
                continue
            recall[category][0] += r["hits"]
            recall[category][1] += r["n"]
        alarms[0] += report["false_alarms"]["hits"]
        alarms[1] += report["false_alarms"]["n"]
    merged = {
        "recall": _with_pooled({c: _rate(*recall[c]) for c in CATEGORIES if c in recall}),
        "false_alarms": _rate(*alarms),
    }
    questions = [r["questions"] for r in reports if "questions" in r]
    if questions:
        merged["questions"] = _rate(
            sum(q["hits"] for q in questions), sum(q["n"] for q in questions)
        )
    return merged


def lookalike_alarm_rate(scorer: Scorer, cand: Candidate, sets: Sequence[EvalSet]) -> float:
    hits = n = 0
    for data in sets[:2]:  # the two safety sets' look-alikes
        r = scorer.alarms(cand, data.neg_texts)
        hits, n = hits + r["hits"], n + r["n"]
    return hits / n if n else 0.0


def pick_thresholds(scorer: Scorer, cand: Candidate, sets: Sequence[EvalSet]) -> list[float]:
    """For each allowance, the lowest head threshold whose dev look-alike alarms stay within it."""
    base = lookalike_alarm_rate(scorer, Candidate("base", cand.model), sets)
    grid = [round(x, 2) for x in np.arange(0.50, 0.991, 0.02)]
    chosen = []
    for allowance in HEAD_ALLOWANCES:
        for t in grid:
            trial = Candidate(f"{cand.name} @{t}", cand.model, cand.head, t)
            if lookalike_alarm_rate(scorer, trial, sets) <= base + allowance + 1e-9:
                chosen.append(t)
                break
    return sorted(set(chosen), reverse=True)


# --- running ----------------------------------------------------------------------------------


def build_candidates(quick: bool, texts: list[str], labels: list[str]) -> list[Candidate]:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    prepare = PipelineText()

    def fitted(name: str, make: Callable[[], Any]) -> Candidate:
        start = time.perf_counter()
        model = make().fit(texts, labels)
        cand = Candidate(name, model, train_seconds=time.perf_counter() - start)
        print(f"  trained {name} in {cand.train_seconds:.1f}s", flush=True)
        return cand

    pipeline = fitted(
        "a word+char LR (pipeline)", lambda: IntentModel("word+char", logistic, prepare)
    )
    char = fitted("b char_wb 2-5 LR", lambda: IntentModel("char", logistic, prepare))
    candidates = [pipeline, char]
    if quick:
        return candidates
    word = fitted("a' word 1-2 LR", lambda: IntentModel("word", logistic, prepare))
    candidates += [
        word,
        Candidate("c mean(a', b)", Average(word.model, char.model)),
        Candidate("c' mean(a, b)", Average(pipeline.model, char.model)),
        fitted(
            "e calibrated linear SVM",
            lambda: IntentModel(
                "word+char",
                lambda: CalibratedClassifierCV(
                    LinearSVC(C=0.5, class_weight="balanced", dual=True, max_iter=5000),
                    cv=3,
                    method="sigmoid",
                ),
                prepare,
            ),
        ),
    ]
    start = time.perf_counter()
    head = SafetyHead(prepare).fit(texts, labels)
    print(f"  trained the safety head in {time.perf_counter() - start:.1f}s", flush=True)
    candidates.append(Candidate("d a + safety head", pipeline.model, head))
    return candidates


def _cell(r: dict[str, Any] | None) -> str:
    if not r or not r["n"]:
        return "-"
    return f"{100 * r['rate']:.1f} ({r['hits']}/{r['n']})"


SHORT = {
    "safety": "crisis+discl.",
    "crisis": "crisis",
    "disclose_sextortion": "sextort.",
    "disclose_grooming": "grooming",
    "report_abuse_content": "abuse",
    BULLYING: "bullying",
}


def table(rows: list[tuple[str, dict[str, Any], dict[str, Any] | None]], title: str) -> str:
    head = ["candidate", *SHORT.values(), "look-alike FA", "ordinary FA", "questions"]
    head.append("real-text FA")
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, report, real in rows:
        cells = [name]
        cells += [_cell(report["recall"].get(c)) for c in SHORT]
        cells += [_cell(report["false_alarms"]), _cell(report.get("ordinary_alarms"))]
        cells += [_cell(report.get("questions")), _cell(real)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def blind_details(
    scorer: Scorer, final: Sequence[Candidate], data: EvalSet, real: Sequence[str]
) -> str:
    """Crisis recall per language, and each candidate against the baseline message by message:
    safety messages (crisis and disclosures) caught or lost, alarms added or removed."""
    langs = sorted(set(data.pos_langs or []))
    safety = [i for i, c in enumerate(data.pos_categories) if c in SAFETY_INTENTS]

    def vectors(cand: Candidate) -> tuple[list[bool], list[bool], list[bool]]:
        pos = scorer.outcomes(cand, data.pos_texts)
        hits = [is_hit(data.pos_categories[i], pos[i]) for i in safety]
        neg = [acted(o) for o in scorer.outcomes(cand, data.neg_texts)]
        return hits, neg, [acted(o) for o in scorer.outcomes(cand, real)] if real else []

    head = ["candidate", *(f"crisis {lang}" for lang in langs), "safety +/-", "look-alike +/-"]
    head.append("real-text +/-")
    lines = [
        "### Blind: crisis per language; safety hits and alarms gained/lost against (a)",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    base = vectors(final[0])
    for cand in final:
        pos = scorer.outcomes(cand, data.pos_texts)
        cells = [cand.name]
        for lang in langs:
            idx = [
                i
                for i, (c, g) in enumerate(
                    zip(data.pos_categories, data.pos_langs or [], strict=True)
                )
                if c == "crisis" and g == lang
            ]
            cells.append(f"{sum(acted(pos[i]) for i in idx)}/{len(idx)}")
        for mine, theirs in zip(vectors(cand), base, strict=True):
            up = sum(a and not b for a, b in zip(mine, theirs, strict=True))
            down = sum(b and not a for a, b in zip(mine, theirs, strict=True))
            cells.append(f"+{up} / -{down}" if mine else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _commit() -> str:
    import subprocess

    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def run(quick: bool, real_text: Path | None, blind: bool = True) -> dict[str, Any]:
    started = time.perf_counter()
    training = [e for e in load_training_data() if e.text]
    texts, labels = [e.text for e in training], [e.intent for e in training]
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {_commit()}: training on "
        f"{len(texts)} examples of nlu_data/ ({len(set(labels))} intents)"
    )
    candidates = build_candidates(quick, texts, labels)
    scorer = Scorer()
    sets = dev_sets()
    final: list[Candidate] = []
    for cand in candidates:
        if cand.head is None:
            final.append(cand)
            continue
        for t in pick_thresholds(scorer, cand, sets):
            final.append(Candidate(f"{cand.name} @{t}", cand.model, cand.head, t))
    real = read_lines(real_text) if real_text else []
    results: dict[str, Any] = {"dev": [], "blind": [], "real": {}}
    for cand in final:
        reports = [scorer.evaluate(cand, s) for s in sets]
        dev = merge(reports)
        dev["false_alarms"] = merge(reports[:2])["false_alarms"]  # the safety sets' look-alikes
        dev["ordinary_alarms"] = reports[2]["false_alarms"]  # the held-out set's other intents
        results["dev"].append((cand.name, dev))
        if real:
            results["real"][cand.name] = scorer.alarms(cand, real)
    print()
    print(table([(n, r, results["real"].get(n)) for n, r in results["dev"]], "Development sets"))
    if blind:
        frozen = blind_set()
        for cand in final:
            results["blind"].append((cand.name, scorer.evaluate(cand, frozen)))
        print()
        rows = [(n, r, results["real"].get(n)) for n, r in results["blind"]]
        print(table(rows, "Frozen blind sets (tests/data/blind/), scored once"))
        print()
        print(blind_details(scorer, final, frozen, real))
    print(f"\n{len(final)} candidates in {time.perf_counter() - started:.0f}s")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the baseline and one candidate")
    parser.add_argument("--real-text", type=Path, default=None, help="one everyday message a line")
    parser.add_argument("--no-blind", action="store_true", help="development sets only")
    args = parser.parse_args(argv)
    from tools.nlu_eval import quiet_logging

    quiet_logging()
    run(args.quick, args.real_text, blind=not args.no_blind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
