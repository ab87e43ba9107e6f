"""After a conversation nothing stored holds a phone number, IC number, e-mail or image."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
import warnings

import pytest
from redis_stores import clean_up, redis_client, stores

SECRETS = ["012-345 6789", "0123456789", "080512-10-1234", "ali.budak@gmail.com"]


def stored_text(rasa_backend, sender: str) -> str:
    from bot.rasa_adapter.runtime import tracker_stores

    inner, _ = tracker_stores(rasa_backend.agent)
    return str(inner.store.get(sender, ""))


async def test_personal_details_are_not_in_the_stored_conversation(assistant, rasa_backend):
    sender = f"test-{uuid.uuid4().hex}"
    await assistant.respond(sender, "hi my number is 012-345 6789 and my ic 080512-10-1234")
    await assistant.respond(sender, "email aku ali.budak@gmail.com, nombor 0123456789")
    await assistant.respond_to_media(sender, "photo")
    stored = stored_text(rasa_backend, assistant.pseudonym(sender))
    assert stored, "the conversation should be stored while it lasts"
    for secret in SECRETS:
        assert secret not in stored
        assert secret.replace("-", "").replace(" ", "") not in stored.replace("-", "")
    assert "[phone]" in stored and "[email]" in stored


async def test_delete_my_chat_leaves_nothing_stored(assistant, rasa_backend):
    sender = f"test-{uuid.uuid4().hex}"
    await assistant.respond(sender, "someone keeps asking for my pics")
    assert stored_text(rasa_backend, assistant.pseudonym(sender))
    turn = await assistant.respond(sender, "padam chat saya")
    assert turn.intent == "forget_me"
    assert stored_text(rasa_backend, assistant.pseudonym(sender)) == ""


async def test_forget_command_leaves_nothing_stored(assistant, rasa_backend):
    sender = f"test-{uuid.uuid4().hex}"
    await assistant.respond(sender, "hello")
    await assistant.forget(sender)
    assert stored_text(rasa_backend, assistant.pseudonym(sender)) == ""


# -- every way round redaction, on a real Redis tracker store ---------------------------------

CHILD = 5553301
# What the child typed, in every form it must never be stored or logged in.
RAW = [
    "012-345 6789",
    "0123456789",
    "345 6789",
    "011-2345 6789",
    "2345 6789",
    "019 876 5432",
    "876 5432",
    "080512-10-1234",
    "080512",
    "ali.budak@gmail.com",
    "ali.budak",
    "siti_99",
]


@pytest.fixture
def redis_stores(rasa_backend):
    """The loaded model's agent with its conversations and locks in Redis for one test."""
    client, prefix = redis_client("jagaprivacy")
    agent = rasa_backend.agent
    saved = (agent.tracker_store, agent.lock_store)
    tracker_store, lock_store = stores(agent.domain, prefix)
    agent.tracker_store = agent.processor.tracker_store = tracker_store
    agent.lock_store = agent.processor.lock_store = lock_store
    try:
        yield client, prefix
    finally:
        agent.tracker_store = agent.processor.tracker_store = saved[0]
        agent.lock_store = agent.processor.lock_store = saved[1]
        clean_up(client, prefix)


def stored_in_redis(client, prefix: str) -> str:
    parts = []
    for key in client.scan_iter(match=f"{prefix}:*"):
        parts.append(key.decode())
        parts.append((client.get(key) or b"").decode("utf-8", "replace"))
    return "\n".join(parts)


def assert_nothing_raw(where: str, text: str) -> None:
    squeezed = re.sub(r"[\s\-]", "", text)
    for raw in RAW:
        assert raw not in text, f"{raw!r} in {where}"
        assert re.sub(r"[\s\-]", "", raw) not in squeezed or not raw[0].isdigit(), (
            f"{raw!r} (without spaces) in {where}"
        )


async def _through_telegram(assistant) -> None:
    """The Telegram front end, against a fake Bot API: a "/ " message with no command in it,
    a photo caption and a forged button."""
    from bot.core.settings import Settings
    from bot.telegram.app import serve
    from bot.telegram.dedupe import MemoryDoneStore
    from bot.testing.fake_bot_api import FakeBotApi, callback_update, message_update

    token = "123456:PRIVACY-test_abcdefghijklmnopqrstu"
    api = FakeBotApi(token)
    await api.start()
    stop, ready = asyncio.Event(), asyncio.Event()
    settings = Settings(
        telegram_token=token, telegram_api_url=api.api_url, reply_timeout=30.0, stats_db=None
    )
    task = asyncio.create_task(
        serve(settings, assistant, stop=stop, ready=ready, poll_timeout=1, store=MemoryDoneStore())
    )
    try:
        await asyncio.wait_for(ready.wait(), 10)
        # Telegram marks no command in "/ ..." (a slash, then a space)
        plain = [{"type": "italic", "offset": 2, "length": 6}]
        api.push(message_update(CHILD, "/ hubungi aku 011-2345 6789", entities=plain))
        photo = [{"file_id": "f1", "file_unique_id": "u1", "width": 9, "height": 9}]
        api.push(message_update(CHILD, None, message_id=2, photo=photo, caption="/ 019 876 5432"))
        api.push(callback_update(CHILD, "p:/greet ali.budak@gmail.com siti_99"))
        api.push(callback_update(CHILD, "k:/greet 0123456789"))
        await api.wait_for(lambda: len(api.called("answerCallbackQuery")) == 2, what="presses")
        await api.wait_sent(CHILD, 3, timeout=30)
        await api.settle(0.5)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await api.stop()


async def test_no_way_round_redaction_leaves_a_raw_detail_in_redis_or_the_logs(
    rasa_backend, redis_stores, caplog, capfd
):
    from bot.core.conversation import BaseAssistant
    from bot.rasa_adapter.channel import turn_request

    client, prefix = redis_stores
    assistant = BaseAssistant(rasa_backend, timeout=30.0, stats=None)
    sender = f"web:{uuid.uuid4().hex}"
    from bot.telegram.app import NOISY_LOGGERS

    # Everything at DEBUG, as `JAGA_LOG_LEVEL=DEBUG` would log it: the HTTP and Telegram
    # libraries stay at WARNING there too (their debug lines quote whole updates).
    caplog.set_level(logging.DEBUG)
    for name in NOISY_LOGGERS:
        caplog.set_level(logging.WARNING, logger=name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # typed in the web chat: text that starts with "/", and a forged button payload
        await assistant.respond(sender, "/ nombor aku 012-345 6789")
        await assistant.respond(sender, "/greet 0123456789")
        await assistant.respond(sender, '/greet{"topic":"ali.budak@gmail.com"}')
        await assistant.respond(sender, '/ask_help_menu{"mode":"080512-10-1234"}')
        # posted straight to Jaga's Rasa channel, past every front end
        status, result = await turn_request(
            rasa_backend.agent,
            {
                "sender": f"direct-{uuid.uuid4().hex[:8]}",
                "message": "/ ic aku 080512-10-1234 ig siti_99",
                "metadata": {"channel": "web", "phone": "012-345 6789"},
            },
        )
        assert status == 200 and "080512" not in result["text"]
        await _through_telegram(assistant)
    stored = stored_in_redis(client, prefix)
    assert stored.count(":tracker:") >= 3, "the conversations should be in Redis while they last"
    assert_nothing_raw("the Redis tracker store", stored)
    assert str(CHILD) not in stored and sender not in stored  # keyed hashes, not chat ids
    logs = "\n".join([caplog.text, *(str(w.message) for w in caught), *capfd.readouterr()])
    assert_nothing_raw("the logs", logs)
    assert "[phone]" in stored and "[ic]" in stored


async def test_an_exact_button_payload_still_reaches_rasa_as_it_is(rasa_backend):
    from bot.core.conversation import BaseAssistant

    assistant = BaseAssistant(rasa_backend, timeout=30.0, stats=None)
    turn = await assistant.respond(f"test-{uuid.uuid4().hex}", '/change_language{"lang":"ms"}')
    assert turn.text == '/change_language{"lang":"ms"}' and turn.lang == "ms"


# -- which "/" texts may pass unredacted -------------------------------------------------------


def _emitted_payloads() -> list[str]:
    """Every button payload the project sends: domain.yml's responses and the Telegram ones."""
    import yaml

    from bot.core.conversation import ROOT
    from bot.telegram.handlers.commands import INTENT_OF, START_MODES

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    payloads = [
        button["payload"].replace("{{", "{").replace("}}", "}")
        for variants in domain["responses"].values()
        for variant in variants
        for button in variant.get("buttons") or []
        if button.get("payload")
    ]
    payloads += list(INTENT_OF.values())
    payloads += ["/ask_help_menu" + json.dumps({"mode": mode}) for mode in START_MODES]
    assert len(payloads) > 20
    return payloads


def test_every_payload_the_project_emits_passes_as_it_is():
    from bot.core.conversation import for_rasa
    from components.pii import Redaction

    for payload in _emitted_payloads():
        assert for_rasa(payload) == (payload, Redaction(payload, [])), payload


@pytest.mark.parametrize(
    ("text", "rasa_sees"),
    [
        ("/ nombor aku 012-345 6789", "nombor aku [phone]"),
        ("/greet 0123456789", "greet [phone]"),
        ('/greet{"topic":"0123456789"}', 'greet{"topic":"[phone]"}'),
        ('/greet{"topic":"ali@gmail.com"}', 'greet{"topic":"[email]"}'),
        ('/ask_help_menu{"name":"ali"}', 'ask_help_menu{"name":"ali"}'),  # unknown entity
        ('/ask_help_menu{"mode":"Child 2"}', 'ask_help_menu{"mode":"Child 2"}'),  # not a slug
        ('/ask_help_menu{"mode":["child"]}', 'ask_help_menu{"mode":["child"]}'),
        ("/no_such_intent", "no_such_intent"),
        ("/greet@0.9", "greet@0.9"),
        ("/start@JagaBot", "start@JagaBot"),
        ("//greet", "greet"),
        ("/", ""),
        ("  /ig aku siti_99", "ig aku [handle]"),
    ],
)
def test_any_other_slash_text_is_redacted_and_read_as_words(text, rasa_sees):
    from bot.core.conversation import for_rasa

    assert for_rasa(text)[0] == rasa_sees


def test_only_jagas_own_metadata_is_kept():
    from bot.core.conversation import safe_metadata

    assert safe_metadata({"channel": "web", "phone": "0123456789"}) == {"channel": "web"}
    assert safe_metadata({"channel": "012 345 6789"}) == {}
    assert safe_metadata("channel=web") == {} and safe_metadata(None) == {}


async def test_the_rasa_channel_refuses_what_it_cannot_trust(rasa_backend):
    from bot.rasa_adapter.channel import forget_request, turn_request

    agent = rasa_backend.agent
    for body in (
        None,
        [],
        {"message": "hi"},
        {"sender": "a b", "message": "hi"},
        {"sender": "x" * 200, "message": "hi"},
        {"sender": "ok", "message": 5},
        {"sender": "ok", "message": "///"},
    ):
        status, _ = await turn_request(agent, body)
        assert status == 400, body
    assert (await forget_request(agent, {"sender": ["a"]}))[0] == 400


# -- the sender id Rasa sees ---------------------------------------------------------------------


async def test_rasa_and_the_statistics_see_a_keyed_hash_never_the_chat_id():
    from bot.core.conversation import pseudonym
    from bot.testing.assistant import FakeAssistant

    class Stats:
        senders: list[str] = []

        def record(self, turn, sender_id):
            self.senders.append(sender_id)

    stats = Stats()
    assistant = FakeAssistant(stats=stats)
    await assistant.respond("tg:5553301", "hello")
    await assistant.respond_to_media("tg:5553301", "photo")
    await assistant.forget("tg:5553301")
    assert assistant.calls[0][0] == "tg:5553301"  # the front end's own view
    seen = set(assistant.backend_ids) | set(stats.senders)
    assert seen == {assistant.pseudonym("tg:5553301")}
    assert all("5553301" not in alias and alias.startswith("j1:") for alias in seen)
    key_a, key_b = b"a" * 32, b"b" * 32
    assert pseudonym("tg:1", key_a) == pseudonym("tg:1", key_a) != pseudonym("tg:1", key_b)
    assert pseudonym("tg:1", key_a) != pseudonym("tg:2", key_a)


def test_the_id_key_comes_from_the_settings_or_lives_with_the_process(caplog):
    from bot.core.conversation import DEVELOPMENT_ID_KEY, id_key
    from bot.core.settings import Settings

    assert id_key(Settings(id_secret="s" * 40)) == b"s" * 40
    assert id_key(Settings()) == DEVELOPMENT_ID_KEY  # make demo, the terminal, the tests
    with caplog.at_level(logging.WARNING, logger="bot.core.conversation"):
        remote = id_key(Settings(rasa_url="http://127.0.0.1:5005"))
    assert remote != DEVELOPMENT_ID_KEY and len(remote) == 32
    assert "JAGA_ID_SECRET" in caplog.text  # conversations will not survive a restart
    assert id_key(Settings(telegram_token="1:x")) not in (DEVELOPMENT_ID_KEY, remote)


async def test_forget_deletes_the_tracker_its_lock_and_any_copy_kept_in_memory(
    rasa_backend, redis_stores
):
    from rasa.core.tracker_store import InMemoryTrackerStore

    from bot.core.conversation import BaseAssistant

    client, prefix = redis_stores
    assistant = BaseAssistant(rasa_backend, timeout=30.0, stats=None)
    sender = f"tg:{uuid.uuid4().int % 10**9}"
    alias = assistant.pseudonym(sender)
    await assistant.respond(sender, "hello")
    tracker_key, lock_key = f"{prefix}:tracker:{alias}", f"{prefix}:lock:{alias}"
    assert client.exists(tracker_key) and sender.split(":")[1] not in stored_in_redis(
        client, prefix
    )
    # What a replica killed mid-turn leaves: a lock whose ticket expired long ago.
    dead = json.dumps({"number": 0, "expires": 1.0})
    client.set(lock_key, json.dumps({"conversation_id": alias, "tickets": [dead]}))
    # ...and a copy Rasa kept in memory while Redis was down.
    store = rasa_backend.agent.tracker_store
    store._fallback_tracker_store = InMemoryTrackerStore(rasa_backend.agent.domain)
    store._fallback_tracker_store.store[alias] = "{}"
    try:
        await assistant.forget(sender)
        assert not client.exists(tracker_key) and not client.exists(lock_key)
        assert alias not in store._fallback_tracker_store.store
    finally:
        store._fallback_tracker_store = None


def test_silent_conversations_kept_in_memory_expire_in_the_background_sweep():
    """The in-memory store, and the copies Rasa keeps while Redis is down, are swept once a
    conversation has been silent for the session expiry; Redis expires its own (record_exp)."""
    from types import SimpleNamespace

    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.rasa_adapter.runtime import conversation_ttl, sweep_idle

    now = time.time()

    def stored(age: float) -> str:
        return json.dumps({"events": [{"event": "user", "timestamp": now - age}]})

    domain = Domain.from_yaml("session_config:\n  session_expiration_time: 60\n")
    memory = InMemoryTrackerStore(domain)
    memory.store.update({"old": stored(4000), "new": stored(10), "broken": "not json"})
    agent = SimpleNamespace(tracker_store=memory, domain=domain)
    assert conversation_ttl(agent) == 3600
    assert sweep_idle(agent) == 2 and list(memory.store) == ["new"]

    kept = InMemoryTrackerStore(domain)  # what Rasa keeps while Redis is down
    kept.store.update({"a": stored(700), "b": stored(10)})
    redis = SimpleNamespace(record_exp=600)
    failsafe = SimpleNamespace(_tracker_store=redis, _fallback_tracker_store=kept)
    agent = SimpleNamespace(tracker_store=SimpleNamespace(_tracker_store=failsafe), domain=domain)
    assert conversation_ttl(agent) == 600  # the Redis store's record_exp, however wrapped
    assert sweep_idle(agent) == 1 and list(kept.store) == ["b"]


# -- honest deletion -----------------------------------------------------------------------------


async def test_a_failed_delete_is_reported_never_called_deleted():
    from bot.core import messages
    from bot.testing.assistant import FakeAssistant

    script = {"padam chat saya": ("forget_me", "Siap, sudah dipadam.", [])}
    assistant = FakeAssistant(script)

    async def unreachable(sender_id: str) -> None:
        raise ConnectionError("the store is down")

    assert await assistant.forget("u1") is True
    assistant._backend.forget = unreachable
    turn = await assistant.respond("u1", "padam chat saya", lang="ms")
    assert [r.text for r in turn.replies] == [messages.text("forget_failed", "ms")]
    assert "sudah dipadam" not in turn.reply_text
    assert await assistant.forget("u1") is False
