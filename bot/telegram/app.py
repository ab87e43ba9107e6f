"""Build and run Jaga's Telegram Application.

    build_application(settings, assistant)  -> Application (handlers, limits, no I/O yet)
    serve(settings, assistant, stop=...)     -> runs until `stop` is set (polling or webhook)
    run(settings)                            -> builds the assistant and serves; Ctrl-C stops
    main()                                   -> `python -m bot telegram`

Updates are fetched by Jaga's own `delivery.Poller` (long polling) or served by its own
`delivery.WebhookServer` (aiohttp, webhook mode when `settings.webhook_url` is set), never by
PTB's Updater: an update is acknowledged to Telegram only after it was answered, and one
answered before a crash is skipped when Telegram delivers it again (`dedupe.py`). The
webhook listens on `webhook_listen:webhook_port` at the URL's path and refuses (403) any
request without `X-Telegram-Bot-Api-Secret-Token: <webhook_secret>`. On stop, running turns
get `delivery.GRACE` seconds, then are cancelled and left for Telegram to deliver again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import Application, ContextTypes
from telegram.request import HTTPXRequest

from bot.core.settings import Settings, SettingsError
from bot.telegram.dedupe import DoneStore, open_store
from bot.telegram.delivery import GRACE, MAX_IN_FLIGHT, Poller, UpdateRunner, WebhookServer
from bot.telegram.flood import RedisFloodGuard
from bot.telegram.handlers import (
    callbacks,
    commands,
    errors,
    gate,
    groups,
    media,
    messages,
    quiz,
)
from bot.telegram.keyboards import CallbackStore, button_key
from bot.telegram.ordering import PerChatUpdateProcessor
from bot.telegram.persistence import RedisPersistence
from bot.telegram.retry import RateLimiter
from bot.telegram.shared import Keys, close, connect
from bot.telegram.state import BotData

if TYPE_CHECKING:
    from bot.core.conversation import Assistant

logger = logging.getLogger(__name__)

# Only what Jaga handles: no channel posts, polls, member updates...
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
POLL_TIMEOUT = 30  # seconds of long polling per getUpdates
# Our guard around the assistant, on top of its own reply timeout (it should never fire).
DEADLINE_MARGIN = 0.5
NOISY_LOGGERS = ("httpx", "httpcore", "telegram", "aiohttp.access", "apscheduler")
WEBHOOK_MAX_CONNECTIONS = 40  # Telegram's default: updates it sends at once


def require_token(settings: Settings) -> str:
    if not settings.telegram_token:
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather and put its token in "
            ".env or the environment (see docs/telegram.md)."
        )
    return settings.telegram_token


def api_urls(api_url: str) -> tuple[str, str]:
    """PTB's `base_url` and `base_file_url` (the token is appended to both)."""
    base = api_url.rstrip("/")
    if not base.endswith("/bot"):
        base += "/bot"
    return base, base[: -len("/bot")] + "/file/bot"


def webhook_path(webhook_url: str) -> str:
    return urlparse(webhook_url).path.strip("/")


def register_handlers(application: Application) -> None:
    gate.register(application)  # group -2: flood control, before anything else
    quiz.register(application)  # group -1: /quiz and its buttons
    # Group 0; order matters within a group: commands first, then text, then media.
    commands.register(application)
    groups.register(application)
    messages.register(application)
    callbacks.register(application)
    media.register(application)
    errors.register(application)


def build_application(settings: Settings, assistant: Assistant) -> Application:
    """The Application with every handler; nothing is sent to Telegram until it starts.

    With `settings.redis_url`, what a turn needs to know of earlier turns (the quiz round,
    the flood counts) is in Redis, so several front ends can share one bot (shared.py).
    """
    token = require_token(settings)
    keys = Keys.for_bot(token, settings.redis_key_prefix)
    client = connect(settings.redis_url) if settings.redis_url else None
    timeouts: dict[str, Any] = {"connect_timeout": 5.0, "read_timeout": 10.0, "write_timeout": 10.0}
    builder = (
        Application.builder()
        .token(token)
        .context_types(ContextTypes(bot_data=BotData))
        .request(HTTPXRequest(connection_pool_size=64, pool_timeout=5.0, **timeouts))
        .get_updates_request(HTTPXRequest(connection_pool_size=2, pool_timeout=5.0, **timeouts))
        .rate_limiter(RateLimiter())  # PTB's AIORateLimiter; no send repeated (retry.py)
        .concurrent_updates(PerChatUpdateProcessor(max(256, MAX_IN_FLIGHT)))
        .job_queue(None)
        .updater(None)  # delivery.py fetches updates: acknowledged only once answered
        .post_init(commands.set_commands)
    )
    if settings.telegram_api_url:
        base_url, base_file_url = api_urls(settings.telegram_api_url)
        builder = builder.base_url(base_url).base_file_url(base_file_url)
    if client is not None:
        builder = builder.persistence(RedisPersistence(client, keys))
    application = builder.build()
    bot_data: BotData = application.bot_data
    bot_data.assistant_ = assistant
    bot_data.settings_ = settings
    bot_data.buttons = CallbackStore(key=button_key(token))  # signed buttons outlive a restart
    bot_data.keys = keys
    bot_data.reply_deadline = settings.reply_timeout + DEADLINE_MARGIN
    if client is not None:
        bot_data.redis = client
        bot_data.flood = RedisFloodGuard(client, keys)
    register_handlers(application)
    return application


async def serve(
    settings: Settings,
    assistant: Assistant,
    *,
    stop: asyncio.Event | None = None,
    ready: asyncio.Event | None = None,
    poll_timeout: float = POLL_TIMEOUT,
    store: DoneStore | None = None,
    grace: float = GRACE,
) -> None:
    """Run the bot until `stop` is set, then shut down within about `grace` + 2 seconds.

    `store` remembers answered update ids; by default Redis (`REDIS_URL`) or
    `var/telegram-updates.sqlite` (see dedupe.py).
    """
    application = build_application(settings, assistant)
    stop = stop or asyncio.Event()
    try:
        await application.initialize()  # getMe: checks the token
    except InvalidToken:
        await close(application.bot_data.redis)
        # PTB's message quotes the token; ours does not.
        raise SettingsError(
            "Telegram rejected TELEGRAM_BOT_TOKEN. Check it with @BotFather (/mybots)."
        ) from None
    own_store = store is None
    if store is None:
        store = open_store(settings.redis_url, application.bot.id, settings.redis_key_prefix)
    runner = UpdateRunner(application, store)
    webhook: WebhookServer | None = None
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        if settings.webhook_url:
            assert settings.webhook_secret is not None  # Settings insists on it
            webhook = WebhookServer(
                application,
                runner,
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                path=webhook_path(settings.webhook_url),
                secret=settings.webhook_secret,
                grace=grace,
            )
            await webhook.start()  # listening before Telegram is told where to post
            await application.bot.set_webhook(
                url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=WEBHOOK_MAX_CONNECTIONS,
                drop_pending_updates=False,
            )
            logger.info(
                "Jaga is on Telegram as @%s (webhook on %s:%s)",
                application.bot.username,
                settings.webhook_listen,
                settings.webhook_port,
            )
            if ready is not None:
                ready.set()
            await stop.wait()
        else:
            poller = Poller(
                application,
                runner,
                allowed_updates=ALLOWED_UPDATES,
                poll_timeout=poll_timeout,
                grace=grace,
            )
            logger.info("Jaga is on Telegram as @%s (polling)", application.bot.username)
            if ready is not None:
                ready.set()
            await poller.run(stop)  # returns after `stop`, in-flight turns settled
    finally:
        runner.stop()
        if webhook is not None:
            await webhook.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        await close(application.bot_data.redis)
        if own_store:
            await store.close()
        logger.info(
            "Jaga stopped (%s answered, %s skipped as already answered)",
            runner.answered,
            runner.skipped,
        )


async def _run(settings: Settings, assistant: Assistant | None) -> None:
    require_token(settings)  # before loading the model, which takes a while
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows
            loop.add_signal_handler(signum, stop.set)
    own = assistant is None
    if assistant is None:
        from bot.core.conversation import build_assistant

        assistant = await build_assistant(settings)
        assistant.watch_model()  # a newly trained model is picked up live
    try:
        await serve(settings, assistant, stop=stop)
    finally:
        if own:
            await assistant.close()


def run(settings: Settings, assistant: Assistant | None = None) -> None:
    """Start the Telegram front end and block until SIGINT/SIGTERM."""
    asyncio.run(_run(settings, assistant))


def configure_logging(level: str = "INFO") -> None:
    """Once, at start. The HTTP client logs every URL, and Bot API URLs contain the token."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def main() -> None:
    """`python -m bot telegram`."""
    try:
        settings = Settings.from_env()
        require_token(settings)  # before the model loads, so the mistake shows at once
        configure_logging(settings.log_level)
        run(settings)
    except SettingsError as error:
        raise SystemExit(f"jaga: {error}") from None
