"""The one catalogue of the front ends' own texts (`bot/core/messages.yml`).

Every text Telegram, the web chat and the terminal show without asking Rasa lives here, in
English and Malay, and in Mandarin and Tamil where a translation exists (others fall back to
English). The web page's labels are the entries named `page_*`: the server sends them to the
page (`page_texts()`), so app.js holds no text of its own.

Helpline facts are never typed here. A text names a field of the referral directory,
actions/referrals.yml, in braces, and the catalogue fills it in when it is loaded:

    {talian_kasih.phone}     the service's `phone` (also whatsapp, email, url)
    {buddy_bear.hours}       its `hours` in the text's own language
    {talian_kasih.name}      its `name` (`name_ms` in a Malay text, and so on)

so a number is typed in exactly one place. An unknown service or field, or hours missing in
the text's language, stops the catalogue from loading with an error that names the entry.
The catalogue is loaded (and checked) when this module is first imported, so a broken file
stops a front end at start, never in the middle of a conversation.

Other fields in braces (`{kinds}`) are filled in by `text(key, lang, kinds=...)`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from bot.core.replies import Reply

MESSAGES_FILE = Path(__file__).with_name("messages.yml")
REFERRALS_FILE = Path(__file__).resolve().parents[2] / "actions" / "referrals.yml"
LANGS = ("en", "ms")  # every entry has these
ALL_LANGS = ("en", "ms", "zh", "ta")  # an entry may have these
PAGE_PREFIX = "page_"

_FIELD = re.compile(r"\{([a-z][a-z0-9_]*)\.([a-z_]+)\}")
_CONTACT_FIELDS = ("phone", "whatsapp", "email", "url")


class CatalogueError(ValueError):
    """messages.yml (or the referral fields it names) cannot be used."""


def _services(referrals: dict) -> dict[str, dict]:
    return {
        str(s.get("id")): s
        for s in (referrals or {}).get("services") or []
        if isinstance(s, dict) and s.get("id")
    }


def _field(services: dict[str, dict], service: str, name: str, lang: str, where: str) -> str:
    entry = services.get(service)
    if entry is None:
        raise CatalogueError(f"{where}: no service '{service}' in the referral directory")
    if name in _CONTACT_FIELDS and entry.get(name):
        return str(entry[name])
    if name == "name":
        return str(entry.get(f"name_{lang}") or entry["name"])
    if name == "hours":
        hours = entry.get("hours") or {}
        if isinstance(hours, dict) and hours.get(lang):
            return str(hours[lang])
        raise CatalogueError(f"{where}: service '{service}' has no hours in '{lang}'")
    raise CatalogueError(f"{where}: service '{service}' has no field '{name}'")


def resolve(text: str, lang: str, services: dict[str, dict], where: str = "") -> str:
    """`text` with every `{service.field}` filled in from the referral directory."""
    return _FIELD.sub(lambda m: _field(services, m[1], m[2], lang, where), text)


def build(data: Any, referrals: Any, name: str = MESSAGES_FILE.name) -> dict[str, dict]:
    """The catalogue from messages.yml's and referrals.yml's parsed contents: each entry's
    texts by language, with the referral fields filled in. Raises CatalogueError."""
    if not isinstance(data, dict):
        raise CatalogueError(f"{name}: expected a mapping of entries")
    services = _services(referrals if isinstance(referrals, dict) else {})
    catalogue: dict[str, dict] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise CatalogueError(f"{name}: '{key}' is not a mapping")
        missing = [lang for lang in LANGS if lang not in entry]
        if missing:
            raise CatalogueError(f"{name}: '{key}' has no text for {missing}")
        resolved: dict[str, Any] = {}
        for lang in ALL_LANGS:
            value = entry.get(lang)
            if isinstance(value, str):
                resolved[lang] = resolve(value, lang, services, f"{name}: {key}.{lang}")
            elif value is not None:
                resolved[lang] = value  # pii_kinds: a table of names, not a text
        catalogue[str(key)] = resolved
    return catalogue


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CatalogueError(f"cannot read {Path(path).name}: {error}") from error


def load(
    messages_file: Path = MESSAGES_FILE, referrals_file: Path | None = None
) -> dict[str, dict]:
    """The catalogue from these files (the referral directory: actions/referrals.yml)."""
    referrals = _read(referrals_file or REFERRALS_FILE)
    return build(_read(messages_file), referrals, Path(messages_file).name)


_SERVICES: dict[str, dict] = _services(_read(REFERRALS_FILE) or {})
_CATALOGUE: dict[str, dict] = load()


def _load() -> dict[str, dict]:
    return _CATALOGUE


def lang_or_default(lang: str | None) -> str:
    return lang if lang in LANGS else "en"


def text(key: str, lang: str | None = "en", **fields: str) -> str:
    entry = _load()[key]
    # Mandarin and Tamil texts exist for the messages a child needs most; others fall back.
    template = entry.get(lang) if lang in ("zh", "ta") and entry.get(lang) else None
    template = template or entry[lang_or_default(lang)]
    return template.format(**fields) if fields else template


def reply(key: str, lang: str | None = "en", **fields: str) -> Reply:
    return Reply(text(key, lang, **fields))


def pii_kinds(kinds: Iterable[str], lang: str | None) -> str:
    names = _load()["pii_kinds"][lang_or_default(lang)]
    unique = list(dict.fromkeys(names.get(kind, kind) for kind in kinds))
    joiner = " and " if lang_or_default(lang) == "en" else " dan "
    return joiner.join(unique)


def texts(catalogue: dict[str, dict] | None = None) -> Iterator[tuple[str, str, str]]:
    """(key, lang, text) of every text a user can see, referral fields filled in."""
    for key, entry in (_load() if catalogue is None else catalogue).items():
        for lang, value in entry.items():
            if isinstance(value, str):
                yield key, lang, value


def page_texts(lang: str) -> dict[str, Any]:
    """The web page's labels in one language (`page_*` without the prefix), English where a
    translation is missing; `page_topic_<intent>` become `topics`, [[label, "/<intent>"], ...],
    and `page_icon_<name>` become `icons`, {name: label}."""
    page: dict[str, Any] = {"topics": [], "icons": {}}
    for key in _load():
        if not key.startswith(PAGE_PREFIX):
            continue
        name, value = key[len(PAGE_PREFIX) :], text(key, lang)
        if name.startswith("topic_"):
            page["topics"].append([value, "/" + name[len("topic_") :]])
        elif name.startswith("icon_"):
            page["icons"][name[len("icon_") :]] = value
        else:
            page[name] = value
    return page


def helpline_numbers() -> dict[str, str]:
    """Every phone and WhatsApp number in the referral directory -> "phone" or "whatsapp"."""
    return {
        str(entry[field]): field
        for entry in _SERVICES.values()
        for field in ("phone", "whatsapp")
        if entry.get(field)
    }


def helpline(service: str, name: str = "phone") -> str:
    """One field of the referral directory, e.g. the emergency number the page looks for."""
    return _field(_SERVICES, service, name, "en", "helpline()")
