"""Drives Jaga's Telegram front end (`bot/telegram/`) against the fake Bot API on loopback.

Two processes, so the load generator does not share the bot's CPU time or event loop:

  bot process (tools.bench_worker throughput)   the real front end: `bot.telegram.app.serve`
      with the real conversation module and model, long-polling the fake Bot API;
  load process (`python -m tools.bench_telegram loadgen`)   runs
      `tools/fake_bot_api.FakeBotApi`, queues text updates on an open-loop schedule
      and times each one from its arrival in the queue to the first `sendMessage` to its chat.

Users are new for every rate step (each sends about one message every 2 s), so FloodGuard's
per-user limit never applies and every step mixes fresh and ongoing conversations.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FRONT_END = ROOT / "bot" / "telegram"
TOKEN = "123456:BENCH-token_abcdefghijklmnopqrstuv"


def unavailable() -> str | None:
    """None when the Telegram front end can be benchmarked, else the reason it cannot."""
    if not (FRONT_END / "app.py").is_file():
        return "bot/telegram/app.py does not exist yet"
    try:
        from bot.telegram.app import serve  # noqa: F401
    except Exception as error:  # noqa: BLE001 - any import problem means "cannot measure"
        return f"bot.telegram.app does not import: {type(error).__name__}: {error}"
    return None


# --- the bot process -------------------------------------------------------------------------


async def run_bot(args: Any, assistant: Any = None) -> dict:
    """Starts the load process, serves Telegram until it is done, returns its figures."""
    from dataclasses import replace

    from bot.telegram.app import serve
    from tools.bench_worker import build, peak_rss_mb

    own = assistant is None
    if own:
        assistant = await build(args.model)
    rates = args.rates or "50,100,150,200,250,300,400,500,650,800"
    # subprocess.Popen, not asyncio's: Rasa installs an event-loop policy without child watcher.
    load = subprocess.Popen(  # noqa: ASYNC220
        [
            sys.executable,
            "-m",
            "tools.bench_telegram",
            "loadgen",
            "--rates",
            rates,
            "--duration",
            str(args.duration),
            "--max-p95-ms",
            str(args.max_p95_ms),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    loop = asyncio.get_running_loop()
    assert load.stdout is not None
    line = await asyncio.wait_for(loop.run_in_executor(None, load.stdout.readline), 120)
    if not line.startswith("PORT "):
        load.kill()
        _, err = load.communicate()
        raise RuntimeError(f"load generator did not start: {line!r} {err[-2000:]}")
    port = int(line.split()[1])
    from bot.core.settings import Settings

    settings = replace(
        Settings(stats_db=None),
        telegram_token=TOKEN,
        telegram_api_url=f"http://127.0.0.1:{port}/bot",
        model_path=Path(args.model),
    )
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, assistant, stop=stop, poll_timeout=1))
    out, err = await loop.run_in_executor(None, load.communicate)
    stop.set()
    try:
        await asyncio.wait_for(server, 15)
    except Exception:  # noqa: BLE001 - the figures are in already
        server.cancel()
    if own:
        await assistant.close()
    text = out.strip().splitlines()
    if load.returncode != 0 or not text:
        raise RuntimeError(f"load generator failed ({load.returncode}): {err[-2000:]}")
    result = json.loads(text[-1])
    result["peak_rss_mb"] = peak_rss_mb()
    return result


# --- the load process ------------------------------------------------------------------------


async def loadgen(args: argparse.Namespace) -> dict:
    from tools.bench_load import percentile
    from tools.bench_worker import texts_for_load
    from tools.fake_bot_api import FakeBotApi, message_update

    pending: dict[int, deque] = defaultdict(deque)  # chat -> arrival times awaiting a reply
    latencies: list[float] = []

    class TimedApi(FakeBotApi):
        def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
            queue = pending.get(params.get("chat_id"))
            if queue:
                latencies.append(time.perf_counter() - queue.popleft())
            return super()._m_sendMessage(params)

    api = TimedApi(TOKEN)
    await api.start()
    print(f"PORT {api.port}", flush=True)
    texts = texts_for_load()
    await api.wait_for(lambda: api.called("getUpdates"), timeout=120, what="the bot to poll")
    next_user = iter(range(10_000_001, 99_000_000))
    message_ids = iter(range(1, 10**9))

    def push(chat: int, text: str) -> None:
        pending[chat].append(time.perf_counter())
        api.push(message_update(chat, text, message_id=next(message_ids)))

    async def drain(timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while any(pending.values()) and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)

    # warm-up: every code path once
    for i in range(20):
        push(next(next_user), texts[i])
    await drain(60)
    latencies.clear()

    steps = []
    best = 0.0
    k = 0
    for rate in [float(r) for r in args.rates.split(",") if r]:
        users = [next(next_user) for _ in range(max(20, int(2 * rate)))]
        n = max(1, int(rate * args.duration))
        latencies.clear()
        for chat in pending:
            pending[chat].clear()
        start = time.perf_counter() + 0.02
        for i in range(n):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            push(users[i % len(users)], texts[k % len(texts)])
            k += 1
        pushed_for = time.perf_counter() - start
        await drain(30)
        lost = sum(len(q) for q in pending.values())
        elapsed = time.perf_counter() - start
        p95 = percentile(latencies, 95) * 1000 if latencies else float("inf")
        step = {
            "rate": rate,
            "sent": n,
            "answered": len(latencies),
            "lost": lost,
            "achieved_per_s": round(len(latencies) / elapsed, 1),
            "push_rate_per_s": round(n / pushed_for, 1) if pushed_for > 0 else None,
            "p50_ms": round(percentile(latencies, 50) * 1000, 2) if latencies else None,
            "p95_ms": round(p95, 2),
            "p99_ms": round(percentile(latencies, 99) * 1000, 2) if latencies else None,
        }
        step["passed"] = p95 <= args.max_p95_ms and lost == 0
        steps.append(step)
        print(json.dumps(step), file=sys.stderr, flush=True)
        if step["passed"]:
            best = max(best, rate)
        elif p95 > 4 * args.max_p95_ms or lost:
            break
        await asyncio.sleep(0.5)
    calls = defaultdict(int)
    for call in api.calls:
        calls[call.method] += 1
    await api.stop()
    return {
        "updates_per_s_at_p95": best,
        "steps": steps,
        "frontend": "telegram",
        "bot_api_calls": dict(calls),
        "note": "python-telegram-bot long polling against the fake Bot API on loopback "
        "(separate process); latency = update queued -> first sendMessage",
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_telegram")
    parser.add_argument("mode", choices=["loadgen"])
    parser.add_argument("--rates", default="50,100,200")
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--max-p95-ms", type=float, default=100.0)
    args = parser.parse_args()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    result = asyncio.run(loadgen(args))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
