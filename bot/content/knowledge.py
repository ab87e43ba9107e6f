"""Jaga's knowledge base (`knowledge/sources.yml`): the facts a user-visible text may state.

Each item is one sourced claim, written in the project's own words:

    id       lower_snake_case name that texts cite ("source: knowledge talian_kasih")
    title    short label shown as the source under classroom content
    claim    the fact, in English
    values   the exact numbers, addresses, hours and law sections the item vouches for
    source   the URL(s) the claim was taken from
    checked  when the claim was last checked (YYYY-MM-DD)
    status   verified | dated | unverified | conflict

Only verified and dated items may be stated; unverified and conflict items are kept so that
nobody adds them by mistake. `pending_review` lists values that texts use but no source backs
yet. `tools.check_facts` compares every text against this file; `bot.content.lessons` checks that
content cites existing items.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_FILE = ROOT / "knowledge" / "sources.yml"

STATUSES = ("verified", "dated", "unverified", "conflict")
STATEABLE = ("verified", "dated")  # the others must never be stated as fact
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
_FIELDS = ("id", "title", "claim", "values", "source", "checked", "status")
_OPTIONAL = ("note",)


class KnowledgeError(ValueError):
    """knowledge/sources.yml is malformed; the message names the item and the field."""


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    claim: str
    values: tuple[str, ...]
    source: tuple[str, ...]
    checked: dt.date
    status: str
    note: str | None = None

    @property
    def stateable(self) -> bool:
        return self.status in STATEABLE


@dataclass(frozen=True)
class Pending:
    """A value a text uses that no source backs yet: the text's owner must source or remove it."""

    value: str
    where: str
    why: str


@dataclass(frozen=True)
class Knowledge:
    items: dict[str, Item]
    pending: tuple[Pending, ...] = ()

    def unknown(self, ids: list[str] | tuple[str, ...]) -> list[str]:
        return [i for i in ids if i not in self.items]

    def title(self, item_id: str) -> str:
        item = self.items.get(item_id)
        return item.title if item else item_id


def _fail(where: str, field: str, problem: str) -> KnowledgeError:
    return KnowledgeError(f"sources.yml: {where}: field '{field}' {problem}")


def _strings(value: Any, where: str, field: str, *, allow_empty: bool) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise _fail(where, field, "must be a list of texts")
    if not values and not allow_empty:
        raise _fail(where, field, "must not be empty")
    return tuple(v.strip() for v in values)


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _fail(where, "checked", f"must be a date (YYYY-MM-DD), got {value!r}") from None


def _item(entry: Any, index: int) -> Item:
    if not isinstance(entry, dict):
        raise KnowledgeError(f"sources.yml: items[{index}] must be a mapping")
    where = f"item '{entry.get('id', f'#{index + 1}')}'"
    for field in _FIELDS:
        if entry.get(field) in (None, ""):
            raise _fail(where, field, "is missing")
    unknown = sorted(set(entry) - set(_FIELDS) - set(_OPTIONAL))
    if unknown:
        raise _fail(where, unknown[0], "is not a known field")
    if not isinstance(entry["id"], str) or not _ID.match(entry["id"]):
        raise _fail(where, "id", "must be lower_snake_case")
    for field in ("title", "claim"):
        if not isinstance(entry[field], str) or not entry[field].strip():
            raise _fail(where, field, "must be a non-empty text")
    if entry["status"] not in STATUSES:
        raise _fail(where, "status", f"must be one of {', '.join(STATUSES)}")
    sources = _strings(entry["source"], where, "source", allow_empty=False)
    for url in sources:
        if not _URL.match(url):
            raise _fail(where, "source", f"must be URLs, got {url!r}")
    note = entry.get("note")
    if note is not None and not isinstance(note, str):
        raise _fail(where, "note", "must be a text")
    return Item(
        id=entry["id"],
        title=entry["title"].strip(),
        claim=" ".join(entry["claim"].split()),
        values=_strings(entry["values"] or [], where, "values", allow_empty=True),
        source=sources,
        checked=_date(entry["checked"], where),
        status=entry["status"],
        note=note,
    )


def parse_knowledge(data: Any) -> Knowledge:
    """Validates parsed YAML and returns the knowledge base; raises KnowledgeError."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise KnowledgeError("sources.yml: the top level must have an 'items' list")
    items: dict[str, Item] = {}
    for index, entry in enumerate(data["items"]):
        item = _item(entry, index)
        if item.id in items:
            raise _fail(f"item '{item.id}'", "id", "is used twice")
        items[item.id] = item
    pending = []
    for index, entry in enumerate(data.get("pending_review") or []):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) and entry[k].strip() for k in ("value", "where", "why")
        ):
            raise KnowledgeError(
                f"sources.yml: pending_review[{index}] needs 'value', 'where' and 'why' texts"
            )
        pending.append(Pending(entry["value"].strip(), entry["where"].strip(), entry["why"]))
    return Knowledge(items=items, pending=tuple(pending))


def read_yaml(path: Path, error: type[ValueError]) -> Any:
    """A hand-edited YAML file, or `error` naming the file and the line that breaks it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(
            f"{path.name}: not valid YAML at {place}: {problem} "
            "(check the indentation and put quotes around text that contains ': ')"
        ) from None


def load_knowledge(path: Path | str = KNOWLEDGE_FILE) -> Knowledge:
    return parse_knowledge(read_yaml(Path(path), KnowledgeError))


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    """The project's knowledge base, loaded once."""
    return load_knowledge(KNOWLEDGE_FILE)
