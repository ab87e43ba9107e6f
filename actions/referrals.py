"""The referral directory (`referrals.yml`): loading, validation and rendering.

The directory is data, validated when loaded so a typo in a phone number or a missing source
stops the action server with an error that names the entry and the field, instead of reaching
a child. Each service names the knowledge-base item its facts come from (`knowledge:`, an id in
knowledge/sources.yml); `python -m tools.check_facts` checks that the item vouches for them.
`render_referrals` turns a topic's list into one chat bubble: phone numbers in the text
(Telegram buttons cannot dial) and websites as URL buttons.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

DIRECTORY_PATH = Path(__file__).with_name("referrals.yml")

LANGS = ("en", "ms")
SERVES = ("child", "parent", "anyone")
STATUSES = ("verified", "dated", "unverified")
TOPICS = (
    "crisis",
    "sextortion",
    "grooming",
    "abuse_content",
    "image_removal",
    "cyberbullying",
    "report",
    "helpline",
    "parent",
    "under13",
)
ADULT_MODES = ("parent", "educator")

_PHONE = re.compile(r"^\+?\d[\d -]*\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIRED = (
    "id",
    "name",
    "name_ms",
    "purpose",
    "serves",
    "status",
    "knowledge",
    "source",
    "checked",
)
_KNOWN = set(_REQUIRED) | {
    "min_age",
    "max_age",
    "phone",
    "whatsapp",
    "email",
    "url",
    "how",
    "note",
    "hours",
    "languages",
}
_CONTACTS = ("phone", "whatsapp", "email", "url", "how")


class ReferralError(ValueError):
    """The referral directory is malformed."""


@dataclass(frozen=True)
class Service:
    """One organisation or tool Jaga refers people to."""

    id: str
    name: str
    name_ms: str
    purpose: dict[str, str]
    serves: str
    status: str
    knowledge: str
    source: str
    checked: dt.date
    min_age: int | None = None
    max_age: int | None = None
    phone: str | None = None
    whatsapp: str | None = None
    email: str | None = None
    url: str | None = None
    how: dict[str, str] | None = None
    note: dict[str, str] | None = None
    hours: dict[str, str] | None = None
    languages: tuple[str, ...] = ()

    def display_name(self, lang: str) -> str:
        return self.name_ms if lang == "ms" else self.name

    def suits_age(self, age: float | None) -> bool:
        """False only when the user's known age is outside the service's range."""
        if age is None:
            return True
        if self.min_age is not None and age < self.min_age:
            return False
        return not (self.max_age is not None and age > self.max_age)


@dataclass(frozen=True)
class Directory:
    services: dict[str, Service]
    topics: dict[str, tuple[str, ...]]


def _fail(where: str, field: str, problem: str) -> ReferralError:
    return ReferralError(f"referrals.yml: {where}: field '{field}' {problem}")


def _text(entry: dict, where: str, field: str) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, field, "must be a non-empty string")
    return value.strip()


def _bilingual(entry: dict, where: str, field: str) -> dict[str, str] | None:
    value = entry.get(field)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _fail(where, field, "must map 'en' and 'ms' to text")
    for lang in LANGS:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            raise _fail(where, f"{field}.{lang}", "must be a non-empty string")
    return {lang: value[lang].strip() for lang in LANGS}


def _age(entry: dict, where: str, field: str) -> int | None:
    value = entry.get(field)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 120:
        raise _fail(where, field, f"must be a whole number of years, got {value!r}")
    return value


def _pattern(entry: dict, where: str, field: str, pattern: re.Pattern, what: str) -> str | None:
    value = entry.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.match(value.strip()):
        raise _fail(where, field, f"is not a valid {what}: {value!r}")
    if pattern is _PHONE and not 3 <= sum(c.isdigit() for c in value) <= 15:
        raise _fail(where, field, f"is not a valid {what}: {value!r}")
    return value.strip()


def _date(entry: dict, where: str, field: str) -> dt.date:
    value = entry.get(field)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _fail(where, field, f"must be a date (YYYY-MM-DD), got {value!r}") from None


def _service(entry: Any, index: int) -> Service:
    if not isinstance(entry, dict):
        raise ReferralError(f"referrals.yml: services[{index}] must be a mapping")
    where = f"service '{entry.get('id', f'#{index}')}'"
    for field in _REQUIRED:
        if entry.get(field) in (None, ""):
            raise _fail(where, field, "is missing")
    unknown = sorted(set(entry) - _KNOWN)
    if unknown:
        raise _fail(where, unknown[0], "is not a known field")
    service_id = _text(entry, where, "id")
    if not _ID.match(service_id):
        raise _fail(where, "id", "must be lower_snake_case")
    serves, status = entry["serves"], entry["status"]
    if serves not in SERVES:
        raise _fail(where, "serves", f"must be one of {', '.join(SERVES)}, got {serves!r}")
    if status not in STATUSES:
        raise _fail(where, "status", f"must be one of {', '.join(STATUSES)}, got {status!r}")
    if not isinstance(entry["knowledge"], str) or not _ID.match(entry["knowledge"]):
        raise _fail(where, "knowledge", "must be the id of an item in knowledge/sources.yml")
    source = entry["source"]
    if not isinstance(source, str) or not _URL.match(source.strip()):
        raise _fail(
            where,
            "source",
            f"must be a source URL of its item in knowledge/sources.yml, got {source!r}",
        )
    languages = entry.get("languages") or []
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise _fail(where, "languages", "must be a list of language codes")
    service = Service(
        id=service_id,
        name=_text(entry, where, "name"),
        name_ms=_text(entry, where, "name_ms"),
        purpose=_bilingual(entry, where, "purpose"),
        serves=serves,
        status=status,
        knowledge=entry["knowledge"],
        source=source.strip(),
        checked=_date(entry, where, "checked"),
        min_age=_age(entry, where, "min_age"),
        max_age=_age(entry, where, "max_age"),
        phone=_pattern(entry, where, "phone", _PHONE, "phone number"),
        whatsapp=_pattern(entry, where, "whatsapp", _PHONE, "phone number"),
        email=_pattern(entry, where, "email", _EMAIL, "email address"),
        url=_pattern(entry, where, "url", _URL, "URL"),
        how=_bilingual(entry, where, "how"),
        note=_bilingual(entry, where, "note"),
        hours=_bilingual(entry, where, "hours"),
        languages=tuple(languages),
    )
    if not any(getattr(service, field) for field in _CONTACTS):
        raise _fail(where, "phone", f"is missing: give at least one of {', '.join(_CONTACTS)}")
    if service.min_age is not None and service.max_age is not None:
        if service.min_age > service.max_age:
            raise _fail(where, "min_age", "is greater than max_age")
    return service


def parse_directory(data: Any) -> Directory:
    """Validates the parsed YAML and returns the directory; raises ReferralError."""
    if not isinstance(data, dict):
        raise ReferralError("referrals.yml: the top level must be a mapping")
    entries = data.get("services")
    if not isinstance(entries, list) or not entries:
        raise ReferralError("referrals.yml: 'services' must be a non-empty list")
    services: dict[str, Service] = {}
    for index, entry in enumerate(entries):
        service = _service(entry, index)
        if service.id in services:
            raise _fail(f"service '{service.id}'", "id", "is used twice")
        services[service.id] = service
    raw_topics = data.get("topics")
    if not isinstance(raw_topics, dict):
        raise ReferralError("referrals.yml: 'topics' must map each topic to a list of ids")
    topics: dict[str, tuple[str, ...]] = {}
    for topic in TOPICS:
        ids = raw_topics.get(topic)
        if not isinstance(ids, list) or not ids:
            raise ReferralError(f"referrals.yml: topic '{topic}' is missing or empty")
        for service_id in ids:
            if service_id not in services:
                raise ReferralError(
                    f"referrals.yml: topic '{topic}' names unknown service '{service_id}'"
                )
        topics[topic] = tuple(ids)
    for topic in raw_topics:
        if topic not in TOPICS:
            raise ReferralError(f"referrals.yml: topic '{topic}' is not a known topic")
    return Directory(services=services, topics=topics)


def load_directory(path: Path | str = DIRECTORY_PATH) -> Directory:
    """Reads and validates a referral directory file."""
    with open(path, encoding="utf-8") as handle:
        try:
            data = yaml.safe_load(handle)
        except yaml.YAMLError as error:
            raise ReferralError(f"referrals.yml: not valid YAML: {error}") from error
    return parse_directory(data)


@lru_cache(maxsize=1)
def directory() -> Directory:
    """The project's referral directory, loaded once."""
    return load_directory(DIRECTORY_PATH)


# Rendering -------------------------------------------------------------------------------------

_WORDS = {
    "en": {
        "header": "Where to get help:",
        "header_parent": "Where you and your child can get help:",
        "call": "Call {}",
        "whatsapp": "WhatsApp {}",
        "email": "Email {}",
        "under18": "for under-18s",
        "adults": "for 18 and over",
        "for_child": "for your child to call",
    },
    "ms": {
        "header": "Tempat untuk dapatkan bantuan:",
        "header_parent": "Tempat anda dan anak boleh dapatkan bantuan:",
        "call": "Telefon {}",
        "whatsapp": "WhatsApp {}",
        "email": "E-mel {}",
        "under18": "untuk bawah 18 tahun",
        "adults": "untuk 18 tahun ke atas",
        "for_child": "untuk anak anda hubungi",
    },
}


def _age_note(service: Service, lang: str) -> str | None:
    words = _WORDS[lang]
    if service.max_age == 17:
        return words["under18"]
    if service.min_age == 18:
        return words["adults"]
    return None


def _first_sentence(text: str) -> str:
    head, sep, _ = text.partition(". ")
    return head + "." if sep else text


def _line(service: Service, lang: str, age_known: bool, adult_mode: bool) -> str:
    words = _WORDS[lang]
    name = service.display_name(lang)
    qualifiers = []
    if not age_known and service.note is None:
        note = _age_note(service, lang)
        if note:
            qualifiers.append(note)
    if adult_mode and service.serves == "child":
        qualifiers.append(words["for_child"])
    head = f"• {name}" + (f" ({'; '.join(qualifiers)})" if qualifiers else "")
    # One line a service: its first sentence, and how to reach it. A frightened child reads
    # the first words only, so the rest of the directory's text stays in the YAML.
    purpose = _first_sentence(service.purpose[lang])
    parts = [purpose]
    if service.how and not service.phone:  # e.g. "Go to the Emergency Department..."
        parts.append(service.how[lang])
    if service.note:
        parts.append(service.note[lang])
    contacts = []
    if service.phone and service.phone not in purpose:  # "Call 999 if ..." says it already
        contacts.append(words["call"].format(service.phone))
    if service.whatsapp:
        contacts.append(words["whatsapp"].format(service.whatsapp))
    if service.email and not service.phone:
        contacts.append(words["email"].format(service.email))
    if contacts:
        parts.append(" / ".join(contacts) + (f" ({service.hours[lang]})" if service.hours else ""))
    elif service.hours:
        parts.append(f"({service.hours[lang]})")
    return f"{head}: " + " ".join(
        part if part.endswith((".", ")")) else part + "." for part in parts
    )


def select_services(
    topic: str,
    age: float | None = None,
    mode: str | None = None,
    exclude: Iterable[str] = (),
) -> list[Service]:
    """The services for a topic, filtered by the user's age and ordered for the mode."""
    book = directory()
    if topic not in book.topics:
        raise KeyError(f"unknown referral topic {topic!r}; known: {', '.join(TOPICS)}")
    adult_mode = mode in ADULT_MODES
    # In parent mode the user's own age says nothing about the child's, so do not filter.
    user_age = None if adult_mode else age
    skip = set(exclude)
    chosen = [book.services[i] for i in book.topics[topic] if i not in skip]
    chosen = [s for s in chosen if s.suits_age(user_age)]
    if adult_mode:  # services a parent can use first, child-only lines last
        chosen.sort(key=lambda s: s.serves == "child")
    return chosen


def render_referrals(
    topic: str,
    lang: str | None = "en",
    age: float | None = None,
    mode: str | None = None,
    exclude: Iterable[str] = (),
) -> tuple[str, list[dict[str, str]]]:
    """One bubble of referrals for `topic`: (text, URL buttons in Rasa's button format).

    `age` is the user's own age (None when unknown): Buddy Bear only under 18, StopNCII only
    from 18; when unknown both appear with who they are for. In parent/educator `mode` the
    user's age is ignored and child-only services come last, marked "for your child".
    `exclude` drops services the caller has already shown in full.
    """
    lang = lang if lang in LANGS else "en"
    adult_mode = mode in ADULT_MODES
    age_known = age is not None and not adult_mode
    services = select_services(topic, age, mode, exclude)
    header = _WORDS[lang]["header_parent" if adult_mode else "header"]
    lines = [header] + [_line(s, lang, age_known, adult_mode) for s in services]
    buttons = [{"title": s.display_name(lang), "url": s.url} for s in services if s.url]
    return "\n".join(lines), buttons
