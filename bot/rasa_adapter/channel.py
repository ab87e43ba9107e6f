"""Jaga's Rasa input channel, for production: a Rasa server answers the front ends here.

Unlike Rasa's REST channel it checks a bearer token (RASA_TOKEN) and returns in one call
what the front ends need: the replies, the intent, the language and the safety net's word.
Enable it in `credentials.yml` as `bot.rasa_adapter.channel.JagaInput`.

It trusts nobody to have redacted the message: whatever is posted here is cleaned and
redacted again (`bot.core.conversation.for_rasa`: only an exact button payload of a known intent
passes as it is), and only the metadata Jaga sets itself is kept. So a front end that was
taken over, or a direct POST, cannot put a child's phone number into the tracker store.
"""

from __future__ import annotations

import hmac
import os
import re
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.conversation import for_rasa, safe_metadata
from bot.rasa_adapter import runtime as rasa_runtime
from components.text import MAX_MESSAGE_CHARS, clean

SENDER = re.compile(r"[A-Za-z0-9_.:@\-]{1,128}")
LANG = re.compile(r"[a-z]{2,3}")


async def turn_request(agent: Any, body: Any) -> tuple[int, dict]:
    """One turn posted to `/webhooks/jaga/turn`: (HTTP status, JSON body)."""
    body = body if isinstance(body, dict) else {}
    sender, text = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER.fullmatch(sender) or not isinstance(text, str):
        return 400, {"error": "sender and message are required"}
    safe, _ = for_rasa(clean(text)[:MAX_MESSAGE_CHARS], agent.domain.intents, agent.domain.entities)
    if not safe:
        return 400, {"error": "the message is empty"}
    lang, budget = body.get("lang"), body.get("budget")
    result = await rasa_runtime.handle_turn(
        agent,
        sender,
        safe,
        lang=lang if isinstance(lang, str) and LANG.fullmatch(lang) else None,
        metadata=safe_metadata(body.get("metadata")),
        input_channel=JagaInput.name(),
        budget=float(budget) if isinstance(budget, (int, float)) and budget >= 0 else None,
    )
    return 200, result.as_json()


async def language_request(agent: Any, body: Any) -> tuple[int, dict]:
    """`/webhooks/jaga/language`: the conversation's language (null when there is none)."""
    sender = body.get("sender") if isinstance(body, dict) else None
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        return 400, {"error": "sender is required"}
    return 200, {"lang": await rasa_runtime.conversation_language(agent, sender)}


async def forget_request(agent: Any, body: Any) -> tuple[int, dict]:
    """`/webhooks/jaga/forget`: the conversation, its lock and any fallback copy are deleted."""
    sender = body.get("sender") if isinstance(body, dict) else None
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        return 400, {"error": "sender is required"}
    await rasa_runtime.forget(agent, sender)
    return 200, {"status": "forgotten"}


class JagaInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "jaga"

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> JagaInput:
        credentials = credentials or {}
        return cls(credentials.get("token") or os.environ.get("RASA_TOKEN"))

    def __init__(self, token: str | None = None) -> None:
        self.token = token
        # No token means no access, unless the operator says so on purpose (local testing).
        self.open = not token and os.environ.get("JAGA_ALLOW_NO_TOKEN") == "1"

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return self.open
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("jaga_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def answer(request: Request, handler: Callable) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - malformed JSON
                body = None
            status, result = await handler(request.app.ctx.agent, body)
            return response.json(result, status=status)

        @hook.route("/turn", methods=["POST"])
        async def turn(request: Request) -> HTTPResponse:
            return await answer(request, turn_request)

        @hook.route("/forget", methods=["POST"])
        async def forget(request: Request) -> HTTPResponse:
            return await answer(request, forget_request)

        @hook.route("/language", methods=["POST"])
        async def language(request: Request) -> HTTPResponse:
            return await answer(request, language_request)

        @hook.listener("after_server_start")
        async def sweep(app: Any, loop: Any) -> None:
            # Conversations kept in memory (no Redis, or while Redis is down) expire here.
            app.add_task(rasa_runtime.keep_sweeping(lambda: app.ctx.agent))

        return hook
