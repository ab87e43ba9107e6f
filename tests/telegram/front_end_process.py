"""Jaga's Telegram front end with a scripted assistant, as a process of its own, for the
crash test in test_delivery.py (which kills it with SIGKILL).

    python front_end_process.py <fake Bot API url> <sqlite store path>

Messages containing "slow" take 30 s to answer, others 0.05 s (JAGA_TEST_DELAY).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

from scripted_assistant import ScriptedAssistant  # noqa: E402

from bot.core.settings import Settings  # noqa: E402
from bot.telegram.app import serve  # noqa: E402
from bot.telegram.dedupe import SqliteDoneStore  # noqa: E402
from bot.testing.fake_bot_api import BOT_ID  # noqa: E402

DELAY = float(os.environ.get("JAGA_TEST_DELAY", "0.05"))
TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuv"


class SlowOnSome(ScriptedAssistant):
    async def respond(self, sender_id: str, text: str, *, lang=None, metadata=None):
        await asyncio.sleep(30.0 if "slow" in text else DELAY)
        return await super().respond(sender_id, text, lang=lang, metadata=metadata)


async def main(api_url: str, store_path: str) -> None:
    settings = Settings(
        telegram_token=TOKEN, telegram_api_url=api_url, reply_timeout=60.0, stats_db=None
    )
    store = SqliteDoneStore(Path(store_path), BOT_ID)
    await serve(settings, SlowOnSome(), store=store, poll_timeout=1)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
