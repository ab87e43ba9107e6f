"""Rasa buttons as Telegram inline keyboards, and pressed buttons back to Rasa payloads.

`callback_data` comes back from the user's app, so anyone can send any: a payload that fits
in Telegram's 64 bytes is sent signed (`s:` + an 11-character HMAC tag + payload) and only
accepted back with a valid tag; a longer one, e.g. `/ask_parent_guidance{"topic":...}`, is
kept server-side in a small in-memory LRU map under a random id (`k:` + id). The signing key
is derived from the bot token, so signed buttons still work after a restart and on every
front end of the bot; a stored id is unknown after a restart: the press is answered with a
short note and the user can type instead. Forged or stale data is never passed on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import OrderedDict
from collections.abc import Iterable
from urllib.parse import urlparse

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.replies import Button

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit
_SIGNED = "s:"
_TAG_CHARS = 11  # 66 bits of HMAC-SHA256
_STORED = "k:"


def button_key(bot_token: str) -> bytes:
    """The key that signs this bot's buttons: the same for every front end and restart."""
    return hmac.new(bot_token.encode(), b"jaga-telegram-callback-data", hashlib.sha256).digest()


# Telegram rejects the whole message if a URL button has another scheme (tel: included).
_URL_SCHEMES = ("http", "https", "tg")


class CallbackStore:
    """Signs payloads that fit in `callback_data`; keeps longer ones under a short random id.
    Holds no user text."""

    def __init__(self, capacity: int = 4096, key: bytes | None = None) -> None:
        self._capacity = capacity
        self._key = key or secrets.token_bytes(32)
        self._payloads: OrderedDict[str, str] = OrderedDict()
        self._ids: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._payloads)

    def _tag(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_TAG_CHARS]

    def encode(self, payload: str) -> str:
        signed = _SIGNED + self._tag(payload) + payload
        if len(signed.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
            return signed
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
        """The payload behind `callback_data`, or None when it is stale, forged or not ours."""
        if not data:
            return None
        if data.startswith(_SIGNED):
            tag, payload = data[2 : 2 + _TAG_CHARS], data[2 + _TAG_CHARS :]
            if payload and hmac.compare_digest(tag.encode(), self._tag(payload).encode()):
                return payload
            return None
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
