"""Rasa component: the deterministic safety net.

A statistical model misses some disclosures, above all short, misspelt or indirect ones
("xnak hidup dah", "he knows where i live"). The safety net matches the phrase patterns in
`components/safety_patterns.yml` and raises the message to a safety intent when the model
missed it. It adds recall: it replaces the predicted intent only when its match has a
higher priority, crisis > disclose_sextortion > report_abuse_content > disclose_grooming >
anything else (nlu_fallback included). It lowers a safety intent in one case only: a
disclosure (never crisis) the model chose, in a message that itself gives the everyday reading
(an `everyday reading`, a guard with `lowers_model: true`: "he'll post my snoring video unless I
buy him boba 😂"; "no photos, just my game account"), with no word that could make it a danger.
A guard may also name the answer for its reading (`answer: utter_scam`): a message it reads,
lowered, already everyday talk or a question about reporting, is marked `everyday_answer`, and
action_out_of_scope (or action_report) gives that answer (a scam or a hacked account with no
picture) instead of the ordinary reply (or the reporting steps).

`classify(text)` is the pure function behind it: no Rasa needed, so tests and tools use it too.
"""

from __future__ import annotations

import re
import threading

try:  # Python 3.11+
    from re import _constants as _sre_constants  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_constants as _sre_constants
    import sre_parse as _sre_parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Pattern, Sequence, Tuple

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from components.base import MessageRule, lower_intent, raise_intent, typed_text
from components.intents import SAFETY_INTENTS
from components.spelling import respell
from components.text import clean, normalise

PATTERNS_FILE = Path(__file__).with_name("safety_patterns.yml")

# Highest priority first.
CATEGORIES: Tuple[str, ...] = SAFETY_INTENTS
PRIORITY: Dict[str, int] = {name: len(CATEGORIES) - i for i, name in enumerate(CATEGORIES)}

# The model's confidence in a disclosure above which only a crisis pattern may replace it.
SURE_DISCLOSURE = 0.5

# Intents whose message may carry a guard's everyday answer (`answer:`): everyday talk, and a
# question about reporting ("someone hacked my account and wants rm40, how do I report him").
ANSWERED_INTENTS = frozenset({"out_of_scope", "ask_report"})

# The model's confidence that a message is everyday talk (out_of_scope) or a plain question
# (see EVERYDAY_OR_QUESTION) above which a pattern that is not `strong` does not overrule it:
# "aku mati 5 kali dalam game", "mak aku post gambar aku mandi masa baby", "the hacker wants
# RM50 for my account, no photos" are everyday talk the model reads right and a pattern of
# words does not. Crisis patterns defer only to out_of_scope, and only when the model is all
# but certain; a strong phrase never defers. Chosen on the development blind sets (4 to 13,
# 1 to 3 and the real-text development lines): no safety message there changed path, a tenth
# of the false alarms went (docs/safety.md, "The fourteenth round"). Crisis 0.98 -> 0.95 in the
# twenty-first round: on sets 17 to 21, a fresh sample and 2,000 real lines, no crisis message
# was raised by the net from everyday talk above 0.9, and 8 look-alikes and real lines between
# 0.95 and 0.98 were ("my life is over 😭" about a haircut, "痛到想死" after a tooth came out).
DEFER_TO_SURE_MODEL: Dict[str, float] = {
    "crisis": 0.95,
    "disclose_sextortion": 0.9,
    "report_abuse_content": 0.9,
    "disclose_grooming": 0.9,
}
# Intents a sure model may keep against a disclosure pattern: everyday talk and the plain
# questions. Not ask_cyberbullying (bullying that turns to threats is a crisis), and not
# greetings, goodbyes or forget_me (a farewell is what a crisis pattern is there to catch).
EVERYDAY_OR_QUESTION: frozenset = frozenset(
    {
        "out_of_scope",
        "ask_law",
        "ask_parent_guidance",
        "ask_report",
        "ask_safety_tips",
        "ask_grooming",
        "ask_sextortion",
        "ask_privacy",
        "ask_image_removal",
        "ask_helpline",
    }
)

# Longer texts are matched on their first and last stretch only: a disclosure in a huge paste
# is still found near either end, and the time per message stays bounded.
MAX_MATCH_CHARS = 6000

_MACRO = re.compile(r"\{(_{1,2}|[A-Z][A-Z0-9_]*)\}")
_ID = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_RUNS = re.compile(r"([^\W\d_])\1{2,}")


class PatternFileError(ValueError):
    """The pattern file is malformed: the message says where and why."""


@dataclass(frozen=True)
class Match:
    """Why the safety net fired: the safety intent and the id of the pattern."""

    category: str
    pattern: str
    span: Tuple[int, int] = (0, 0)
    # An ^(?=..)(?=..) pattern: it finds words together anywhere, not a phrase (no span).
    words_together: bool = False
    strong: bool = False  # an unambiguous phrase ("bunuh diri"): it never defers to the model

    def as_dict(self) -> Dict[str, Any]:
        return {"category": self.category, "pattern": self.pattern}


@dataclass
class PatternEntry:
    id: str
    category: str
    source: str
    regex: Pattern[str]
    strong: bool = False
    examples: List[str] = field(default_factory=list)
    not_examples: List[str] = field(default_factory=list)
    # Word beginnings one of which every match must contain (None: always try the pattern).
    anchors: frozenset | None = None


@dataclass
class GuardEntry:
    id: str
    categories: Tuple[str, ...]
    source: str
    regex: Pattern[str]
    whole_message: bool = False
    examples: List[str] = field(default_factory=list)
    # Texts the guard must not match (the danger next to its everyday reading); tested.
    not_examples: List[str] = field(default_factory=list)
    # An everyday reading the message states itself ("a video of me snoring, he wants boba"):
    # it also lowers the MODEL's choice of these categories, not only the net's weak matches.
    lowers_model: bool = False
    # The response that answers this reading (`answer: utter_scam`): a disclosure it reads is
    # lowered to `out_of_scope`, and action_out_of_scope (or action_report, for a question
    # about reporting) gives this answer instead.
    answer: str | None = None
    # What the message must also say for the answer to fit (`answer_if`): the scam answer only
    # where money, a payment, a code or a hacked account is named, not for "which shop opens
    # late". Without it, the guard's reading is answered whenever it matches.
    answer_if: Pattern[str] | None = None


class PatternSet:
    """The validated, compiled contents of a pattern file."""

    def __init__(self, data: Any, source: str = "<patterns>") -> None:
        self.source = source
        if not isinstance(data, dict):
            raise PatternFileError(f"{source}: the top level must be a mapping")
        macros = data.get("macros") or {}
        if not isinstance(macros, dict):
            raise PatternFileError(f"{source}: `macros` must be a mapping of NAME: regex")
        self.macros = self._expand_macros(macros)
        categories = data.get("categories")
        if not isinstance(categories, dict):
            raise PatternFileError(f"{source}: `categories` must be a mapping")
        unknown = sorted(set(categories) - set(CATEGORIES))
        if unknown:
            raise PatternFileError(
                f"{source}: unknown categor{'y' if len(unknown) == 1 else 'ies'} {unknown}; "
                f"known: {list(CATEGORIES)}"
            )
        seen: Dict[str, str] = {}
        self.patterns: List[PatternEntry] = []
        for category in CATEGORIES:
            entries = categories.get(category) or []
            if not isinstance(entries, list):
                raise PatternFileError(f"{source}: `{category}` must be a list of entries")
            for index, raw in enumerate(entries):
                where = f"{source}: {category}[{index}]"
                entry_id = self._check_id(raw, where, seen)
                regex, text = self._compile(raw.get("pattern"), f"{where} ({entry_id})")
                strong = raw.get("strong", False)
                if not isinstance(strong, bool):
                    raise PatternFileError(f"{where} ({entry_id}): `strong` must be true/false")
                examples = self._texts(raw, "examples", where, entry_id)
                if len(examples) < 2:
                    raise PatternFileError(
                        f"{where} ({entry_id}): needs at least 2 `examples` that match"
                    )
                self.patterns.append(
                    PatternEntry(
                        id=entry_id,
                        category=category,
                        source=text,
                        regex=regex,
                        strong=strong,
                        examples=examples,
                        not_examples=self._texts(raw, "not", where, entry_id),
                    )
                )
        self.guards: List[GuardEntry] = []
        guards = data.get("guards") or []
        if not isinstance(guards, list):
            raise PatternFileError(f"{source}: `guards` must be a list")
        for index, raw in enumerate(guards):
            where = f"{source}: guards[{index}]"
            entry_id = self._check_id(raw, where, seen)
            regex, text = self._compile(raw.get("pattern"), f"{where} ({entry_id})")
            cats = raw.get("categories") or ["crisis"]
            if not isinstance(cats, list) or not set(cats) <= set(CATEGORIES):
                raise PatternFileError(
                    f"{where} ({entry_id}): `categories` must be a list of {list(CATEGORIES)}"
                )
            scope = raw.get("scope", "overlap")
            if scope not in ("overlap", "message"):
                raise PatternFileError(
                    f"{where} ({entry_id}): `scope` must be 'overlap' or 'message', got {scope!r}"
                )
            examples = self._texts(raw, "examples", where, entry_id)
            if not examples:
                raise PatternFileError(f"{where} ({entry_id}): needs `examples` that it matches")
            lowers = raw.get("lowers_model", False)
            misplaced = lowers is True and (scope != "message" or "crisis" in cats)
            if not isinstance(lowers, bool) or misplaced:
                raise PatternFileError(
                    f"{where} ({entry_id}): `lowers_model: true` needs `scope: message` and "
                    "disclosure categories only (a crisis reading is never lowered)"
                )
            answer = raw.get("answer")
            if answer is not None and not (
                isinstance(answer, str) and _ANSWER.match(answer) and lowers is True
            ):
                raise PatternFileError(
                    f"{where} ({entry_id}): `answer` must name a response (utter_...) of a "
                    "guard with `lowers_model: true`"
                )
            answer_if = None
            if raw.get("answer_if") is not None:
                if answer is None:
                    raise PatternFileError(
                        f"{where} ({entry_id}): `answer_if` needs an `answer` it conditions"
                    )
                answer_if, _ = self._compile(raw["answer_if"], f"{where} ({entry_id}) answer_if")
            self.guards.append(
                GuardEntry(
                    id=entry_id,
                    categories=tuple(cats),
                    source=text,
                    regex=regex,
                    whole_message=scope == "message",
                    examples=examples,
                    not_examples=self._texts(raw, "not", where, entry_id),
                    lowers_model=lowers,
                    answer=answer,
                    answer_if=answer_if,
                )
            )
        # Prefilter: a pattern is only tried when the message has a word beginning with one
        # of its anchors (computed from the regex itself), which keeps a message < 0.3 ms.
        self._always: List[int] = []
        self._by_anchor: Dict[str, List[int]] = {}
        for index, entry in enumerate(self.patterns):
            entry.anchors = required_anchors(entry.regex)
            if entry.anchors is None:
                self._always.append(index)
            else:
                for anchor in entry.anchors:
                    self._by_anchor.setdefault(anchor, []).append(index)
        self._max_anchor = max((len(a) for a in self._by_anchor), default=0)
        self._guards_by_category: Dict[str, List[GuardEntry]] = {
            c: [g for g in self.guards if c in g.categories] for c in CATEGORIES
        }

    # --- loading --------------------------------------------------------------------------

    def _expand_macros(self, macros: Dict[Any, Any]) -> Dict[str, str]:
        expanded: Dict[str, str] = {}

        def expand(name: str, stack: Tuple[str, ...]) -> str:
            if name in expanded:
                return expanded[name]
            if name in stack:
                raise PatternFileError(f"{self.source}: macro {{{name}}} refers to itself")
            raw = macros.get(name)
            if not isinstance(raw, str):
                raise PatternFileError(f"{self.source}: macro {{{name}}} must be a regex string")

            def sub(m: re.Match[str]) -> str:
                inner = m.group(1)
                if inner not in macros:
                    raise PatternFileError(
                        f"{self.source}: macro {{{name}}} uses unknown macro {{{inner}}}"
                    )
                return expand(inner, stack + (name,))

            value = _MACRO.sub(sub, raw)
            try:
                re.compile(value)
            except re.error as exc:
                raise PatternFileError(
                    f"{self.source}: macro {{{name}}} is not a valid regex: {exc}"
                ) from None
            expanded[name] = f"(?:{value})"
            return expanded[name]

        for name in macros:
            if not isinstance(name, str) or not _MACRO.fullmatch("{" + name + "}"):
                raise PatternFileError(
                    f"{self.source}: bad macro name {name!r} (use UPPER_CASE, or _ / __)"
                )
            expand(name, ())
        return expanded

    def _check_id(self, raw: Any, where: str, seen: Dict[str, str]) -> str:
        if not isinstance(raw, dict):
            raise PatternFileError(f"{where}: each entry must be a mapping with id and pattern")
        entry_id = raw.get("id")
        if not isinstance(entry_id, str) or not _ID.match(entry_id):
            raise PatternFileError(
                f"{where}: `id` must look like 'crisis.want_to_die', got {entry_id!r}"
            )
        if entry_id in seen:
            raise PatternFileError(
                f"{where}: duplicate id {entry_id!r} (first at {seen[entry_id]})"
            )
        seen[entry_id] = where
        return entry_id

    def _compile(self, pattern: Any, where: str) -> Tuple[Pattern[str], str]:
        if not isinstance(pattern, str) or not pattern.strip():
            raise PatternFileError(f"{where}: `pattern` must be a non-empty string")

        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in self.macros:
                raise PatternFileError(
                    f"{where}: unknown macro {{{name}}}; known: {sorted(self.macros)}"
                )
            return self.macros[name]

        text = _MACRO.sub(sub, pattern)
        if "(?P<" in text:
            raise PatternFileError(f"{where}: named groups (?P<...>) are not allowed")
        if not text.startswith("^"):
            text = rf"(?<!\w)(?:{text})(?!\w)"
        try:
            regex = re.compile(text)
        except re.error as exc:
            raise PatternFileError(f"{where}: not a valid regex: {exc}") from None
        if regex.search(""):
            raise PatternFileError(f"{where}: pattern matches the empty text")
        return regex, text

    @staticmethod
    def _texts(raw: Dict[str, Any], key: str, where: str, entry_id: str) -> List[str]:
        value = raw.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PatternFileError(f"{where} ({entry_id}): `{key}` must be a list of strings")
        return list(value)

    # --- matching -------------------------------------------------------------------------

    def candidates(self, forms: Sequence[str]) -> List[int]:
        """Indices of the patterns whose anchors occur in any of the forms, in file order."""
        chosen = set(self._always)
        by_anchor, longest = self._by_anchor, self._max_anchor
        for form in forms:
            for word in _WORDS.findall(form):
                for end in range(1, min(len(word), longest) + 1):
                    hit = by_anchor.get(word[:end])
                    if hit:
                        chosen.update(hit)
        return sorted(chosen)

    def _guarded(self, category: str, text: str, start: int, end: int) -> bool:
        for guard in self._guards_by_category[category]:
            if guard.whole_message or start < 0:
                if guard.regex.search(text):
                    return True
                continue
            for g in guard.regex.finditer(text):
                if g.start() < end and start < g.end():
                    return True
        return False

    def _match_entry(self, entry: PatternEntry, forms: Sequence[str]) -> Match | None:
        spanless = entry.source.startswith("^")
        for text in forms:
            position = 0
            while position <= len(text):
                # A "^..." pattern can only match at the start: match() saves the scan.
                m = entry.regex.match(text) if spanless else entry.regex.search(text, position)
                if m is None:
                    break
                start, end = (-1, -1) if spanless else m.span()
                if entry.strong or not self._guarded(entry.category, text, start, end):
                    span = (max(start, 0), max(end, 0))
                    return Match(entry.category, entry.id, span, spanless, entry.strong)
                if spanless:
                    break
                position = start + 1
        return None

    def classify(self, text: Any, prefilter: bool = True) -> Match | None:
        forms = matching_forms(text)
        if not forms:
            return None
        # The message re-spelt ("sy", "sia", "kawe" -> "saya"; components/spelling.yml) is
        # tried too, so a pattern meets chat and regional spellings it does not list. Guards
        # are written for the spellings people use, so a weak match found only in the re-spelt
        # form also yields to any guard of its category that matches the message as written.
        respelt = respell(forms[0])
        extra = [respelt] if respelt not in forms else []
        indices = self.candidates(forms + extra) if prefilter else range(len(self.patterns))
        # Patterns are stored category by category in priority order: the first hit wins.
        for index in indices:
            entry = self.patterns[index]
            found = self._match_entry(entry, forms)
            if found is None and extra:
                found = self._match_entry(entry, extra)
                if (
                    found is not None
                    and not entry.strong
                    and self._guarded_anywhere(entry.category, forms)
                ):
                    found = None
            if found is not None:
                return found
        return None

    def everyday_reading(self, text: Any, category: str | None) -> str | None:
        """The id of a `lowers_model` guard of `category` that the message matches, or None."""
        guards = [g for g in self._guards_by_category.get(category or "", []) if g.lowers_model]
        if not guards:
            return None
        forms = matching_forms(text)
        for guard in guards:
            if any(guard.regex.search(f) for f in forms):
                return guard.id
        return None

    def answer_of(self, reading: str | None, text: Any = None) -> str | None:
        """The response a reading (a guard id) names as its answer for this message, or None
        (a guard's `answer_if` must match the message too, when the message is given)."""
        guard = next((g for g in self.guards if g.id == reading), None)
        if guard is None or guard.answer is None:
            return None
        if text is not None and not self._answer_fits(guard, matching_forms(text)):
            return None
        return guard.answer

    def everyday_answer(self, text: Any) -> str | None:
        """The answer of the first guard with an `answer` that the message matches (and its
        `answer_if`), or None."""
        guards = [g for g in self.guards if g.answer]
        if not guards:
            return None
        forms = matching_forms(text)
        return next(
            (
                g.answer
                for g in guards
                if any(g.regex.search(f) for f in forms) and self._answer_fits(g, forms)
            ),
            None,
        )

    @staticmethod
    def _answer_fits(guard: GuardEntry, forms: Sequence[str]) -> bool:
        return guard.answer_if is None or any(guard.answer_if.search(f) for f in forms)

    def _guarded_anywhere(self, category: str, forms: Sequence[str]) -> bool:
        return any(g.regex.search(f) for g in self._guards_by_category[category] for f in forms)


_WORDS = re.compile(r"[^\W_]+")
_ANSWER = re.compile(r"^utter_[a-z0-9_]+$")


def required_anchors(regex: Pattern[str]) -> frozenset | None:
    """Word beginnings of which at least one starts a word in every match of `regex`.

    Worked out from the parsed regex: a run of literal characters that must occur and starts
    at a word boundary gives its first word. None when no such run can be proved.
    """
    try:
        parsed = _sre_parse.parse(regex.pattern, regex.flags)
    except Exception:  # noqa: BLE001
        return None
    anchors, _ = _sequence_anchors(list(parsed), True)
    return frozenset(anchors) if anchors else None


# Words in nearly every message make poor anchors: a set with one of them is chosen last.
_COMMON = frozenset(
    """
    a an and are at be but can do for he her him i if im in is it me my no not of on or she so
    that the they this to u was we you your
    ada aku ak dah dan dari dengan di dia ini itu je ka ke kat la lah nak nk ni pun sy saya
    tak tk tu x ya yang yg kalau
    """.split()
)


def _anchor_key(anchors: set) -> Tuple[int, int, int]:
    return (-len(anchors & _COMMON), min(len(x) for x in anchors), -len(anchors))


def _better(a: set | None, b: set | None) -> set | None:
    if not a:
        return b
    if not b:
        return a
    return b if _anchor_key(b) > _anchor_key(a) else a


_C = _sre_constants
_NON_WORD_CATEGORIES = {_C.CATEGORY_NOT_WORD, _C.CATEGORY_SPACE}


def _in_is_non_word(items: Any) -> bool:
    for op, av in items:
        if op is _C.CATEGORY and av in _NON_WORD_CATEGORIES:
            continue
        if op is _C.LITERAL and not (chr(av).isalnum() or chr(av) == "_"):
            continue
        return False
    return True


def _is_word_class(items: Any) -> bool:
    items = list(items)
    return (
        len(items) == 1
        and items[0][0] is _C.IN
        and list(items[0][1]) == [(_C.CATEGORY, _C.CATEGORY_WORD)]
    )


def _sequence_anchors(items: List[Any], boundary: bool) -> Tuple[set | None, bool]:
    """(anchor set or None, whether the position after the sequence is a word boundary)."""
    best: set | None = None
    i = 0
    while i < len(items):
        op, av = items[i]
        if op is _C.LITERAL:
            j, chars = i, []
            while j < len(items) and items[j][0] is _C.LITERAL:
                chars.append(chr(items[j][1]))
                j += 1
            run = "".join(chars)
            first = _WORDS.match(run)
            if first and (boundary or first.start() > 0):
                best = _better(best, {first.group()})
            boundary = not (run[-1].isalnum() or run[-1] == "_")
            i = j
            continue
        if op is _C.SUBPATTERN:
            inner, after = _sequence_anchors(list(av[-1]), boundary)
            best, boundary = _better(best, inner), after
        elif op is _C.BRANCH:
            results = [_sequence_anchors(list(b), boundary) for b in av[1]]
            if all(r[0] for r in results):
                best = _better(best, set().union(*(r[0] or set() for r in results)))
            boundary = all(r[1] for r in results)
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT) or str(op) == "POSSESSIVE_REPEAT":
            low, _high, inner_items = av
            inner, after = _sequence_anchors(list(inner_items), boundary)
            if low >= 1:
                best = _better(best, inner)
                boundary = after
            else:
                boundary = boundary and after
        elif op is _C.AT:
            boundary = av in (_C.AT_BEGINNING, _C.AT_BEGINNING_STRING, _C.AT_BOUNDARY) or boundary
        elif op is _C.ASSERT:
            direction, inner_items = av
            if direction == 1:
                inner, _ = _sequence_anchors(list(inner_items), boundary)
                best = _better(best, inner)
        elif op is _C.ASSERT_NOT:
            direction, inner_items = av
            if direction == -1 and _is_word_class(inner_items):
                boundary = True  # (?<!\w): a word starts here
        elif op is _C.IN:
            boundary = _in_is_non_word(av)
        else:
            boundary = False
        i += 1
    return best, boundary


def matching_forms(text: Any) -> List[str]:
    """The forms of a message the patterns are tried on (normalised, and runs cut to one)."""
    if not isinstance(text, str):
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        else:
            return []
    if len(text) > 2 * MAX_MATCH_CHARS:
        text = text[:MAX_MATCH_CHARS] + "\n" + text[-MAX_MATCH_CHARS:]
    first = normalise(text).translate(_QUOTES)
    if not first:
        return []
    forms = [first]
    raw = clean(text).lower().translate(_QUOTES)
    if _RUNS.search(raw):
        second = _RUNS.sub(r"\1", raw)
        if second != first:
            forms.append(second)
    return forms


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping.

    Plain YAML keeps the last of two equal keys silently: an entry that lost its `id:` line
    would swallow the next entry's `pattern`, and a whole pattern would vanish unnoticed.
    """


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> Dict[Any, Any]:
    seen: set = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise PatternFileError(
                f"line {key_node.start_mark.line + 1}: key {key!r} given twice in one entry"
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _unique_mapping,
)


def load_patterns(path: Path | str = PATTERNS_FILE) -> PatternSet:
    """Read and validate a pattern file; raises PatternFileError with a clear reason."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise PatternFileError(f"{path}: not valid YAML: {exc}") from None
    except PatternFileError as exc:
        raise PatternFileError(f"{path}: {exc}") from None
    return PatternSet(data, str(path))


_LOCK = threading.Lock()
_DEFAULT: PatternSet | None = None


def default_patterns() -> PatternSet:
    """The project's pattern file, loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        with _LOCK:
            if _DEFAULT is None:
                _DEFAULT = load_patterns()
    return _DEFAULT


def classify(text: Any) -> Match | None:
    """The highest-priority safety category a message matches, with the pattern id, or None.

    Never raises on odd input (None, bytes, emoji, RTL or zero-width characters, huge texts).
    """
    try:
        return default_patterns().classify(text)
    except PatternFileError:
        raise
    except Exception:  # noqa: BLE001 - a safety check must never take the bot down
        return None


def defers(found: Match, intent_name: str | None, confidence: float) -> bool:
    """Whether a pattern's match yields to a model that is sure of an everyday intent."""
    if found.strong:
        return False
    if found.category == CATEGORIES[0]:
        if intent_name != "out_of_scope":
            return False
    elif intent_name not in EVERYDAY_OR_QUESTION:
        return False
    return confidence >= DEFER_TO_SURE_MODEL[found.category]


def priority(intent_name: str | None) -> int:
    """0 for every non-safety intent (nlu_fallback included), higher for safety intents."""
    return PRIORITY.get(intent_name or "", 0)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyNet(MessageRule):
    """Raises a message to a safety intent when a safety pattern matches and the model missed;
    lowers the model's disclosure only where the message itself gives the everyday reading."""

    def __init__(self, patterns: PatternSet | None = None) -> None:
        self.patterns = patterns or default_patterns()

    def _lower_everyday(self, message: Message, text: str) -> None:
        """A disclosure the model chose, in a message that says what makes it everyday (the
        picture is of snoring and the price is bubble tea; "no photos, just my game account"),
        goes to the best-ranked intent that is not a safety intent. Crisis is never lowered,
        and a crisis pattern still raises the message afterwards."""
        name = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if name not in CATEGORIES[1:]:
            return
        try:
            reading = self.patterns.everyday_reading(text, name)
        except Exception:  # noqa: BLE001 - a safety check must never take the bot down
            return
        if reading is None:
            return
        answered = self.patterns.answer_of(reading, text) is not None
        new = lower_intent(message, answered=answered)
        message.set(
            "safety_net",
            {"lowered": name, "reading": reading, "intent": new},
            add_to_output=True,
        )

    def _process(self, message: Message) -> None:
        text = typed_text(message)
        if text is None:
            return  # buttons and commands carry their own intent
        self._lower_everyday(message, text)
        self._raise(message, text)
        self._name_everyday_answer(message, text)

    def _name_everyday_answer(self, message: Message, text: str) -> None:
        """An everyday message, or a question about reporting, that a guard with an `answer`
        reads (a scam, a hacked account with no picture) is marked with that answer, which
        action_out_of_scope and action_report give."""
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) not in ANSWERED_INTENTS:
            return
        try:
            answer = self.patterns.everyday_answer(text)
        except Exception:  # noqa: BLE001
            return
        if answer:
            message.set("everyday_answer", answer, add_to_output=True)

    def _raise(self, message: Message, text: str) -> None:
        try:
            found = self.patterns.classify(text)
        except Exception:  # noqa: BLE001
            return
        if found is None:
            return
        current = message.get(INTENT) or {}
        current_name = current.get(INTENT_NAME_KEY)
        if priority(found.category) <= priority(current_name):
            return
        confidence = float(current.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        if defers(found, current_name, confidence):
            message.set(
                "safety_net",
                {"category": found.category, "pattern": found.pattern, "deferred": True},
                add_to_output=True,
            )
            return
        if (
            found.words_together
            and found.category != CATEGORIES[0]
            and current_name in CATEGORIES
            and float(current.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= SURE_DISCLOSURE
        ):
            # The model already chose a disclosure path and is sure of it; a pattern that only
            # finds words together (an ^(?=..)(?=..) pattern: gifts, "money" and a photo request
            # read as "pay or photo") does not move it to another disclosure. A phrase pattern
            # ("he'll post it unless I pay") and every crisis pattern still do.
            return
        raise_intent(message, found.category)
        message.set(
            "safety_net",
            {
                "category": found.category,
                "pattern": found.pattern,
                "replaced": current_name,
                "replaced_confidence": current.get(PREDICTED_CONFIDENCE_KEY),
            },
            add_to_output=True,
        )
