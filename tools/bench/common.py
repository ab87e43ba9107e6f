"""What the benchmark and the load test share. Standard library only at import time, so a
worker's cold start pays for nothing here."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import sys
import time
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports"
# Redis database of the load test and the benchmark (keys under a prefix of their own,
# deleted afterwards); REDIS_URL overrides host and port.
REDIS_DB = int(os.environ.get("JAGA_LOADTEST_REDIS_DB", "7"))
TOKEN = "123456:BENCH-token_abcdefghijklmnopqrstuv"  # the fake Bot API's bot


def log(message: str, prefix: str = "bench") -> None:
    print(f"[{prefix} {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- statistics ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the two nearest samples; nan if empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p25": percentile(values, 25),
        "p75": percentile(values, 75),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "min": min(values),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


def ms(seconds: float) -> float:
    return round(seconds * 1000, 4)


# --- processes -------------------------------------------------------------------------------


def _status_mb(key: str, pid: int | str = "self") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's RSS high-water mark (VmHWM), in MB."""
    found = _status_mb("VmHWM", pid)
    if found is None and pid == "self":
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return found or 0.0


def rss_mb(pid: int | str = "self") -> float:
    return _status_mb("VmRSS", pid) or 0.0


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process (this one by default)."""
    if pid == "self":
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def real_tensorflow() -> bool:
    """Whether TensorFlow itself (not bot.rasa_adapter.tf_guard's stand-in) is loaded."""
    module = sys.modules.get("tensorflow")
    return module is not None and not getattr(module, "__version__", "").endswith("-blocked")


def loaded_packages(top: int = 25) -> dict[str, int]:
    """Top-level packages in this process, by number of their modules loaded."""
    counts = Counter(name.split(".")[0] for name in list(sys.modules))
    return dict(counts.most_common(top))


# --- the machine -----------------------------------------------------------------------------


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "rasa": version("rasa"),
        "rasa_sdk": version("rasa-sdk"),
        "scikit_learn": version("scikit-learn"),
        "tensorflow": version("tensorflow"),
        "python_telegram_bot": version("python-telegram-bot"),
    }


# --- what users type -------------------------------------------------------------------------


def texts_for_load(limit: int | None = None) -> list[str]:
    """Realistic user messages: the held-out set, interleaved so that a short run still sees
    every intent and language."""
    from tools.nlu_eval import load_heldout

    texts = [e.text for e in load_heldout() if e.text]
    stride = 7
    ordered = [texts[i] for start in range(stride) for i in range(start, len(texts), stride)]
    return ordered[:limit] if limit else ordered


def safe_fallback_starts() -> set[str]:
    """First lines of the helplines reply a child gets when Rasa did not answer in time."""
    from bot.core import messages

    return {messages.text("safe_fallback", lang).split("\n")[0] for lang in ("en", "ms")}


# --- an assistant ----------------------------------------------------------------------------


def quiet() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import logging

    logging.basicConfig(level=logging.WARNING)
    for name in ("rasa", "rasa_sdk", "tensorflow", "absl", "apscheduler", "sanic", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("bot", "telegram", "aiohttp.access"):
        logging.getLogger(name).setLevel(logging.ERROR)


def redis_url(db: int = REDIS_DB) -> str:
    host = os.environ.get("REDIS_HOST", "127.0.0.1")
    port = os.environ.get("REDIS_PORT", "6379")
    return f"redis://{host}:{port}/{db}"


def redis_where(url: str, key_prefix: str) -> dict[str, Any]:
    """The keyword arguments of Rasa's Redis stores for a redis:// URL and a key prefix."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 6379,
        "db": int(parsed.path.strip("/") or 0),
        "password": parsed.password,
        "key_prefix": key_prefix,
    }


def redis_stores(url: str, key_prefix: str) -> tuple[Any, Any]:
    """Rasa's Redis tracker and lock stores, as deploy/endpoints.redis.yml configures them."""
    from rasa.core.lock_store import RedisLockStore
    from rasa.shared.core.domain import Domain

    from bot.rasa_adapter.tracker_store import AppendingRedisTrackerStore

    where = redis_where(url, key_prefix)
    tracker_store = AppendingRedisTrackerStore(Domain.empty(), record_exp=3600, **where)
    return tracker_store, RedisLockStore(**where)


def delete_redis_keys(url: str, patterns: list[str]) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = [k for p in patterns for k in client.scan_iter(match=p, count=1000)]
        if keys:
            client.delete(*keys)
        return len(keys)
    finally:
        client.close()


def free_ports(count: int) -> int:
    """A port p with p .. p + count - 1 all free on loopback."""
    import socket

    for _ in range(500):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = sock.getsockname()[1]
        if base + count > 65000:
            continue
        try:
            for port in range(base + 1, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no free ports")


def settings_for(model: str | Path, **changes: Any):
    from dataclasses import replace

    from bot.core.settings import Settings

    return replace(Settings(model_path=Path(model), stats_db=None), **changes)


async def build(
    model: str | Path, *, redis: str | None = None, key_prefix: str = "jagabench", **changes: Any
):
    """Jaga's assistant with Rasa in this process: as `build_assistant` builds it, or with the
    conversations and their locks in Redis (`redis`: a redis:// URL). `changes`: settings."""
    quiet()
    from bot.core.conversation import BaseAssistant, InProcessRasa, build_assistant, id_key

    settings = settings_for(model, **changes)
    if not redis:
        return await build_assistant(settings, stats=None)
    from bot.rasa_adapter.runtime import keep_tensorflow_out, latest_model, load_agent

    # The stores import Rasa's store module: under the same stand-ins load_agent applies, so
    # this process measures what a serving process imports (bot/rasa_adapter/lean_imports.py).
    keep_tensorflow_out(latest_model(settings.model_path), rasa_server=False)
    tracker_store, lock_store = redis_stores(redis, key_prefix)
    agent = load_agent(settings.model_path, tracker_store=tracker_store, lock_store=lock_store)
    assistant = BaseAssistant(
        InProcessRasa(agent, settings),
        timeout=settings.reply_timeout,
        stats=None,
        id_key=id_key(settings),
    )
    await assistant.respond("warm-up", "hi")  # lazy imports, as build_assistant does
    await assistant.forget("warm-up")
    return assistant
