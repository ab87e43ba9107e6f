"""Measure what Rasa 3.6's hot model reload (`PUT /model`) costs: the stall and the memory.

    python deploy/measure_reload.py [--model models/jaga.tar.gz] [--reloads 5]

Starts one Rasa server on loopback (in-memory stores, no Redis needed) with Rasa's HTTP API
on (JAGA_ENABLE_API=1 and a token of its own, never the production set-up), sends a turn every
0.1 s from a background thread, reloads the same model `--reloads` times through the HTTP API
and prints the server's resident memory after each reload and the slowest turn during each.
This is why docs/production.md restarts replicas one at a time instead of hot reloading.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "jaga.tar.gz")
    parser.add_argument("--reloads", type=int, default=5)
    args = parser.parse_args()
    model = args.model.resolve()
    token = secrets.token_urlsafe(32)
    api_token = secrets.token_urlsafe(32)  # the HTTP API's own secret (deploy/rasa_serve.py)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="jaga-reload-"))
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text("{}\n")  # in-memory tracker and lock stores; no action server needed
    env = {
        **os.environ,
        "RASA_TOKEN": token,
        "JAGA_ENABLE_API": "1",
        "RASA_API_TOKEN": api_token,
        "PYTHONWARNINGS": "ignore",
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
    }
    log = open(workdir / "rasa.log", "ab")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "deploy" / "rasa_serve.py"),
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "--credentials",
            str(ROOT / "deploy" / "credentials.yml"),
            "--endpoints",
            str(endpoints),
            "-m",
            str(model),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if session.get(url + "/webhooks/jaga/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print(f"Rasa did not start; see {workdir}/rasa.log")
                return 1
            time.sleep(0.3)

        def turn() -> float:
            started = time.monotonic()
            body = {"sender": "reload-probe", "message": "/greet"}
            session.post(url + "/webhooks/jaga/turn", json=body, headers=headers, timeout=120)
            return time.monotonic() - started

        for _ in range(20):  # warm up
            turn()
        slowest = [0.0]
        stop = threading.Event()

        def probe() -> None:
            probe_session = requests.Session()
            while not stop.is_set():
                started = time.monotonic()
                try:
                    probe_session.post(
                        url + "/webhooks/jaga/turn",
                        headers=headers,
                        timeout=120,
                        json={"sender": "reload-probe-2", "message": "/greet"},
                    )
                except requests.RequestException:
                    pass
                slowest[0] = max(slowest[0], time.monotonic() - started)
                time.sleep(0.1)

        thread = threading.Thread(target=probe, daemon=True)
        thread.start()
        time.sleep(1)
        base = rss_mb(server.pid)
        print(f"RSS after start and 20 turns: {base:.0f} MB; typical turn {turn() * 1000:.0f} ms")
        print("reload | PUT /model s | slowest turn during it s | RSS MB | growth MB")
        previous = base
        for number in range(1, args.reloads + 1):
            slowest[0] = 0.0
            started = time.monotonic()
            response = session.put(
                url + "/model",
                params={"token": api_token},
                timeout=300,
                json={"model_file": str(model)},
            )
            took = time.monotonic() - started
            time.sleep(2)  # let the probe finish a turn on the new model
            for _ in range(10):
                turn()
            now = rss_mb(server.pid)
            status = "" if response.status_code == 204 else f" (HTTP {response.status_code})"
            print(
                f"{number} | {took:.1f}{status} | {slowest[0]:.1f} | {now:.0f} | "
                f"+{now - previous:.0f}"
            )
            previous = now
        stop.set()
        print(f"total growth after {args.reloads} reloads: +{previous - base:.0f} MB")
        return 0
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
