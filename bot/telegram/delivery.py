"""Getting updates from Telegram so that none is lost or answered twice across a restart.

python-telegram-bot's Updater acknowledges an update (polling: the next `getUpdates` offset;
webhook: a 200) *before* it is handled, so a crash loses what was in flight. Here an update
is acknowledged only once it is handled:

- `Poller`: long-polls `getUpdates` and hands each update to the Application (chats run
  concurrently, one chat's updates in order, at most `max_in_flight` at once). The offset it
  sends is bounded by the lowest update still unfinished, so after a crash Telegram delivers
  every unfinished update again.
- `WebhookServer` (aiohttp): checks the secret header, handles the update, and only then
  answers 200; a process that dies mid-update never answered, so Telegram retries.
- Both skip an update whose id is in the `DoneStore` (it was answered before a crash, but
  not yet acknowledged) and mark an update done right after its replies were sent and the
  person's `user_data` was saved (`Application.update_persistence`, persistence.py).
- Shutdown (`stop`): no new updates are taken at once; turns already running get `grace`
  seconds, then are cancelled. Cancelled and not-yet-started updates stay unacknowledged,
  so Telegram delivers them again after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import Application

from bot.telegram.dedupe import DoneStore

logger = logging.getLogger(__name__)

GRACE = 5.0  # seconds running turns get to finish at shutdown
MAX_IN_FLIGHT = 100  # updates taken at once (polling): one getUpdates answer at most
REPOLL = 0.5  # seconds between getUpdates while unfinished updates hold the offset back
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# A webhook request waits this long for its update; after that Jaga answers 503 (Telegram
# retries later, and the retry is skipped or waits for the same turn) but keeps working.
WEBHOOK_BUDGET = 20.0


class NotStarted(Exception):
    """Shutdown began before this update's turn started: leave it for the next process."""


class UpdateRunner:
    """Runs one update through the Application, with the per-chat ordering and the store."""

    def __init__(self, application: Application, store: DoneStore) -> None:
        self.application = application
        self.store = store
        self.answered = 0
        self.skipped = 0

    @property
    def stopping(self) -> bool:
        return bool(getattr(self.application.bot_data, "stopping", False))

    def stop(self) -> None:
        """No new turn starts from now on, and running turns stop showing "typing..."."""
        self.application.bot_data.stopping = True

    async def run(self, update: Update) -> None:
        """Returns when the update is handled (or skipped); raises CancelledError/NotStarted
        when it was not, so that it is not acknowledged."""
        coroutine = self._handle(update)
        try:
            await self.application.update_processor.process_update(update, coroutine)
        finally:
            coroutine.close()  # never awaited if cancelled while waiting for its chat

    async def _handle(self, update: Update) -> None:
        if self.stopping:
            raise NotStarted
        if await self.store.seen(update.update_id):
            self.skipped += 1
            logger.info("Update %s was answered before a restart; skipped", update.update_id)
            return
        await self.application.process_update(update)  # handler errors go to on_error
        # What the turn changed (a quiz round) reaches Redis before Telegram hears it is
        # done: the next update may go to another front end (persistence.py).
        await self.application.update_persistence()
        await self.store.mark(update.update_id)
        self.answered += 1


class Poller:
    """Long polling with acknowledgement after handling. `run()` returns after `stop`."""

    def __init__(
        self,
        application: Application,
        runner: UpdateRunner,
        *,
        allowed_updates: Sequence[str],
        poll_timeout: float = 30,
        max_in_flight: int = MAX_IN_FLIGHT,
        grace: float = GRACE,
        repoll: float = REPOLL,
    ) -> None:
        self.application = application
        self.runner = runner
        self.allowed_updates = list(allowed_updates)
        self.poll_timeout = poll_timeout
        self.max_in_flight = max_in_flight
        self.grace = grace
        self.repoll = repoll
        self.in_flight: dict[int, asyncio.Task[None]] = {}
        self.unfinished: set[int] = set()  # in flight, or cancelled/not started at shutdown
        self.finished: set[int] = set()  # handled, but above an unfinished one
        self.highest = -1  # highest update id taken (handled, skipped or in flight)
        self.acknowledged: int | None = None  # the last offset sent to Telegram
        self._progress = asyncio.Event()

    @property
    def offset(self) -> int | None:
        """What may be acknowledged: everything below the lowest unfinished update."""
        if self.unfinished:
            return min(self.unfinished)
        return self.highest + 1 if self.highest >= 0 else None

    async def run(self, stop: asyncio.Event) -> None:
        bot = self.application.bot
        await bot.delete_webhook(drop_pending_updates=False)  # polling and a webhook exclude
        failures = 0
        stopped = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                if len(self.in_flight) >= self.max_in_flight:
                    await self._wait_progress(stopped, None)
                    continue
                fetch = asyncio.ensure_future(self._fetch(self.poll_timeout))
                await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():
                    fetch.cancel()
                    with contextlib.suppress(asyncio.CancelledError, TelegramError):
                        await fetch
                    break
                try:
                    updates = fetch.result()
                except InvalidToken:
                    raise
                except (NetworkError, Conflict, TelegramError) as error:
                    failures += 1
                    wait = min(30.0, 0.5 * 2 ** min(failures, 6))
                    logger.warning("getUpdates failed (%s); again in %.1f s", _name(error), wait)
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(asyncio.shield(stopped), wait)
                    continue
                failures = 0
                started = self._take(updates)
                if not started and self.in_flight:
                    # Telegram answers at once while older updates are unacknowledged:
                    # wait for one to finish (the offset moves) or for a short while.
                    await self._wait_progress(stopped, self.repoll)
        finally:
            stopped.cancel()
            await self._shut_down()

    async def _fetch(self, timeout: float) -> tuple[Update, ...]:
        offset = self.offset
        updates = await self.application.bot.get_updates(
            offset=offset, timeout=timeout, allowed_updates=self.allowed_updates
        )
        if offset is not None:
            self.acknowledged = offset
        return updates

    def _take(self, updates: Sequence[Update]) -> int:
        """Start the updates not yet taken, in order; stop at the first that doesn't fit."""
        started = 0
        for update in sorted(updates, key=lambda u: u.update_id):
            uid = update.update_id
            if uid in self.in_flight or uid in self.finished or uid <= self.highest:
                continue
            if len(self.in_flight) >= self.max_in_flight:
                break  # fetched again once there is room; order within a chat is kept
            self.highest = uid
            self.unfinished.add(uid)
            task = asyncio.create_task(self._process(update), name=f"jaga-update-{uid}")
            self.in_flight[uid] = task
            started += 1
        return started

    async def _process(self, update: Update) -> None:
        uid = update.update_id
        try:
            await self.runner.run(update)
        except (asyncio.CancelledError, NotStarted):
            return  # stays unfinished: Telegram delivers it again after the restart
        except Exception as error:  # noqa: BLE001 - handled as far as it goes; don't block
            logger.error("%s while handling update %s", _name(error), uid)
        finally:
            self.in_flight.pop(uid, None)
            self._progress.set()
        self.unfinished.discard(uid)
        offset = self.offset
        self.finished.add(uid)
        if offset is not None:
            self.finished = {u for u in self.finished if u >= offset}

    async def _wait_progress(self, stopped: asyncio.Future, timeout: float | None) -> None:
        self._progress.clear()
        progress = asyncio.ensure_future(self._progress.wait())
        try:
            await asyncio.wait({progress, stopped}, timeout=timeout, return_when="FIRST_COMPLETED")
        finally:
            progress.cancel()

    async def _shut_down(self) -> None:
        self.runner.stop()
        await finish_or_cancel(list(self.in_flight.values()), self.grace)
        offset = self.offset
        if offset is not None and offset != self.acknowledged:
            # Acknowledge what was handled, so it is not even delivered again.
            with contextlib.suppress(TelegramError, asyncio.TimeoutError):
                await asyncio.wait_for(
                    self.application.bot.get_updates(
                        offset=offset, timeout=0, limit=1, allowed_updates=self.allowed_updates
                    ),
                    1.0,
                )
                self.acknowledged = offset
        left = len(self.unfinished)
        if left:
            logger.info("Stopped with %s update(s) unanswered; Telegram will resend them", left)


class WebhookServer:
    """Telegram's webhook on aiohttp: 200 only after the update is handled."""

    def __init__(
        self,
        application: Application,
        runner: UpdateRunner,
        *,
        listen: str,
        port: int,
        path: str,
        secret: str,
        grace: float = GRACE,
        budget: float = WEBHOOK_BUDGET,
    ) -> None:
        self.application = application
        self.runner = runner
        self.listen = listen
        self.port = port
        self.path = "/" + path.strip("/")
        self.secret = secret.encode()
        self.grace = grace
        self.budget = budget
        self.in_flight: dict[int, asyncio.Task[None]] = {}
        self._web: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self.path, self._handle)
        self._web = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._web.setup()
        self._site = web.TCPSite(self._web, self.listen, self.port)
        await self._site.start()

    async def stop(self) -> None:
        self.runner.stop()
        if self._site is not None:
            await self._site.stop()  # no new connections
        await finish_or_cancel(list(self.in_flight.values()), self.grace)
        if self._web is not None:
            await self._web.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):  # before the body is even read
            return web.Response(status=403)
        if self.runner.stopping:
            return web.Response(status=503)  # Telegram retries; another front end may answer
        try:
            data: Any = await request.json()
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:  # noqa: BLE001 - malformed JSON or not an update
            logger.warning("Webhook body is not an update (%s)", _name(exc))
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        uid = update.update_id
        task = self.in_flight.get(uid)
        if task is None:  # a retry of an update still being handled waits for the same turn
            task = asyncio.create_task(self.runner.run(update), name=f"jaga-update-{uid}")
            self.in_flight[uid] = task
            task.add_done_callback(lambda done: self._forget(uid, done))
        done, _ = await asyncio.wait({task}, timeout=self.budget)
        if not done or task.cancelled():
            return web.Response(status=503)
        error = task.exception()
        if isinstance(error, NotStarted):
            return web.Response(status=503)
        if error is not None:  # handled as far as it goes; a retry would fail the same way
            logger.error("%s while handling update %s", _name(error), uid)
        return web.Response(status=200)

    def _forget(self, uid: int, task: asyncio.Task[None]) -> None:
        self.in_flight.pop(uid, None)
        if not task.cancelled():
            task.exception()  # retrieved even when no request waits for it any more


async def finish_or_cancel(tasks: list[asyncio.Task[Any]], grace: float) -> None:
    """Let `tasks` run for `grace` seconds, then cancel what is left and wait briefly."""
    if not tasks:
        return
    started = time.monotonic()
    _, pending = await asyncio.wait(tasks, timeout=grace)
    if pending:
        logger.info("%s turn(s) still running after %.1f s; cancelled", len(pending), grace)
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=1.0)
    logger.debug("In-flight updates settled in %.1f s", time.monotonic() - started)


def _name(error: BaseException) -> str:
    # Never the message: a Telegram error can quote what was sent.
    if isinstance(error, TimedOut):
        return "TimedOut"
    return type(error).__name__
