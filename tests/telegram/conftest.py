"""Fixtures shared by the Telegram tests: a fake Bot API server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.testing.fake_bot_api import FakeBotApi

TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuv"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(TOKEN)
    await server.start()
    yield server
    await server.stop()
