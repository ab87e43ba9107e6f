"""The web chat as a public production channel: `python -m bot web --production`.

Several of these processes run behind nginx with TLS (deploy/nginx.conf), each started and
supervised by deploy/run-production.sh (WEB_PROCESSES). They hold nothing of a conversation:
every message goes through the one conversation module (bot/core/conversation.py) to the Rasa
replicas at RASA_URL, whose tracker store is Redis, so any process can answer any tab.

On top of the classroom web chat (bot/web/server.py: same API, same offline page and strict
Content Security Policy, no accounts, no cookies; the session id lives in the tab's
sessionStorage) production adds:

- Host and Origin must be WEB_PUBLIC_URL's name (or loopback, for health checks);
- rate limits shared by all processes through Redis (bot/web/limits.py): per session
  (WEB_RATE_SESSION) and per address (WEB_RATE_IP), the address taken from nginx's
  X-Real-IP and stored only as a keyed hash that expires with its window; a refused request
  gets a kind message that always gives 999 and 15999;
- slow clients: a request body must arrive within BODY_TIMEOUT seconds; idle keep-alive
  connections close after KEEPALIVE_TIMEOUT;
- the page in the browser's language (bot/web/page.py), with "Leave quickly" and "Clear this
  chat" always visible and the helplines shown even without JavaScript;
- an access log with the method, path, status and time only: no address, no query string.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import sys
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.core import messages
from bot.core.settings import Settings, SettingsError
from bot.web.limits import RateLimiter
from bot.web.page import LivePage, PageError, accept_language
from bot.web.server import LOOPBACK_HOSTS, Handler, build_app, serve_until_stopped, start_site

logger = logging.getLogger("bot.web.production")

BODY_TIMEOUT = 10.0  # seconds for a request body to arrive (nginx: client_body_timeout 10s)
KEEPALIVE_TIMEOUT = 15.0  # seconds an idle connection is kept (nginx keeps its own upstream)
SHUTDOWN_TIMEOUT = 5.0  # seconds running requests get on SIGTERM
LIMITER_KEY: web.AppKey[Any] = web.AppKey("limiter", object)
LIMIT_MESSAGES = {"session": "web_slow_down", "ip": "web_busy"}
CHAT_PATH = "/api/message"


def client_address(request: web.Request) -> str | None:
    """The browser's address: nginx's X-Real-IP when the peer is loopback (nginx), else the
    peer itself. Used only for the rate limit's keyed hash; never logged or stored."""
    peer = request.remote
    forwarded = request.headers.get("X-Real-IP", "").strip()
    try:
        if forwarded and peer and ipaddress.ip_address(peer).is_loopback:
            return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return None if forwarded else peer
    return peer


def _lang_of(request: web.Request, data: Any) -> str:
    lang = data.get("lang") if isinstance(data, dict) else None
    if lang in messages_langs():
        return lang
    return accept_language(request.headers.get("Accept-Language"))


def messages_langs() -> tuple[str, ...]:
    return ("en", "ms", "zh", "ta")


def refused(limit: str, lang: str, retry_after: float) -> web.Response:
    """429: what to do now, and where help is: the message always gives 999 and 15999."""
    seconds = max(1, round(retry_after))
    return web.json_response(
        {
            "error": "rate_limited",
            "limit": limit,
            "message": messages.text(LIMIT_MESSAGES[limit], lang),
            "retry_after": seconds,
        },
        status=429,
        headers={"Retry-After": str(seconds)},
    )


@web.middleware
async def limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Slow bodies time out; API requests count per address, chat messages per session."""
    if not request.path.startswith("/api/") or request.path == "/api/health":
        return await handler(request)
    data: Any = None
    if request.method == "POST" and request.can_read_body:
        try:
            # aiohttp keeps the bytes: the handler's request.json() reads them again.
            await asyncio.wait_for(request.read(), BODY_TIMEOUT)
        except asyncio.TimeoutError:
            return web.json_response(
                {"error": "timeout", "message": messages.text("safe_fallback", "en")}, status=408
            )
        if request.path == CHAT_PATH:
            try:
                data = await request.json()
            except ValueError:
                data = None  # the handler answers 400
    session = data.get("session") if isinstance(data, dict) else None
    verdict = await request.app[LIMITER_KEY].check(
        ip=client_address(request), session=session if isinstance(session, str) else None
    )
    if not verdict.ok:
        return refused(verdict.limit, _lang_of(request, data), verdict.retry_after)
    return await handler(request)


class QuietAccessLogger(AbstractAccessLogger):
    """`POST /api/message 200 0.012s`: no address, no query string, no body, no headers."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %.3fs", request.method, request.path, response.status, time)


def check_settings(settings: Settings) -> None:
    """Production needs Rasa on Redis, shared limits and a public name; says what is missing."""
    missing = [
        name
        for name, value in (
            ("RASA_URL", settings.rasa_url),
            ("REDIS_URL", settings.redis_url),
            ("WEB_PUBLIC_URL", settings.web_public_url),
        )
        if not value
    ]
    if missing:
        raise SettingsError(
            f"the production web chat needs {', '.join(missing)} (see docs/production.md)"
        )
    if not settings.web_rate_secret or len(settings.web_rate_secret) < 32:
        raise SettingsError("WEB_RATE_SECRET must be set to 32+ random characters")


def public_hosts(settings: Settings) -> tuple[str, ...]:
    host = urlparse(settings.web_public_url or "").hostname
    return ((host,) if host else ()) + LOOPBACK_HOSTS


def build_production_app(
    settings: Settings,
    assistant: Any,
    limiter: Any,
    *,
    page: LivePage | None = None,
    close_assistant: bool = False,
) -> web.Application:
    page = page or LivePage(settings.web_leave_url)
    app = build_app(
        settings,
        assistant,
        close_assistant=close_assistant,
        hosts=public_hosts(settings),
        middlewares=(limits,),
        index=page.handler,
    )
    app[LIMITER_KEY] = limiter
    return app


async def serve_production(
    settings: Settings, assistant: Any, limiter: Any, *, handle_signals: bool = True
) -> None:
    app = build_production_app(settings, assistant, limiter, close_assistant=True)

    async def _close_limiter(app: web.Application) -> None:
        await limiter.close()

    app.on_cleanup.append(_close_limiter)  # type: ignore[arg-type]  # aiohttp 3.9 vs aiosignal 1.4
    runner = web.AppRunner(
        app,
        access_log_class=QuietAccessLogger,
        keepalive_timeout=KEEPALIVE_TIMEOUT,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
    )
    await runner.setup()
    await start_site(runner, settings.web_listen, settings.web_port)
    logger.warning(
        "Jaga web chat (production) on %s:%s for %s",
        settings.web_listen,
        settings.web_port,
        settings.web_public_url,
    )
    await serve_until_stopped(runner, handle_signals=handle_signals)


def main(port: int | None = None) -> int:
    """`python -m bot web --production`: checks the settings, then serves until SIGTERM."""
    try:
        settings = Settings.from_env()
        check_settings(settings)
        LivePage(settings.web_leave_url)  # a page that cannot be filled in stops the start
    except (SettingsError, PageError) as exc:
        print(f"Configuration problem: {exc}", file=sys.stderr)
        return 2
    if port is not None:
        from dataclasses import replace

        settings = replace(settings, web_port=port)

    async def run() -> None:
        from bot.core.conversation import build_assistant

        assistant = await build_assistant(settings)
        # check_settings() above refused to start without these two
        assert settings.redis_url is not None and settings.web_rate_secret is not None
        limiter = RateLimiter(
            settings.redis_url,
            settings.web_rate_secret,
            prefix=settings.redis_key_prefix,
            session=settings.web_session_limit,
            ip=settings.web_ip_limit,
        )
        await serve_production(settings, assistant, limiter)

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    return 0
