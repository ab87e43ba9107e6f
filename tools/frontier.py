"""How much does "everyday talk" weigh? `python -m tools.frontier [--real-text F] [--blind]`.

Most false alarms come from the classifier: everyday text nothing in nlu_data/ resembles gets
much of its probability on `crisis`. One suspected cause is how the classes are weighted:
Rasa's logistic regression uses `class_weight="balanced"`, so `out_of_scope` (about half of
the examples, and the most varied class) weighs as much in total as `forget_me`, and adding
everyday examples only spreads the same weight thinner. This study retrains the pipeline's
classifier as `config.yml` sets it up (word 1-2 and char_wb 2-5 n-grams seen at least twice,
each block present-or-not and scaled to length 1, C 100) with other weightings:

- `balanced`: today's;
- `oos x2`: balanced, with `out_of_scope` weighing twice as much;
- `oos split k`: `out_of_scope` cut into k clusters (k-means on the same features), each
  its own class at training, their probabilities added back together at prediction, so
  everyday talk gets k times the weight and k places in feature space instead of one;
- `unweighted`: every example weighs the same;
- `look-alikes own`: the everyday look-alikes of LOOKALIKE_FILES (messages that borrow the
  words of danger) trained as a class of their own, `out_of_scope#near`, folded back into
  `out_of_scope` at prediction; `look-alikes own x0.4`: the same, that class weighing 0.4
  of a balanced class (the fourteenth round).

Each is scored through tools/model_compare.py's copy of the rest of the NLU chain (fallback,
safety net, risk level) with risk.yml's weights and with the model's probability weighed
more (crisis 1.0 or 1.2, the other safety intents 0.35), so candidates can be compared at the
same crisis recall. Scored as tools/blind_eval.py scores a reply, on the development blind
sets (every kept set older than the newest; sets 1 to 12 are training data since the
eighteenth round), a real-text file, and with `--blind` the newest frozen set, which nothing
here is chosen on (the tenth round's figures were taken with sets 4 to 9 and set 10 as the
newest). Takes 10-15 minutes on 2 cores.
docs/model-choice.md has the figures and the decision.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from components.intents import CLASS_SPLIT
from tools.blind_eval import BLIND_SETS, NEWEST_SET, blind_files, load_blind, set_number
from tools.model_compare import (
    Outcome,
    PipelineText,
    acted,
    decide,
    is_hit,
    read_lines,
    vectorizers,
)

# The newest frozen set is never chosen on; every older one still kept as a set (13 onwards:
# sets 1 to 12 are training data now) is development.
NEW_SET = NEWEST_SET
NEWEST = set_number(NEW_SET)
DEV_SETS = tuple(name for name in BLIND_SETS if name != NEW_SET)
OLDEST = min(set_number(name) for name in DEV_SETS)
OOS = "out_of_scope"
SPLIT = CLASS_SPLIT  # out_of_scope#3: the fourth cluster of everyday talk
RISK_WEIGHTS = ((None, None), (1.0, 0.35), (1.2, 0.35))  # None: risk.yml's own
# Training files of everyday look-alikes: harmless messages written to borrow danger's words.
LOOKALIKE_FILES = frozenset(
    {
        "near_misses.yml",
        "lookalikes_more.yml",
        "round8_lookalikes.yml",
        "round9_lookalikes.yml",
        "everyday_voices.yml",
        "everyday_life.yml",
        "round5_everyday.yml",
    }
)
NEAR = f"{OOS}{SPLIT}near"


def features(train: Sequence[str], other: Sequence[str], prepare: PipelineText) -> tuple:
    """The pipeline's sentence features: each block present-or-not, scaled to length 1."""
    from scipy.sparse import hstack
    from sklearn.preprocessing import normalize

    word, char = vectorizers("word+char", min_df=2, binary=True)
    a, b = prepare(train), prepare(other)

    def stack(blocks: list) -> Any:
        return hstack([normalize(x.astype(np.float32)) for x in blocks]).tocsr()

    fitted = stack([word.fit_transform(a), char.fit_transform(a)])
    return fitted, stack([word.transform(b), char.transform(b)])


def split_labels(X: Any, labels: np.ndarray, k: int) -> np.ndarray:
    """out_of_scope cut into k clusters of its own examples (fixed seed)."""
    from sklearn.cluster import KMeans

    rows = np.where(labels == OOS)[0]
    clusters = KMeans(n_clusters=k, random_state=0, n_init=3).fit(X[rows]).labels_
    out = labels.astype(object)
    for row, cluster in zip(rows, clusters, strict=True):
        out[row] = f"{OOS}{SPLIT}{cluster}"
    return out.astype(str)


def merged(probs: np.ndarray, classes: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Cluster probabilities added back into their intent."""
    names = sorted({c.split(SPLIT)[0] for c in classes})
    out = np.zeros((probs.shape[0], len(names)))
    for j, c in enumerate(classes):
        out[:, names.index(c.split(SPLIT)[0])] += probs[:, j]
    return names, out


def train(X: Any, labels: np.ndarray, how: str) -> Any:
    from sklearn.linear_model import LogisticRegression

    weight: Any = "balanced"
    if how == "unweighted":
        weight = None
    elif how == "oos x2":
        classes, counts = np.unique(labels, return_counts=True)
        w = len(labels) / (len(classes) * counts)
        w[list(classes).index(OOS)] *= 2
        weight = dict(zip(classes, w, strict=True))
    elif how.startswith("oos split"):
        labels = split_labels(X, labels, int(how.split()[-1]))
    elif how.startswith("look-alikes own") and how.endswith("x0.4"):
        classes, counts = np.unique(labels, return_counts=True)
        w = len(labels) / (len(classes) * counts)
        w[list(classes).index(NEAR)] *= 0.4
        weight = dict(zip(classes, w, strict=True))
    clf = LogisticRegression(
        solver="lbfgs", max_iter=1000, tol=1e-4, C=100, class_weight=weight, random_state=42
    )
    return clf.fit(X, labels)


def score(items: list[dict], outcomes: list[Outcome]) -> dict[str, list[int]]:
    """Hits and counts per category, tools/model_compare.py's rules; look-alikes: alarms."""
    counts: dict[str, list[int]] = {}
    for item, got in zip(items, outcomes, strict=True):
        category = item.get("category")
        key = category or "alarms"
        hit = is_hit(category, got) if category else acted(got)
        counts.setdefault(key, [0, 0])
        counts[key][0] += int(hit)
        counts[key][1] += 1
    return counts


def load_items(names: Sequence[str]) -> list[dict]:
    items = []
    for name in names:
        data = load_blind(blind_files(BLIND_SETS[name]))
        items += data["positives"] + [{"text": n["text"]} for n in data["negatives"]]
    return items


COLUMNS = (
    "crisis",
    "disclose_sextortion",
    "disclose_grooming",
    "report_abuse_content",
    "ask_cyberbullying",
    "alarms",
)


def row(counts: dict[str, list[int]]) -> str:
    return " | ".join(f"{counts[c][0]}/{counts[c][1]}" if c in counts else "-" for c in COLUMNS)


def run(real_text: Path | None, blind: bool, hows: Sequence[str]) -> None:
    from components.risk import default_config
    from tools.nlu_eval import load_training_data

    started = time.perf_counter()
    training = [e for e in load_training_data() if e.text]
    texts, labels = [e.text for e in training], np.asarray([e.label for e in training])
    near = np.asarray([e.label == OOS and Path(e.source).name in LOOKALIKE_FILES for e in training])
    groups = {f"sets {OLDEST}-{NEWEST - 1}": load_items(DEV_SETS)}
    if real_text:
        groups["real text"] = [{"text": t} for t in read_lines(real_text)]
    if blind:
        groups[f"set {NEWEST}"] = load_items((NEW_SET,))
    everything = [item["text"] for items in groups.values() for item in items]
    prepare = PipelineText()
    X, Q = features(texts, everything, prepare)
    base = default_config()
    header = "| weighting | risk weights | " + " | ".join(COLUMNS) + " |"
    tables: dict[str, list[str]] = {g: [header, "|" + "---|" * (len(COLUMNS) + 2)] for g in groups}
    for how in hows:
        t0 = time.perf_counter()
        clf = train(
            X, np.where(near, NEAR, labels) if how.startswith("look-alikes") else labels, how
        )
        names, probs = merged(clf.predict_proba(Q), [str(c) for c in clf.classes_])
        print(f"  {how}: trained and applied in {time.perf_counter() - t0:.0f}s", flush=True)
        for crisis_w, safety_w in RISK_WEIGHTS:
            config = base
            if crisis_w is not None:
                config = dataclasses.replace(base, crisis_weight=crisis_w, safety_weight=safety_w)
            label = "risk.yml" if crisis_w is None else f"{crisis_w} / {safety_w}"
            start = 0
            for group, items in groups.items():
                part = probs[start : start + len(items)]
                start += len(items)
                got = [
                    decide(i["text"], names, p, config=config)
                    for i, p in zip(items, part, strict=True)
                ]
                tables[group].append(f"| {how} | {label} | {row(score(items, got))} |")
    for group, lines in tables.items():
        print(f"\n{group}\n" + "\n".join(lines))
    print(f"\n{time.perf_counter() - started:.0f}s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real-text", type=Path, default=None, help="one everyday message a line")
    parser.add_argument("--blind", action="store_true", help="also the newest frozen set")
    parser.add_argument(
        "--only",
        action="append",
        default=None,
        choices=(
            "balanced",
            "oos x2",
            "oos split 4",
            "oos split 8",
            "unweighted",
            "look-alikes own",
            "look-alikes own x0.4",
        ),
    )
    args = parser.parse_args(argv)
    from tools.nlu_eval import quiet_logging

    quiet_logging()
    hows = args.only or ["balanced", "oos x2", "oos split 4", "oos split 8", "unweighted"]
    run(args.real_text, args.blind, hows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
