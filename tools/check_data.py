"""Check Jaga's training data before training: `python -m tools.check_data`.

Prints one line per problem, naming the file and the intent, and exits 1 if there is any:

- every intent of the project contract (CONTRACT.md §1) is in domain.yml and in nlu_data/;
  every intent in one is in the other;
- each intent has enough examples in English, Malay and mixed text (the minima are in
  quality.yml; language is detected per example as the bot does it at run time);
- no example text is listed under two intents (compared after the NLU normaliser);
- no example of the held-out or safety test sets (tests/data/) is in the training data;
- every `utter_*` response has an English variant and a Malay (`lang: ms`) variant;
- every referral in actions/referrals.yml has a `source` and a `checked` date (YYYY-MM-DD);
- every button payload (domain.yml, actions/*.py, content/*.yml) fits in a Telegram button:
  `callback_data` is at most 64 bytes and Jaga signs it (13 bytes), so 51 bytes of UTF-8.

It reads YAML only and does not import Rasa, so it takes well under a second.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import functools
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import yaml

from components.text import normalise as _normalise
from tools.nlu_eval import (
    HELDOUT_FILE,
    LANGS,
    NLU_DIR,
    QUALITY_FILE,
    ROOT,
    SAFETY_FILE,
    SAFETY_SETS,
    load_heldout,
    load_nlu_file,
    load_safety_set,
    load_training_data,
    nlu_files,
    read_yaml,
    relative,
)

# Each training text is compared twice (duplicates, then leaks): normalise it once.
normalise = functools.lru_cache(maxsize=None)(_normalise)

# The project contract, §1: the NLU model must know at least these intents.
CONTRACT_INTENTS = (
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "ask_help_menu",
    "ask_grooming",
    "disclose_grooming",
    "ask_sextortion",
    "disclose_sextortion",
    "ask_report",
    "report_abuse_content",
    "ask_image_removal",
    "ask_safety_tips",
    "ask_parent_guidance",
    "ask_cyberbullying",
    "ask_law",
    "ask_helpline",
    "crisis",
    "ask_privacy",
    "change_language",
    "out_of_scope",
)
DOMAIN_FILE = ROOT / "domain.yml"
REFERRALS_FILE = ROOT / "actions" / "referrals.yml"
ACTIONS_DIR = ROOT / "actions"
CONTENT_DIR = ROOT / "content"
# Telegram's limit on a button's callback_data, and what bot/telegram/keyboards.py adds to a
# payload: "s:" and an 11-character signature (tests/telegram checks the two agree).
CALLBACK_DATA_LIMIT = 64
SIGNATURE_BYTES = 13
PAYLOAD_LIMIT = CALLBACK_DATA_LIMIT - SIGNATURE_BYTES
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def language_detector() -> Callable[[str], str | None]:
    """`components.lexicon.detect_language`, the function the bot uses at run time."""
    from components.lexicon import detect_language

    return detect_language


def language_bucket(lang: str | None) -> str:
    return lang if lang in ("en", "ms") else "mixed"


# --- the checks ------------------------------------------------------------------------------


def _yaml(path: Path, problems: list[str]) -> Any:
    try:
        return read_yaml(path)
    except FileNotFoundError:
        problems.append(f"{relative(path)}: file is missing")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        problems.append(
            f"{relative(path)}: not valid YAML{where}: {getattr(error, 'problem', error)}"
        )
    return None


def domain_intents(domain: dict) -> list[str]:
    names = []
    for item in domain.get("intents") or []:
        names.append(next(iter(item)) if isinstance(item, dict) else str(item))
    return names


def check_intents(domain: dict, examples_by_intent: dict[str, list], domain_name: str) -> list[str]:
    problems = []
    in_domain = set(domain_intents(domain))
    in_nlu = set(examples_by_intent)
    for intent in CONTRACT_INTENTS:
        if intent not in in_domain:
            problems.append(f"{domain_name}: contract intent '{intent}' is missing from `intents:`")
        if intent not in in_nlu:
            problems.append(f"nlu_data/: contract intent '{intent}' has no training examples")
    for intent in sorted(in_nlu - in_domain):
        files = sorted({e.source for e in examples_by_intent[intent]})
        problems.append(
            f"{', '.join(files)}: intent '{intent}' has examples but is not in "
            f"{domain_name} `intents:`"
        )
    for intent in sorted(in_domain - in_nlu - set(CONTRACT_INTENTS)):
        problems.append(f"{domain_name}: intent '{intent}' has no training examples in nlu_data/")
    return problems


def example_counts(examples: Iterable, detect: Callable[[str], str | None]) -> dict[str, Counter]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for example in examples:
        counts[example.intent][language_bucket(detect(example.text))] += 1
    return counts


def minima_for(intent: str, quality: dict) -> dict[str, int]:
    data = quality.get("training_data") or {}
    minima = {"total": int(data.get("min_examples_total", 0))}
    minima.update({k: int(v) for k, v in (data.get("min_examples_per_language") or {}).items()})
    minima.update({k: int(v) for k, v in ((data.get("overrides") or {}).get(intent) or {}).items()})
    return minima


def check_counts(counts: dict[str, Counter], files: dict[str, set], quality: dict) -> list[str]:
    problems = []
    for intent in sorted(counts):
        minima = minima_for(intent, quality)
        where = ", ".join(sorted(files[intent]))
        total = sum(counts[intent].values())
        if total < minima["total"]:
            problems.append(
                f"{where}: intent '{intent}' has {total} examples, needs at least {minima['total']}"
            )
        for lang in LANGS:
            need = minima.get(lang, 0)
            if counts[intent][lang] < need:
                label = {"en": "English", "ms": "Malay", "mixed": "mixed/short"}[lang]
                problems.append(
                    f"{where}: intent '{intent}' has {counts[intent][lang]} {label} examples, "
                    f"needs at least {need} (add more {label} ones)"
                )
    return problems


def check_duplicates(examples: Iterable) -> list[str]:
    seen: dict[str, dict[str, str]] = defaultdict(dict)  # normalised text -> intent -> file
    originals: dict[str, str] = {}
    for example in examples:
        key = normalise(example.text)
        seen[key].setdefault(example.intent, example.source)
        originals.setdefault(key, example.text)
    problems = []
    for key, intents in sorted(seen.items()):
        if len(intents) > 1:
            listing = " and ".join(f"'{i}' ({f})" for i, f in sorted(intents.items()))
            problems.append(f"{originals[key]!r} is an example of two intents: {listing}; keep one")
    return problems


def check_leaks(examples: Iterable, test_sets: dict[str, set[str]]) -> list[str]:
    """One line per training file, intent and test set, listing the leaked texts."""
    leaks: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for example in examples:
        key = normalise(example.text)
        for name, texts in test_sets.items():
            if key in texts:
                leaks[(example.source, example.intent, name)].append(example.text)
    problems = []
    for (source, intent, name), texts in leaks.items():
        shown = ", ".join(repr(t) for t in texts[:12]) + (", ..." if len(texts) > 12 else "")
        problems.append(
            f"{source}: intent '{intent}' has {len(texts)} example(s) that are also in the test "
            f"set {name} (a test message must never be trained on; remove each from one of the "
            f"two files): {shown}"
        )
    return problems


def _is_malay_condition(condition: Any) -> bool:
    return isinstance(condition, list) and any(
        isinstance(c, dict)
        and c.get("type") == "slot"
        and c.get("name") == "lang"
        and c.get("value") == "ms"
        for c in condition
    )


def check_responses(domain: dict, domain_name: str) -> list[str]:
    problems = []
    for name, variants in sorted((domain.get("responses") or {}).items()):
        if not str(name).startswith("utter_"):
            continue
        variants = variants if isinstance(variants, list) else []
        english = any(isinstance(v, dict) and not v.get("condition") for v in variants)
        malay = any(
            isinstance(v, dict) and _is_malay_condition(v.get("condition")) for v in variants
        )
        if not english:
            problems.append(
                f"{domain_name}: response '{name}' has no English variant (no condition)"
            )
        if not malay:
            problems.append(
                f"{domain_name}: response '{name}' has no Malay variant "
                "(condition: [{type: slot, name: lang, value: ms}])"
            )
    return problems


def referral_entries(data: Any) -> list[tuple[str, dict]]:
    """(name, entry) pairs from a list, a {key: [entries]} or a {id: entry} referral file."""
    if isinstance(data, list):
        items = data
    elif isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if lists:
            items = [e for v in lists for e in v]
        else:
            return [(str(k), v) for k, v in data.items() if isinstance(v, dict)]
    else:
        return []
    return [
        (str(e.get("id") or e.get("name") or f"entry {i + 1}"), e)
        for i, e in enumerate(items)
        if isinstance(e, dict)
    ]


def check_referrals(data: Any, name: str, today: dt.date, max_age_days: int | None) -> tuple:
    problems, warnings = [], []
    for entry_name, entry in referral_entries(data):
        if not str(entry.get("source") or "").strip():
            problems.append(
                f"{name}: referral '{entry_name}' has no `source` (where the facts come from)"
            )
        checked = entry.get("checked")
        if isinstance(checked, dt.datetime):
            checked = checked.date()
        if isinstance(checked, str) and _DATE.match(checked):
            try:
                checked = dt.date.fromisoformat(checked)
            except ValueError:
                pass
        if not isinstance(checked, dt.date):
            problems.append(
                f"{name}: referral '{entry_name}' needs a `checked` date as YYYY-MM-DD, "
                f"got {checked!r}"
            )
        elif checked > today:
            problems.append(
                f"{name}: referral '{entry_name}' `checked` date {checked} is in the future"
            )
        elif max_age_days and (today - checked).days > max_age_days:
            warnings.append(
                f"{name}: referral '{entry_name}' was last checked {checked}; re-check it (warning)"
            )
    return problems, warnings


def _yaml_payloads(data: Any) -> Iterator[str]:
    """Every `payload:` value anywhere in a YAML document."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "payload" and isinstance(value, str):
                yield value
            else:
                yield from _yaml_payloads(value)
    elif isinstance(data, list):
        for item in data:
            yield from _yaml_payloads(item)


def _python_payloads(source: str) -> Iterator[str]:
    """Every `{"payload": "<literal>"}` in Python source (f-strings and variables are not read)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "payload"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    yield value.value


def check_button_payloads(
    domain: dict, domain_name: str, actions_dir: Path, content_dir: Path
) -> list[str]:
    """A payload longer than `PAYLOAD_LIMIT` bytes cannot be a Telegram button."""
    found: list[tuple[str, str]] = []
    # Rasa formats domain responses: `{{` in domain.yml is one `{` in the payload sent.
    for payload in _yaml_payloads(domain.get("responses") or {}):
        found.append((domain_name, payload.replace("{{", "{").replace("}}", "}")))
    for path in sorted(Path(actions_dir).glob("*.py")):
        try:
            payloads = list(_python_payloads(path.read_text(encoding="utf-8")))
        except SyntaxError as error:
            return [f"{relative(path)}: not valid Python: {error}"]
        found += [(relative(path), payload) for payload in payloads]
    for path in sorted([*Path(actions_dir).glob("*.yml"), *Path(content_dir).glob("*.yml")]):
        problems: list[str] = []
        data = _yaml(path, problems)
        if problems:
            return problems
        found += [(relative(path), payload) for payload in _yaml_payloads(data)]
    return [
        f"{name}: button payload {payload!r} is {size} bytes; a Telegram button's callback_data "
        f"allows {CALLBACK_DATA_LIMIT} and the signature takes {SIGNATURE_BYTES}, so at most "
        f"{PAYLOAD_LIMIT} (shorten the intent or entity names)"
        for name, payload in found
        if (size := len(payload.encode("utf-8"))) > PAYLOAD_LIMIT
    ]


def test_set_texts(test_files: Iterable[Path] | None = None) -> dict[str, set[str]]:
    """Normalised texts of each set never trained on: held-out, holdout and the blind sets."""
    if test_files is None:
        from tools.blind_eval import BLIND_DIR

        never_trained = (SAFETY_FILE, SAFETY_SETS["safety_holdout"])
        test_files = (HELDOUT_FILE, *never_trained, *sorted(BLIND_DIR.rglob("*.yml")))
    test_sets: dict[str, set[str]] = {}
    for path in test_files:
        path = Path(path)
        if not path.exists():
            continue
        if "blind" in path.parent.parts:
            from tools.blind_eval import blind_texts

            texts = sorted(blind_texts([path]))
        elif path.name == SAFETY_FILE.name or "safety" in path.name:
            data = load_safety_set(path)
            texts = [str(x.get("text", "")) for x in data["positives"] + data["negatives"]]
        else:
            texts = [e.text for e in load_heldout(path)]
        test_sets[relative(path)] = {normalise(t) for t in texts if t}
    return test_sets


def known_texts(nlu_dir: Path = NLU_DIR, exclude: Path | None = None) -> set[str]:
    """Normalised texts of every training example (but those of `exclude`) and test message."""
    skip = Path(exclude).resolve() if exclude else None
    known = {
        normalise(e.text)
        for path in nlu_files(nlu_dir)
        if path.resolve() != skip
        for e in load_nlu_file(path)
        if e.text
    }
    for texts in test_set_texts().values():
        known |= texts
    return known


def run_checks(
    *,
    domain_file: Path = DOMAIN_FILE,
    nlu_dir: Path = NLU_DIR,
    referrals_file: Path = REFERRALS_FILE,
    test_files: Iterable[Path] | None = None,
    quality_file: Path = QUALITY_FILE,
    today: dt.date | None = None,
    actions_dir: Path = ACTIONS_DIR,
    content_dir: Path = CONTENT_DIR,
) -> tuple[list[str], list[str], dict[str, Counter]]:
    """(problems, warnings, example counts per intent and language bucket)."""
    problems: list[str] = []
    warnings: list[str] = []
    quality = _yaml(Path(quality_file), problems) or {}
    domain = _yaml(Path(domain_file), problems) or {}
    domain_name = relative(Path(domain_file))
    try:
        examples = [e for e in load_training_data(nlu_dir) if e.text]
    except yaml.YAMLError as error:
        problems.append(f"{relative(Path(nlu_dir))}: not valid YAML: {error}")
        examples = []
    by_intent: dict[str, list] = defaultdict(list)
    files: dict[str, set] = defaultdict(set)
    for example in examples:
        by_intent[example.intent].append(example)
        files[example.intent].add(example.source)

    problems += check_intents(domain, by_intent, domain_name)
    counts = example_counts(examples, language_detector())
    problems += check_counts(counts, files, quality)
    problems += check_duplicates(examples)

    problems += check_leaks(examples, test_set_texts(test_files))
    problems += check_responses(domain, domain_name)
    problems += check_button_payloads(domain, domain_name, actions_dir, content_dir)

    referrals = _yaml(Path(referrals_file), problems)
    if referrals is not None:
        max_age = (quality.get("referrals") or {}).get("max_age_days")
        more, warned = check_referrals(
            referrals, relative(Path(referrals_file)), today or dt.date.today(), max_age
        )
        problems += more
        warnings += warned
    return problems, warnings, counts


def format_counts(counts: dict[str, Counter]) -> str:
    lines = [f"{'intent':<24} {'en':>5} {'ms':>5} {'mixed':>6} {'total':>6}"]
    for intent in sorted(counts):
        c = counts[intent]
        lines.append(f"{intent:<24} {c['en']:>5} {c['ms']:>5} {c['mixed']:>6} {sum(c.values()):>6}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.check_data", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--counts", action="store_true", help="print examples per intent and language"
    )
    args = parser.parse_args(argv)
    problems, warnings, counts = run_checks()
    if args.counts:
        print(format_counts(counts))
    for line in warnings:
        print(line)
    for line in problems:
        print(line)
    if problems:
        print(
            f"check_data: {len(problems)} problem(s); fix them before `make train` "
            "(see CONTRIBUTING.md)",
            file=sys.stderr,
        )
        return 1
    print(
        f"check_data: OK ({sum(sum(c.values()) for c in counts.values())} examples, "
        f"{len(counts)} intents)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
