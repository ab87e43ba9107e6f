"""PII redaction: phone and MyKad numbers, e-mail addresses, street addresses, school names and
social-media handles are replaced with placeholders before a message is logged or stored.

    >>> redact("nombor aku 012-3456789").text
    'nombor aku [phone]'

Numbers, e-mails and handles are found with regular expressions (their shapes do not follow
word tokens); street addresses and school names with a spaCy `Matcher` over a blank
multi-language pipeline (`spacy.blank("xx")`, no model download), loaded once, lazily.
Public helplines (999, 15999, 019-261 5999, 1-800-18-2327, ...) and the contacts listed in
`actions/referrals.yml` are kept. `redact` never raises.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, List, Set, Tuple

PLACEHOLDERS = {
    "phone": "[phone]",
    "ic": "[ic]",
    "email": "[email]",
    "address": "[address]",
    "school": "[school]",
    "handle": "[handle]",
}
KIND_ORDER = ("ic", "email", "phone", "handle", "school", "address")
MAX_CHARS = 200_000  # longer texts are cut; nobody types more into a chat

REFERRALS_FILE = Path(__file__).resolve().parents[1] / "actions" / "referrals.yml"

# Public numbers people must be able to see and share: never redacted.
HELPLINES = {
    "999",
    "112",
    "15999",  # Talian Kasih
    "0192615999",  # Talian Kasih WhatsApp
    "18001827",
    "1800182327",  # Buddy Bear
    "1800188030",
    "15555",  # Talian HEAL
    "0376272929",  # Befrienders KL
    "0379568145",  # Befrienders KL (old line)
}


@dataclass
class Redaction:
    """The redacted text and the kinds of PII removed, in order of appearance (no repeats)."""

    text: str
    kinds: List[str] = field(default_factory=list)


# --- regular expressions -----------------------------------------------------------------

# Schools named by a word other than SK/SMK/Sekolah: "Kolej Yayasan ...", "Maahad ...".
_OTHER_SCHOOL_WORDS = frozenset(
    {"kolej", "college", "academy", "akademi", "international", "tahfiz", "maahad", "pondok"}
)

_SEP = r"[ \t.\-\u2010-\u2015]?"
# MyKad: YYMMDD-PB-###G with or without dashes/spaces; month and day are checked below.
_IC = re.compile(
    r"(?<!\d)(\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
    r"[ \-\u2010-\u2015]?(\d{2})[ \-\u2010-\u2015]?(\d{4})(?!\d)"
)
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][\w.+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])"
    r"|(?<![\w.])[\w.+-]{2,64}\s?(?:\(at\)|\[at\]|\sat\s)\s?"
    r"(?:gmail|yahoo|hotmail|outlook|icloud|live|ymail|protonmail|proton)"
    r"\s?(?:\.|\(dot\)|\[dot\]|\sdot\s)\s?(?:com|my|net|org)(?:\s?(?:\.|\sdot\s)\s?my)?\b",
    re.IGNORECASE,
)
_PHONE = re.compile(
    # mobiles: 01X-XXX XXXX, 011-XXXX XXXX, +60 1X..., 601X...
    r"(?<![\d+])(?:\+\s?6\s?0|\(?\+?60\)?|6?\(?0)[ \-.]?\)?\s?1\d"
    + _SEP
    + r"\d{3,4}"
    + _SEP
    + r"\d{4}(?!\d)"
    # land lines: 03-1234 5678, 04-123 4567, 082-123 456, +60 3-...
    r"|(?<![\d+])(?:\+\s?6\s?0|\(?\+?60\)?|\(?0)[ \-.]?\)?\s?[3-9]\d?"
    + _SEP
    + r"\d{3,4}"
    + _SEP
    + r"\d{3,4}(?!\d)"
)
_HANDLE = re.compile(r"(?<![\w@./])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,30}[A-Za-z0-9_])?)(?![\w@])")
# "ig: aiman_99", "my tiktok is aiman.x" - only names that look like handles (digit, _ or .)
_HANDLE_NAMED = re.compile(
    r"\b(?:ig|insta|instagram|tiktok|tt|twitter|snap|snapchat|sc|discord|telegram|tele|fb|"
    r"facebook|roblox|username|user ?name|id (?:roblox|ml|ff)|uid)\b(?:\s*(?:[:=\-]|is|aku|saya|"
    r"dia|kat|ialah|adalah)){0,2}\s*@?((?=[A-Za-z0-9_.]*[0-9_.])(?=[A-Za-z0-9_.]*[A-Za-z])[A-Za-z0-9_][A-Za-z0-9_.]{2,30}[A-Za-z0-9_])"
    r"(?![\w@])",
    re.IGNORECASE,
)
_COMMAND_BEFORE = re.compile(r"/[A-Za-z0-9_]+$")
_DIGITS = re.compile(r"\D")


def _digits(text: str) -> str:
    digits = _DIGITS.sub("", text)
    if digits.startswith("60") and len(digits) >= 10:
        digits = digits[1:]  # +60 12... -> 012...
    return digits


# --- the allow-list ------------------------------------------------------------------------

_ALLOW_LOCK = threading.Lock()
_ALLOWED: Tuple[Set[str], Set[str]] | None = None


def allowed() -> Tuple[Set[str], Set[str]]:
    """(public phone numbers as digits, public e-mail addresses), loaded once."""
    global _ALLOWED
    if _ALLOWED is None:
        with _ALLOW_LOCK:
            if _ALLOWED is None:
                numbers, emails = {_digits(n) for n in HELPLINES}, set()
                try:
                    import yaml

                    data = yaml.safe_load(REFERRALS_FILE.read_text(encoding="utf-8"))
                    for value in _strings(data):
                        for m in _EMAIL.finditer(value):
                            emails.add(m.group(0).lower())
                        if re.fullmatch(r"[\d +().\-]{3,20}", value.strip()):
                            numbers.add(_digits(value))
                except Exception:  # noqa: BLE001 - the built-in list still applies
                    pass
                _ALLOWED = (numbers, emails)
    return _ALLOWED


def _strings(data: Any) -> Iterable[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


# --- the spaCy part: street addresses and schools -------------------------------------------

_STOP = set(
    """
    a an and are at be but by for from go going he her his i in is it its me my near next of on
    or our she so that the their them then there they this to too was we went were will with
    you your yang dan di ke dari kat dekat dkt dgn dengan untuk utk pada pergi balik tu ni itu
    ini la lah je jer pun tak x aku saya sy dia kami kita kau ko nak dah sebab tapi atau kalau
    bila masa sekarang skrg nanti esok semalam rumah sekolah kelas tadi ada macam mcm tinggal
    duduk area kawasan berdekatan belakang depan sebelah near, nearby behind opposite beside
    """.split()
)
# Words after "jalan"/"taman" that make it an ordinary word ("jalan kaki", "taman permainan").
_GENERIC_AFTER = set(
    """
    kaki jalan raya jem sesak besar kecil utama sini situ sana tu ni dulu-dulu dulu2 sikit je
    permainan bunga tema awam rekreasi negara haiwan burung rama belakang depan sebelah
    """.split()
)
_STREET_WORDS = [
    "jalan",
    "jln",
    "jl",
    "lorong",
    "lrg",
    "taman",
    "tmn",
    "persiaran",
    "psrn",
    "lebuh",
    "lebuhraya",
    "kampung",
    "kg",
    "kpg",
    "kampong",
    "desa",
    "pangsapuri",
    "apartment",
    "apartments",
    "flat",
    "blok",
    "block",
    "residensi",
    "kondominium",
    "condominium",
    "condo",
    "seksyen",
    "section",
    "presint",
    "precinct",
    "bandar",
    "street",
    "road",
    "avenue",
    "lane",
]
_PLACE_CUES = {
    "tinggal",
    "duduk",
    "rumah",
    "rmh",
    "alamat",
    "address",
    "live",
    "lives",
    "living",
    "stay",
    "stays",
    "staying",
    "house",
    "home",
    "pindah",
    "moved",
    "menetap",
}
_SCHOOL_HEADS = [
    [{"LOWER": {"IN": ["smk", "smka", "smjk", "sbp", "mrsm", "sra", "sma", "smt"]}}],
    [
        {"LOWER": {"IN": ["sk", "sjkc", "sjkt", "skk", "sjk(c)", "sjk(t)", "sjk(c", "sjk(t"]}},
        {"ORTH": ")", "OP": "?"},
    ],
    [
        {"LOWER": "sjk"},
        {"ORTH": "(", "OP": "?"},
        {"LOWER": {"IN": ["c", "t"]}, "OP": "?"},
        {"ORTH": ")", "OP": "?"},
    ],
    [
        {"LOWER": "sekolah"},
        {
            "LOWER": {
                "IN": [
                    "menengah",
                    "rendah",
                    "kebangsaan",
                    "jenis",
                    "agama",
                    "sains",
                    "seri",
                    "sukan",
                    "tinggi",
                ]
            }
        },
        {"LOWER": {"IN": ["kebangsaan", "agama", "sains", "teknik", "jenis"]}, "OP": "?"},
        {"LOWER": {"IN": ["kebangsaan", "agama"]}, "OP": "?"},
    ],
    [{"LOWER": "maktab"}, {"LOWER": "rendah"}, {"LOWER": "sains"}, {"LOWER": "mara", "OP": "?"}],
    [{"LOWER": {"IN": sorted(_OTHER_SCHOOL_WORDS)}}],
]

_NLP_LOCK = threading.Lock()
_NLP: Any = None
_MATCHER: Any = None


def _import_spacy() -> Tuple[Any, Any]:
    """spaCy without TensorFlow, unless this process has loaded TensorFlow already.

    spaCy's maths library (thinc) imports TensorFlow when it is installed, which costs a
    front end that talks to a Rasa server 3.5 s and hundreds of MB for nothing: a blank
    pipeline never uses it. In the Rasa process TensorFlow is loaded anyway.
    """
    import sys

    previous = sys.modules.get("tensorflow")
    real_tf = previous is not None and not str(getattr(previous, "__version__", "")).endswith(
        "blocked"  # bot.tf_guard's stand-in, which thinc must not mistake for TensorFlow
    )
    if "spacy" in sys.modules or real_tf:
        import spacy
        from spacy.matcher import Matcher

        return spacy, Matcher
    sys.modules["tensorflow"] = None  # type: ignore[assignment] - makes `import` fail fast
    try:
        import spacy
        from spacy.matcher import Matcher
    finally:
        if previous is None:
            del sys.modules["tensorflow"]  # a later real import of TensorFlow still works
        else:
            sys.modules["tensorflow"] = previous
    return spacy, Matcher


def _pipeline() -> Tuple[Any, Any]:
    """The blank spaCy pipeline and its Matcher, created on first use."""
    global _NLP, _MATCHER
    if _NLP is None:
        with _NLP_LOCK:
            if _NLP is None:
                spacy, Matcher = _import_spacy()
                nlp = spacy.blank("xx")
                matcher = Matcher(nlp.vocab)
                name = {"LOWER": {"NOT_IN": sorted(_STOP)}, "IS_PUNCT": False, "IS_SPACE": False}
                optional = dict(name, OP="?")
                number = {"LIKE_NUM": True}
                code = {"TEXT": {"REGEX": r"^[A-Za-z]{0,3}\d[\w/\-]*$"}}
                for head in _SCHOOL_HEADS:
                    matcher.add("school", [head + [name, optional, optional, optional]])
                street = {"LOWER": {"IN": _STREET_WORDS}}
                prefix = {"LOWER": {"IN": ["no", "no.", "lot", "unit", "nombor", "number", "#"]}}
                rest = [name, optional, optional, optional, dict(code, OP="?")]
                matcher.add(
                    "address",
                    [
                        [street] + rest,
                        [prefix, {"ORTH": ".", "OP": "?"}, code, {"ORTH": ",", "OP": "?"}, street]
                        + rest,
                        [prefix, {"ORTH": ".", "OP": "?"}, number, {"ORTH": ",", "OP": "?"}, street]
                        + rest,
                        [code, {"ORTH": ",", "OP": "?"}, street] + rest,
                    ],
                )
                _MATCHER = matcher
                _NLP = nlp
    return _NLP, _MATCHER


def _token_spans(text: str) -> List[Tuple[int, int, str]]:
    _import_spacy()  # without TensorFlow where possible
    from spacy.util import filter_spans

    nlp, matcher = _pipeline()
    doc = nlp.make_doc(text)
    spans = []
    for match_id, start, end in matcher(doc):
        label = nlp.vocab.strings[match_id]
        span = doc[start:end]
        while len(span) > 1 and (span[-1].is_punct or span[-1].lower_ in _STOP):
            span = doc[span.start : span.end - 1]
        if label == "address" and not _looks_like_address(doc, span):
            continue
        if label == "school" and not _looks_like_school(span):
            continue
        span.label_ = label  # type: ignore[misc]
        spans.append(doc.char_span(span.start_char, span.end_char, label=label))
    spans = [s for s in spans if s is not None]
    return [(s.start_char, s.end_char, s.label_) for s in filter_spans(spans)]


def _looks_like_address(doc: Any, span: Any) -> bool:
    """`jalan`/`taman` are everyday words: only a name, a number or a place cue makes an address."""
    tokens = list(span)
    street_at = next((i for i, t in enumerate(tokens) if t.lower_ in _STREET_WORDS), None)
    if street_at is None or street_at + 1 >= len(tokens):
        return False
    after = tokens[street_at + 1]
    if after.lower_ in _GENERIC_AFTER:
        return False
    if street_at > 0:
        return True  # "No. 12, Jalan ..." or "12 Jalan ..."
    if any(any(c.isdigit() for c in t.text) for t in tokens[street_at + 1 :]):
        return True
    if after.text[:1].isupper() and not after.is_sent_start:
        return True
    if tokens[street_at].text[:1].isupper() and after.text[:1].isupper():
        return True
    before = {t.lower_ for t in doc[max(span.start - 4, 0) : span.start]}
    return bool(before & _PLACE_CUES)


def _looks_like_school(span: Any) -> bool:
    head = span[0].lower_
    if head in _OTHER_SCHOOL_WORDS:
        return len(span) >= 2 and span[1].text[:1].isupper()
    return len(span) >= 2


# --- redaction ----------------------------------------------------------------------------


def _regex_spans(text: str) -> List[Tuple[int, int, str]]:
    numbers, emails = allowed()
    spans: List[Tuple[int, int, str]] = []
    for m in _IC.finditer(text):
        spans.append((m.start(), m.end(), "ic"))
    for m in _EMAIL.finditer(text):
        if m.group(0).lower() not in emails:
            spans.append((m.start(), m.end(), "email"))
    for m in _PHONE.finditer(text):
        if _digits(m.group(0)) not in numbers:
            spans.append((m.start(), m.end(), "phone"))
    for m in _HANDLE.finditer(text):
        name = m.group(1).lower()
        if name.endswith("bot") or _COMMAND_BEFORE.search(text, 0, m.start()):
            continue  # "@JagaBot", "/start@JagaBot": bots and commands are not people
        spans.append((m.start(), m.end(), "handle"))
    for m in _HANDLE_NAMED.finditer(text):
        if not m.group(1).lower().endswith("bot") and _digits(m.group(1)) not in numbers:
            spans.append((m.start(1), m.end(1), "handle"))
    return spans


_JOINER = re.compile(r"[\s,]*")


def _merge(spans: List[Tuple[int, int, str]], text: str = "") -> List[Tuple[int, int, str]]:
    """Non-overlapping spans; on overlap the earlier-starting, then longer, then first kind wins."""
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    spans = sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]), rank.get(s[2], 99)))
    merged: List[Tuple[int, int, str]] = []
    for start, end, kind in spans:
        if (
            merged
            and merged[-1][2] == kind == "address"
            and _JOINER.fullmatch(text[merged[-1][1] : start])
        ):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), kind)
            continue
        if merged and start < merged[-1][1]:
            last = merged[-1]
            if end > last[1] and kind == last[2]:
                merged[-1] = (last[0], end, kind)
            continue
        merged.append((start, end, kind))
    return merged


def _apply(text: str, spans: List[Tuple[int, int, str]]) -> Redaction:
    out, kinds, position = [], [], 0
    for start, end, kind in spans:
        out.append(text[position:start])
        out.append(PLACEHOLDERS[kind])
        if kind not in kinds:
            kinds.append(kind)
        position = end
    out.append(text[position:])
    return Redaction("".join(out), kinds)


def _as_text(text: Any) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    elif not isinstance(text, str):
        text = str(text)
    # lone surrogates cannot be encoded later on; replace them
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    return text[:MAX_CHARS]


def redact(text: Any) -> Redaction:
    """Replace PII in `text` with placeholders such as [phone]; never raises."""
    try:
        text = _as_text(text)
    except Exception:  # noqa: BLE001
        return Redaction("", [])
    if not text:
        return Redaction(text, [])
    spans: List[Tuple[int, int, str]] = []
    for finder in (_regex_spans, _safe_token_spans):
        try:
            spans.extend(finder(text))
        except Exception:  # noqa: BLE001 - one failing finder must not stop the others
            continue
    try:
        return _apply(text, _merge(spans, text))
    except Exception:  # noqa: BLE001
        return Redaction(text, [])


def _safe_token_spans(text: str) -> List[Tuple[int, int, str]]:
    # Placeholders from an earlier pass are not addresses or schools.
    return [s for s in _token_spans(text) if not _inside_placeholder(text, s)]


def _inside_placeholder(text: str, span: Tuple[int, int, str]) -> bool:
    start, end, _ = span
    return text[max(start - 1, 0) : start] == "[" and text[end : end + 1] == "]"


Redactor = Callable[[str], Redaction]
