"""The front ends' own texts (`bot/core/messages.yml`), in English and Malay."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable

import yaml

from bot.core.replies import Reply

MESSAGES_FILE = Path(__file__).with_name("messages.yml")
LANGS = ("en", "ms")


@lru_cache(maxsize=1)
def _load() -> dict:
    data = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))
    for key, entry in data.items():
        missing = [lang for lang in LANGS if lang not in entry]
        if missing:
            raise ValueError(f"{MESSAGES_FILE.name}: '{key}' has no text for {missing}")
    return data


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
