"""The classroom web chat: an aiohttp app on 127.0.0.1 with a JSON API and static files.

    app = build_app(settings, assistant)      # assistant: bot.core.conversation.Assistant
    python -m bot demo                         # main(): prints the address, serves until Ctrl-C

API (JSON in, JSON out; nothing is stored, and message text is never logged):

    POST /api/message   {session, text, lang}  -> Turn.as_json()   (session: "web:<random>")
    POST /api/forget    {session}              -> {"ok": true}
    GET  /api/scenarios?lang=en|ms             -> {"scenarios": [...]}
    GET  /api/quiz?lang=en|ms                  -> {"title", "total", "questions", "remember"}
    POST /api/quiz/check {index, choice, lang} -> {"correct", "answer", "explanation", "source"}
    GET  /api/parents?lang=en|ms               -> {"title", "intro", "sections"}
    GET  /api/health                           -> {"ok": true}

The page (`/`) is index.html filled in by bot/web/page.py from the message catalogue; the web
chat keeps no conversation of its own (no session table, no language, no timeout: the
conversation module answers every message, and its safe fallback when Rasa fails).

The server answers only requests addressed to a loopback name (a defence against DNS
rebinding) and refuses cross-site POSTs. Every response carries a strict Content Security
Policy (`default-src 'self'`, no inline script), so the page works fully offline.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import signal
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import urlparse

from aiohttp import web

from bot.content.lessons import Content, ContentError, lang_or_default, source_titles
from bot.core import messages
from bot.core.settings import Settings, SettingsError
from bot.web.page import Page, nojs_page

logger = logging.getLogger("bot.web")

STATIC_DIR = Path(__file__).with_name("static")
MAX_MESSAGE_CHARS = 4000
MAX_BODY_BYTES = 64 * 1024  # 4000 characters, even fully \u-escaped, fit comfortably
SESSION_RE = re.compile(r"^web:[A-Za-z0-9_-]{8,64}$")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

# The web chat's own refusals (the assistant never sees these requests): catalogue keys.
ERROR_TEXTS = {"too_long": "page_too_long", "bad_request": "web_bad_request", "error": "web_error"}

ASSISTANT_KEY: web.AppKey[Any] = web.AppKey("assistant", object)  # conversation.Assistant
CONTENT_KEY = web.AppKey("content", Content)
SETTINGS_KEY = web.AppKey("settings", Settings)
HOSTS_KEY = web.AppKey("hosts", tuple)  # the names this server answers for

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    def __init__(self, status: int, code: str, lang: str | None = None, detail: str = ""):
        super().__init__(code)
        self.status, self.code, self.lang, self.detail = status, code, lang, detail


def _error_response(status: int, code: str, lang: str | None = None, detail: str = ""):
    key = ERROR_TEXTS.get(code, ERROR_TEXTS["error"])
    body: dict[str, Any] = {"error": code, "message": messages.text(key, lang or "en")}
    if detail:
        body["detail"] = detail
    return web.json_response(body, status=status)


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Own Host only (loopback for the demo), same-origin POSTs only, JSON errors, security
    headers. The chat form posts to /nojs only when JavaScript is off (its body is not read)."""
    is_api = request.path.startswith("/api/")
    hosts = request.app[HOSTS_KEY]
    try:
        host = _host_name(request.host or "")
        if host not in hosts:
            raise ApiError(421, "bad_request", detail=f"this server answers only {hosts[0]}")
        if request.method == "POST" and request.path != "/nojs":  # /nojs acts on nothing
            origin = request.headers.get("Origin")
            if origin and _host_name(urlparse(origin).netloc) not in hosts:
                raise ApiError(403, "bad_request", detail="cross-site request refused")
            if request.content_type != "application/json":
                raise ApiError(415, "bad_request", detail="send JSON (application/json)")
        response = await handler(request)
    except ApiError as err:
        response = _error_response(err.status, err.code, err.lang, err.detail)
    except web.HTTPRequestEntityTooLarge:
        response = _error_response(413, "too_long")
    except web.HTTPException as exc:
        if not is_api and exc.status < 500:
            exc.headers.update(SECURITY_HEADERS)
            raise
        response = _error_response(exc.status, "bad_request", detail=exc.reason)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - never leak a traceback (or a message) to the page
        logger.error("web request failed: %s", type(exc).__name__)
        response = _error_response(500, "error")
    response.headers.update(SECURITY_HEADERS)
    if is_api:
        response.headers["Cache-Control"] = "no-store"
    elif request.path.startswith("/static/") or request.path == "/":
        response.headers.setdefault("Cache-Control", "no-cache")
    return response


async def _json_body(request: web.Request) -> dict:
    try:
        data = await request.json()
    except web.HTTPRequestEntityTooLarge:
        raise
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        raise ApiError(400, "bad_request", detail="the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", detail="the body must be a JSON object")
    return data


# The chat's languages; the teaching content (scenarios, quiz, parents) is in en/ms and
# comes in English for zh/ta (bot.content.lessons.lang_or_default).
CHAT_LANGS = ("en", "ms", "zh", "ta")


def _lang(value: Any) -> str | None:
    return value if value in CHAT_LANGS else None


def _session(data: dict, lang: str | None) -> str:
    session = data.get("session")
    if not isinstance(session, str) or not SESSION_RE.match(session):
        raise ApiError(400, "bad_request", lang, "session must look like web:<8-64 letters>")
    return session


# ------------------------------------------------------------------------ handlers


async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def message(request: web.Request) -> web.Response:
    data = await _json_body(request)
    lang = _lang(data.get("lang"))
    session = _session(data, lang)
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "bad_request", lang, "text must be a non-empty string")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ApiError(413, "too_long", lang)
    # The conversation module owns the time limit and the safe fallback: respond() never
    # raises and always answers within the reply deadline, so the web adds neither.
    turn = await request.app[ASSISTANT_KEY].respond(
        session, text, lang=lang, metadata={"channel": "web"}
    )
    return web.json_response(turn.as_json())


async def forget(request: web.Request) -> web.Response:
    data = await _json_body(request)
    session = _session(data, _lang(data.get("lang")))
    await request.app[ASSISTANT_KEY].forget(session)
    return web.json_response({"ok": True})


async def scenarios(request: web.Request) -> web.Response:
    lang = lang_or_default(request.query.get("lang"))
    content = request.app[CONTENT_KEY]
    return web.json_response({"scenarios": [s.localized(lang) for s in content.scenarios]})


async def quiz(request: web.Request) -> web.Response:
    lang = lang_or_default(request.query.get("lang"))
    return web.json_response(request.app[CONTENT_KEY].quiz.localized(lang))


async def quiz_check(request: web.Request) -> web.Response:
    data = await _json_body(request)
    lang = lang_or_default(data.get("lang"))
    q = request.app[CONTENT_KEY].quiz
    # Untrusted JSON: Quiz refuses anything but a valid question and option number.
    index: Any = data.get("index")
    choice: Any = data.get("choice")
    try:
        correct, explanation = q.check(index, choice, lang)
    except (IndexError, ValueError) as exc:
        raise ApiError(400, "bad_request", lang, str(exc)) from None
    return web.json_response(
        {
            "correct": correct,
            "answer": q.answer(index),
            "explanation": explanation,
            "source": source_titles(q.sources(index)),
        }
    )


async def parents(request: web.Request) -> web.Response:
    lang = lang_or_default(request.query.get("lang"))
    return web.json_response(request.app[CONTENT_KEY].parents.localized(lang))


async def not_found(request: web.Request) -> web.Response:
    raise ApiError(404, "bad_request", detail="no such API")


def build_app(
    settings: Settings | None,
    assistant: Any,
    *,
    content: Content | None = None,
    close_assistant: bool = False,
    hosts: tuple[str, ...] = LOOPBACK_HOSTS,
    middlewares: tuple[Any, ...] = (),
    index: Handler | None = None,
) -> web.Application:
    """The web chat as an aiohttp app. `assistant` follows bot.core.conversation's interface.

    The teaching content is loaded (and checked) here, so a broken content file stops the
    demo at start with a clear message instead of half-working in front of a class.
    Production (bot/web/production.py) passes its public name in `hosts`, its rate limits in
    `middlewares` (run inside the guard) and its own page as `index`; the classroom demo's
    page is bot/web/page.py's `Page()`, in the browser's language like production's.
    """
    app = web.Application(middlewares=[guard, *middlewares], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS_KEY] = settings or Settings()
    app[ASSISTANT_KEY] = assistant
    app[CONTENT_KEY] = content if content is not None else Content.load()
    app[HOSTS_KEY] = tuple(hosts)
    app.router.add_get("/", index or Page().handler)
    app.router.add_post("/nojs", nojs_page)
    app.router.add_get("/api/health", health)
    app.router.add_post("/api/message", message)
    app.router.add_post("/api/forget", forget)
    app.router.add_get("/api/scenarios", scenarios)
    app.router.add_get("/api/quiz", quiz)
    app.router.add_post("/api/quiz/check", quiz_check)
    app.router.add_get("/api/parents", parents)
    app.router.add_route("*", "/api/{tail:.*}", not_found)
    app.router.add_static("/static/", STATIC_DIR, show_index=False, follow_symlinks=False)
    if close_assistant:

        async def _close(app: web.Application) -> None:
            await app[ASSISTANT_KEY].close()

        app.on_cleanup.append(_close)  # type: ignore[arg-type]  # aiohttp 3.9 vs aiosignal 1.4
    return app


# The access log names the method, path and status only: never a body, so never a message.
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs'


async def serve(
    settings: Settings,
    assistant: Any,
    *,
    port: int | None = None,
    handle_signals: bool = True,
) -> None:
    """Serves on 127.0.0.1 until Ctrl-C or SIGTERM (or until the task is cancelled)."""
    app = build_app(settings, assistant, close_assistant=True)
    runner = web.AppRunner(app, access_log_format=ACCESS_LOG_FORMAT)
    await runner.setup()
    port = settings.demo_port if port is None else port
    await start_site(
        runner,
        "127.0.0.1",
        port,
        "Is another demo running? Choose another port, e.g. DEMO_PORT=8081 make demo",
    )
    port = runner.addresses[0][1] if runner.addresses else port
    print(f"Jaga classroom chat: http://127.0.0.1:{port}/  (Ctrl-C to stop)", flush=True)
    await serve_until_stopped(runner, handle_signals=handle_signals)


async def start_site(runner: web.AppRunner, host: str, port: int, hint: str = "") -> None:
    """Listen on host:port, or stop the program with a message that says which port is taken."""
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise SystemExit(
            f"Could not open port {port} on {host} ({exc.strerror}). {hint}".rstrip()
        ) from None


async def serve_until_stopped(runner: web.AppRunner, *, handle_signals: bool = True) -> None:
    """Serves until Ctrl-C or SIGTERM (or until the task is cancelled), then cleans up."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM) if handle_signals else ():
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> int:
    """`python -m bot demo`: load the assistant and serve the web chat on 127.0.0.1."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"Configuration problem: {exc}", file=sys.stderr)
        return 2
    try:
        Content.load()
    except ContentError as exc:
        print(f"Teaching content problem: {exc}", file=sys.stderr)
        return 2

    async def run() -> None:
        from bot.core.conversation import build_assistant

        print("Loading Jaga...", flush=True)
        assistant = await build_assistant(settings)
        if hasattr(assistant, "watch_model"):
            assistant.watch_model()  # a newly trained model is picked up live
        await serve(settings, assistant)

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    print("Jaga classroom chat stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
