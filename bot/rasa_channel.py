"""Jaga's Rasa input channel, for production: a Rasa server answers the front ends here.

Unlike Rasa's REST channel it checks a bearer token (RASA_TOKEN) and returns in one call
what the front ends need: the replies, the intent, the language and the safety net's word.
Enable it in `credentials.yml` as `bot.rasa_channel.JagaInput`.
"""

from __future__ import annotations

import hmac
import os
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_runtime


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

        @hook.route("/turn", methods=["POST"])
        async def turn(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            body = request.json or {}
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            lang = body.get("lang") if body.get("lang") in ("en", "ms") else None
            agent = request.app.ctx.agent
            result = await rasa_runtime.handle_turn(
                agent,
                sender,
                text,
                lang=lang,
                metadata=body.get("metadata") or {},
                input_channel=self.name(),
            )
            return response.json(result)

        @hook.route("/forget", methods=["POST"])
        async def forget(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            sender = (request.json or {}).get("sender")
            if not isinstance(sender, str):
                return response.json({"error": "sender is required"}, status=400)
            await rasa_runtime.forget(request.app.ctx.agent, sender)
            return response.json({"status": "forgotten"})

        return hook
