"""Rasa buttons as Telegram inline keyboards, and pressed buttons back to Rasa payloads.

`callback_data` comes back from the user's app, so anyone can send any: a payload is sent
signed (`s:` + an 11-character HMAC tag + payload) and only accepted back with a valid tag.
The signing key is derived from the bot token, so a button works after a restart and on
every front end of the bot, and no front end keeps anything. Telegram allows 64 bytes, so a
payload may have `PAYLOAD_LIMIT` (51) bytes: `python -m tools.check_data` fails on a longer
one in domain.yml, actions/ or content/, and one that slips through anyway is left out of
the keyboard (logged) rather than costing the message. Forged data is never passed on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from urllib.parse import urlparse

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.replies import Button

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit
_SIGNED = "s:"
_TAG_CHARS = 11  # 66 bits of HMAC-SHA256
SIGNATURE_BYTES = len(_SIGNED) + _TAG_CHARS
PAYLOAD_LIMIT = CALLBACK_DATA_LIMIT - SIGNATURE_BYTES  # bytes of UTF-8

logger = logging.getLogger(__name__)


def button_key(bot_token: str) -> bytes:
    """The key that signs this bot's buttons: the same for every front end and restart."""
    return hmac.new(bot_token.encode(), b"jaga-telegram-callback-data", hashlib.sha256).digest()


# Telegram rejects the whole message if a URL button has another scheme (tel: included).
_URL_SCHEMES = ("http", "https", "tg")


class CallbackStore:
    """Signs payloads into `callback_data` and checks them on the way back. Holds nothing."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def _tag(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_TAG_CHARS]

    def encode(self, payload: str) -> str | None:
        """The signed `callback_data`, or None when the payload is over `PAYLOAD_LIMIT`."""
        if len(payload.encode("utf-8")) > PAYLOAD_LIMIT:
            return None
        return _SIGNED + self._tag(payload) + payload

    def decode(self, data: str | None) -> str | None:
        """The payload behind `callback_data`, or None when it is forged or not ours."""
        if not data or not data.startswith(_SIGNED):
            return None
        tag, payload = data[2 : 2 + _TAG_CHARS], data[2 + _TAG_CHARS :]
        if payload and hmac.compare_digest(tag.encode(), self._tag(payload).encode()):
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
            data = store.encode(button.payload)
            if data is None:  # tools/check_data.py keeps such payloads out of the repository
                logger.warning("A button payload is over %s bytes; left out", PAYLOAD_LIMIT)
                continue
            rows.append([InlineKeyboardButton(title, callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


def url_keyboard(title: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(title, url=url)]])
