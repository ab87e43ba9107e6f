"""Telegram HTML for texts that come from users or data, and splitting under 4096 characters."""

from __future__ import annotations

import html
import re

# Telegram's limit is 4096 characters (UTF-16 code units) after entity parsing; we measure
# the escaped text, which is never shorter, and keep a margin.
MESSAGE_LIMIT = 4000


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Lone UTF-16 surrogates (valid JSON, invalid UTF-8) would crash the HTTP client."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def escape(text: str) -> str:
    """Everything we did not write ourselves is escaped before it goes out as HTML."""
    return html.escape(clean_text(text), quote=False)


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji may count as two)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split plain `text` into pieces whose escaped form fits in `limit`.

    Cuts at paragraph breaks first, then line breaks, then spaces, and only inside a word
    when a single word is longer than a message. Pieces are returned unescaped.
    """
    if limit < 16:
        raise ValueError("limit too small")
    pieces = [p for p in _split(text.strip(), limit, ("\n\n", "\n", " ")) if p.strip()]
    return pieces or ([text] if text else [])


def _fits(text: str, limit: int) -> bool:
    return telegram_length(escape(text)) <= limit


def _split(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if _fits(text, limit):
        return [text]
    if not separators:
        return _hard_cut(text, limit)
    separator, rest = separators[0], separators[1:]
    pieces: list[str] = []
    current = ""
    for part in text.split(separator):
        candidate = f"{current}{separator}{part}" if current else part
        if _fits(candidate, limit):
            current = candidate
            continue
        if current:
            pieces.append(current)
        if _fits(part, limit):
            current = part
        else:
            pieces.extend(_split(part, limit, rest))
            current = ""
    if current:
        pieces.append(current)
    return [p.strip() for p in pieces]


def _hard_cut(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        size = telegram_length(escape(char))
        if current and used + size > limit:
            pieces.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += size
    if current:
        pieces.append("".join(current))
    return pieces
