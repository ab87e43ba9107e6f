"""The conversation module in front of a Rasa server (`RemoteRasa`): one failover layer, and
a message is never applied twice."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web

from bot.core.conversation import BaseAssistant, RemoteRasa
from bot.core.replies import Button, RasaResult, Reply


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeRasaServer:
    """Jaga's Rasa channel, answering `/webhooks/jaga/turn` after `delay` seconds."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.turns: list[dict] = []
        self.runner: web.AppRunner | None = None
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def turn(self, request: web.Request) -> web.Response:
        self.turns.append(body := await request.json())
        await asyncio.sleep(self.delay)
        result = RasaResult(
            text=body["message"],
            replies=[Reply("Hi!", (Button("Menu", payload="/ask_help_menu"),))],
            intent="greet",
            confidence=0.9,
            lang=body.get("lang") or "en",
            privacy_card=len(self.turns) == 1,
        )
        return web.json_response(result.as_json())

    async def language(self, request: web.Request) -> web.Response:
        return web.json_response({"lang": "ms"})

    async def __aenter__(self) -> FakeRasaServer:
        app = web.Application()
        app.router.add_post("/webhooks/jaga/turn", self.turn)
        app.router.add_post("/webhooks/jaga/language", self.language)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


def test_the_rasa_result_crosses_http_as_it_is():
    result = RasaResult(
        text="hi",
        replies=[Reply("a", (Button("b", payload="/greet"), Button("c", url="https://x.my")))],
        intent="greet",
        confidence=0.5,
        lang="ms",
        safety_net="crisis",
        risk="danger",
        privacy_card=True,
    )
    assert RasaResult.from_json(result.as_json()) == result
    with pytest.raises(ValueError):
        RasaResult.from_json(["not", "a", "result"])


async def test_a_refused_connection_moves_on_to_the_next_replica():
    async with FakeRasaServer() as server:
        dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: the request is never sent
        rasa = RemoteRasa(f"{dead},{server.url}", timeout=2.0)
        assistant = BaseAssistant(rasa, timeout=2.0)
        try:
            turn = await assistant.respond("web:tab-aaaaaaaa", "hi", lang="ms")
            assert not turn.degraded and turn.intent == "greet" and turn.lang == "ms"
            assert "/forget" in turn.replies[-1].text  # the card the tracker said was due
            assert len(server.turns) == 1
            assert await assistant.language("web:tab-aaaaaaaa") == "ms"
        finally:
            await assistant.close()


async def test_a_slow_replica_is_never_asked_twice():
    """After a timeout the first attempt may still be running: trying again (here, or on
    another replica) would apply the child's message twice."""
    async with FakeRasaServer(delay=1.5) as slow, FakeRasaServer() as other:
        rasa = RemoteRasa(f"{slow.url},{other.url}", timeout=1.0)
        assistant = BaseAssistant(rasa, timeout=1.0)
        try:
            turn = await assistant.respond("web:tab-bbbbbbbb", "tolong saya", lang="ms")
            assert turn.degraded and "15999" in turn.reply_text
            await asyncio.sleep(0.7)  # the first attempt has ended by now
            assert len(slow.turns) == 1 and other.turns == []
        finally:
            await assistant.close()


async def test_rasa_down_everywhere_gets_the_safe_reply():
    rasa = RemoteRasa(f"http://127.0.0.1:{free_port()}", timeout=1.0)
    assistant = BaseAssistant(rasa, timeout=1.0)
    try:
        turn = await assistant.respond("web:tab-cccccccc", "hello")
        assert turn.degraded and "999" in turn.reply_text
        assert await assistant.language("web:tab-cccccccc") == "en"
    finally:
        await assistant.close()
