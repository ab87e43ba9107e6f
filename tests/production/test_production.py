"""Production mode on a real Redis: Rasa replicas started by deploy/run-production.sh share
conversations, survive being killed, expire silent conversations, keep the API locked, and the
front ends answer safely while Rasa is down.

The Rasa servers are started once for the module (see conftest.py); the tests run in order
and some restart a replica, so keep them in this file and in this order.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from prod_helpers import LOCK_LIFETIME, REDIS_DB, ROOT, base_env, texts, user_texts

TIMINGS: dict[str, float] = {}


def new_sender(label: str) -> str:
    return f"prod-{label}-{uuid.uuid4().hex[:10]}"


# -- security ------------------------------------------------------------------------------------


def _listeners(port: int) -> set[str]:
    """Local addresses listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, state = fields[1], fields[3]
            host, port_hex = address.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.add(host)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_rasa_and_actions_listen_on_loopback_only(cluster):
    TIMINGS["cluster start (2 replicas + expiring server)"] = cluster.start_seconds
    for port in (cluster.rasa_port, cluster.rasa_port + 1, cluster.action_port, cluster.ttl_port):
        listeners = _listeners(port)
        assert listeners, f"nothing listens on {port}"
        assert listeners <= LOOPBACK, f"port {port} listens beyond loopback: {listeners}"


def test_a_rasa_server_keeps_tensorflow_out_and_stays_small(cluster):
    """The model has no TensorFlow component, so a Rasa server never loads TensorFlow
    (it was 600-740 MB a server with it)."""
    for replica in ("rasa-1", "rasa-2"):
        pid = cluster.pid(replica)
        maps = Path(f"/proc/{pid}/maps").read_text()
        assert "tensorflow" not in maps, f"Rasa server {replica} loaded TensorFlow"
        status = Path(f"/proc/{pid}/status").read_text()
        rss_mb = int(status.split("VmRSS:")[1].split()[0]) / 1024
        assert rss_mb < 400, f"Rasa server {replica} uses {rss_mb:.0f} MB"


def test_only_jagas_channel_is_served_and_it_requires_the_token(cluster):
    url = cluster.url(1)
    session = requests.Session()
    # Rasa's HTTP API is off: no conversation can be read, no model loaded, with any token.
    for token in (None, "wrong", cluster.token):
        params = {"token": token} if token else {}
        assert session.get(f"{url}/status", params=params, timeout=10).status_code == 404
        assert (
            session.get(f"{url}/conversations/x/tracker", params=params, timeout=10).status_code
            == 404
        )
        model = session.put(
            f"{url}/model", params=params, json={"model_file": "/tmp/x"}, timeout=10
        )
        assert model.status_code in (404, 405)
        parse = session.post(f"{url}/model/parse", params=params, json={"text": "hi"}, timeout=10)
        assert parse.status_code in (404, 405)
    # Jaga's channel: a bearer token, compared in constant time.
    body = {"sender": new_sender("auth"), "message": "hi"}
    turn = f"{url}/webhooks/jaga/turn"
    assert session.post(turn, json=body, timeout=10).status_code == 401
    bad = {"Authorization": "Bearer " + "x" * len(cluster.token)}
    assert session.post(turn, json=body, headers=bad, timeout=10).status_code == 401
    assert session.post(f"{url}/webhooks/jaga/forget", json=body, timeout=10).status_code == 401
    # Rasa's public REST channel is not enabled: only Jaga's channel answers.
    assert session.post(f"{url}/webhooks/rest/webhook", json=body, timeout=10).status_code == 404


def test_a_direct_post_to_the_channel_is_redacted_before_redis(cluster, redis_db):
    sender = new_sender("direct")
    result = cluster.turn(cluster.url(2), sender, "/ nombor aku 012-345 6789 ig siti_99")
    assert "012" not in result["text"] and "[phone]" in result["text"]
    stored = redis_db.get(f"{cluster.prefix}:tracker:{sender}").decode()
    assert "012-345 6789" not in stored and "siti_99" not in stored and "[phone]" in stored


def test_rasa_serve_keeps_the_api_off_unless_it_has_a_token_of_its_own():
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        from rasa_serve import rasa_arguments
    finally:
        sys.path.remove(str(ROOT / "deploy"))
    good = {"RASA_TOKEN": "c" * 40}
    assert rasa_arguments(["-p", "5005"], good) == ["rasa", "run", "-p", "5005"]
    for refused in (["--enable-api"], ["-t", "x"], ["--auth-token=x"]):
        with pytest.raises(SystemExit):
            rasa_arguments(refused, good)
    for api in ({}, {"RASA_API_TOKEN": "c" * 40}):  # none, or the front ends' own
        with pytest.raises(SystemExit):
            rasa_arguments([], {**good, "JAGA_ENABLE_API": "1", **api})
    command = rasa_arguments([], {**good, "JAGA_ENABLE_API": "1", "RASA_API_TOKEN": "a" * 40})
    assert command == ["rasa", "run", "--enable-api", "--auth-token", "a" * 40]


def test_the_token_is_on_no_command_line(cluster):
    leaked = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if cluster.token.encode() in cmdline.read_bytes():
                leaked.append(cmdline.parent.name)
        except OSError:
            continue
    assert not leaked, f"RASA_TOKEN is visible in the arguments of processes {leaked}"


def _check(**settings: str) -> subprocess.CompletedProcess:
    defaults = {
        "FRONTENDS": "0",
        "JAGA_MODEL": str(ROOT),
        "JAGA_PYTHON": sys.executable,
        "REDIS_DB": str(REDIS_DB),
    }
    env = base_env(**{**defaults, **settings})
    for name in (
        "RASA_TOKEN",
        "REDIS_KEY_PREFIX",
        "JAGA_ENV_FILE",
        "JAGA_ID_SECRET",
        "JAGA_ENABLE_API",
    ):
        if name not in settings:
            env.pop(name, None)
    return subprocess.run(
        ["bash", str(ROOT / "deploy" / "run-production.sh"), "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_production_check_refuses_unsafe_settings(redis_db):
    token = "t" * 40
    good = _check(RASA_TOKEN=token)
    assert good.returncode == 0, good.stderr
    assert token not in good.stdout + good.stderr  # names the secrets, never their values
    assert "RASA_TOKEN" in good.stdout
    short = _check(RASA_TOKEN="short")
    assert short.returncode == 2 and "RASA_TOKEN" in short.stderr
    prefix = _check(RASA_TOKEN=token, REDIS_KEY_PREFIX="jaga-prod")
    assert prefix.returncode == 2 and "REDIS_KEY_PREFIX" in prefix.stderr
    telegram = _check(RASA_TOKEN=token, FRONTENDS="1")
    assert telegram.returncode == 2 and "TELEGRAM_BOT_TOKEN" in telegram.stderr
    webhook = {
        "TELEGRAM_BOT_TOKEN": "1:x",
        "TELEGRAM_WEBHOOK_URL": "https://jaga.example.my/telegram/x",
        "TELEGRAM_WEBHOOK_SECRET": "s",
    }
    no_key = _check(RASA_TOKEN=token, FRONTENDS="1", **webhook)
    assert no_key.returncode == 2 and "JAGA_ID_SECRET" in no_key.stderr
    api = _check(RASA_TOKEN=token, JAGA_ENABLE_API="1", RASA_API_TOKEN=token)
    assert api.returncode == 2 and "RASA_API_TOKEN must differ" in api.stderr
    exposed = _check(RASA_TOKEN=token, RASA_INTERFACE="0.0.0.0")
    assert "WARNING" in exposed.stdout and "not loopback" in exposed.stdout


# -- (a) two replicas, one conversation ------------------------------------------------------------


def test_replicas_alternate_on_one_conversation(cluster, redis_db):
    a, b = cluster.url(1), cluster.url(2)
    sender = new_sender("alternate")
    first = cluster.turn(a, sender, "/greet", lang="ms")
    assert first["lang"] == "ms" and texts(first)
    second = cluster.turn(b, sender, "/greet")  # no language given: B must know it from Redis
    assert second["lang"] == "ms"
    assert texts(second) == texts(first)  # the Malay greeting, from the other replica
    third = cluster.turn(a, sender, "/thank")
    assert third["lang"] == "ms"
    assert user_texts(cluster.tracker(b, sender)) == ["/greet", "/greet", "/thank"]
    assert user_texts(cluster.tracker(a, sender)) == ["/greet", "/greet", "/thank"]
    # Stored under Jaga's prefix, with record_exp from the environment; no lock left behind.
    key = f"{cluster.prefix}:tracker:{sender}"
    assert 3500 < redis_db.ttl(key) <= 3600
    assert not redis_db.exists(f"{cluster.prefix}:lock:{sender}")


def test_rule_on_the_previous_bot_action_works_across_replicas(cluster):
    """ "Are you safe now?" asked by replica A, answered "no" on replica B: the crisis path."""
    a, b = cluster.url(1), cluster.url(2)
    crisis = texts(cluster.turn(b, new_sender("crisis"), "/crisis"))
    plain_no = texts(cluster.turn(b, new_sender("plain-no"), "/deny"))
    assert crisis and crisis != plain_no, "the model has no grooming -> deny -> crisis rule"

    sender = new_sender("grooming")
    asked = cluster.turn(a, sender, "/disclose_grooming")
    assert asked["intent"] == "disclose_grooming" and texts(asked)
    answered = cluster.turn(b, sender, "/deny")
    assert texts(answered) == crisis


# -- (b) conversations expire ----------------------------------------------------------------------


def test_a_conversation_expires_after_its_ttl(cluster, redis_db):
    """The expiring server runs the same endpoint file with JAGA_RECORD_EXP=2."""
    url, sender = cluster.ttl_url, new_sender("ttl")
    key = f"{cluster.ttl_prefix}:tracker:{sender}"
    assert cluster.turn(url, sender, "/greet", lang="ms")["lang"] == "ms"
    assert 0 < redis_db.pttl(key) <= 2000
    assert cluster.turn(url, sender, "/greet")["lang"] == "ms"  # still there, TTL renewed
    started = time.monotonic()
    while redis_db.exists(key):
        assert time.monotonic() - started < 5, "the conversation outlived its TTL"
        time.sleep(0.1)
    TIMINGS["conversation expired after (s)"] = time.monotonic() - started
    after = cluster.turn(url, sender, "/greet")
    assert after["lang"] == "en"  # a fresh conversation: the Malay choice is gone
    assert user_texts(cluster.tracker(url, sender)) == ["/greet"]


# -- (c) a replica killed mid-conversation --------------------------------------------------------


def test_a_killed_replica_comes_back_and_loses_nothing(cluster):
    a, b = cluster.url(1), cluster.url(2)
    crisis_ms = texts(cluster.turn(b, new_sender("crisis-ms"), "/crisis", lang="ms"))
    sender = new_sender("killed")
    cluster.turn(a, sender, "/greet", lang="ms")
    cluster.turn(a, sender, "/ask_grooming")

    old = cluster.kill("rasa-1", signal.SIGKILL)  # a crash: no clean shut-down
    with pytest.raises(requests.ConnectionError):
        cluster.turn(a, sender, "/greet")
    # The other replica carries on with the same conversation meanwhile.
    asked = cluster.turn(b, sender, "/disclose_grooming")
    assert asked["lang"] == "ms" and texts(asked)

    TIMINGS["replica restarted by the supervisor after SIGKILL (s)"] = cluster.wait_replica(
        1, replaced=old
    )
    answered = cluster.turn(a, sender, "/deny")  # on the restarted replica
    assert answered["lang"] == "ms"
    assert texts(answered) == crisis_ms
    assert user_texts(cluster.tracker(a, sender)) == [
        "/greet",
        "/ask_grooming",
        "/disclose_grooming",
        "/deny",
    ]


def test_a_dead_replicas_lock_holds_a_conversation_only_briefly(cluster, redis_db):
    """A replica killed in the middle of a turn leaves its ticket in the Redis lock store;
    the conversation waits only until that ticket expires, TICKET_LOCK_LIFETIME seconds after
    it was issued (Rasa's default is 60 s; run-production.sh sets 10)."""
    sender = new_sender("lock")
    cluster.turn(cluster.url(2), sender, "/greet")
    # The ticket of a turn that started 2 s ago on a replica that then died. Rasa's
    # TicketLock.dumps() stores each ticket as a JSON string inside the JSON.
    dead = json.dumps({"number": 0, "expires": time.time() + LOCK_LIFETIME - 2})
    redis_db.set(
        f"{cluster.prefix}:lock:{sender}",
        json.dumps({"conversation_id": sender, "tickets": [dead]}),
    )
    started = time.monotonic()
    result = cluster.turn(cluster.url(2), sender, "/thank")
    waited = time.monotonic() - started
    assert texts(result)
    assert LOCK_LIFETIME - 3.5 < waited < LOCK_LIFETIME + 1, waited
    assert user_texts(cluster.tracker(cluster.url(1), sender)) == ["/greet", "/thank"]
    TIMINGS["turn behind a dead replica's lock (s)"] = waited


# -- (d) the front end while Rasa is down ----------------------------------------------------------


async def test_front_end_answers_safely_while_rasa_is_down_and_recovers(cluster):
    from bot.core import messages
    from bot.core.conversation import BaseAssistant, RemoteRasa

    assistant = BaseAssistant(
        RemoteRasa(cluster.url(2), cluster.token, timeout=2.0), timeout=2.0, stats=None
    )
    sender = new_sender("frontend")
    safe_ms = messages.reply("safe_fallback", "ms").text
    try:
        turn = await assistant.respond(sender, "/greet", lang="ms")
        assert not turn.degraded and turn.lang == "ms"

        old = cluster.kill("rasa-2", signal.SIGKILL)
        started = time.monotonic()
        safe_replies, recovered = 0, None
        while time.monotonic() - started < 150:
            asked = time.monotonic()
            # While Rasa is down nothing can read the conversation's language (the tracker
            # owns it), so the safe reply follows the words the child writes.
            turn = await assistant.respond(sender, "tolong saya")
            assert time.monotonic() - asked < 3.0, "a reply took longer than the time limit"
            assert turn.replies, "a child was left without an answer"
            if not turn.degraded:
                recovered = time.monotonic() - started
                break
            assert [r.text for r in turn.replies] == [safe_ms]  # helplines, in Malay
            safe_replies += 1
            await asyncio.sleep(0.5)
        assert safe_replies >= 1, "Rasa came back before the front end noticed it was down"
        assert recovered is not None, "the front end did not recover after Rasa came back"
        assert cluster.pid("rasa-2") != old
        assert turn.lang == "ms"  # the conversation survived in Redis
        TIMINGS["front end: safe replies while Rasa was down"] = safe_replies
        TIMINGS["front end: recovered by itself after (s)"] = recovered
    finally:
        await assistant.close()


# -- (e) a front-end restart answers every update exactly once ----------------------------------

TELEGRAM_TOKEN = "123456:PROD-test_abcdefghijklmnopqrstuv"


def _fake_bot_api():
    from bot.testing import fake_bot_api

    return fake_bot_api


def _tail(path: Path) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-30:])


def _append(path: Path):
    return open(path, "ab")  # noqa: SIM115 - handed to the child process


async def _start_front_end(cluster, api, log: Path) -> asyncio.subprocess.Process:
    env = base_env(
        TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
        TELEGRAM_API_URL=api.api_url,
        RASA_URL=cluster.url(1),
        RASA_TOKEN=cluster.token,
        JAGA_ID_SECRET=cluster.id_secret,
        JAGA_STATS_DB="off",
        JAGA_LOG_LEVEL="WARNING",
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "telegram",
        cwd=ROOT,
        env=env,
        stdout=_append(log),
        stderr=asyncio.subprocess.STDOUT,
    )


def _answered(api, chats: list[int]) -> dict[int, list[str]]:
    sent: dict[int, list[str]] = {chat: [] for chat in chats}
    for call in api.sent():
        if call.params.get("chat_id") in sent:
            sent[call.params["chat_id"]].append(call.params.get("text", ""))
    return sent


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
async def test_front_end_restart_answers_every_update_exactly_once(cluster, tmp_path, how):
    """Polling against a fake Bot API: queue updates, stop the front end after some
    answers (SIGTERM: a deploy or supervisor restart; SIGKILL: a crash), start it again, and
    check that every update got exactly one answer."""
    fake = _fake_bot_api()
    api = fake.FakeBotApi(TELEGRAM_TOKEN)
    await api.start()
    base = 8_100_000 if how == "SIGTERM" else 8_200_000
    chats = [base + i for i in range(40)]
    for chat in chats:
        api.push(fake.message_update(chat, "hi", message_id=1))
    log = cluster.log_dir / f"frontend-{how}.log"
    process = await _start_front_end(cluster, api, log)
    restarted = None
    try:
        await api.wait_for(
            lambda: sum(1 for s in _answered(api, chats).values() if s) >= 10,
            timeout=120,
            what="the first answers",
        )
        signalled = time.monotonic()
        process.send_signal(getattr(signal, how))
        try:  # SIGTERM: running turns get 5 s, then the front end exits
            await asyncio.wait_for(process.wait(), 15)
        except asyncio.TimeoutError:
            pytest.fail(f"the front end did not stop within 15 s of {how}:\n{_tail(log)}")
        TIMINGS[f"front end {how}: stopped after (s)"] = time.monotonic() - signalled
        at_kill = sum(1 for s in _answered(api, chats).values() if s)
        restarted = await _start_front_end(cluster, api, log)
        try:
            await api.wait_for(
                lambda: all(_answered(api, chats).values()),
                timeout=90 if how == "SIGTERM" else 20,
                what="an answer to every update",
            )
        except AssertionError:
            pass  # reported below with the details
        await api.settle(1.0)
    finally:
        for proc in (process, restarted):
            if proc is not None and proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), 30)
                except asyncio.TimeoutError:
                    proc.kill()
        await api.stop()
    answered = _answered(api, chats)
    lost = [chat for chat, sent in answered.items() if not sent]
    twice = [chat for chat, sent in answered.items() if len(sent) != len(set(sent))]
    TIMINGS[f"front end {how}: answered before the stop"] = at_kill
    TIMINGS[f"front end {how}: lost"] = len(lost)
    TIMINGS[f"front end {how}: answered twice"] = len(twice)
    detail = f"{len(lost)} lost, {len(twice)} answered twice, {at_kill} answered before {how}"
    log_tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    assert not lost, detail + "\n" + log_tail
    if how == "SIGKILL" and twice:
        # Only a reply on its way at the instant of the crash may be repeated: Telegram's
        # sendMessage cannot be made idempotent. An update answered well before the kill
        # must have been skipped after the restart (its id was recorded).
        first = {chat: _first_answer(api, chat) for chat in twice}
        stale = [chat for chat, at in first.items() if at < signalled - 1.0]
        assert not stale, f"{detail}; {len(stale)} answered > 1 s before the kill, twice"
        pytest.xfail(
            f"{detail}, all of them replies in transit when the process was killed (sent "
            "less than 1 s before SIGKILL, not yet recorded): at-least-once, see docs/production.md"
        )
    assert not twice, detail + "\n" + log_tail


def _first_answer(api, chat: int) -> float:
    return min(c.at for c in api.sent() if c.params.get("chat_id") == chat)


# -- finally: no secret in any log ---------------------------------------------------------------


def test_no_secret_in_any_log(cluster):
    for path in cluster.log_dir.glob("*"):
        text = path.read_bytes()
        assert cluster.token.encode() not in text, f"RASA_TOKEN written to {path.name}"
        assert TELEGRAM_TOKEN.encode() not in text, f"the bot token written to {path.name}"


def test_print_timings(cluster):
    """Not a check: the numbers for docs/production.md (shown with -s or on failure)."""
    print(f"\nproduction test timings (Redis db {REDIS_DB}):")
    for name, value in TIMINGS.items():
        print(f"  {name}: {value:.1f}" if isinstance(value, float) else f"  {name}: {value}")
    report = os.environ.get("JAGA_PRODUCTION_TIMINGS")
    if report:
        Path(report).write_text(json.dumps(TIMINGS, indent=2))
