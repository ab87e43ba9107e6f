"""A bounded load test of the production stack, on loopback only, into reports/loadtest.md.

    python -m tools.bench.loadtest [--replicas 1,2,0] [--channels telegram,web] [--users 60]
                                   [--messages 5] [--concurrency 30] [--max-seconds 90]
                                   [--out reports/loadtest.md]

For each number of Rasa replicas it starts `deploy/run-production.sh` (the action server,
the replicas on Redis, FRONTENDS Telegram front ends in webhook mode and WEB_PROCESSES web
chat processes), with a fake Telegram Bot API in this process, then loads each channel in
turn. Replicas 0 is the other way to run Jaga: FRONTENDS Telegram front ends, each with Rasa
in its own process and the conversations and locks in Redis, no Rasa server (Telegram only).

- telegram: simulated children post updates to the front ends' webhooks, as nginx would pass
  them from Telegram, and each waits for Jaga's answer (the first sendMessage to their chat)
  before typing again;
- web: simulated children post to the web chat's /api/message, round robin over the web
  processes as nginx would, each with a session id and an address of its own (X-Real-IP), so
  the shared rate limits in Redis are counted as in production; the answer is the response.

It measures throughput (answers per second), latency to the first reply (p50, p95, max),
errors (refused, no answer within --answer-timeout), rate-limit refusals (web), safe-fallback
replies (Rasa too slow or down), and the replicas' memory.

Bounded: at most users x messages updates and --max-seconds per run; nothing leaves 127.0.0.1.
Needs Redis (REDIS_HOST, default 127.0.0.1:6379; it uses db JAGA_LOADTEST_REDIS_DB, 7, and a
key prefix of its own, deleted afterwards) and a trained model (JAGA_MODEL, default
models/jaga.tar.gz).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import itertools
import json
import os
import platform
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.testing.fake_bot_api import BOT_ID, FakeBotApi
from tools.bench.common import (
    REDIS_DB,
    ROOT,
    TOKEN,
    cpu_name,
    delete_redis_keys,
    free_ports,
    percentile,
    redis_url,
    rss_mb,
    safe_fallback_starts,
)

WEBHOOK_PATH = "telegram/loadtest"

# What children and parents type, in both languages (no personal details).
MESSAGES = [
    "hi",
    "assalamualaikum",
    "what is grooming",
    "apa itu sextortion",
    "macam mana nak report",
    "how do I stay safe online",
    "tips selamat guna internet",
    "a guy from a game wants me to keep our chats secret",
    "kena buli kat group kelas",
    "how can I protect my daughter online",
    "do you save my messages?",
    "thanks!",
    "terima kasih",
    "menu",
]


# -- a fake Telegram Bot API -------------------------------------------------------------------


class FakeTelegram(FakeBotApi):
    """The project's fake Bot API, also noting when each chat gets its first answer."""

    def __init__(self) -> None:
        super().__init__(TOKEN)
        self.waiting: dict[int, asyncio.Future] = {}
        self.answers: dict[int, list[str]] = {}

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = int(params["chat_id"])
        text = html.unescape(str(params.get("text", "")))
        self.answers.setdefault(chat, []).append(text)
        future = self.waiting.pop(chat, None)
        if future is not None and not future.done():
            future.set_result((time.perf_counter(), text))
        return super()._m_sendMessage(params)


# -- the stack under test ----------------------------------------------------------------------


@dataclass
class Stack:
    replicas: int
    frontends: int
    api_url: str
    model: Path
    workdir: Path
    redis_db: int
    web: int = 0
    prefix: str = field(default_factory=lambda: "jagaload" + uuid.uuid4().hex[:10])
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    process: subprocess.Popen | None = None
    rasa_port: int = 0
    webhook_port: int = 0
    web_port: int = 0

    def start(self) -> None:
        self.rasa_port = free_ports(self.replicas)
        self.webhook_port = free_ports(self.frontends)
        self.web_port = free_ports(max(1, self.web))
        prefixes = ("TELEGRAM_", "RASA_", "WEB_", "REDIS_URL", "JAGA_ID_SECRET")
        env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
        env.update(
            WEB_PROCESSES=str(self.web),
            WEB_BASE_PORT=str(self.web_port),
            WEB_PUBLIC_URL="https://loadtest.invalid",
            WEB_RATE_SECRET=secrets.token_urlsafe(32),
            JAGA_ID_SECRET=secrets.token_urlsafe(32),  # all processes name a conversation alike
        )
        env.update(
            RASA_TOKEN=secrets.token_urlsafe(32),
            RASA_REPLICAS=str(self.replicas),
            RASA_BASE_PORT=str(self.rasa_port),
            ACTION_PORT=str(free_ports(1)),
            FRONTENDS=str(self.frontends),
            WEBHOOK_BASE_PORT=str(self.webhook_port),
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=self.api_url,
            TELEGRAM_WEBHOOK_URL=f"https://loadtest.invalid/{WEBHOOK_PATH}",
            TELEGRAM_WEBHOOK_SECRET=self.secret,
            REDIS_HOST=os.environ.get("REDIS_HOST", "127.0.0.1"),
            REDIS_PORT=os.environ.get("REDIS_PORT", "6379"),
            REDIS_DB=str(self.redis_db),
            REDIS_KEY_PREFIX=self.prefix,
            JAGA_MODEL=str(self.model),
            JAGA_RUN_DIR=str(self.workdir / "run"),
            JAGA_LOG_DIR=str(self.workdir / "log"),
            JAGA_PYTHON=sys.executable,
            JAGA_STATS_DB=str(self.workdir / "stats.sqlite"),
            JAGA_LOG_LEVEL="WARNING",
        )
        (self.workdir / "log").mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["bash", str(ROOT / "deploy" / "run-production.sh"), "start"],
            cwd=ROOT,
            env=env,
            stdout=open(self.workdir / "log" / "run-production.out", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def failure(self) -> str:
        return f"run-production.sh stopped; see {self.workdir}/log"

    def webhook_urls(self) -> list[str]:
        return [
            f"http://127.0.0.1:{self.webhook_port + i}/{WEBHOOK_PATH}"
            for i in range(self.frontends)
        ]

    def web_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.web_port + i}/api/message" for i in range(self.web)]

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of each Rasa replica (Linux /proc)."""
        sizes = {}
        for i in range(1, self.replicas + 1):
            try:
                pid = (self.workdir / "run" / f"rasa-{i}.pid").read_text().strip()
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes[f"rasa-{i}"] = int(line.split()[1]) / 1024
            except (OSError, ValueError):
                continue
        return sizes

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        url = f"redis://{os.environ.get('REDIS_HOST', '127.0.0.1')}:"
        url += f"{os.environ.get('REDIS_PORT', '6379')}/{self.redis_db}"
        # The ids of the updates the front ends answered (the fake bot's id is the test's own).
        delete_redis_keys(url, [f"{self.prefix}:*", f"jaga:tg:done:{BOT_ID}:*"])


class InProcessStack:
    """`count` Telegram front ends, each with Rasa in its own process and the conversations
    and locks in Redis (tools.bench.throughput's bot processes): no Rasa server at all."""

    replicas = 0
    web = 0
    web_port = 0

    def __init__(self, count: int, api_url: str, model: Path, redis_db: int) -> None:
        from tools.bench.throughput import BotProcesses

        self.bots = BotProcesses(count, str(model), api_url, redis_url(redis_db))
        self.secret = self.bots.secret
        self.workdir = ROOT

    @property
    def webhook_port(self) -> int:
        return self.bots.ports[0]

    def start(self) -> None:
        self.bots.start()

    def alive(self) -> bool:
        return self.bots.alive()

    def webhook_urls(self) -> list[str]:
        return self.bots.urls()

    def web_urls(self) -> list[str]:
        return []

    def rss_mb(self) -> dict[str, float]:
        return {f"bot-{i + 1}": rss_mb(p.pid) for i, p in enumerate(self.bots.procs)}

    def stop(self) -> None:
        self.bots.stop()

    def failure(self) -> str:
        return self.bots.failure()


def ports_open(ports: list[int]) -> bool:
    for port in ports:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pass
        except OSError:
            return False
    return True


# -- the load --------------------------------------------------------------------------------


@dataclass
class Result:
    replicas: int  # Rasa servers; 0: Rasa runs inside each front end
    frontends: int  # Telegram front ends, or web processes for the web channel
    channel: str = "telegram"
    sent: int = 0
    answered: int = 0
    refused: int = 0
    unanswered: int = 0
    rate_limited: int = 0
    safe_fallback: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    start_seconds: float = 0.0
    rss_before: dict[str, float] = field(default_factory=dict)
    rss_after: dict[str, float] = field(default_factory=dict)
    stopped_early: bool = False

    def percentile(self, q: float) -> float:
        return percentile(self.latencies, q * 100)


async def run_load(
    api: FakeTelegram, stack: Stack, result: Result, args: argparse.Namespace
) -> None:
    import aiohttp

    safe_starts = safe_fallback_starts()
    urls = stack.webhook_urls()
    next_url = itertools.cycle(urls)  # nginx's round robin
    # Fresh ids each run: front ends remember answered ids (24 h) and skip repeats.
    update_ids = itertools.count(random.SystemRandom().randrange(10**9) * 1000 + 1)
    chats = [9_000_000 + i for i in range(args.users)]
    deadline = time.perf_counter() + args.max_seconds
    gate = asyncio.Semaphore(args.concurrency)
    rng = random.Random(42)
    headers = {"X-Telegram-Bot-Api-Secret-Token": stack.secret}

    async def child(session: aiohttp.ClientSession, chat: int) -> None:
        async with gate:
            for number in range(args.messages):
                if time.perf_counter() > deadline:
                    result.stopped_early = True
                    return
                text = rng.choice(MESSAGES)
                update = {
                    "update_id": next(update_ids),
                    "message": {
                        "message_id": number + 1,
                        "date": int(time.time()),
                        "chat": {"id": chat, "type": "private", "first_name": "Murid"},
                        "from": {
                            "id": chat,
                            "is_bot": False,
                            "first_name": "Murid",
                            "language_code": "ms" if chat % 2 else "en",
                        },
                        "text": text,
                    },
                }
                future = asyncio.get_running_loop().create_future()
                api.waiting[chat] = future
                sent_at = time.perf_counter()
                result.sent += 1
                try:
                    async with session.post(next(next_url), json=update, headers=headers) as r:
                        if r.status != 200:
                            result.refused += 1
                            api.waiting.pop(chat, None)
                            continue
                except aiohttp.ClientError:
                    result.refused += 1
                    api.waiting.pop(chat, None)
                    continue
                try:
                    answered_at, reply = await asyncio.wait_for(future, args.answer_timeout)
                except asyncio.TimeoutError:
                    result.unanswered += 1
                    api.waiting.pop(chat, None)
                    continue
                result.answered += 1
                result.latencies.append(answered_at - sent_at)
                if any(reply.startswith(start) for start in safe_starts):
                    result.safe_fallback += 1
                # the rest of the answer (buttons, privacy card) arrives; then the child types
                await asyncio.sleep(args.think)

    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=10)
    connector = aiohttp.TCPConnector(limit=args.concurrency * 2)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(*(child(session, chat) for chat in chats))
    result.seconds = time.perf_counter() - started


async def run_web_load(stack: Stack, result: Result, args: argparse.Namespace) -> None:
    """Children in the web chat: each a session and an address; the answer is the response."""
    import aiohttp

    safe_starts = safe_fallback_starts()
    next_url = itertools.cycle(stack.web_urls())  # nginx's round robin
    deadline = time.perf_counter() + args.max_seconds
    gate = asyncio.Semaphore(args.concurrency)
    rng = random.Random(43)

    async def child(session: aiohttp.ClientSession, number: int) -> None:
        web_session = f"web:load{number:06d}{secrets.token_hex(8)}"
        headers = {"X-Real-IP": f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"}
        async with gate:
            for _ in range(args.messages):
                if time.perf_counter() > deadline:
                    result.stopped_early = True
                    return
                body = {"session": web_session, "text": rng.choice(MESSAGES)}
                body["lang"] = "ms" if number % 2 else "en"
                result.sent += 1
                sent_at = time.perf_counter()
                try:
                    async with session.post(next(next_url), json=body, headers=headers) as r:
                        data = await r.json(content_type=None)
                        status = r.status
                except asyncio.TimeoutError:
                    result.unanswered += 1
                    continue
                except aiohttp.ClientError:
                    result.refused += 1
                    continue
                if status == 429:
                    result.rate_limited += 1
                    continue
                if status != 200:
                    result.refused += 1
                    continue
                result.answered += 1
                result.latencies.append(time.perf_counter() - sent_at)
                if any(str(data.get("text", "")).startswith(s) for s in safe_starts):
                    result.safe_fallback += 1
                await asyncio.sleep(args.think)

    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=args.answer_timeout)
    connector = aiohttp.TCPConnector(limit=args.concurrency * 2)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(*(child(session, n) for n in range(args.users)))
    result.seconds = time.perf_counter() - started


async def scenario(replicas: int, args: argparse.Namespace, workdir: Path) -> list[Result]:
    """One stack with `replicas` Rasa replicas (0: `args.frontends` front ends with Rasa in
    process, Telegram only); each channel's load in turn on it."""
    api = FakeTelegram()
    await api.start()
    telegram = "telegram" in args.channels
    web = args.web if "web" in args.channels and replicas else 0
    frontends = args.frontends if telegram else 0
    stack: Any
    if replicas:
        where = workdir / f"r{replicas}"
        stack = Stack(replicas, frontends, api.api_url, args.model, where, args.redis_db, web)
    else:
        stack = InProcessStack(frontends, api.api_url, args.model, args.redis_db)
    results = []
    started = time.perf_counter()
    print(
        f"[loadtest] {replicas} replica(s), {frontends} front ends, {web} web processes: starting",
        flush=True,
    )
    try:
        stack.start()
        ports = [stack.webhook_port + i for i in range(frontends)]
        ports += [stack.web_port + i for i in range(web)]
        while not (ports_open(ports) and len(api.called("setWebhook")) >= frontends):
            if not stack.alive():
                raise RuntimeError(f"the stack stopped: {stack.failure()}")
            if time.perf_counter() - started > args.start_timeout:
                raise RuntimeError(f"not ready after {args.start_timeout} s; see {stack.workdir}")
            await asyncio.sleep(0.5)
        start_seconds = time.perf_counter() - started
        # Warm-up: one message through each front end and web process, not measured.
        if telegram:
            warm = argparse.Namespace(**{**vars(args), "users": frontends, "messages": 1})
            await run_load(api, stack, Result(replicas, frontends), warm)
        if web:
            warm = argparse.Namespace(**{**vars(args), "users": web, "messages": 1})
            await run_web_load(stack, Result(replicas, web, "web"), warm)
        print(f"[loadtest] ready after {start_seconds:.0f} s; load running", flush=True)
        for channel in [c for c in args.channels if c == "telegram" or web]:
            result = Result(replicas, frontends if channel == "telegram" else web, channel)
            result.start_seconds = start_seconds
            result.rss_before = stack.rss_mb()
            if channel == "telegram":
                await run_load(api, stack, result, args)
            else:
                await run_web_load(stack, result, args)
            result.rss_after = stack.rss_mb()
            results.append(result)
            print(
                f"[loadtest] {replicas} replica(s), {channel}: {result.answered}/{result.sent} "
                f"answered in {result.seconds:.1f} s, p95 {result.percentile(0.95) * 1000:.0f} "
                f"ms, errors {result.refused + result.unanswered}, rate-limited "
                f"{result.rate_limited}, safe fallback {result.safe_fallback}",
                flush=True,
            )
    finally:
        await api.stop()
        stack.stop()
    return results


# -- the report --------------------------------------------------------------------------------


def report(results: list[Result], args: argparse.Namespace) -> str:
    ms = lambda s: f"{s * 1000:.0f}"  # noqa: E731
    lines = [
        "# Load test: Telegram and the web chat -> Rasa replicas on Redis",
        "",
        "Generated by `python -m tools.bench.loadtest` (`make loadtest`) "
        f"on {time.strftime('%Y-%m-%d')}. "
        f"Machine: {os.cpu_count()} CPU(s), {cpu_name()}, Python {platform.python_version()}. "
        "Everything on 127.0.0.1: the production script `deploy/run-production.sh` (action "
        f"server, Rasa replicas with the Redis tracker and lock stores, {args.frontends} "
        f"Telegram front ends in webhook mode, {args.web} web chat processes with their rate "
        "limits in Redis), a fake Telegram Bot API in the load generator.",
        "",
        f"Load, per channel: {args.users} simulated children, {args.messages} messages each "
        f"({args.users * args.messages} messages at most), at most {args.concurrency} typing "
        f"at once; each waits for the answer (and {args.think:.1f} s) before the next message. "
        "Telegram updates are posted round robin to the front ends' webhooks, web chat "
        "messages round robin to the web processes' /api/message (each child with a session "
        "and an address of its own), as nginx would. The channels are loaded one after the "
        f"other on the same stack. Bounded to {args.max_seconds:.0f} s per run; an answer "
        f"later than {args.answer_timeout:.0f} s counts as an error.",
        "",
        "Latency: Telegram, from posting the update to the first sendMessage to that chat; "
        "web, the /api/message round trip (all the bubbles at once). "
        '"Safe fallback" counts answers that were the helplines reply because Rasa did not '
        "answer within the reply timeout (2 s): the child still got an answer. "
        '"Rate-limited" counts web messages refused by the per-session or per-address limit '
        "(kindly, with 999 and 15999).",
        "",
        "| channel | Rasa replicas | front ends / web processes | messages | answered | errors "
        "| rate-limited | safe fallback | throughput (answers/s) | p50 ms | p95 ms | max ms "
        "| Rasa RSS MB (before -> after) | start s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in sorted(results, key=lambda r: (r.channel != "telegram", r.replicas)):
        rss = ", ".join(
            f"{name} {r.rss_before.get(name, 0):.0f}->{r.rss_after.get(name, 0):.0f}"
            for name in sorted(r.rss_after or r.rss_before)
        )
        lines.append(
            f"| {r.channel} | {r.replicas or 'in each front end'} | {r.frontends} | {r.sent} | "
            f"{r.answered} | "
            f"{r.refused + r.unanswered} | {r.rate_limited} | {r.safe_fallback} | "
            f"{r.answered / r.seconds if r.seconds else 0:.1f} | {ms(r.percentile(0.5))} | "
            f"{ms(r.percentile(0.95))} | {ms(max(r.latencies) if r.latencies else 0)} | "
            f"{rss} | {r.start_seconds:.0f} |"
        )
    lines += ["", "Errors are refused posts plus messages left without any answer."]
    if any(r.stopped_early for r in results):
        lines.append("Some runs hit the time bound before sending every message.")
    for channel in args.channels:
        runs = [r for r in results if r.channel == channel and r.seconds and r.answered]
        runs = [r for r in runs if r.replicas]  # Rasa servers: how they scale
        if len(runs) >= 2:
            a, b = runs[0], runs[-1]
            ratio = (b.answered / b.seconds) / (a.answered / a.seconds)
            lines += [
                "",
                f"{channel}: {b.replicas} replicas gave {ratio:.2f}x the throughput of "
                f"{a.replicas} (p95 {ms(a.percentile(0.95))} -> {ms(b.percentile(0.95))} ms).",
            ]
    if len({r.replicas for r in results if r.replicas}) >= 2:
        lines += [
            "",
            "Each Rasa replica is one Python process and uses one CPU core; on this machine "
            "the front ends, the web processes, the action server, Redis and the load "
            f"generator share the same {os.cpu_count()} core(s), so more replicas help only "
            "while cores are free. On a production host, plan one replica per core left "
            "after the front ends and web processes.",
        ]
    if results:
        mean = statistics.mean(r.percentile(0.95) for r in results)
        lines += ["", f"Mean p95 across runs: {ms(mean)} ms."]
    lines += [
        "",
        "Reproduce: `make loadtest` (or `python -m tools.bench.loadtest --help` for the bounds).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench.loadtest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--replicas",
        default="1,2,0",
        help="Rasa replica counts, comma-separated; 0: Rasa in each front end's process, on "
        "Redis (Telegram only)",
    )
    parser.add_argument("--channels", default="telegram,web", help="telegram, web or both")
    parser.add_argument("--frontends", type=int, default=2)
    parser.add_argument("--web", type=int, default=2, help="web chat processes")
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=30)
    parser.add_argument("--think", type=float, default=0.2, help="seconds between messages")
    parser.add_argument("--answer-timeout", type=float, default=10.0)
    parser.add_argument("--max-seconds", type=float, default=90.0)
    parser.add_argument("--start-timeout", type=float, default=240.0)
    parser.add_argument("--redis-db", type=int, default=REDIS_DB)
    parser.add_argument(
        "--model",
        type=Path,
        default=Path(os.environ.get("JAGA_MODEL") or ROOT / "models/jaga.tar.gz"),
    )
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "loadtest.md")
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    args = parser.parse_args(argv)
    args.channels = [c.strip() for c in args.channels.split(",") if c.strip()]
    if not args.channels or set(args.channels) - {"telegram", "web"}:
        parser.error("--channels: telegram, web or telegram,web")
    if args.users * args.messages > 5000 or args.max_seconds > 600:
        parser.error("the load test is bounded: at most 5000 updates and 600 s per run")
    if not args.model.exists():
        parser.error(f"no model at {args.model}; run `make train` or set JAGA_MODEL")
    replicas = [int(n) for n in args.replicas.split(",") if n.strip()]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, str(ROOT))

    import tempfile

    results = []
    with tempfile.TemporaryDirectory(prefix="jaga-loadtest-") as tmp:
        for count in replicas:
            results.extend(asyncio.run(scenario(count, args, Path(tmp))))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report(results, args), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2, default=str))
    print(f"[loadtest] wrote {args.out}")
    return 0 if all(r.refused + r.unanswered == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
