"""Throughput under load: the highest offered rate whose p95 latency stays within a limit.

Open loop: messages arrive on a fixed schedule (R per second, spread evenly over the step) from
a pool of users with ongoing conversations, whether or not earlier ones are answered, as Telegram
updates do. A message's latency runs from its scheduled arrival to its reply, so queueing counts.
A rate passes when p95 <= the limit and the bot kept up (answered >= 95 % of the offered rate).

Two front ends:
  telegram      the real Telegram front end (`bot/telegram/`) against the fake Bot API on
                loopback (`tools/fake_bot_api.py`), see `tools.bench_telegram`
  conversation  `BaseAssistant.respond` directly (what the Telegram front end calls per update)
`auto` uses the Telegram front end when both files exist and it can be driven, else the module.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_RATES = (25, 50, 100, 150, 200, 250, 300, 400, 500, 650, 800, 1000)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


async def offered_load(
    send: Callable[[int, str], Awaitable[Any]],
    texts: list[str],
    rate: float,
    duration: float,
    users: int,
) -> dict:
    """Sends `rate` messages per second for `duration` seconds; returns latency figures."""
    n = max(1, int(rate * duration))
    interval = 1.0 / rate
    latencies: list[float] = []
    failures = 0
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    tasks = []

    async def one(i: int, due: float) -> None:
        nonlocal failures
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            await send(i % users, texts[i % len(texts)])
        except Exception:  # noqa: BLE001 - counted, not fatal
            failures += 1
            return
        latencies.append(loop.time() - due)

    for i in range(n):
        tasks.append(asyncio.ensure_future(one(i, start + i * interval)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    return {
        "rate": rate,
        "sent": n,
        "answered": len(latencies),
        "failures": failures,
        "achieved_per_s": round(len(latencies) / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
    }


async def sweep(
    send, texts: list[str], rates, duration: float, users: int, max_p95_ms: float
) -> dict:
    steps = []
    best = 0.0
    for rate in rates:
        step = await offered_load(send, texts, rate, duration, users)
        # A queue that grows shows up as p95 latency, so p95 within the limit means it kept up.
        ok = step["p95_ms"] <= max_p95_ms and step["failures"] == 0
        step["passed"] = ok
        steps.append(step)
        if ok:
            best = max(best, rate)
        elif step["p95_ms"] > 4 * max_p95_ms:
            break  # far past saturation; higher rates say nothing new
        await asyncio.sleep(0.3)  # let the queue drain between steps
    return {"updates_per_s_at_p95": best, "steps": steps}


async def _conversation_sender(model: str, assistant=None):
    from tools.bench_worker import build

    own = assistant is None
    if own:
        assistant = await build(model)
    prefix = f"load-{uuid.uuid4().hex[:8]}"

    async def send(user: int, text: str) -> None:
        turn = await assistant.respond(f"{prefix}-{user}", text)
        if turn.degraded:
            raise RuntimeError("degraded reply")

    async def close() -> None:
        if own:
            await assistant.close()

    return send, close


async def run(args, assistant=None) -> dict:
    from tools.bench_worker import peak_rss_mb, texts_for_load

    texts = texts_for_load()
    rates = [float(r) for r in args.rates.split(",") if r] if args.rates else list(DEFAULT_RATES)
    frontend = args.frontend
    note = ""
    if frontend in ("auto", "telegram"):
        from tools import bench_telegram

        reason = bench_telegram.unavailable()
        if reason is None:
            frontend = "telegram"
        elif frontend == "telegram":
            return {"error": f"Telegram front end cannot be benchmarked: {reason}"}
        else:
            frontend = "conversation"
            note = f"Telegram front end not measured: {reason}"
    if frontend == "telegram":
        from tools import bench_telegram

        result = await bench_telegram.run_bot(args, assistant)
        result.update({"max_p95_ms": args.max_p95_ms, "duration_s": args.duration})
        return result
    send, close = await _conversation_sender(args.model, assistant)
    for i in range(30):  # warm every code path once
        await send(i, texts[i % len(texts)])
    started = time.perf_counter()
    result = await sweep(send, texts, rates, args.duration, users=500, max_p95_ms=args.max_p95_ms)
    result["sweep_s"] = round(time.perf_counter() - started, 1)
    await close()
    result.update(
        {
            "frontend": frontend,
            "note": note,
            "max_p95_ms": args.max_p95_ms,
            "duration_s": args.duration,
            "peak_rss_mb": peak_rss_mb(),
        }
    )
    return result
