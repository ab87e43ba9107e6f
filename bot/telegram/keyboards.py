"""Rasa buttons as Telegram inline keyboards, and pressed buttons back to Rasa payloads.

Telegram allows at most 64 bytes of `callback_data`. A payload that fits is sent inline
(`p:` + payload); a longer one, e.g. `/ask_parent_guidance{"topic":"warning_signs",...}`,
is kept in a small in-memory LRU map under a short id (`k:` + id). After a restart those ids
are unknown: the press is answered with a short note and the user can type instead.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Iterable
from urllib.parse import urlparse

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.replies import Button

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit
_INLINE = "p:"
_STORED = "k:"
# Telegram rejects the whole message if a URL button has another scheme (tel: included).
_URL_SCHEMES = ("http", "https", "tg")


class CallbackStore:
    """Short id -> payload for payloads too long for `callback_data`. Holds no user text."""

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()
        self._ids: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._payloads)

    def encode(self, payload: str) -> str:
        inline = _INLINE + payload
        if len(inline.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
            return inline
        key = self._ids.get(payload)
        if key is None:
            key = secrets.token_urlsafe(9)
            self._ids[payload] = key
            self._payloads[key] = payload
            while len(self._payloads) > self._capacity:
                _, dropped = self._payloads.popitem(last=False)
                self._ids.pop(dropped, None)
        self._payloads.move_to_end(key)
        return _STORED + key

    def decode(self, data: str | None) -> str | None:
        """The payload behind `callback_data`, or None when it is stale or not ours."""
        if not data:
            return None
        if data.startswith(_INLINE):
            return data[len(_INLINE) :] or None
        if data.startswith(_STORED):
            payload = self._payloads.get(data[len(_STORED) :])
            if payload is not None:
                self._payloads.move_to_end(data[len(_STORED) :])
            return payload
        return None


def usable_url(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in _URL_SCHEMES and bool(parsed.netloc or parsed.path)


def inline_keyboard(buttons: Iterable[Button], store: CallbackStore) -> InlineKeyboardMarkup | None:
    """One button a row: Rasa titles are often long and children read on phones."""
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        title = button.title.strip()[:64] or "…"
        if button.url:
            if usable_url(button.url):
                rows.append([InlineKeyboardButton(title, url=button.url)])
        elif button.payload:
            rows.append([InlineKeyboardButton(title, callback_data=store.encode(button.payload))])
    return InlineKeyboardMarkup(rows) if rows else None


def url_keyboard(title: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(title, url=url)]])
