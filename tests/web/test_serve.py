"""`python -m bot demo`: serves on 127.0.0.1 only, prints the address, explains a busy port."""

from __future__ import annotations

import asyncio
import socket
import sys
import types

import aiohttp
import pytest

from bot.core.settings import Settings
from bot.web import server

from .fakes import TinyFakeAssistant


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_prints_the_address_and_listens_on_loopback_only(capsys):
    port = free_port()
    assistant = TinyFakeAssistant()
    task = asyncio.create_task(
        server.serve(Settings(demo_port=port), assistant, handle_signals=False)
    )
    try:
        for _ in range(100):
            if f"http://127.0.0.1:{port}/" in capsys.readouterr().out:
                break
            await asyncio.sleep(0.02)
        else:
            pytest.fail("the address was not printed")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/api/health") as r:
                assert r.status == 200 and await r.json() == {"ok": True}
            async with http.get(f"http://127.0.0.1:{port}/") as r:
                assert "Content-Security-Policy" in r.headers
        listening = [s for s in _tcp_listeners() if s[1] == port]
        assert listening and all(addr == "127.0.0.1" for addr, _ in listening)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert assistant.closed


def _tcp_listeners() -> list[tuple[str, int]]:
    out = []
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(path).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            if state != "0A":  # LISTEN
                continue
            host, port = local.split(":")
            if len(host) == 8:
                addr = socket.inet_ntoa(bytes.fromhex(host)[::-1])
            else:
                addr = "::" if set(host) == {"0"} else host
            out.append((addr, int(port, 16)))
    return out


async def test_a_busy_port_is_explained():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit, match=r"DEMO_PORT=8081 make demo"):
            await server.serve(Settings(demo_port=port), TinyFakeAssistant(), handle_signals=False)


def test_main_builds_the_assistant_and_serves(monkeypatch, capsys):
    seen = {}

    async def build_assistant(settings):
        seen["settings"] = settings
        return TinyFakeAssistant()

    async def serve(settings, assistant, **kw):
        seen["served"] = (settings.demo_port, assistant)

    monkeypatch.setitem(
        sys.modules, "bot.core.conversation", types.SimpleNamespace(build_assistant=build_assistant)
    )
    monkeypatch.setattr(server, "serve", serve)
    monkeypatch.setenv("DEMO_PORT", "8099")
    assert server.main() == 0
    assert seen["served"][0] == 8099
    assert "stopped" in capsys.readouterr().out


def test_main_explains_a_bad_setting(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PORT", "not-a-port")
    assert server.main() == 2
    assert "DEMO_PORT must be a whole number" in capsys.readouterr().err
