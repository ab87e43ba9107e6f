"""Settings from the environment (and a `.env` file), validated once at start."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, cast
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _url(name: str, value: str | None, *, https: bool = False) -> str | None:
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"{name} must be a full http(s) URL, got {value!r}")
    if https and parsed.scheme != "https":
        raise SettingsError(f"{name} must start with https:// (Telegram only calls HTTPS webhooks)")
    return value.rstrip("/")


def _redis_url(value: str | None) -> str | None:
    """`redis://[:password@]host[:port][/db]`, `rediss://...` (TLS) or `unix:///path.sock`."""
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("redis", "rediss", "unix"):
        raise SettingsError(
            "REDIS_URL must start with redis://, rediss:// or unix:// "
            "(e.g. redis://127.0.0.1:6379/0)"
        )
    if parsed.scheme == "unix" and not parsed.path:
        raise SettingsError("REDIS_URL with unix:// needs a socket path (unix:///run/redis.sock)")
    if parsed.scheme != "unix" and not parsed.hostname:
        raise SettingsError("REDIS_URL needs a host (e.g. redis://127.0.0.1:6379/0)")
    try:
        parsed.port  # noqa: B018 - raises ValueError when the port is not a number
    except ValueError:
        raise SettingsError("REDIS_URL has a malformed port") from None
    db = parsed.path.strip("/")
    if parsed.scheme != "unix" and db and not db.isdigit():
        raise SettingsError("REDIS_URL's database must be a number (redis://host:6379/0)")
    return value


def _secret(name: str, value: str | None) -> str | None:
    if value and len(value) < 32:
        raise SettingsError(
            f"{name} must be 32 or more random characters, e.g. "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return value


def _int(name: str, value: str | None, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {number}")
    return number


def _float(name: str, value: str | None, default: float, low: float, high: float) -> float:
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {value!r}") from None
    if not low <= number <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {number}")
    return number


def _key_prefix(value: str | None) -> str:
    if value and not value.isalnum():
        raise SettingsError("REDIS_KEY_PREFIX may use letters and digits only (as Rasa's)")
    return value or "jaga"


def _rate(name: str, value: str | None, default: tuple[int, float]) -> tuple[int, float]:
    """`8/10`: at most 8 requests in 10 seconds."""
    if not value:
        return default
    count, _, seconds = value.partition("/")
    try:
        limit = (int(count), float(seconds))
    except ValueError:
        raise SettingsError(f"{name} must look like 8/10 (requests/seconds): {value!r}") from None
    if not (1 <= limit[0] <= 100_000 and 1 <= limit[1] <= 3600):
        raise SettingsError(f"{name}: at least 1 request, in 1 to 3600 seconds: {value!r}")
    return limit


def _leave_url(value: str | None) -> str:
    """Where "Leave quickly" goes: about:blank, or a neutral http(s) page of your choice."""
    if not value or value == "about:blank":
        return "about:blank"
    return _url("WEB_LEAVE_URL", value) or "about:blank"


@dataclass(frozen=True)
class Settings:
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    # A Rasa server with Jaga's channel; in production nginx in front of the replicas, which
    # fails over between them. A list is tried in turn only when a connection cannot be made.
    rasa_url: str | None = None
    rasa_token: str | None = field(default=None, repr=False)
    # The key of the conversation ids Rasa, Redis and the statistics see instead of a chat id
    # (bot.core.conversation.pseudonym). Shared by every front end; never stored with the data.
    id_secret: str | None = field(default=None, repr=False)
    action_server_url: str | None = None
    demo_port: int = 8080
    model_path: Path = ROOT / "models"
    reply_timeout: float = 2.0  # the one deadline of a turn (bot.core.conversation)
    stats_db: Path | None = ROOT / "var" / "stats.sqlite"
    # Where the Telegram front end remembers which update ids it answered (may hold a password).
    redis_url: str | None = field(default=None, repr=False)
    log_level: str = "INFO"
    # Redis keys of Jaga's own (the web chat's rate limits) start with this, as Rasa's do.
    redis_key_prefix: str = "jaga"
    # The web chat in production (`python -m bot web --production`, docs/production.md).
    web_listen: str = "127.0.0.1"
    web_port: int = 8600
    web_public_url: str | None = None  # https://chat.jaga.example.my, as nginx serves it
    web_rate_secret: str | None = field(default=None, repr=False)  # keys the hashed IPs
    web_session_limit: tuple[int, float] = (8, 10.0)  # messages per session per seconds
    web_ip_limit: tuple[int, float] = (300, 60.0)  # API requests per address per seconds
    web_leave_url: str = "about:blank"  # where "Leave quickly" goes (replacing the page)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
        if env is None:
            if dotenv:
                from dotenv import load_dotenv

                load_dotenv(ROOT / ".env", override=False)
            env = os.environ
        get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731

        token = get("TELEGRAM_BOT_TOKEN")
        if token and (":" not in token or " " in token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (it should be "
                "'<digits>:<letters>' as BotFather gives it)"
            )
        webhook_url = _url("TELEGRAM_WEBHOOK_URL", get("TELEGRAM_WEBHOOK_URL"))
        secret = get("TELEGRAM_WEBHOOK_SECRET")
        if webhook_url and not secret:
            raise SettingsError(
                "TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set, "
                "so that only Telegram can post updates"
            )
        if (
            secret
            and not all(c.isalnum() or c in "_-" for c in secret)
            or (secret and not 1 <= len(secret) <= 256)
        ):
            raise SettingsError(
                "TELEGRAM_WEBHOOK_SECRET may use only A-Z, a-z, 0-9, _ and -, 1 to 256 characters"
            )
        stats = get("JAGA_STATS_DB")
        return cls(
            telegram_token=token,
            telegram_api_url=_url("TELEGRAM_API_URL", get("TELEGRAM_API_URL")),
            webhook_url=webhook_url,
            webhook_secret=secret,
            webhook_listen=get("TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=_int(
                "TELEGRAM_WEBHOOK_PORT", get("TELEGRAM_WEBHOOK_PORT"), 8443, 1, 65535
            ),
            rasa_url=",".join(
                cast(str, _url("RASA_URL", u.strip()))
                for u in (get("RASA_URL") or "").split(",")
                if u.strip()
            )
            or None,
            rasa_token=get("RASA_TOKEN"),
            id_secret=_secret("JAGA_ID_SECRET", get("JAGA_ID_SECRET")),
            action_server_url=_url("ACTION_SERVER_URL", get("ACTION_SERVER_URL")),
            demo_port=_int("DEMO_PORT", get("DEMO_PORT"), 8080, 1, 65535),
            model_path=Path(get("JAGA_MODEL") or ROOT / "models"),
            reply_timeout=_float("JAGA_REPLY_TIMEOUT", get("JAGA_REPLY_TIMEOUT"), 2.0, 0.1, 60),
            stats_db=None if stats == "off" else Path(stats or ROOT / "var" / "stats.sqlite"),
            log_level=(get("JAGA_LOG_LEVEL") or "INFO").upper(),
            redis_url=_redis_url(get("REDIS_URL")),
            redis_key_prefix=_key_prefix(get("REDIS_KEY_PREFIX")),
            web_listen=get("WEB_LISTEN") or "127.0.0.1",
            web_port=_int("WEB_PORT", get("WEB_PORT"), 8600, 1, 65535),
            web_public_url=_url("WEB_PUBLIC_URL", get("WEB_PUBLIC_URL"), https=True),
            web_rate_secret=get("WEB_RATE_SECRET"),
            web_session_limit=_rate("WEB_RATE_SESSION", get("WEB_RATE_SESSION"), (8, 10.0)),
            web_ip_limit=_rate("WEB_RATE_IP", get("WEB_RATE_IP"), (300, 60.0)),
            web_leave_url=_leave_url(get("WEB_LEAVE_URL")),
        )
