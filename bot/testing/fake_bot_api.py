"""A fake Telegram Bot API server on loopback (a small aiohttp app), for the Telegram tests,
the benchmark and the load test.

It answers the methods Jaga uses, queues updates for getUpdates (long polling), records
every call with its decoded parameters, and can be told to fail the next calls of a method
(e.g. 429 with retry_after) or to hang on them. Like Telegram, getUpdates serves an update
again and again until a later call's `offset` acknowledges it (`served` records the ids
each call returned). `getFile` and file downloads are recorded like any call, and
tests assert they never happen.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

BOT_ID = 7000001
BOT_USERNAME = "JagaTestBot"
# Parameters PTB sends JSON-encoded inside form fields.
_JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "reply_parameters",
    "link_preview_options",
    "entities",
}
_INT_FIELDS = {"chat_id", "offset", "timeout", "limit", "message_id", "user_id"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None


class FakeBotApi:
    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.failures: dict[str, list[Failure]] = {}
        self.hangs: dict[str, float] = {}
        self.served: list[list[int]] = []  # update ids returned by each getUpdates
        # Like Telegram's, ids differ between runs (a front end's store of answered ids
        # outlives one test); they only grow within one server.
        self._update_ids = itertools.count(secrets.randbelow(10**9) * 1000 + 1)
        self._message_ids = itertools.count(100)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._closing = True
        await self._notify()  # long polls return now
        await asyncio.sleep(0.05)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what tests use --------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    def fail_next(
        self, method: str, status: int = 429, times: int = 1, retry_after: int | None = 1
    ) -> None:
        description = {429: f"Too Many Requests: retry after {retry_after}", 502: "Bad Gateway"}
        self.failures.setdefault(method, []).extend(
            [Failure(status, description.get(status, "Error"), retry_after)] * times
        )

    def hang(self, method: str, seconds: float | None = 30.0) -> None:
        """Calls of `method` get no answer for `seconds` (then 504, recorded as not done);
        None ends the hang for later calls."""
        if seconds is None:
            self.hangs.pop(method, None)
        else:
            self.hangs[method] = seconds

    def offsets(self) -> list[int | None]:
        return [c.params.get("offset") for c in self.called("getUpdates")]

    def called(self, method: str, **match: Any) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and all(c.params.get(k) == v for k, v in match.items())
        ]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Successful sendMessage calls, optionally to one chat."""
        return [
            c
            for c in self.called("sendMessage")
            if c.status == 200 and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition"
    ) -> Any:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    methods = [c.method for c in self.calls]
                    raise AssertionError(f"timed out waiting for {what}; calls: {methods}")
                try:  # woken by each call, and every 50 ms for conditions outside the server
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))
                except asyncio.TimeoutError:
                    pass
        return result

    async def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 5.0) -> list[Call]:
        return await self.wait_for(
            lambda: len(self.sent(chat_id)) >= count and self.sent(chat_id),
            timeout,
            f"{count} message(s) to chat {chat_id}",
        )

    async def settle(self, quiet: float = 0.3) -> None:
        """Wait until no call has arrived for `quiet` seconds."""
        while True:
            count = len(self.calls)
            await asyncio.sleep(quiet)
            if len(self.calls) == count:
                return

    # -- the Bot API -----------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _file(self, request: web.Request) -> web.Response:
        self.calls.append(Call("downloadFile", {"path": request.match_info["path"]}, 404))
        await self._notify()
        return _error(404, "Not Found")

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params = await _params(request)
        except ConnectionResetError:  # the client gave up (e.g. a cancelled typing action)
            return web.Response(status=499)
        if request.match_info["token"] != self.token:
            self.calls.append(Call(method, params, 401))
            await self._notify()
            return _error(401, "Unauthorized")
        call = Call(method, params)
        self.calls.append(call)
        hang = self.hangs.get(method)
        if hang:
            call.status = 0  # no answer (yet)
            async with self._changed:
                with _suppress_timeout():
                    await asyncio.wait_for(self._changed.wait_for(lambda: self._closing), hang)
            call.status = 504
            return _error(504, "Gateway Timeout")
        pending = self.failures.get(method)
        if pending:
            failure = pending.pop(0)
            call.status = failure.status
            await self._notify()
            extra = {"retry_after": failure.retry_after} if failure.status == 429 else None
            return _error(failure.status, failure.description, extra)
        if method == "getUpdates":
            result: Any = await self._get_updates(params)
        else:
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                call.status = 404
                await self._notify()
                return _error(404, "Not Found: method not found")
            result = handler(params)
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            wait = min(float(params.get("timeout") or 0), 2.0)
            async with self._changed:
                with _suppress_timeout():
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self.updates) or self._closing), wait
                    )
        limit = int(params.get("limit") or 100)
        result = list(self.updates[: max(1, min(limit, 100))])
        self.served.append([u["update_id"] for u in result])
        return result

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Jaga",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {
                "id": params["chat_id"],
                "type": "private" if params["chat_id"] > 0 else "supergroup",
            },
            "from": self._m_getMe({}),
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return True

    def _ok(self, params: dict[str, Any]) -> bool:
        return True

    _m_setMyCommands = _m_sendChatAction = _m_answerCallbackQuery = _ok
    _m_deleteWebhook = _m_setWebhook = _m_close = _m_logOut = _ok

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"file_id": params.get("file_id"), "file_unique_id": "u", "file_path": "x.jpg"}


class _suppress_timeout:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, value: Any, tb: Any) -> bool:
        return kind is asyncio.TimeoutError


def _error(status: int, description: str, parameters: dict | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        raw = await request.json() if request.can_read_body else {}
        return dict(raw)
    form = await request.post() if request.can_read_body else {}
    params: dict[str, Any] = {**request.query}
    params.update({k: v for k, v in form.items() if isinstance(v, str)})
    for key, value in list(params.items()):
        if key in _JSON_FIELDS:
            params[key] = json.loads(value)
        elif key in _INT_FIELDS:
            try:
                params[key] = int(value)
            except ValueError:
                pass
    return params


# -- updates as Telegram sends them ---------------------------------------------------------

_dates = itertools.count(int(time.time()))


def user(user_id: int, first_name: str = "Aisyah", language_code: str | None = "en") -> dict:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        data["language_code"] = language_code
    return data


def message_update(
    chat_id: int,
    text: str | None = None,
    *,
    from_user: dict | None = None,
    chat_type: str = "private",
    message_id: int = 1,
    entities: list[dict] | None = None,
    reply_to: dict | None = None,
    kind: str = "message",
    **content: Any,
) -> dict[str, Any]:
    """A `message` update (or `edited_message`, `channel_post` via `kind`)."""
    from_user = from_user or user(chat_id)
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = from_user["first_name"]
    else:
        chat["title"] = "Kelas 5 Bestari"
    message: dict[str, Any] = {"message_id": message_id, "date": next(_dates), "chat": chat}
    if kind != "channel_post":
        message["from"] = from_user
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    if entities:
        message["entities"] = entities
    if reply_to:
        message["reply_to_message"] = reply_to
    if kind == "edited_message":
        message["edit_date"] = message["date"] + 1
    message.update(content)
    return {kind: message}


def callback_update(chat_id: int, data: str, *, message_id: int = 100, from_user=None) -> dict:
    from_user = from_user or user(chat_id)
    return {
        "callback_query": {
            "id": f"cb{next(_dates)}",
            "from": from_user,
            "chat_instance": "ci1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": next(_dates),
                "chat": {"id": chat_id, "type": "private", "first_name": from_user["first_name"]},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Jaga"},
                "text": "menu",
            },
        }
    }
