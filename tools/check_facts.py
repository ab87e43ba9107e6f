"""`python -m tools.check_facts`: every number, address, hour and law a user sees is sourced.

Scans the texts Jaga shows (domain.yml responses, actions/referrals.yml, bot/core/messages.yml
as users see it, with its referral fields filled in, content/*.yml, string literals in bot/ and
actions/, the web page) for phone numbers, URLs and
domains, e-mail addresses, opening hours and law sections, and compares each with the `values`
of knowledge/sources.yml. A value no item vouches for, or one only an unverified or conflict
item gives, is a problem naming the file, the place and the text. Values listed under
`pending_review:` pass, and are printed so their owners fix them.

It also checks that every reference to the knowledge base (`knowledge:` in referrals.yml,
`# source: knowledge ...` comments, `source:` in bot/core/messages.yml) names an existing item.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from bot.content.knowledge import KNOWLEDGE_FILE, Knowledge, KnowledgeError, load_knowledge
from bot.core import messages

ROOT = Path(__file__).resolve().parent.parent

KINDS = ("phone", "url", "email", "hours", "law")


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    shown: str  # as written in the text
    key: str  # normalised, for comparison


@dataclass(frozen=True)
class Text:
    file: str  # relative to the repository
    where: str  # the place in the file
    text: str


@dataclass(frozen=True)
class Problem:
    file: str
    where: str
    finding: Finding
    why: str
    text: str

    def __str__(self) -> str:
        excerpt = " ".join(self.text.split())
        if len(excerpt) > 160:
            at = max(0, excerpt.find(self.finding.shown) - 60)
            excerpt = ("…" if at else "") + excerpt[at : at + 160] + "…"
        finding = f"{self.finding.kind} {self.finding.shown!r}"
        return f"{self.file}: {self.where}: {finding} {self.why}: {excerpt}"


# ------------------------------------------------------------------------------- extraction

_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_TLDS = "com|org|net|gov|edu|int|info|me|my|uk"
_DOMAIN = re.compile(
    rf"(?<![\w@./-])(?:[a-z0-9-]+\.)+(?:{_TLDS})(?![\w-])(?:/[^\s<>\"'`]*)?", re.IGNORECASE
)
_TRAILING = ".,;:!?)]}'\"*"

# Opening hours: "12pm to 12am", "8.30am–5.30pm", "12 tengah hari hingga 12 tengah malam",
# "24 hours", "24 jam", "24h", "24/7". Malay times become am/pm so both languages compare equal.
_TIME = (
    r"\b\d{1,2}(?:[.:]\d{2})?\s?(?:am|pm)\b"
    r"|\b\d{1,2}(?:[.:]\d{2})?\s(?:pagi|tengah\shari|tgh\.?\shari|tengahari|petang"
    r"|tengah\smalam|tgh\.?\smalam|malam)\b"
)
_HOURS = re.compile(
    rf"(?P<start>{_TIME})(?:\s*(?:to|until|till|–|—|-|hingga|sehingga|sampai)\s*(?P<end>{_TIME}))?"
    r"|(?P<allday>\b24\s?(?:hours?|jam|h)\b|\b24-hour\b|\b24/7\b|\b24\s?(?:小时|மணி))",
    re.IGNORECASE,
)
_TIME_PARTS = re.compile(r"(\d{1,2})(?:[.:](\d{2}))?\s?(.*)", re.DOTALL)
_MALAY_TIME = {"pagi": "am", "tengah hari": "pm", "tengahari": "pm", "petang": "pm"}
_MALAY_ABBREVIATIONS = {"tgh. ": "tengah ", "tgh ": "tengah "}

# Law: "Act 792", "Akta 792", "s.233", "ss.27-29", "section 15A", "seksyen 19", and named acts
# with their year ("Online Safety Act 2025", "Akta Keselamatan Dalam Talian 2025"). A section is
# read as belonging to the act named last before it in the same text.
_ACT_NUMBER = re.compile(r"\b(?:Act|Akta)\s+(A?\d{3,4})\b")
_ACT_EN = re.compile(r"\b([A-Z][\w'-]*)\s+Act\s+((?:19|20)\d\d)\b")
_ACT_MS = re.compile(r"\bAkta\s+(?:(?!\d)[\w'-]+\s+){0,6}?((?!\d)[\w'-]+)\s+((?:19|20)\d\d)\b")
_SECTION = re.compile(
    r"(?i:\b(?:ss?\.\s?|sections?\s+|seksyen\s+|sek\.\s?))"
    r"(\d{1,3}[A-Z]{0,2})(?:\s?[–-]\s?(\d{1,3}[A-Z]{0,2}))?(?![\w])"
)
_ACT_CONTEXT = (
    ("act 792", r"\b(?:Act|Akta)\s+792\b|Sexual Offences Against Children Act|"
     r"Akta Kesalahan(?:-Kesalahan)? Seksual|\bSOAC\b"),
    ("act 588", r"\b(?:Act|Akta)\s+588\b|Communications and Multimedia Act|"
     r"Akta Komunikasi dan Multimedia|\bCMA\b"),
    ("penal code", r"\b(?:Act|Akta)\s+574\b|Penal Code|Kanun Keseksaan"),
    ("act 611", r"\b(?:Act|Akta)\s+611\b|\bChild Act\b|\bAkta Kanak-Kanak\b"),
    ("act 866", r"\b(?:Act|Akta)\s+866\b|Online Safety Act|Akta Keselamatan Dalam Talian|\bONSA\b"),
    ("act 876", r"\b(?:Act|Akta)\s+876\b|Anti-Bully Act|Akta Antibuli"),
)  # fmt: skip
_ACT_CONTEXT_RE = [(name, re.compile(pattern)) for name, pattern in _ACT_CONTEXT]

# Phone numbers: grouped forms ("019-261 5999", "1-800-18-2327", "1800 188 030", "+603 3000
# 8858") with at least 7 digits, any run of 5 or more digits ("15999"), and 3-4 digit short
# codes ("999") unless a word follows that makes them a count ("851 locations").
_NOT_PHONES = (  # masked before anything else is read
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),  # ISO dates
    re.compile(r"\bRM\s?\d[\d,.]*(?:\s?(?:juta|million|k)\b)?", re.IGNORECASE),  # money
    re.compile(r"\b\d{1,3}(?:,\d{3})+\b"),  # 1,000 and 160,000
    re.compile(r"\b\d+\s?%"),
)
_DECIMAL = re.compile(r"\b\d+\.\d+\b")  # masked once opening hours ("8.30am") are read
_PHONE = re.compile(r"(?<![\w.,/+-])\+?\d+(?:[ -]\d+)*(?![\w/%]|[.,]\d)")
_SHORT_CODE_FOLLOWERS = {
    "if", "in", "or", "and", "for", "now", "to", "any", "anytime", "on", "is", "at",
    "jika", "kalau", "atau", "dan", "untuk", "sekarang", "segera", "bila", "bila-bila", "di",
}  # fmt: skip
_NEXT_WORD = re.compile(r"\s+([A-Za-z][\w-]*)")


def _mask(text: str, span: tuple[int, int]) -> str:
    start, end = span
    return text[:start] + " " * (end - start) + text[end:]


def _clean_address(value: str) -> str:
    return value.rstrip(_TRAILING)


def normalise_url(value: str) -> str:
    """Host and path, without scheme, "www." or a trailing slash, lower-case host."""
    value = re.sub(r"^https?://", "", _clean_address(value), flags=re.IGNORECASE)
    host, _, path = value.partition("/")
    host = host.lower().removeprefix("www.")
    path = path.rstrip("/")
    return f"{host}/{path}" if path else host


def normalise_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if digits.startswith("60") and len(digits) >= 10:  # +60 3-... is 03-...
        digits = "0" + digits[2:]
    return digits


def _time(value: str) -> str:
    hour, minute, rest = _TIME_PARTS.match(value.strip()).groups()
    rest = " ".join(rest.lower().split())
    for short, full in _MALAY_ABBREVIATIONS.items():
        rest = rest.replace(short, full)
    if rest in ("am", "pm"):
        suffix = rest
    elif rest in _MALAY_TIME:
        suffix = _MALAY_TIME[rest]
    else:  # malam, tengah malam: 12 is midnight, other hours are evening
        suffix = "am" if int(hour) == 12 else "pm"
    return f"{int(hour)}{'.' + minute if minute else ''}{suffix}"


def _hours_key(match: re.Match) -> str:
    if match.group("allday"):
        return "24h"
    start = _time(match.group("start"))
    return f"{start} to {_time(match.group('end'))}" if match.group("end") else start


def _act_before(text: str, position: int) -> str | None:
    best, best_end = None, -1
    for name, pattern in _ACT_CONTEXT_RE:
        for match in pattern.finditer(text, 0, position):
            if match.end() > best_end:
                best, best_end = name, match.end()
    return best


def extract(text: str) -> list[Finding]:
    """The phone numbers, URLs, domains, e-mails, opening hours and law sections in a text."""
    found: list[Finding] = []
    rest = text
    for pattern, kind in ((_URL, "url"), (_EMAIL, "email"), (_DOMAIN, "url")):
        for match in pattern.finditer(rest):
            shown = _clean_address(match.group())
            if kind == "url" and ("{" in shown or re.match(
                r"(?:https?://)?(?:localhost|127\.|0\.0\.0\.0|\[::1\])", shown, re.IGNORECASE
            )):  # fmt: skip
                continue  # a link built at run time or a local address: not a fact
            key = shown.lower() if kind == "email" else normalise_url(shown)
            found.append(Finding(kind, shown, key))
            rest = _mask(rest, match.span())
    for pattern in _NOT_PHONES:
        for match in pattern.finditer(rest):
            rest = _mask(rest, match.span())
    for match in _HOURS.finditer(rest):
        found.append(Finding("hours", match.group().strip(), _hours_key(match)))
        rest = _mask(rest, match.span())
    for match in _ACT_NUMBER.finditer(rest):
        if not re.fullmatch(r"(?:19|20)\d\d", match.group(1)):
            found.append(Finding("law", match.group(), f"act {match.group(1).lower()}"))
    for pattern, prefix in ((_ACT_EN, ""), (_ACT_MS, "akta ")):
        for match in pattern.finditer(rest):
            word, year = match.group(1).lower(), match.group(2)
            key = f"{word} act {year}" if not prefix else f"akta {word} {year}"
            found.append(Finding("law", match.group(), key))
    for match in _SECTION.finditer(rest):
        act = _act_before(rest, match.start())
        for number in filter(None, (match.group(1), match.group(2))):
            key = f"s.{number.upper()}"
            found.append(Finding("law", match.group(), f"{act} {key}" if act else key))
    for pattern in (_ACT_NUMBER, _SECTION, _DECIMAL):
        for match in pattern.finditer(rest):
            rest = _mask(rest, match.span())
    for match in _PHONE.finditer(rest):
        shown = match.group()
        digits = re.sub(r"\D", "", shown)
        groups = re.findall(r"\d+", shown)
        if len(groups) > 1 and len(groups[-1]) >= 3 and (len(digits) >= 7 or shown[0] == "+"):
            found.append(Finding("phone", shown, normalise_phone(shown)))
            continue
        for group in re.finditer(r"\d+", shown):  # not one number: read each part alone
            number = group.group()
            if len(number) >= 5 or (
                len(number) in (3, 4)
                and not re.fullmatch(r"(?:19|20)\d\d", number)
                and _is_short_code(rest, match.start() + group.end())
            ):
                found.append(Finding("phone", number, normalise_phone(number)))
    return found


def _is_short_code(text: str, end: int) -> bool:
    """A 3-4 digit number is a phone number unless a word follows it ("344 schools")."""
    nxt = _NEXT_WORD.match(text, end)
    return nxt is None or nxt.group(1).lower() in _SHORT_CODE_FOLLOWERS


# ------------------------------------------------------------------------------- the texts

DOMAIN_FILE = "domain.yml"
REFERRALS_FILE = "actions/referrals.yml"
MESSAGES_FILE = "bot/core/messages.yml"
CONTENT_GLOB = "content/*.yml"
PYTHON_GLOBS = ("bot/**/*.py", "actions/*.py")
WEB_GLOBS = ("bot/web/static/*.html", "bot/web/static/*.js")

# Keys whose values are data or citations, not text a user reads.
_NOT_SHOWN = {
    "source", "id", "knowledge", "checked", "status", "serves", "languages", "min_age",
    "max_age", "answer", "payload", "condition", "topics",
}  # fmt: skip


def _walk(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, dict):
        for key, value in node.items():
            if str(key) not in _NOT_SHOWN:
                yield from _walk(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{where}[{i}]")


def _yaml_texts(path: Path, rel: str, only: str | None = None) -> Iterator[Text]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if only is not None:
        data = {only: data.get(only) or {}}
    for where, text in _walk(data, ""):
        yield Text(rel, where, text)


def _catalogue(root: Path) -> dict:
    """bot/core/messages.yml as users see it: the referral fields ({talian_kasih.phone}) filled
    in from the root's referral directory (the repository's when the root has none)."""
    referrals = root / REFERRALS_FILE
    return messages.load(root / MESSAGES_FILE, referrals if referrals.exists() else None)


def _message_texts(root: Path) -> Iterator[Text]:
    try:
        catalogue = _catalogue(root)
    except messages.CatalogueError:  # check_catalogue() reports it; read the file as written
        yield from _yaml_texts(root / MESSAGES_FILE, MESSAGES_FILE)
        return
    for key, entry in catalogue.items():
        for where, text in _walk(entry, key):
            yield Text(MESSAGES_FILE, where, text)


def check_catalogue(root: Path = ROOT) -> list[str]:
    """The catalogue loads: every {service.field} it names is in the referral directory."""
    if not (Path(root) / MESSAGES_FILE).exists():
        return []
    try:
        _catalogue(Path(root))
    except messages.CatalogueError as error:
        return [str(error)]
    return []


def _python_texts(path: Path, rel: str) -> Iterator[Text]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    inside_fstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                inside_fstrings.add(id(value))
                is_text = isinstance(value, ast.Constant) and isinstance(value.value, str)
                parts.append(value.value if is_text else "{}")
            yield Text(rel, f"line {node.lineno}", "".join(parts))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and id(node) not in inside_fstrings
        ):
            yield Text(rel, f"line {node.lineno}", node.value)


class _PageText(HTMLParser):
    SHOWN_ATTRIBUTES = {"href", "title", "alt", "placeholder", "aria-label", "content"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "svg"):
            self._skip += 1
        for name, value in attrs:
            if name in self.SHOWN_ATTRIBUTES and value and not value.startswith(("/", "#")):
                self.texts.append((self.getpos()[0], value))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append((self.getpos()[0], data))


def _html_texts(path: Path, rel: str) -> Iterator[Text]:
    parser = _PageText()
    parser.feed(path.read_text(encoding="utf-8"))
    for line, text in parser.texts:
        yield Text(rel, f"line {line}", text)


_REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {""}


def js_strings(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every string and template literal in JavaScript, `${...}` left out.

    Comments and regular-expression literals are skipped, so a `"` inside a regex does not
    start a string."""
    i, n, line, previous = 0, len(source), 1, ""
    while i < n:
        c = source[i]
        if c == "\n":
            line += 1
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += source.count("\n", i, end)
            i = end
            continue
        if c in "\"'`":
            start_line, j, parts, depth = line, i + 1, [], 0
            while j < n and not (source[j] == c and depth == 0):
                if source[j] == "\\" and j + 1 < n:
                    parts.append(source[j : j + 2] if depth else source[j + 1])
                    j += 2
                    continue
                if c == "`" and source.startswith("${", j) and depth == 0:
                    depth, j = 1, j + 2
                    parts.append(" ")
                    continue
                if depth and source[j] == "{":
                    depth += 1
                elif depth and source[j] == "}":
                    depth -= 1
                    j += 1
                    continue
                if source[j] == "\n":
                    line += 1
                if not depth:
                    parts.append(source[j])
                j += 1
            yield start_line, "".join(parts)
            i, previous = j + 1, c
            continue
        if c == "/" and (previous in _REGEX_BEFORE or re.search(r"\breturn\s*$", source[:i])):
            j, in_class = i + 1, False
            while j < n and source[j] != "\n" and (source[j] != "/" or in_class):
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                j += 1
            i, previous = j + 1, "/"
            continue
        if not c.isspace():
            previous = c if not (c.isalnum() or c in "_$") else "a"
        i += 1


def _js_texts(path: Path, rel: str) -> Iterator[Text]:
    for line, text in js_strings(path.read_text(encoding="utf-8")):
        yield Text(rel, f"line {line}", text)


def user_texts(root: Path = ROOT) -> Iterator[Text]:
    """Every text Jaga shows a user, with its file and place."""
    root = Path(root)

    def rel(path: Path) -> str:
        return path.relative_to(root).as_posix()

    if (root / DOMAIN_FILE).exists():
        yield from _yaml_texts(root / DOMAIN_FILE, DOMAIN_FILE, only="responses")
    if (root / REFERRALS_FILE).exists():
        yield from _yaml_texts(root / REFERRALS_FILE, REFERRALS_FILE)
    if (root / MESSAGES_FILE).exists():
        yield from _message_texts(root)
    for path in sorted(root.glob(CONTENT_GLOB)):
        yield from _yaml_texts(path, rel(path))
    for pattern in PYTHON_GLOBS:
        for path in sorted(root.glob(pattern)):
            yield from _python_texts(path, rel(path))
    for pattern in WEB_GLOBS:
        for path in sorted(root.glob(pattern)):
            reader = _html_texts if path.suffix == ".html" else _js_texts
            yield from reader(path, rel(path))


# ------------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class Vouched:
    """What the knowledge base allows: keys by kind, and who says what."""

    stated: dict[str, dict[str, list[str]]]  # kind -> key -> ids of verified/dated items
    withheld: dict[str, dict[str, list[str]]]  # kind -> key -> ids of unverified/conflict items
    pending: dict[str, dict[str, str]]  # kind -> key -> where the owner should fix it


def vouched(book: Knowledge) -> Vouched:
    stated: dict[str, dict[str, list[str]]] = {kind: {} for kind in KINDS}
    withheld: dict[str, dict[str, list[str]]] = {kind: {} for kind in KINDS}
    for item in book.items.values():
        target = stated if item.stateable else withheld
        for value in item.values:
            for finding in extract(value):
                target[finding.kind].setdefault(finding.key, []).append(item.id)
    pending: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
    for entry in book.pending:
        for finding in extract(entry.value):
            pending[finding.kind][finding.key] = entry.where
    return Vouched(stated, withheld, pending)


def unrecognised_values(book: Knowledge) -> list[str]:
    """Values in the knowledge base that the extraction does not read as any kind: a typo."""
    return [
        f"sources.yml: item '{item.id}': value {value!r} is not a phone number, address, "
        "opening hours or law section"
        for item in book.items.values()
        for value in item.values
        if not extract(value)
    ]


def _lookup(table: dict[str, list[str]] | dict[str, str], finding: Finding):
    if finding.key in table:
        return table[finding.key]
    if finding.kind == "law" and finding.key.startswith("s."):  # section without its act
        for key, who in table.items():
            if key.endswith(" " + finding.key):
                return who
    return None


def check_text(text: Text, allowed: Vouched) -> list[Problem]:
    problems = []
    for finding in extract(text.text):
        if _lookup(allowed.stated[finding.kind], finding) is not None:
            continue
        if _lookup(allowed.pending[finding.kind], finding) is not None:
            continue
        withheld = _lookup(allowed.withheld[finding.kind], finding)
        if withheld:
            why = f"is only given by {', '.join(withheld)}, marked unverified or conflict"
        else:
            why = f"is not among the values of {KNOWLEDGE_FILE.relative_to(ROOT).as_posix()}"
        problems.append(Problem(text.file, text.where, finding, why, text.text))
    return problems


_COMMENT_REF = re.compile(r"#\s*source:\s*knowledge\s+([a-z0-9_,\s]+)")
_REFERENCE_FILES = (DOMAIN_FILE, REFERRALS_FILE, MESSAGES_FILE, CONTENT_GLOB)


def _ids(text: str) -> list[str]:
    return [i for i in re.split(r"[\s,]+", text.strip()) if i]


def check_references(book: Knowledge, root: Path = ROOT) -> list[str]:
    """Every knowledge id the YAML files cite exists."""
    problems = []
    root = Path(root)
    for pattern in _REFERENCE_FILES:
        for path in sorted(root.glob(pattern)):
            rel = path.relative_to(root).as_posix()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                match = _COMMENT_REF.search(line)
                cited = _ids(match.group(1)) if match else []
                field = re.match(r"\s*(?:-\s*)?knowledge:\s*([a-z0-9_]+)\s*$", line)
                cited += [field.group(1)] if field else []
                for item_id in book.unknown(cited):
                    problems.append(f"{rel}:{number}: knowledge item '{item_id}' does not exist")
    messages = root / MESSAGES_FILE
    if messages.exists():
        for key, entry in (yaml.safe_load(messages.read_text(encoding="utf-8")) or {}).items():
            source = entry.get("source") if isinstance(entry, dict) else None
            if isinstance(source, list):
                for item_id in book.unknown([str(s) for s in source]):
                    problems.append(
                        f"{MESSAGES_FILE}: {key}: knowledge item '{item_id}' does not exist"
                    )
    return problems


def check_referrals(book: Knowledge, root: Path = ROOT) -> list[str]:
    """Each referral cites a knowledge item whose sources include its own and whose values
    include its phone numbers, addresses and hours."""
    path = Path(root) / REFERRALS_FILE
    if not path.exists():
        return []
    problems = []
    for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("services", []):
        name = entry.get("id", "?")
        item = book.items.get(entry.get("knowledge"))
        if item is None:
            problems.append(f"{REFERRALS_FILE}: service '{name}': 'knowledge' names no item")
            continue
        if entry.get("source") not in item.source:
            problems.append(
                f"{REFERRALS_FILE}: service '{name}': source {entry.get('source')!r} is not a "
                f"source of knowledge item '{item.id}'"
            )
        keys = {f.key for value in item.values for f in extract(value)}
        contacts = [entry.get(k) for k in ("phone", "whatsapp", "email", "url")]
        contacts += list((entry.get("hours") or {}).values())
        for value in filter(None, contacts):
            for finding in extract(str(value)):
                if finding.key not in keys:
                    problems.append(
                        f"{REFERRALS_FILE}: service '{name}': {finding.kind} {finding.shown!r} "
                        f"is not a value of knowledge item '{item.id}'"
                    )
    return problems


def check(
    root: Path = ROOT,
    book: Knowledge | None = None,
    texts: Iterable[Text] | None = None,
) -> list[str]:
    """All problems, one line each; empty when every text is sourced."""
    root = Path(root)
    book = book or load_knowledge(KNOWLEDGE_FILE)
    allowed = vouched(book)
    problems = unrecognised_values(book)
    for text in user_texts(root) if texts is None else texts:
        problems += [str(p) for p in check_text(text, allowed)]
    if texts is None:
        problems += check_catalogue(root)
        problems += check_references(book, root)
        problems += check_referrals(book, root)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.check_facts", description=__doc__.split("\n")[0]
    )
    parser.parse_args(argv)
    try:
        book = load_knowledge(KNOWLEDGE_FILE)
    except KnowledgeError as error:
        print(error)
        return 1
    problems = check(ROOT, book)
    for entry in book.pending:
        print(f"pending review: {entry.value!r} in {entry.where}: {entry.why}")
    for line in problems:
        print(line)
    if problems:
        print(f"check_facts: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    texts = list(user_texts(ROOT))
    values = sum(len(extract(t.text)) for t in texts)
    print(
        f"check_facts: OK ({values} values in {len(texts)} texts, {len(book.items)} knowledge "
        f"items, {len(book.pending)} pending review)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
