"""Throughput under open-loop load: the highest offered rate whose p95 latency stays within a
limit with every update answered and no child given the safe fallback.

Open loop: updates arrive on a fixed schedule (R per second, spread evenly over the step)
whether or not earlier ones were answered, as Telegram's do; an update's latency runs from its
arrival to its answer, so queueing counts. Users are new every step (each sends about one
message every 2 s), so the front end's per-user flood limit never applies.

Two front ends:

  conversation  `BaseAssistant.respond` straight, in this process (conversations in memory):
                the cost of the conversation module and the model alone.
  telegram      P bot processes (`python -m tools.bench.worker bot`), each the real Telegram
                front end (`bot.telegram.app.serve`, webhook mode) with Rasa in process and
                the conversations and their locks in Redis, as one production host runs them.
                This process plays Telegram: the fake Bot API (`bot.testing.fake_bot_api`)
                and the updates, posted round robin to the webhooks as nginx would pass them;
                an update is timed from its post to the first sendMessage to its chat. Run
                for each process count of `--processes` (1,2 by default), with each bot
                process's CPU time per update and peak memory.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict, deque
from typing import Any, Awaitable, Callable

from tools.bench.common import (
    ROOT,
    TOKEN,
    cpu_seconds,
    delete_redis_keys,
    free_ports,
    peak_rss_mb,
    percentile,
    redis_url,
    safe_fallback_starts,
    texts_for_load,
)

CONVERSATION_RATES = "25,50,100,150,200,250,300,400,500"
TELEGRAM_RATES = "25,50,100,150,200,250,300,400"
WEBHOOK_PATH = "telegram/bench"

# send(user, text) -> True when the answer was the safe fallback (Rasa too slow or down)
Send = Callable[[int, str], Awaitable[bool]]


async def open_loop(send: Send, texts: list[str], rate: float, duration: float, first: int) -> dict:
    """Offers `rate` updates per second for `duration` seconds; latency figures."""
    n = max(1, int(rate * duration))
    users = max(20, int(2 * rate))
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    latencies: list[float] = []
    counts = {"failures": 0, "fallback": 0}

    async def one(i: int, due: float) -> None:
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            fallback = await send(first + i % users, texts[(first + i) % len(texts)])
        except Exception:  # noqa: BLE001 - counted, not fatal
            counts["failures"] += 1
            return
        counts["fallback"] += int(fallback)
        latencies.append(loop.time() - due)

    await asyncio.gather(*(one(i, start + i / rate) for i in range(n)))
    elapsed = loop.time() - start
    return {
        "rate": rate,
        "sent": n,
        "answered": len(latencies),
        "lost": counts["failures"],
        "safe_fallback": counts["fallback"],
        "achieved_per_s": round(len(latencies) / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
    }


async def sweep(
    send: Send,
    rates: list[float],
    duration: float,
    max_p95_ms: float,
    cpu: Callable[[], float] | None = None,
) -> dict:
    """Steps the offered rate up until p95 is far past the limit or updates are lost."""
    texts = texts_for_load()
    steps: list[dict] = []
    best = 0.0
    first = 0
    for rate in rates:
        used = cpu() if cpu else 0.0
        step = await open_loop(send, texts, rate, duration, first)
        first += max(20, int(2 * rate))  # new users every step
        if cpu and step["answered"]:
            step["cpu_ms_per_update"] = round((cpu() - used) * 1000 / step["answered"], 2)
        step["passed"] = (
            step["p95_ms"] <= max_p95_ms and not step["lost"] and not step["safe_fallback"]
        )
        steps.append(step)
        print(f"  {rate:.0f}/s offered: {step}", file=sys.stderr, flush=True)
        if step["passed"]:
            best = max(best, rate)
        elif step["p95_ms"] > 4 * max_p95_ms or step["lost"]:
            break  # far past saturation; higher rates say nothing new
        await asyncio.sleep(0.5)  # let the queue drain between steps
    return {"updates_per_s_at_p95": best, "steps": steps}


def _rates(text: str, default: str) -> list[float]:
    return [float(r) for r in (text or default).split(",") if r.strip()]


# --- the conversation module alone -----------------------------------------------------------


async def conversation(args: Any, assistant: Any = None) -> dict:
    from tools.bench.common import build

    own = assistant is None
    if own:
        assistant = await build(args.model)
    prefix = f"load-{uuid.uuid4().hex[:8]}"

    async def send(user: int, text: str) -> bool:
        turn = await assistant.respond(f"{prefix}-{user}", text)
        return bool(turn.degraded)

    texts = texts_for_load()
    for i in range(30):  # warm every code path once
        await send(10**6 + i, texts[i % len(texts)])
    result = await sweep(
        send, _rates(args.rates, CONVERSATION_RATES), args.duration, args.max_p95_ms, cpu_seconds
    )
    if own:
        await assistant.close()
    result.update(
        frontend="conversation",
        processes=1,
        max_p95_ms=args.max_p95_ms,
        duration_s=args.duration,
        peak_rss_mb=peak_rss_mb(),
        note="BaseAssistant.respond in one process, conversations in memory",
    )
    return result


# --- Telegram front ends ---------------------------------------------------------------------


class Telegram:
    """The fake Bot API, noting when each chat gets its first answer to a pending update."""

    def __init__(self) -> None:
        from bot.testing.fake_bot_api import FakeBotApi

        outer = self
        self.pending: dict[int, deque] = defaultdict(deque)
        self.fallback_starts = safe_fallback_starts()

        class Api(FakeBotApi):
            def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
                waiting = outer.pending.get(int(params.get("chat_id") or 0))
                if waiting:
                    text = str(params.get("text", ""))
                    future = waiting.popleft()
                    if not future.done():
                        future.set_result(any(text.startswith(s) for s in outer.fallback_starts))
                return super()._m_sendMessage(params)

        self.api = Api(TOKEN)


class BotProcesses:
    """P Telegram front ends with Rasa in process on Redis, each its own Python process."""

    def __init__(self, count: int, model: str, api_url: str, redis: str) -> None:
        self.count = count
        self.model = model
        self.api_url = api_url
        self.redis = redis
        self.key_prefix = "jagabench" + uuid.uuid4().hex[:8]
        self.secret = secrets.token_urlsafe(24).replace("-", "_")
        self.ports: list[int] = []
        self.procs: list[subprocess.Popen] = []

    def start(self) -> None:
        base = free_ports(self.count)
        self.ports = [base + i for i in range(self.count)]
        id_secret = secrets.token_urlsafe(32)  # every process names a conversation alike
        env = dict(os.environ, JAGA_BENCH_SECRET=self.secret, JAGA_BENCH_ID_SECRET=id_secret)
        for port in self.ports:
            command = [sys.executable, "-m", "tools.bench.worker", "bot", "--model", self.model]
            command += ["--port", str(port), "--api-url", self.api_url, "--redis", self.redis]
            command += ["--key-prefix", self.key_prefix, "--result", os.devnull]
            self.procs.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
            )

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.procs)

    def failure(self) -> str:
        dead = [p for p in self.procs if p.poll() is not None]
        return dead[0].stderr.read()[-2000:] if dead and dead[0].stderr else ""

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.procs)

    def peak_rss(self) -> list[float]:
        return [round(peak_rss_mb(p.pid), 1) for p in self.procs]

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}/{WEBHOOK_PATH}" for port in self.ports]

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        from bot.testing.fake_bot_api import BOT_ID

        delete_redis_keys(self.redis, [f"{self.key_prefix}:*", f"jaga:tg:done:{BOT_ID}:*"])


async def telegram_step_runner(
    tg: Telegram, bots: BotProcesses, answer_timeout: float = 30.0
) -> tuple[Send, Callable[[], Awaitable[None]]]:
    import aiohttp

    session = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=answer_timeout),
        connector=aiohttp.TCPConnector(limit=0),
    )
    next_url = itertools.cycle(bots.urls())  # nginx's round robin
    update_ids = itertools.count(secrets.randbelow(10**9) * 1000 + 1)
    headers = {"X-Telegram-Bot-Api-Secret-Token": bots.secret}
    from bot.testing.fake_bot_api import message_update

    async def send(user: int, text: str) -> bool:
        chat = 10_000_000 + user
        future = asyncio.get_running_loop().create_future()
        tg.pending[chat].append(future)
        update = {"update_id": next(update_ids), **message_update(chat, text)}
        # The webhook answers once the update was handled; the reply was sent before that.
        post = asyncio.ensure_future(session.post(next(next_url), json=update, headers=headers))
        try:
            return await asyncio.wait_for(asyncio.shield(future), answer_timeout)
        finally:
            response = await post
            response.release()
            if response.status != 200:
                raise RuntimeError(f"webhook answered {response.status}")

    return send, session.close


async def telegram_run(count: int, args: Any, rates: list[float], redis: str) -> dict:
    """The sweep with `count` bot processes."""
    tg = Telegram()
    await tg.api.start()
    bots = BotProcesses(count, args.model, tg.api.api_url, redis)
    started = time.perf_counter()
    try:
        bots.start()
        await tg.api.wait_for(
            lambda: len(tg.api.called("setWebhook")) >= count or not bots.alive(),
            timeout=300,
            what=f"{count} bot process(es) to start",
        )
        if not bots.alive():
            raise RuntimeError(f"a bot process stopped: {bots.failure()}")
        ready_s = time.perf_counter() - started
        send, close = await telegram_step_runner(tg, bots)
        texts = texts_for_load()
        for i in range(20 * count):  # warm-up: every process, every code path once
            await send(10**6 + i, texts[i % len(texts)])
        print(f"  {count} bot process(es) ready in {ready_s:.1f} s", file=sys.stderr)
        run = await sweep(send, rates, args.duration, args.max_p95_ms, bots.cpu)
        await close()
        run.update(processes=count, ready_s=round(ready_s, 1), peak_rss_mb=bots.peak_rss())
        calls: dict[str, int] = defaultdict(int)
        for call in tg.api.calls:
            calls[call.method] += 1
        run["bot_api_calls"] = dict(calls)
        return run
    finally:
        bots.stop()
        await tg.api.stop()


async def telegram(args: Any) -> dict:
    """The sweep for each process count in `args.processes`."""
    rates = _rates(args.rates, TELEGRAM_RATES)
    redis = args.redis or redis_url()
    counts = [int(p) for p in str(args.processes).split(",") if p.strip()]
    runs = [await telegram_run(count, args, rates, redis) for count in counts]
    best = max(runs, key=lambda r: r["updates_per_s_at_p95"]) if runs else {}
    return {
        "frontend": "telegram",
        "updates_per_s_at_p95": best.get("updates_per_s_at_p95", 0.0),
        "processes": best.get("processes"),
        "steps": best.get("steps", []),
        "runs": runs,
        "max_p95_ms": args.max_p95_ms,
        "duration_s": args.duration,
        "peak_rss_mb": max((max(r["peak_rss_mb"]) for r in runs), default=None),
        "loadgen_cpu_s": round(cpu_seconds(), 1),
        "note": "Telegram front ends in webhook mode, Rasa in process, conversations and locks "
        "in Redis; updates posted round robin; latency = post -> first sendMessage",
    }


def bot_settings(model: str, port: int, api_url: str, redis: str, key_prefix: str) -> Any:
    from tools.bench.common import settings_for

    return settings_for(
        model,
        telegram_token=TOKEN,
        telegram_api_url=api_url,
        webhook_url=f"https://bench.invalid/{WEBHOOK_PATH}",
        webhook_secret=os.environ["JAGA_BENCH_SECRET"],
        webhook_port=port,
        redis_url=redis,
        redis_key_prefix=key_prefix,  # every key of the run under it, deleted afterwards
        id_secret=os.environ["JAGA_BENCH_ID_SECRET"],
    )


async def serve_bot(args: Any) -> dict:
    """One bot process (`worker bot`): serves until SIGTERM."""
    from bot.telegram.app import serve
    from tools.bench.common import build

    settings = bot_settings(args.model, args.port, args.api_url, args.redis, args.key_prefix)
    assistant = await build(
        args.model, redis=args.redis, key_prefix=args.key_prefix, id_secret=settings.id_secret
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await serve(settings, assistant, stop=stop, grace=2.0)
    finally:
        await assistant.close()
    return {"peak_rss_mb": peak_rss_mb()}
