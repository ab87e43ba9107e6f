"""Helpers for the production tests (see conftest.py for the fixtures)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
REDIS_HOST = os.environ.get("JAGA_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("JAGA_TEST_REDIS_PORT", "6379"))
REDIS_DB = int(os.environ.get("JAGA_TEST_REDIS_DB", "7"))
START_TIMEOUT = float(os.environ.get("JAGA_TEST_START_TIMEOUT", "180"))
LOCK_LIFETIME = 5  # seconds a dead replica's lock can hold up a conversation (production: 10)
SECRET_ENV = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET", "RASA_URL")


# -- Redis -------------------------------------------------------------------------------------


def redis_client():
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=5)


def unique_prefix() -> str:
    """Rasa accepts only letters and digits in a key prefix."""
    return "jagatest" + uuid.uuid4().hex[:12]


def delete_prefix(client, prefix: str) -> int:
    keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)
    return len(keys)


# -- processes ---------------------------------------------------------------------------------


def model_path() -> Path:
    path = Path(os.environ.get("JAGA_MODEL") or ROOT / "models" / "jaga.tar.gz")
    if not path.exists():
        pytest.fail(f"No trained model at {path}: run `make train` or set JAGA_MODEL", False)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_pair() -> int:
    """A port p with p and p + 1 both free (the replicas' consecutive ports)."""
    for _ in range(200):
        port = free_port()
        try:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two consecutive free ports")


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENV}
    env.update(PYTHONWARNINGS="ignore", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.update(extra)
    return env


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_http(url: str, timeout: float = START_TIMEOUT, *, alive=None, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise AssertionError(f"{what or url} exited before it was ready")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{what or url} not ready after {timeout:.0f} s")


def stop_group(process: subprocess.Popen, timeout: float = 40) -> None:
    """SIGTERM, then SIGKILL for the whole process group if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        pass


class Cluster:
    """`deploy/run-production.sh` with RASA_REPLICAS=2 and FRONTENDS=0 (the front ends are
    started by the tests that need them), plus one extra Rasa server whose conversations
    expire after 2 s. All share one action server and one Redis database."""

    def __init__(self, workdir: Path, model: Path) -> None:
        self.workdir = workdir
        self.model = model
        self.token = secrets.token_urlsafe(32)
        self.id_secret = secrets.token_urlsafe(32)
        self.prefix = unique_prefix()
        self.ttl_prefix = self.prefix + "ttl"
        self.action_port = free_port()
        self.rasa_port = free_port_pair()
        self.ttl_port = free_port()
        self.run_dir = workdir / "run"
        self.log_dir = workdir / "log"
        self.script: subprocess.Popen | None = None
        self.ttl_server: subprocess.Popen | None = None
        self.session = requests.Session()

    # where things are
    def url(self, replica: int) -> str:
        return f"http://127.0.0.1:{self.rasa_port + replica - 1}"

    @property
    def ttl_url(self) -> str:
        return f"http://127.0.0.1:{self.ttl_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}/webhook"

    def script_env(self) -> dict[str, str]:
        return base_env(
            RASA_TOKEN=self.token,
            FRONTENDS="0",
            RASA_REPLICAS="2",
            RASA_BASE_PORT=str(self.rasa_port),
            ACTION_PORT=str(self.action_port),
            REDIS_HOST=REDIS_HOST,
            REDIS_PORT=str(REDIS_PORT),
            REDIS_DB=str(REDIS_DB),
            REDIS_KEY_PREFIX=self.prefix,
            JAGA_RECORD_EXP="3600",
            TICKET_LOCK_LIFETIME=str(LOCK_LIFETIME),
            JAGA_MODEL=str(self.model),
            JAGA_RUN_DIR=str(self.run_dir),
            JAGA_LOG_DIR=str(self.log_dir),
            JAGA_PYTHON=sys.executable,
        )

    # lifecycle
    def start_script(self) -> None:
        """`run-production.sh start` with script_env(), its output in the log directory."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.script = subprocess.Popen(
            ["bash", str(ROOT / "deploy" / "run-production.sh"), "start"],
            cwd=ROOT,
            env=self.script_env(),
            stdout=open(self.log_dir / "run-production.out", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self) -> None:
        self.start_script()
        # The expiring server: the same wrapper and endpoint file, other settings.
        env = self.script_env()
        env.update(
            JAGA_RECORD_EXP="2",
            REDIS_KEY_PREFIX=self.ttl_prefix,
            REDIS_USERNAME="",
            REDIS_PASSWORD="",
            ACTION_SERVER_URL=self.action_url,
            PYTHONPATH=str(ROOT),
        )
        self.ttl_server = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "deploy" / "rasa_serve.py"),
                "-i",
                "127.0.0.1",
                "-p",
                str(self.ttl_port),
                "--credentials",
                str(ROOT / "deploy" / "credentials.yml"),
                "--endpoints",
                str(ROOT / "deploy" / "endpoints.redis.yml"),
                "-m",
                str(self.model),
            ],
            cwd=ROOT,
            env=env,
            stdout=open(self.log_dir / "rasa-ttl.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            for replica in (1, 2):
                self.wait_replica(replica)
            wait_http(
                self.ttl_url + "/webhooks/jaga/",
                alive=lambda: self.ttl_server.poll() is None,
                what="the expiring Rasa server",
            )
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.logs()}") from None

    def stop(self) -> None:
        for process in (self.ttl_server, self.script):
            if process is not None:
                stop_group(process)
        self.session.close()

    def logs(self) -> str:
        parts = []
        for path in sorted(self.log_dir.glob("*")):
            parts.append(f"--- {path.name} ---\n{tail(path)}")
        return "\n".join(parts)

    def pid(self, name: str) -> int:
        return int((self.run_dir / f"{name}.pid").read_text().strip())

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        pid = self.pid(name)
        os.kill(pid, sig)
        return pid

    def wait_replica(
        self, replica: int, *, replaced: int | None = None, timeout: float = START_TIMEOUT
    ) -> float:
        """Wait until replica answers (and, with `replaced`, runs as a new process)."""
        started = time.monotonic()
        if replaced is not None:
            deadline = started + timeout
            while time.monotonic() < deadline:
                try:
                    if self.pid(f"rasa-{replica}") != replaced:
                        break
                except (OSError, ValueError):
                    pass
                time.sleep(0.2)
        wait_http(
            self.url(replica) + "/webhooks/jaga/",
            timeout,
            alive=lambda: self.script is not None and self.script.poll() is None,
            what=f"rasa-{replica}",
        )
        return time.monotonic() - started

    # the HTTP interfaces
    def turn(
        self,
        url: str,
        sender: str,
        message: str,
        lang: str | None = None,
        token: str | None = "default",
    ) -> dict[str, Any]:
        token = self.token if token == "default" else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.session.post(
            url + "/webhooks/jaga/turn",
            json={"sender": sender, "message": message, "lang": lang},
            headers=headers,
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, url: str, sender: str) -> dict[str, Any]:
        """The conversation as the replica at `url` stores it in Redis (Rasa's HTTP API,
        which could also show it, is off in production)."""
        import json

        prefix = self.ttl_prefix if url == self.ttl_url else self.prefix
        stored = redis_client().get(f"{prefix}:tracker:{sender}")
        return json.loads(stored) if stored else {"events": []}


def texts(result: dict[str, Any]) -> list[str]:
    return [m.get("text") or "" for m in result.get("messages") or []]


def user_texts(tracker: dict[str, Any]) -> list[str]:
    return [e.get("text") for e in tracker.get("events", []) if e.get("event") == "user"]
