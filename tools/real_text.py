"""`python -m tools.real_text`: the "real everyday text" sample, rebuilt from its sources.

False alarms on real everyday text (docs/model-choice.md) are measured on lines nobody on the
project wrote, taken from three public collections whose licences differ from this
repository's. The samples and the tweets therefore never enter the repository (the SMS that
no sample draws do, as training data: `--training-out` below): fetch the sources yourself and
give their local paths, e.g.

    python -m tools.real_text \\
        --mesolitica SRC/sentiment/supervised-twitter SRC/sentiment/supervised-twitter-politics \\
        --tweeteval tweeteval/datasets/sentiment/test_text.txt \\
        --sms sms-spam-collection/SMSSpamCollection --out-dir /tmp/realtext

- `--mesolitica`: Malaysian tweets of mesolitica/malaysian-dataset (folders
  sentiment/supervised-twitter and supervised-twitter-politics; the `text` column of their
  tab-separated data.csv). Directories are searched for .csv, .tsv, .json, .jsonl and .txt.
- `--tweeteval`: English tweets, TweetEval's sentiment test set (one tweet a line).
- `--sms`: the UCI SMS Spam Collection (`label<TAB>message` a line); only "ham" is kept.

Each line loses its links, @handles, a leading "RT" and HTML entities; lines under 3 words or
over 280 characters are dropped, and so is any line with a word of FILTERED_WORDS (suicide,
death, abuse, sex, violence, drugs, hate, in English and Malay): a simple keyword filter, so
a few such lines still get through. Lines are deduplicated (case and punctuation ignored,
across sources), then each source is sampled with a fixed seed:

- `real.txt`: 1,000 Malaysian tweets, 850 English tweets and 700 SMS (2,550 lines), the
  sample the figures are reported on; nothing is ever tuned on it;
- `dev.txt`: 2,000 other lines of the same sources in the same proportions, for tuning.

Both have one message a line, grouped by source in the order above. The same sources and seed
give the same files.

`--training-out nlu_data/everyday_sms.yml` also writes, as `out_of_scope` training examples,
the SMS "ham" lines that neither sample drew. Of the three collections only this one may be
copied ("free for all purposes", its authors); the tweets stay out of the repository. Lines
that would not read back as plain Rasa examples (brackets, braces, control characters) and
lines that repeat a training or test line of the repository (tools/check_data.py's
comparison) are left out, and so are lines the safety net or the risk signals alone would
answer ("I am a burden for all" is never taught as everyday talk). Trained on (as a class of
their own, components/classifier.py), they teach the classifier what adults' everyday texting
looks like; the SMS part of `real.txt` then measures text of a source the model has seen, so
figures are reported per source: `real_mesolitica.txt`, `real_tweeteval.txt` and
`real_sms.txt` are written beside `real.txt`, and `tools.blind_eval --real-text` scores each
file it is given.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

SEED = 20261130
SOURCES = ("mesolitica", "tweeteval", "sms")
REAL_SIZES = {"mesolitica": 1000, "tweeteval": 850, "sms": 700}
DEV_SIZE = 2000
MIN_WORDS = 3
MAX_CHARS = 280
TEXT_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".txt")

# Lines with one of these words are left out, so that the sample holds everyday text only.
# Whole words, case ignored; a trailing "*" matches any ending ("kill*": kills, killer...);
# a phrase matches its words in a row. Short stems a common word starts with are listed with
# their forms instead: "gun*" would drop Malay "guna" (use), "seks*" "seksyen" (section),
# "bomb*" "bomba" (fire brigade), "stab*" "stabil", "dick*" Port Dickson.
FILTERED_WORDS: tuple[str, ...] = (
    # suicide and self-harm
    "suicide*", "suicidal", "self harm", "self-harm", "selfharm", "kms", "kys",
    "bunuh diri", "membunuh diri", "cederakan diri",
    # death
    "die", "dies", "died", "dying", "dead", "death*", "deadly", "corpse*", "funeral*",
    "mati", "kematian", "mampus", "maut", "mayat", "meninggal", "jenazah",
    # abuse
    "abuse*", "abusive", "molest*", "grooming", "incest",
    "pedo", "pedos", "paedo", "pedophil*", "paedophil*",
    "dera", "didera", "mendera", "penderaan", "cabul*", "mencabul", "sumbang mahram",
    # sex
    "sex*", "porn*", "nude*", "naked", "horny", "boob*", "pussy", "fuck*",
    "dick", "dicks", "cock", "cocks", "blowjob*", "orgasm*", "masturbat*",
    "rape*", "raping", "rapist*",
    "seks", "seksi", "seksual", "lucah", "bogel", "telanjang", "pelacur*",
    "rogol*", "dirogol", "merogol", "zina", "berzina", "onani", "lancap*",
    "pantat", "butuh", "pukimak", "puki",
    # violence
    "kill*", "murder*", "shoot*", "shot", "gun", "guns", "gunman", "gunfire", "gunshot*",
    "stab", "stabs", "stabbed", "stabbing", "bomb", "bombs", "bombed", "bombing*", "bomber*",
    "terror*", "weapon*", "violen*", "assault*", "massacre*", "genocide",
    "bunuh", "membunuh", "dibunuh", "pembunuh*", "tembak*", "ditembak", "menembak",
    "tikam*", "ditikam", "bom", "pengganas", "keganasan", "senjata", "belasah",
    # drugs
    "drug*", "cocaine", "heroin", "meth", "weed", "overdose*", "marijuana", "cannabis",
    "dadah", "ganja", "syabu", "penagih",
    # hate
    "hate*", "hating", "racist*", "racism", "nazi*", "bigot*",
    "benci*", "membenci", "perkauman", "rasis",
)  # fmt: skip

_URL = re.compile(r"(?:https?://|www\.)\S+|\b(?:pic\.twitter\.com|t\.co)/\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w.])@\w+")
_RETWEET = re.compile(r"^(?:RT\b\s*:?\s*)+")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class Sample:
    real: dict[str, list[str]]  # source -> lines
    dev: dict[str, list[str]]
    available: dict[str, int]  # source -> lines left after cleaning, filtering and dedup


# ---------------------------------------------------------------------------------- reading


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return path.read_text(encoding="latin-1")


def _table_texts(path: Path) -> Iterator[str]:
    """The `text` column of a CSV or tab-separated file with a header (the first column if none
    is called text)."""
    content = _read_text(path)
    header = content.split("\n", 1)[0]
    delimiter = "\t" if "\t" in header else ","
    rows = csv.reader(content.splitlines(keepends=True), delimiter=delimiter)
    names = [n.strip().lower() for n in next(rows, [])]
    column = names.index("text") if "text" in names else 0
    for row in rows:
        if len(row) > column:
            yield row[column]


def _json_texts(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        if isinstance(value.get("text"), str):
            yield value["text"]
    elif isinstance(value, list):
        for item in value:
            yield from _json_texts(item)


def read_mesolitica(paths: Sequence[Path]) -> list[str]:
    """Texts of the given files, and of the data files found under the given directories."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = (p for p in path.rglob("*") if p.is_file())
            files += sorted(p for p in found if p.suffix.lower() in TEXT_SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    texts: list[str] = []
    for file in files:
        suffix = file.suffix.lower()
        if suffix in (".csv", ".tsv"):
            texts += _table_texts(file)
        elif suffix == ".json":
            texts += _json_texts(json.loads(_read_text(file)))
        elif suffix == ".jsonl":
            for line in _read_text(file).splitlines():
                if line.strip():
                    texts += _json_texts(json.loads(line))
        else:
            texts += _read_text(file).splitlines()
    return texts


def read_lines(path: Path) -> list[str]:
    """One text a line (TweetEval)."""
    return _read_text(path).splitlines()


def read_sms_ham(path: Path) -> list[str]:
    """The "ham" messages of the SMS Spam Collection (`label<TAB>message`; a header is skipped)."""
    texts = []
    for line in _read_text(path).splitlines():
        label, _, text = line.partition("\t")
        if label.strip().lower() == "ham":
            texts.append(text)
    return texts


# --------------------------------------------------------------------------------- cleaning


def clean(text: str) -> str:
    """Without links, @handles, a leading "RT" and HTML entities, on one line."""
    text = html.unescape(text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = " ".join(text.split())
    text = _RETWEET.sub("", text)
    return text.strip(" :")


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _compile_filter(entries: Iterable[str]) -> re.Pattern[str]:
    parts = []
    for entry in entries:
        tokens = words(entry)
        body = r"\W+".join(re.escape(t) for t in tokens)
        tail = r"\w*" if entry.endswith("*") else ""
        parts.append(rf"(?<!\w){body}{tail}(?!\w)")
    return re.compile("|".join(parts))


_FILTER = _compile_filter(FILTERED_WORDS)


def filtered_word(text: str) -> str | None:
    """The first filtered word in the text, or None."""
    found = _FILTER.search(text.casefold())
    return found.group(0) if found else None


def keep(text: str) -> bool:
    """A cleaned line is kept with 3 words or more, 280 characters or fewer, no filtered word."""
    return len(words(text)) >= MIN_WORDS and len(text) <= MAX_CHARS and filtered_word(text) is None


def dedup_key(text: str) -> str:
    return " ".join(words(text))


def pool(sources: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each source's cleaned, kept lines, in their order; a line already seen, in this source or
    an earlier one, is left out."""
    seen: set[str] = set()
    pools: dict[str, list[str]] = {}
    for name, texts in sources.items():
        kept: list[str] = []
        pools[name] = kept
        for raw in texts:
            text = clean(raw)
            key = dedup_key(text)
            if keep(text) and key not in seen:
                seen.add(key)
                kept.append(text)
    return pools


# --------------------------------------------------------------------------------- sampling


def proportional(sizes: dict[str, int], total: int) -> dict[str, int]:
    """`total` split in the proportions of `sizes` (largest remainders get the leftovers)."""
    whole = sum(sizes.values())
    shares = {name: total * size / whole for name, size in sizes.items()}
    counts = {name: int(share) for name, share in shares.items()}
    by_remainder = sorted(shares, key=lambda n: (counts[n] - shares[n], list(sizes).index(n)))
    for name in by_remainder[: total - sum(counts.values())]:
        counts[name] += 1
    return counts


def build_sample(
    sources: dict[str, list[str]],
    real_sizes: dict[str, int],
    dev_size: int,
    seed: int = SEED,
) -> Sample:
    """Disjoint real and dev samples, each source drawn with its own seeded generator."""
    pools = pool(sources)
    dev_sizes = proportional(real_sizes, dev_size)
    real: dict[str, list[str]] = {}
    dev: dict[str, list[str]] = {}
    for name, size in real_sizes.items():
        lines = pools.get(name, [])
        wanted = size + dev_sizes[name]
        if len(lines) < wanted:
            raise ValueError(f"{name}: {len(lines)} usable lines, {wanted} needed")
        drawn = random.Random(f"{seed}:{name}").sample(lines, wanted)
        real[name], dev[name] = drawn[:size], drawn[size:]
    return Sample(real, dev, {name: len(lines) for name, lines in pools.items()})


def write_lines(path: Path, groups: dict[str, list[str]]) -> int:
    lines = [line for name in groups for line in groups[name]]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)


TRAINING_SOURCE = "sms"
TRAINING_HEADER = """\
# Everyday text messages between adults that nobody on the project wrote: the "ham" (not spam)
# messages of the SMS Spam Collection v.1 (T. A. Almeida, J. M. Gomez Hidalgo, A. Yamakami,
# "Contributions to the study of SMS spam filtering", ACM DocEng 2011; "free for all purposes").
# Most come from the NUS SMS Corpus: Singapore students who gave them for public release.
# Checked 2026-12-01. Written by `python -m tools.real_text ... --training-out` (see its help):
# every usable line except those drawn for the real-text evaluation samples. Do not edit by hand.
version: "3.1"
nlu:
- intent: out_of_scope
  metadata:
    lang: en
    own_class: sms  # trained as a class of its own (components/classifier.py), read as out_of_scope
  examples: |
"""
_MARKUP = re.compile(r"[\[\]{}\x00-\x1f\x7f-\x9f]")  # Rasa mark-up; control characters


def training_lines(
    sources: dict[str, list[str]],
    sample: Sample,
    known: set[str],
    normalise: Callable[[str], str],
    worrying: Callable[[str], bool] = lambda _text: False,
) -> list[str]:
    """The training source's usable lines not drawn into either sample, not already known and
    not `worrying` (a line the safety layers would answer is never taught as everyday talk)."""
    parts = (sample.real, sample.dev)
    drawn = {dedup_key(t) for part in parts for lines in part.values() for t in lines}
    lines = []
    for text in pool(sources).get(TRAINING_SOURCE, []):
        if dedup_key(text) in drawn or _MARKUP.search(text) or not text.strip("-# "):
            continue
        if worrying(text):
            continue
        key = normalise(text)
        if key and key not in known:
            known.add(key)
            lines.append(text)
    return lines


def write_training(path: Path, lines: Sequence[str]) -> None:
    body = "".join(f"    - {line}\n" for line in lines)
    path.write_text(TRAINING_HEADER + body, encoding="utf-8")


def repository_texts(training_out: Path) -> set[str]:
    """Normalised texts of the repository's training data (but `training_out`) and test sets."""
    from tools.check_data import known_texts

    return known_texts(exclude=training_out)


def worrying(text: str) -> bool:
    """The safety net or the risk signals alone would answer it as a safety message."""
    from components.risk import assess
    from components.safety_net import classify

    return classify(text) is not None or assess(text, (), "out_of_scope").level != "none"


def _sizes(value: str) -> dict[str, int]:
    numbers = [int(n) for n in value.split(",")]
    if len(numbers) != len(SOURCES) or min(numbers) < 0:
        raise argparse.ArgumentTypeError(f"expected {len(SOURCES)} counts, e.g. 1000,850,700")
    return dict(zip(SOURCES, numbers, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mesolitica", type=Path, nargs="+", required=True, metavar="PATH")
    parser.add_argument("--tweeteval", type=Path, required=True, metavar="FILE")
    parser.add_argument("--sms", type=Path, required=True, metavar="FILE")
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    default_sizes = ",".join(str(REAL_SIZES[s]) for s in SOURCES)
    parser.add_argument(
        "--real-sizes", type=_sizes, default=dict(REAL_SIZES), help=f"default {default_sizes}"
    )
    parser.add_argument("--dev-size", type=int, default=DEV_SIZE)
    parser.add_argument(
        "--training-out", type=Path, default=None, help="also write the unused SMS as training"
    )
    args = parser.parse_args(argv)

    sources = {
        "mesolitica": read_mesolitica(args.mesolitica),
        "tweeteval": read_lines(args.tweeteval),
        "sms": read_sms_ham(args.sms),
    }
    try:
        sample = build_sample(sources, args.real_sizes, args.dev_size, args.seed)
    except ValueError as error:
        print(f"FAIL: {error}", file=sys.stderr)
        return 1
    args.out_dir.mkdir(parents=True, exist_ok=True)
    n_real = write_lines(args.out_dir / "real.txt", sample.real)
    n_dev = write_lines(args.out_dir / "dev.txt", sample.dev)
    print(f"{'source':<12} {'read':>6} {'usable':>7} {'real':>6} {'dev':>6}")
    for name in SOURCES:
        print(
            f"{name:<12} {len(sources[name]):>6} {sample.available[name]:>7}"
            f" {len(sample.real[name]):>6} {len(sample.dev[name]):>6}"
        )
    for name in SOURCES:
        write_lines(args.out_dir / f"real_{name}.txt", {name: sample.real[name]})
    print(f"wrote {args.out_dir / 'real.txt'} ({n_real} lines), {args.out_dir / 'dev.txt'}"
          f" ({n_dev} lines), seed {args.seed}")  # fmt: skip
    if args.training_out:
        from components.text import normalise

        known = repository_texts(args.training_out)
        lines = training_lines(sources, sample, known, normalise, worrying)
        write_training(args.training_out, lines)
        print(f"wrote {args.training_out} ({len(lines)} {TRAINING_SOURCE} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
