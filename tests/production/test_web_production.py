"""The public web chat in production, on the real Redis: `deploy/run-production.sh` starts
two Rasa replicas and two web chat processes (WEB_PROCESSES=2), and the tests talk to the
web processes as nginx would (Host, X-Real-IP), then through nginx itself when it is
installed (deploy/nginx.conf with a throw-away certificate).

- one conversation alternates between the two web processes: nothing is lost, the language
  chosen on one is used by the other, and no raw text (a phone number) is stored;
- a web process killed with SIGKILL is restarted by the supervisor; the other carried on;
- the rate limits are shared by both processes and expire with their window;
- logs hold no message text and no address.

The stack is started once for this module (about 40 s; see conftest.py for Redis).
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import time
from pathlib import Path

import pytest
import requests
from prod_helpers import (
    REDIS_DB,
    REDIS_HOST,
    REDIS_PORT,
    ROOT,
    Cluster,
    delete_prefix,
    free_port,
    free_port_pair,
    model_path,
    stop_group,
    wait_http,
)

from bot.core import messages

PUBLIC = "chat.jaga.example.my"
SESSION_LIMIT = (6, 4)  # messages, seconds: small, so the test can reach it
TIMINGS: dict[str, float] = {}


class WebCluster(Cluster):
    """run-production.sh with RASA_REPLICAS=2, WEB_PROCESSES=2 and no Telegram front end."""

    def __init__(self, workdir: Path, model: Path) -> None:
        super().__init__(workdir, model)
        self.web_port = free_port_pair()
        self.rate_secret = secrets.token_urlsafe(32)

    def web_url(self, process: int) -> str:
        return f"http://127.0.0.1:{self.web_port + process - 1}"

    def script_env(self) -> dict[str, str]:
        env = super().script_env()
        env.update(
            WEB_PROCESSES="2",
            WEB_BASE_PORT=str(self.web_port),
            WEB_PUBLIC_URL=f"https://{PUBLIC}",
            WEB_RATE_SECRET=self.rate_secret,
            WEB_RATE_SESSION=f"{SESSION_LIMIT[0]}/{SESSION_LIMIT[1]}",
            WEB_RATE_IP="1000/60",
            JAGA_STATS_DB="off",
            JAGA_LOG_LEVEL="INFO",
            # As in an env file that also serves Telegram (FRONTENDS=0 here): the web processes
            # must start without these, and never receive the secrets.
            TELEGRAM_BOT_TOKEN="123456:WEB-test_abcdefghijklmnopqrstuv",
            TELEGRAM_WEBHOOK_URL="https://jaga.example.my/telegram/x",
            TELEGRAM_WEBHOOK_SECRET=secrets.token_urlsafe(16),
            # Both web processes must name a tab's conversation alike (bot/core/conversation.py).
            JAGA_ID_SECRET=secrets.token_urlsafe(32),
        )
        return env

    def start(self) -> None:
        self.start_script()  # no expiring server here
        try:
            for replica in (1, 2):
                self.wait_replica(replica)
            for process in (1, 2):
                self.wait_web(process)
                # A replica's first message with words takes over the 2 s reply limit (lazy
                # loading): pay it here, not in the first test.
                say(self.web_url(process), new_session(), "hello there", "en")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.logs()}") from None

    def wait_web(self, process: int, *, replaced: int | None = None) -> float:
        started = time.monotonic()
        while replaced is not None and time.monotonic() - started < 60:
            try:
                if self.pid(f"web-{process}") != replaced:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        wait_http(
            self.web_url(process) + "/api/health",
            60,
            alive=lambda: self.script is not None and self.script.poll() is None,
            what=f"web-{process}",
        )
        return time.monotonic() - started


@pytest.fixture(scope="module")
def web(redis_db, tmp_path_factory):
    started = time.monotonic()
    cluster = WebCluster(tmp_path_factory.mktemp("web-production"), model_path())
    try:
        cluster.start()
        TIMINGS["stack start (2 replicas + 2 web processes) (s)"] = time.monotonic() - started
        yield cluster
    finally:
        cluster.stop()
        delete_prefix(redis_db, cluster.prefix)


def new_session() -> str:
    return "web:" + secrets.token_urlsafe(16)


def nonce() -> str:
    return "".join(random.choice(string.ascii_lowercase) for _ in range(12))


def say(url: str, session: str, text: str, lang: str | None = None, ip: str = "203.0.113.20"):
    body = {"session": session, "text": text}
    if lang:
        body["lang"] = lang
    return requests.post(
        url + "/api/message",
        json=body,
        headers={"Host": PUBLIC, "Origin": f"https://{PUBLIC}", "X-Real-IP": ip},
        timeout=30,
    )


def trackers_with(redis_db, prefix: str, marker: str) -> list[tuple[str, dict]]:
    """The stored conversations that contain `marker` (found by content, whatever the key)."""
    found = []
    for key in redis_db.scan_iter(match=f"{prefix}:tracker:*"):
        raw = redis_db.get(key)
        if raw and marker.encode() in raw:
            found.append((key.decode(), json.loads(raw)))
    return found


def user_texts(tracker: dict) -> list[str]:
    return [e.get("text") for e in tracker.get("events", []) if e.get("event") == "user"]


# --- the processes ------------------------------------------------------------------------------


def test_run_production_starts_the_web_processes_on_loopback(web):
    for process in (1, 2):
        pid = web.pid(f"web-{process}")
        assert Path(f"/proc/{pid}").exists()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert b"web" in cmdline and b"--production" in cmdline
        assert web.rate_secret.encode() not in b" ".join(cmdline)
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        for name in (b"TELEGRAM_BOT_TOKEN", b"TELEGRAM_WEBHOOK", b"REDIS_PASSWORD=", b"RASA_API"):
            assert name not in environ, name
    # The other processes never get the web chat's secret.
    for name in ("actions", "rasa-1", "rasa-2"):
        environ = Path(f"/proc/{web.pid(name)}/environ").read_bytes()
        assert web.rate_secret.encode() not in environ, name
    with socket.socket() as probe:  # loopback only: the public side is nginx's
        probe.settimeout(1)
        addresses = {
            a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        } - {"127.0.0.1", "127.0.1.1"}
        for address in addresses:
            assert probe.connect_ex((address, web.web_port)) != 0, address


def test_check_plans_the_web_processes_and_refuses_them_without_their_settings(redis_db, web):
    env = web.script_env()
    plan = subprocess.run(
        ["bash", str(ROOT / "deploy" / "run-production.sh"), "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert plan.returncode == 0, plan.stderr
    assert f"web-2: web chat on 127.0.0.1:{web.web_port + 1}" in plan.stdout
    assert "WEB_RATE_SECRET" in plan.stdout and web.rate_secret not in plan.stdout
    for name, value in (
        ("WEB_PUBLIC_URL", "http://chat.example"),
        ("WEB_RATE_SECRET", "short"),
        ("JAGA_ID_SECRET", ""),  # else each process would name a tab's conversation its own way
    ):
        bad = subprocess.run(
            ["bash", str(ROOT / "deploy" / "run-production.sh"), "check"],
            cwd=ROOT, env={**env, name: value}, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert bad.returncode == 2 and name in bad.stderr, bad.stderr


# --- one conversation, two processes ------------------------------------------------------------


def test_one_conversation_alternates_between_the_two_web_processes(web, redis_db):
    a, b = web.web_url(1), web.web_url(2)
    session, marker = new_session(), nonce()
    phone = "012-345 6789"
    steps = [
        (a, "/greet", "ms"),
        (b, f"saya suka kucing {marker}", None),  # no language sent: b must know it
        (a, f"nombor saya {phone}, boleh call?", None),
        (b, "/ask_grooming", None),
        (a, "/disclose_grooming", None),
        (b, "/deny", None),  # "are you safe now?" asked on a, answered "no" on b
    ]
    turns = []
    for url, text, lang in steps:
        r = say(url, session, text, lang)
        assert r.status_code == 200, r.text
        turns.append(r.json())
    assert all(t["lang"] == "ms" for t in turns), [t["lang"] for t in turns]
    safe = messages.text("safe_fallback", "ms")
    assert not [t for t in turns if t["text"] == safe], "a turn was answered by the fallback"
    assert all(t["replies"] for t in turns)
    # "Are you safe now?" asked on a, "no" on b: the crisis path, as a fresh crisis gets it.
    crisis = say(b, new_session(), "/crisis", "ms").json()
    assert [r["text"] for r in turns[-1]["replies"]] == [r["text"] for r in crisis["replies"]]
    assert crisis["intent"] == "crisis"
    assert "6789" not in json.dumps(turns)

    stored = trackers_with(redis_db, web.prefix, marker)
    assert len(stored) == 1, "the conversation should be one tracker in Redis"
    key, tracker = stored[0]
    said = user_texts(tracker)
    assert len(said) == len(steps), said  # nothing lost
    # the page's language rides on the first button as its lang entity (bot.core.conversation)
    assert said[0] == '/greet{"lang":"ms"}'
    assert said[3:] == ["/ask_grooming", "/disclose_grooming", "/deny"]
    assert marker in said[1]
    raw = redis_db.get(key).decode()
    assert not re.search(r"012\W{0,2}345\W{0,2}6789|3456789", raw), "a phone number was stored"
    assert "6789" not in said[2] and "nombor saya" in said[2]  # stored redacted
    assert 3500 < redis_db.ttl(key) <= 3600
    # What the web processes themselves put in Redis: counters only, no text, no address.
    for counter in redis_db.scan_iter(match=f"{web.prefix}:web:*"):
        assert re.fullmatch(rf"{web.prefix}:web:rl:(s|ip):[0-9a-f]{{32}}", counter.decode())
        assert redis_db.get(counter).isdigit()
        assert 0 < redis_db.pttl(counter) <= 60_000


def test_a_killed_web_process_comes_back_and_the_other_carries_on(web, redis_db):
    a, b = web.web_url(1), web.web_url(2)
    session, marker = new_session(), nonce()
    assert say(a, session, "/greet", "ms").status_code == 200
    old = web.pid("web-1")
    os.kill(old, signal.SIGKILL)
    with pytest.raises(requests.ConnectionError):
        say(a, session, "/ask_report")
    carried = say(b, session, f"terima kasih {marker}")
    assert carried.status_code == 200 and carried.json()["lang"] == "ms"
    TIMINGS["web process back after SIGKILL (s)"] = web.wait_web(1, replaced=old)
    back = say(a, session, "/ask_help_menu")
    assert back.status_code == 200 and back.json()["lang"] == "ms"
    ((_, tracker),) = trackers_with(redis_db, web.prefix, marker)
    said = user_texts(tracker)
    assert said[0] == '/greet{"lang":"ms"}' and said[-1] == "/ask_help_menu" and len(said) == 3


# --- the rate limits, shared --------------------------------------------------------------------


def test_the_session_limit_is_shared_by_both_processes_and_expires(web):
    session = new_session()
    statuses, refused = [], None
    for i in range(SESSION_LIMIT[0] + 2):
        r = say(web.web_url(1 + i % 2), session, "/greet", "en", ip="198.51.100.30")
        statuses.append(r.status_code)
        if r.status_code == 429:
            refused = r
    assert statuses == [200] * SESSION_LIMIT[0] + [429, 429], statuses
    body = refused.json()
    assert "999" in body["message"] and "15999" in body["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= SESSION_LIMIT[1]
    # "Clear this chat" still works while the session is limited.
    forget = requests.post(
        web.web_url(2) + "/api/forget",
        json={"session": session},
        headers={"Host": PUBLIC, "X-Real-IP": "198.51.100.30"},
        timeout=10,
    )
    assert forget.status_code == 200
    time.sleep(SESSION_LIMIT[1] + 0.5)
    assert say(web.web_url(1), session, "/greet", "en").status_code == 200


# --- nginx in front (deploy/nginx.conf), when nginx is installed ------------------------------


def nginx_config(web: WebCluster, workdir: Path, https_port: int, http_port: int) -> Path:
    """deploy/nginx.conf for this test: its ports, a throw-away certificate, no IPv6."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(workdir / "key.pem"), "-out", str(workdir / "cert.pem"),
         "-subj", f"/CN={PUBLIC}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    conf = re.sub(r"/etc/letsencrypt/live/[^/]+/fullchain.pem", str(workdir / "cert.pem"), conf)
    conf = re.sub(r"/etc/letsencrypt/live/[^/]+/privkey.pem", str(workdir / "key.pem"), conf)
    conf = conf.replace("/var/log/nginx/", f"{workdir}/")
    conf = re.sub(r"\n\s*listen \[::\]:\d+( ssl)?;", "", conf)
    conf = conf.replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    conf = conf.replace("listen 127.0.0.1:5000;", f"listen 127.0.0.1:{free_port()};")
    conf = conf.replace("server 127.0.0.1:8600 ", f"server 127.0.0.1:{web.web_port} ")
    conf = conf.replace("server 127.0.0.1:8601 ", f"server 127.0.0.1:{web.web_port + 1} ")
    (workdir / "jaga.conf").write_text(conf)
    main = workdir / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"pid {workdir}/nginx.pid;\nerror_log {workdir}/error.log;\n"
        "worker_processes 1;\nevents {}\n"
        f"http {{\n  client_body_temp_path {workdir}/body;\n  proxy_temp_path {workdir}/proxy;\n"
        f"  include {workdir}/jaga.conf;\n}}\n"
    )
    return main


@pytest.fixture(scope="module")
def nginx(web, tmp_path_factory):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists() or not shutil.which("openssl"):
        pytest.skip("nginx (and openssl) are not installed: apt-get install nginx")
    workdir = tmp_path_factory.mktemp("nginx")
    https_port, http_port = free_port(), free_port()
    conf = nginx_config(web, workdir, https_port, http_port)
    check = subprocess.run([binary, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [binary, "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "nginx.out", "ab"),  # noqa: SIM115
        start_new_session=True,
    )
    base = f"https://127.0.0.1:{https_port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(
                    base + "/api/health", headers={"Host": PUBLIC}, verify=False, timeout=2
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, (workdir / "nginx.out").read_text()
                time.sleep(0.2)
        yield {"url": base, "http": f"http://127.0.0.1:{http_port}", "workdir": workdir}
    finally:
        stop_group(process, 10)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_through_nginx_one_conversation_and_the_kind_refusals(web, nginx, redis_db):
    session = requests.Session()
    session.trust_env = False  # a CA bundle from the environment would override verify=False
    session.verify = False
    headers = {"Host": PUBLIC, "Origin": f"https://{PUBLIC}"}
    redirect = requests.get(nginx["http"] + "/", headers={"Host": PUBLIC}, allow_redirects=False)
    assert redirect.status_code == 301 and redirect.headers["Location"].startswith("https://")
    page = session.get(nginx["url"] + "/", headers={**headers, "Accept-Language": "ms-MY,ms"})
    assert page.status_code == 200 and 'data-lang="ms"' in page.text
    assert "Strict-Transport-Security" in page.headers
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in page.headers

    chat, marker = new_session(), nonce()
    for text in ("/greet", f"saya suka kucing {marker}", "/ask_report"):
        r = session.post(
            nginx["url"] + "/api/message",
            json={"session": chat, "text": text, "lang": "ms"},
            headers=headers,
        )
        assert r.status_code == 200, r.text
    ((_, tracker),) = trackers_with(redis_db, web.prefix, marker)
    assert len(user_texts(tracker)) == 3  # both processes served it, round robin

    # nginx's own per-address limit: 10 requests a second, burst 40.
    statuses, refusal = [], None
    for _ in range(70):
        r = session.get(nginx["url"] + "/api/health", headers=headers)
        statuses.append(r.status_code)
        if r.status_code == 429:
            refusal = r
    assert statuses.count(429) >= 15, statuses
    body = refusal.json()
    assert "999" in body["message"] and "15999" in body["message"]
    assert refusal.headers["Retry-After"] == "10"
    big = session.post(
        nginx["url"] + "/api/message",
        data=b"{" + b" " * 40_000 + b"}",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert big.status_code in (413, 429)
    session.close()


# --- finally: the logs --------------------------------------------------------------------------


def test_no_message_text_and_no_address_in_any_log(web, request):
    logs = list(web.log_dir.glob("*"))
    try:
        logs += list(Path(request.getfixturevalue("nginx")["workdir"]).glob("*.log"))
    except pytest.skip.Exception:
        pass  # no nginx here
    assert logs
    for path in logs:
        text = path.read_text(errors="replace")
        for secret in ("saya suka kucing", "012-345", "6789", "203.0.113.20", "198.51.100.30"):
            assert secret not in text, f"{secret!r} in {path.name}"
        assert web.rate_secret not in text and web.token not in text


def test_print_timings(web):
    print(f"\nweb production timings (Redis db {REDIS_DB} on {REDIS_HOST}:{REDIS_PORT}):")
    for name, value in TIMINGS.items():
        print(f"  {name}: {value:.1f}")
    report = os.environ.get("JAGA_PRODUCTION_TIMINGS")
    if report:
        Path(report).with_suffix(".web.json").write_text(json.dumps(TIMINGS, indent=2))
