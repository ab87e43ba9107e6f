"""The referral directory (`referrals.yml`): loading, validation and rendering.

The directory is data, validated when loaded so a typo in a phone number or a missing source
stops the action server with an error that names the entry and the field, instead of reaching
a child. Each service names the knowledge-base item its facts come from (`knowledge:`, an id in
knowledge/sources.yml); `python -m tools.check_facts` checks that the item vouches for them.
`render_referrals` turns a topic's list into one chat bubble: phone numbers in the text
(Telegram buttons cannot dial) and websites as URL buttons.

Opening hours are read in Malaysian time (Asia/Kuala_Lumpur). A service with limited hours
(`open:` in the YAML) that is closed now is shown as closed, with the time it opens, and a line
that cannot be reached at all right now goes last; 24-hour lines come before lines with limited
hours. `clock()` gives the time; tests pass `now=` or replace `clock`.

Texts come in English and Malay (required) and in Mandarin and Tamil (expected; see
docs/translations.md). A Mandarin or Tamil bubble names the services that answer in that language
(`languages:`); if any text it needs is missing, the whole bubble is in English, so that the
runtime's "not translated yet" line (bot/rasa_adapter/runtime.py) comes before it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, cast
from zoneinfo import ZoneInfo

import yaml

DIRECTORY_PATH = Path(__file__).with_name("referrals.yml")

LANGS = ("en", "ms")  # required in every text
EXTRA_LANGS = ("zh", "ta")  # expected; a missing one falls back to English
ALL_LANGS = LANGS + EXTRA_LANGS
SERVES = ("child", "parent", "anyone")
STATUSES = ("verified", "dated", "unverified")
TOPICS = (
    "crisis",
    "crisis_self_harm",  # the crisis reply's list, by the situation the risk signals name
    "crisis_person",
    "crisis_home",
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
    "open",
    "languages",
    "name_zh",
    "name_ta",
}
_CONTACTS = ("phone", "whatsapp", "email", "url", "how")


class ReferralError(ValueError):
    """The referral directory is malformed."""


MALAYSIA = ZoneInfo("Asia/Kuala_Lumpur")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK_TIME = re.compile(r"^(\d{2}):(\d{2})$")


def clock() -> dt.datetime:
    """The time now in Malaysia. Tests replace this function (or pass `now=`)."""
    return dt.datetime.now(MALAYSIA)


def malaysian_time(now: dt.datetime | None = None) -> dt.datetime:
    """`now` (or the clock) in Malaysian time; a naive time is taken to be Malaysian already."""
    now = clock() if now is None else now
    return now.replace(tzinfo=MALAYSIA) if now.tzinfo is None else now.astimezone(MALAYSIA)


@dataclass(frozen=True)
class Schedule:
    """When a service answers: always, or on some weekdays between two times (minutes)."""

    always: bool = False
    days: tuple[int, ...] = ()  # 0 = Monday
    start: int = 0  # minutes after midnight
    end: int = 24 * 60

    def is_open(self, now: dt.datetime) -> bool:
        if self.always:
            return True
        minute = now.hour * 60 + now.minute
        return now.weekday() in self.days and self.start <= minute < self.end

    def next_opening(self, now: dt.datetime) -> dt.datetime | None:
        """When it opens next (None if it is always open)."""
        if self.always:
            return None
        for ahead in range(8):
            day = now.date() + dt.timedelta(days=ahead)
            if day.weekday() not in self.days:
                continue
            opens = dt.datetime.combine(
                day, dt.time(self.start // 60, self.start % 60), tzinfo=now.tzinfo
            )
            if opens > now:
                return opens
        return None  # unreachable for a schedule with at least one day


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
    open: Schedule | None = None
    languages: tuple[str, ...] = ()
    name_zh: str | None = None
    name_ta: str | None = None

    def display_name(self, lang: str) -> str:
        if lang == "ms":
            return self.name_ms
        return {"zh": self.name_zh, "ta": self.name_ta}.get(lang) or self.name

    def missing_texts(self, lang: str) -> list[str]:
        """The texts this service lacks in `lang` (e.g. ["purpose", "hours"]); [] for en/ms."""
        fields = ("purpose", "how", "note", "hours")
        return [f for f in fields if getattr(self, f) is not None and lang not in getattr(self, f)]

    @property
    def is_line(self) -> bool:
        """A service you phone or message (as opposed to a website or a place)."""
        return bool(self.phone or self.whatsapp)

    @property
    def limited_hours(self) -> bool:
        return self.open is not None and not self.open.always

    def is_open(self, now: dt.datetime) -> bool:
        """Whether its phone line answers now (a service without `open:` counts as open)."""
        return self.open is None or self.open.is_open(malaysian_time(now))

    def reachable_now(self, now: dt.datetime) -> bool:
        """Open now, or reachable another way (a website or an e-mail address)."""
        return self.is_open(now) or bool(self.url or self.email)

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
    """A text in English and Malay (required) and Mandarin and Tamil (when given)."""
    value = entry.get(field)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _fail(where, field, "must map 'en' and 'ms' (and 'zh', 'ta') to text")
    unknown = sorted(set(value) - set(ALL_LANGS))
    if unknown:
        raise _fail(where, f"{field}.{unknown[0]}", "is not a known language")
    for lang in ALL_LANGS:
        if lang not in LANGS and lang not in value:
            continue
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            raise _fail(where, f"{field}.{lang}", "must be a non-empty string")
    return {lang: value[lang].strip() for lang in ALL_LANGS if lang in value}


def _optional_text(entry: dict, where: str, field: str) -> str | None:
    return None if entry.get(field) is None else _text(entry, where, field)


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


def _minutes(value: Any, where: str, field: str) -> int:
    match = _CLOCK_TIME.match(str(value))
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not match or int(match.group(2)) > 59 or not 0 <= minutes <= 24 * 60:
        raise _fail(where, field, f"must be a time HH:MM (00:00 to 24:00), got {value!r}")
    return minutes


def _schedule(entry: dict, where: str) -> Schedule | None:
    value = entry.get("open")
    if value is None:
        return None
    if value == "always":
        return Schedule(always=True)
    if not isinstance(value, dict) or set(value) != {"days", "from", "to"}:
        raise _fail(where, "open", "must be 'always' or a mapping of days, from and to")
    days = value["days"]
    days = list(WEEKDAYS) if days == "daily" else days
    if not isinstance(days, list) or not days or not set(days) <= set(WEEKDAYS):
        raise _fail(where, "open.days", f"must be 'daily' or a list of {', '.join(WEEKDAYS)}")
    start = _minutes(value["from"], where, "open.from")
    end = _minutes(value["to"], where, "open.to")
    if start >= end:
        raise _fail(where, "open.to", "must be later than open.from")
    return Schedule(days=tuple(WEEKDAYS.index(d) for d in days), start=start, end=end)


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
        purpose=cast("dict[str, str]", _bilingual(entry, where, "purpose")),  # required above
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
        open=_schedule(entry, where),
        languages=tuple(languages),
        name_zh=_optional_text(entry, where, "name_zh"),
        name_ta=_optional_text(entry, where, "name_ta"),
    )
    if not any(getattr(service, field) for field in _CONTACTS):
        raise _fail(where, "phone", f"is missing: give at least one of {', '.join(_CONTACTS)}")
    if service.min_age is not None and service.max_age is not None:
        if service.min_age > service.max_age:
            raise _fail(where, "min_age", "is greater than max_age")
    if service.limited_hours:
        # The opening time Jaga tells a child must be the one the sourced hours text gives.
        if not service.hours or not service.phone:
            raise _fail(where, "open", "limited hours need a phone and the hours text")
        assert service.open is not None  # limited_hours
        for lang in (lang for lang in ALL_LANGS if lang in service.hours):
            opens = _clock_time(service.open.start, lang)
            if opens not in service.hours[lang]:
                raise _fail(where, f"hours.{lang}", f"does not give the opening time {opens!r}")
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

_WORDS: dict[str, dict[str, Any]] = {  # texts, and "days": a tuple of day names
    "en": {
        "header": "Where to get help:",
        "header_parent": "Where you and your child can get help:",
        "header_educator": "Where you and the child can get help:",
        "call": "Call {}",
        "whatsapp": "WhatsApp {}",
        "email": "Email {}",
        "under18": "for under-18s",
        "adults": "for 18 and over",
        "for_child": "for your child to call",
        "for_pupil": "for the child to call",
        "closed": "closed now, opens {when}",
        "phone_closed": "phone line closed now, opens {when}",
        "at": "at {time}",
        "tomorrow": "tomorrow at {time}",
        "on_day": "on {day} at {time}",
        "days": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    },
    "ms": {
        "header": "Tempat untuk dapatkan bantuan:",
        "header_parent": "Tempat anda dan anak boleh dapatkan bantuan:",
        "header_educator": "Tempat anda dan kanak-kanak itu boleh dapatkan bantuan:",
        "call": "Telefon {}",
        "whatsapp": "WhatsApp {}",
        "email": "E-mel {}",
        "under18": "untuk bawah 18 tahun",
        "adults": "untuk 18 tahun ke atas",
        "for_child": "untuk anak anda hubungi",
        "for_pupil": "untuk kanak-kanak itu hubungi",
        "closed": "tutup sekarang, dibuka {when}",
        "phone_closed": "talian telefon tutup sekarang, dibuka {when}",
        "at": "pukul {time}",
        "tomorrow": "esok pukul {time}",
        "on_day": "hari {day} pukul {time}",
        "days": ("Isnin", "Selasa", "Rabu", "Khamis", "Jumaat", "Sabtu", "Ahad"),
    },
    # Mandarin and Tamil: not yet reviewed by a native speaker (docs/translations.md).
    "zh": {
        "header": "可以在这里求助：",
        "header_parent": "您和孩子可以在这里求助：",
        "header_educator": "您和孩子可以在这里求助：",
        "call": "拨打 {}",
        "whatsapp": "WhatsApp {}",
        "email": "电邮 {}",
        "under18": "18 岁以下",
        "adults": "18 岁或以上",
        "for_child": "让孩子打",
        "for_pupil": "让孩子打",
        "closed": "现在关闭，{when}开放",
        "phone_closed": "电话热线现在关闭，{when}开放",
        "at": "今天{time}",
        "tomorrow": "明天{time}",
        "on_day": "{day}{time}",
        "days": ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
        "speaks": "讲华语",
    },
    "ta": {
        "header": "உதவி கிடைக்கும் இடங்கள்:",
        "header_parent": "நீங்களும் உங்கள் பிள்ளையும் உதவி பெறக்கூடிய இடங்கள்:",
        "header_educator": "நீங்களும் பிள்ளையும் உதவி பெறக்கூடிய இடங்கள்:",
        "call": "{} அழைக்கவும்",
        "whatsapp": "WhatsApp {}",
        "email": "மின்னஞ்சல் {}",
        "under18": "18 வயதுக்குக் கீழ்",
        "adults": "18 வயதும் அதற்கு மேலும்",
        "for_child": "உங்கள் பிள்ளை அழைக்க",
        "for_pupil": "பிள்ளை அழைக்க",
        "closed": "இப்போது மூடியுள்ளது, {when}க்குத் திறக்கும்",
        "phone_closed": "தொலைபேசி இப்போது மூடியுள்ளது, {when}க்குத் திறக்கும்",
        "at": "இன்று {time}",
        "tomorrow": "நாளை {time}",
        "on_day": "{day} {time}",
        "days": ("திங்கள்", "செவ்வாய்", "புதன்", "வியாழன்", "வெள்ளி", "சனி", "ஞாயிறு"),
        "speaks": "தமிழில் பேசலாம்",
    },
}


# Parts of the day: midnight, morning, noon, afternoon (to 7pm), evening.
_DAY_PARTS = {
    "ms": ("tengah malam", "pagi", "tengah hari", "petang", "malam"),
    "zh": ("午夜", "上午", "中午", "下午", "晚上"),
    "ta": ("நள்ளிரவு", "காலை", "மதியம்", "மாலை", "இரவு"),
}


def _clock_time(minutes: int, lang: str) -> str:
    """12:00 -> "12pm" / "12 tengah hari" / "中午 12 点" / "மதியம் 12 மணி";
    08:30 -> "8.30am" / "8.30 pagi" / "上午 8 点 30 分" / "காலை 8.30 மணி"."""
    hour, minute = divmod(minutes % (24 * 60), 60)
    shown = f"{hour % 12 or 12}" + (f".{minute:02d}" if minute else "")
    if lang not in _DAY_PARTS:
        return shown + ("am" if hour < 12 else "pm")
    midnight, morning, noon, afternoon, evening = _DAY_PARTS[lang]
    if hour in (0, 12):
        part = midnight if hour == 0 else noon
    else:
        part = morning if hour < 12 else (afternoon if hour < 19 else evening)
    if lang == "zh":
        return f"{part} {hour % 12 or 12} 点" + (f" {minute} 分" if minute else "")
    return f"{part} {shown} மணி" if lang == "ta" else f"{shown} {part}"


def opening_note(service: Service, lang: str, now: dt.datetime | None = None) -> str | None:
    """ "closed now, opens at 12pm" for a line with limited hours that is closed now, else None."""
    now = malaysian_time(now)
    if service.open is None or service.is_open(now):
        return None
    lang = lang if lang in _WORDS else "en"
    words = _WORDS[lang]
    opens = service.open.next_opening(now)
    assert opens is not None  # a limited schedule has at least one day (checked on load)
    time = _clock_time(opens.hour * 60 + opens.minute, lang)
    if opens.date() == now.date():
        when = words["at"].format(time=time)
    elif opens.date() == now.date() + dt.timedelta(days=1):
        when = words["tomorrow"].format(time=time)
    else:
        when = words["on_day"].format(day=words["days"][opens.weekday()], time=time)
    key = "phone_closed" if (service.url or service.email) else "closed"
    return words[key].format(when=when)


def service_open(service_id: str, now: dt.datetime | None = None) -> bool:
    """Whether a service in the directory answers now (Malaysian time)."""
    return directory().services[service_id].is_open(malaysian_time(now))


def _age_note(service: Service, lang: str) -> str | None:
    words = _WORDS[lang]
    if service.max_age == 17:
        return words["under18"]
    if service.min_age == 18:
        return words["adults"]
    return None


def _first_sentence(text: str) -> str:
    head, sep, _ = text.partition("。")  # Mandarin
    if sep:
        return head + sep
    head, sep, _ = text.partition(". ")
    return head + "." if sep else text


def _ends(part: str, lang: str) -> str:
    """`part` ending in a full stop (or a bracket) in the language's own punctuation."""
    if lang == "zh":
        return part if part.endswith(("。", "）", ")")) else part + "。"
    return part if part.endswith((".", ")")) else part + "."


def _line(service: Service, lang: str, age_known: bool, mode: str | None, now: dt.datetime) -> str:
    words = _WORDS[lang]
    name = service.display_name(lang)
    qualifiers = []
    if not age_known and service.note is None:
        note = _age_note(service, lang)
        if note:
            qualifiers.append(note)
    if mode in ADULT_MODES and service.serves == "child":
        qualifiers.append(words["for_pupil" if mode == "educator" else "for_child"])
    if "speaks" in words and lang in service.languages:  # "讲华语", "தமிழில் பேசலாம்"
        qualifiers.append(words["speaks"])
    closed = opening_note(service, lang, now)
    if closed:
        qualifiers.append(closed)
    if lang == "zh":
        head = f"• {name}" + (f"（{'；'.join(qualifiers)}）" if qualifiers else "")
    else:
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
    bracket = "（{}）" if lang == "zh" else " ({})"
    hours = bracket.format(service.hours[lang]) if service.hours else ""
    if service.phone and service.phone not in purpose:  # "Call 999 if ..." says it already
        # The hours are the phone line's: they follow the number, never the WhatsApp one.
        contacts.append(words["call"].format(service.phone) + hours)
        hours = ""
    if service.whatsapp:
        contacts.append(words["whatsapp"].format(service.whatsapp))
    if service.email and not service.phone:
        contacts.append(words["email"].format(service.email))
    if contacts:
        parts.append(" / ".join(contacts) + hours)
    elif service.hours:
        parts.append(bracket.format(service.hours[lang]).strip())
    if lang == "zh":
        return f"{head}：" + "".join(_ends(part, lang) for part in parts)
    return f"{head}: " + " ".join(_ends(part, lang) for part in parts)


def order_by_hours(services: list[Service], now: dt.datetime | None = None) -> list[Service]:
    """24-hour lines before lines with limited hours (in the lines' own places), and a line
    that cannot be reached at all right now last, so a child at 2 a.m. is sent to a line that
    answers."""
    now = malaysian_time(now)
    slots = [i for i, s in enumerate(services) if s.is_line]
    # A service with a website or e-mail as well (MCMC) keeps its place: only its phone is timed.
    lines = sorted(
        (services[i] for i in slots), key=lambda s: s.limited_hours and not (s.url or s.email)
    )
    ordered = list(services)
    for i, service in zip(slots, lines, strict=True):
        ordered[i] = service
    return [s for s in ordered if s.reachable_now(now)] + [
        s for s in ordered if not s.reachable_now(now)
    ]


def select_services(
    topic: str,
    age: float | None = None,
    mode: str | None = None,
    exclude: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> list[Service]:
    """The services for a topic, filtered by the user's age, ordered for the mode and the time."""
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
    return order_by_hours(chosen, now)


def render_referrals(
    topic: str,
    lang: str | None = "en",
    age: float | None = None,
    mode: str | None = None,
    exclude: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> tuple[str, list[dict[str, str]]]:
    """One bubble of referrals for `topic`: (text, URL buttons in Rasa's button format).

    `age` is the user's own age (None when unknown): Buddy Bear only under 18, StopNCII only
    from 18; when unknown both appear with who they are for. In parent/educator `mode` the
    user's age is ignored and child-only services come last, marked "for your child" (a
    parent) or "for the child" (an educator).
    `exclude` drops services the caller has already shown in full. `now` is the time (the
    clock by default): a line closed now says so, with when it opens, and comes last.
    """
    lang = lang if lang in ALL_LANGS else "en"
    now = malaysian_time(now)
    adult_mode = mode in ADULT_MODES
    age_known = age is not None and not adult_mode
    services = select_services(topic, age, mode, exclude, now)
    if any(s.missing_texts(lang) for s in services):
        lang = "en"  # one language a bubble, after the runtime's "not translated yet" line
    # A parent hears "your child"; a teacher or counsellor, "the child".
    header = _WORDS[lang][
        {"parent": "header_parent", "educator": "header_educator"}.get(mode or "", "header")
    ]
    lines = [header] + [_line(s, lang, age_known, mode, now) for s in services]
    buttons = [{"title": s.display_name(lang), "url": s.url} for s in services if s.url]
    return "\n".join(lines), buttons
