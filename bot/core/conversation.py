"""The one module that talks to Rasa. Telegram, the web chat and `bot ask` all call it.

It redacts personal details before Rasa sees a message, keeps every reply within a time
limit, and answers with the safe fallback (the helplines) whenever Rasa fails. `respond`
never raises.

Rasa, its tracker store, its logs and the statistics never see a chat id: every sender id
is replaced by a keyed hash (`pseudonym`, HMAC-SHA256 with JAGA_ID_SECRET) as it enters
`BaseAssistant`, the one place that does it.

Only an exact button payload (`/<intent>`, or `/<intent>{"entity":"value"}` with entities and
plain values the domain knows) reaches Rasa unredacted: any other text that starts with "/"
(typed in the web chat, a Telegram caption, a forged button) is redacted like every message,
and its leading "/" dropped so that Rasa reads it as words (`for_rasa`). Jaga's Rasa channel
(`bot.rasa_adapter.channel`) applies the same rule to whatever is posted to it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from functools import lru_cache
from typing import Any, Callable, Collection, Protocol

from bot.core import messages
from bot.core.replies import Reply, Turn
from bot.core.settings import ROOT, Settings
from components.intents import SAFETY_INTENTS
from components.lexicon import detect_language
from components.pii import Redaction, redact
from components.text import MAX_MESSAGE_CHARS, clean

logger = logging.getLogger(__name__)

FORGET_INTENT = "forget_me"
CONVERSATION_TTL = 60 * 60  # seconds of silence after which a conversation is forgotten


# -- who Rasa sees ----------------------------------------------------------------------------

# The key of `make demo`, `python -m bot chat|ask` and the tests: public, so not a secret. A
# deployment that keeps conversations beyond one process sets JAGA_ID_SECRET.
DEVELOPMENT_ID_KEY = b"jaga-development-only-not-a-secret"


def pseudonym(sender_id: str, key: bytes) -> str:
    """What Rasa, Redis and the statistics see instead of a chat id ("tg:123456789"): an
    HMAC-SHA256 of it with a server secret, so that nobody who reads the store or a log can
    find the child, nor link two deployments' data."""
    digest = hmac.new(key, str(sender_id).encode("utf-8", "replace"), hashlib.sha256)
    return "j1:" + digest.hexdigest()[:32]


def id_key(settings: Settings) -> bytes:
    """JAGA_ID_SECRET; else, outside a demo, a random key that lives as long as the process."""
    if settings.id_secret:
        return settings.id_secret.encode("utf-8")
    if settings.rasa_url:
        logger.warning(
            "JAGA_ID_SECRET is not set: conversation ids are keyed with a random secret of this "
            "process, so a restart or another front end starts conversations afresh"
        )
        return secrets.token_bytes(32)
    if settings.telegram_token:
        return secrets.token_bytes(32)  # conversations live in this process's memory anyway
    return DEVELOPMENT_ID_KEY


# -- what Rasa may see -----------------------------------------------------------------------

_PAYLOAD = re.compile(r"/(?P<intent>[A-Za-z_][A-Za-z0-9_]{0,63})(?P<entities>\{.{0,300}\})?", re.S)
# Entity values in the payloads Jaga emits: "ms", "parent", "warning_signs", "self_harm".
_PAYLOAD_VALUE = re.compile(r"[a-z][a-z_]{0,31}")
_METADATA_VALUE = re.compile(r"[a-z]{1,16}")
METADATA_KEYS = ("channel",)  # the only message metadata kept with a conversation


@lru_cache(maxsize=1)
def domain_names() -> tuple[frozenset[str], frozenset[str]]:
    """(intents, entities) named in domain.yml, read once; empty sets if it cannot be read."""
    try:
        import yaml

        data = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8")) or {}
        names = [
            frozenset(i if isinstance(i, str) else next(iter(i)) for i in data.get(key) or [])
            for key in ("intents", "entities")
        ]
    except Exception as error:  # noqa: BLE001 - then every "/" message is redacted
        logger.error(
            "Could not read domain.yml (%s): no button payload is trusted", type(error).__name__
        )
        return frozenset(), frozenset()
    return names[0], names[1]


def is_payload(text: str, intents: Collection[str], entities: Collection[str]) -> bool:
    """`/<known intent>`, optionally with `{"<known entity>": "<plain value>", ...}`."""
    match = _PAYLOAD.fullmatch(text)
    if match is None or match.group("intent") not in intents:
        return False
    if match.group("entities") is None:
        return True
    try:
        values = json.loads(match.group("entities"))
    except ValueError:
        return False
    return (
        isinstance(values, dict)
        and 0 < len(values) <= 4
        and all(
            key in entities and isinstance(value, str) and _PAYLOAD_VALUE.fullmatch(value)
            for key, value in values.items()
        )
    )


def for_rasa(
    text: str,
    intents: Collection[str] | None = None,
    entities: Collection[str] | None = None,
) -> tuple[str, Redaction]:
    """The text Rasa may see, and what was removed from it.

    A button payload stays as it is. Anything else is redacted, and a leading "/" is dropped:
    Rasa would otherwise try it as a payload and print the text in a warning.
    """
    if intents is None or entities is None:
        intents, entities = domain_names()
    if text.startswith("/") and is_payload(text, intents, entities):
        return text, Redaction(text, [])
    redaction = redact(text)
    safe = redaction.text
    if safe.lstrip().startswith("/"):
        safe = safe.lstrip().lstrip("/").strip()
    return safe, redaction


def safe_metadata(metadata: Any) -> dict[str, str]:
    """Only the metadata Jaga sets itself (`{"channel": "web"}`): nothing else is stored."""
    if not isinstance(metadata, dict):
        return {}
    return {
        key: value
        for key, value in metadata.items()
        if key in METADATA_KEYS and isinstance(value, str) and _METADATA_VALUE.fullmatch(value)
    }


class Assistant(Protocol):
    async def respond(
        self, sender_id: str, text: str, *, lang: str | None = None, metadata: dict | None = None
    ) -> Turn: ...

    async def respond_to_media(
        self, sender_id: str, kind: str, *, lang: str | None = None
    ) -> Turn: ...

    async def language(self, sender_id: str) -> str: ...

    async def forget(self, sender_id: str) -> bool | None: ...

    async def close(self) -> None: ...


class _Backend(Protocol):
    """What a Rasa connection must do; `BaseAssistant` adds the safety around it."""

    async def turn(
        self, sender_id: str, text: str, lang: str | None, metadata: dict | None
    ) -> dict: ...

    async def forget(self, sender_id: str) -> None: ...

    async def close(self) -> None: ...


class BaseAssistant:
    """Everything around Rasa: clean-up, redaction, time limit, fallback, privacy card."""

    def __init__(
        self,
        backend: _Backend,
        *,
        timeout: float = 2.0,
        stats: Any = None,
        ttl: float = CONVERSATION_TTL,
        clock: Callable[[], float] = time.monotonic,
        id_key: bytes = DEVELOPMENT_ID_KEY,
    ) -> None:
        self._backend = backend
        self._id_key = id_key
        self._timeout = timeout
        self._stats = stats
        self._ttl = ttl
        self._clock = clock
        # Everything below is keyed by the pseudonym, never the front end's sender id.
        # pseudonym -> (last active, language). Only ids and languages, never text.
        self._seen: dict[str, tuple[float, str]] = {}
        self._pending: set[asyncio.Task] = set()
        # Senders who have seen the privacy card (ids only). It waits for a calm turn: never
        # under a crisis or disclosure reply, where it would push the helplines out of view.
        self._carded: set[str] = set()
        self._urgent: set[str] = set()  # senders whose last turn was a safety reply
        self._watcher: asyncio.Task | None = None

    # -- the public interface: sender ids come in here and leave as pseudonyms ---------------

    def pseudonym(self, sender_id: str) -> str:
        return pseudonym(sender_id, self._id_key)

    async def respond(
        self, sender_id: str, text: str, *, lang: str | None = None, metadata: dict | None = None
    ) -> Turn:
        sender_id = self.pseudonym(sender_id)
        await self._expire_idle()
        known_lang = lang or self._lang_of(sender_id) or detect_language(text or "") or "en"
        if not isinstance(text, str):
            text = ""
        text = clean(text)
        notes: list[Reply] = []
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[:MAX_MESSAGE_CHARS]
            notes.append(messages.reply("too_long", known_lang))
        safe_text, redaction = for_rasa(text)
        if not safe_text:  # nothing, or only slashes
            turn = Turn(text="", replies=[messages.reply("empty", known_lang)], lang=known_lang)
            self._remember(sender_id, known_lang)
            return turn
        turn = await self._ask_rasa(sender_id, safe_text, lang, safe_metadata(metadata), known_lang)
        if redaction.kinds:
            turn.redacted = list(redaction.kinds)
            kinds = messages.pii_kinds(redaction.kinds, turn.lang)
            turn.replies.append(messages.reply("pii_notice", turn.lang, kinds=kinds))
        turn.replies.extend(notes)
        self._record(turn, sender_id)
        if turn.intent == FORGET_INTENT and not turn.degraded:
            # "padam chat saya": nothing of the conversation is kept, and the reply says so
            # only if it is true.
            if not await self._forget(sender_id):
                turn.replies = [messages.reply("forget_failed", turn.lang)]
            return turn
        urgent = turn.risk is not None or turn.intent in SAFETY_INTENTS
        # Calm: neither this turn nor the one before it (a "yes" to "are you thinking about
        # ending your life?" is not a calm moment either).
        calm = not urgent and sender_id not in self._urgent
        if urgent:
            self._urgent.add(sender_id)
        else:
            self._urgent.discard(sender_id)
        if sender_id not in self._carded and calm and not turn.degraded:
            turn.replies.append(messages.reply("privacy_card", turn.lang))
            self._carded.add(sender_id)
        self._remember(sender_id, turn.lang)
        return turn

    async def respond_to_media(self, sender_id: str, kind: str, *, lang: str | None = None) -> Turn:
        """A photo, video, voice note, sticker...: never downloaded, never passed on."""
        sender_id = self.pseudonym(sender_id)
        known = lang or self._lang_of(sender_id) or "en"
        key = "location_notice" if kind in ("location", "contact", "venue") else "media_notice"
        self._remember(sender_id, known)
        turn = Turn(
            text=f"<{kind}>",
            replies=[messages.reply(key, known)],
            lang=known,
            intent="share_media",
            confidence=1.0,
        )
        self._record(turn, sender_id)
        return turn

    async def language(self, sender_id: str) -> str:
        return self._lang_of(self.pseudonym(sender_id)) or "en"

    async def forget(self, sender_id: str) -> bool:
        """Deletes the conversation; False if it could not be (say so, never "deleted")."""
        return await self._forget(self.pseudonym(sender_id))

    async def close(self) -> None:
        for task in list(self._pending):
            task.cancel()
        if self._watcher is not None:
            self._watcher.cancel()
        await self._backend.close()

    def watch_model(self, interval: float = 15.0) -> None:
        """Picks up a newly trained model (`make train`) without a restart or lost chats."""
        reload = getattr(self._backend, "reload_if_changed", None)
        if reload is None or self._watcher is not None:
            return

        async def watch() -> None:
            while True:
                await asyncio.sleep(interval)
                try:
                    await reload()
                except Exception as error:  # noqa: BLE001 - keep serving the old model
                    logger.error("Could not load the new model: %s", error)

        self._watcher = asyncio.ensure_future(watch())

    # -- internals: pseudonyms only ------------------------------------------------------

    async def _forget(self, sender_id: str) -> bool:
        self._seen.pop(sender_id, None)
        self._carded.discard(sender_id)
        self._urgent.discard(sender_id)
        try:
            await asyncio.wait_for(self._backend.forget(sender_id), self._timeout * 2)
        except Exception as error:  # noqa: BLE001 - forgetting must not crash a front end
            logger.warning("Could not delete a conversation: %s", type(error).__name__)
            return False
        return True

    async def _ask_rasa(
        self, sender_id: str, text: str, lang: str | None, metadata: dict | None, known_lang: str
    ) -> Turn:
        started = time.perf_counter()
        task = asyncio.ensure_future(self._backend.turn(sender_id, text, lang, metadata))
        # If Rasa is slow the child gets the safe reply now; the turn still finishes in the
        # background so the conversation's state stays whole.
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        task.add_done_callback(_swallow)
        try:
            result = await asyncio.wait_for(asyncio.shield(task), self._timeout)
        except asyncio.TimeoutError:
            logger.warning("Rasa took longer than %.1f s; sent the safe reply", self._timeout)
            return self._degraded(text, known_lang)
        except Exception as error:  # noqa: BLE001 - any failure gets the safe reply
            logger.error("Rasa failed (%s); sent the safe reply", type(error).__name__)
            return self._degraded(text, known_lang)
        from bot.rasa_adapter.runtime import to_replies

        replies = to_replies(result.get("messages") or [])
        if not replies:
            logger.error("Rasa sent no reply; sent the safe reply")
            return self._degraded(text, result.get("lang") or known_lang)
        logger.debug("Turn took %.1f ms", (time.perf_counter() - started) * 1000)
        return Turn(
            text=text,
            replies=replies,
            intent=result.get("intent"),
            confidence=result.get("confidence") or 0.0,
            lang=result.get("lang") or known_lang,
            safety_net=result.get("safety_net"),
            risk=result.get("risk"),
        )

    def _degraded(self, text: str, lang: str) -> Turn:
        return Turn(
            text=text, replies=[messages.reply("safe_fallback", lang)], lang=lang, degraded=True
        )

    def _lang_of(self, sender_id: str) -> str | None:
        seen = self._seen.get(sender_id)
        return seen[1] if seen else None

    def _remember(self, sender_id: str, lang: str) -> None:
        self._seen[sender_id] = (self._clock(), lang)

    async def _expire_idle(self) -> None:
        now = self._clock()
        idle = [sid for sid, (last, _) in self._seen.items() if now - last > self._ttl]
        # A store that expires silent conversations by itself (Redis, record_exp) is never told
        # to forget one here: another process (web chat, front end) may be serving it now.
        shared = getattr(self._backend, "expires_conversations", False)
        for sender_id in idle:
            if shared:
                self._seen.pop(sender_id, None)
                self._carded.discard(sender_id)
                self._urgent.discard(sender_id)
            else:
                await self._forget(sender_id)

    def _record(self, turn: Turn, sender_id: str) -> None:
        if self._stats is None:
            return
        try:
            self._stats.record(turn, sender_id)
        except Exception as error:  # noqa: BLE001 - statistics never affect a reply
            logger.warning("Could not record statistics: %s", type(error).__name__)


def _model_identity(settings: Settings | None) -> tuple | None:
    """(path, modified time, size) of the model that would be loaded now."""
    if settings is None:
        return None
    from bot.rasa_adapter.runtime import latest_model

    try:
        path = latest_model(settings.model_path)
        stat = path.stat()
    except OSError:
        return None
    return (path, stat.st_mtime_ns, stat.st_size)


def _swallow(task: asyncio.Task) -> None:
    if not task.cancelled():
        task.exception()  # mark as retrieved; the failure was already answered


_SWEPT: dict[int, float] = {}  # id(tracker store) -> when its fallback copies were last swept


def expire_fallback_trackers(agent: Any, ttl: float = CONVERSATION_TTL, every: float = 60.0) -> int:
    """Deletes the conversations Rasa kept in memory while Redis was down (its fail-safe store)
    once they have been silent for the conversation lifetime: Redis expires its own copies,
    nothing would expire these. At most once a minute; returns how many were deleted."""
    store = agent.tracker_store
    fallback = getattr(store, "_fallback_tracker_store", None)
    kept = getattr(fallback, "store", None)
    now = time.time()
    if not kept or now - _SWEPT.get(id(store), 0.0) < every:
        return 0
    _SWEPT[id(store)] = now
    ttl = getattr(getattr(store, "_tracker_store", None), "record_exp", None) or ttl
    deleted = 0
    for sender_id, serialised in list(kept.items()):
        try:
            events = json.loads(serialised).get("events") or []
            last = max((e.get("timestamp") or 0.0) for e in events) if events else 0.0
        except (TypeError, ValueError, AttributeError):
            last = 0.0  # unreadable: not worth keeping
        if now - last > ttl:
            kept.pop(sender_id, None)
            deleted += 1
    if deleted:
        logger.info("Deleted %s conversation(s) kept in memory while Redis was down", deleted)
    return deleted


class InProcessRasa:
    """Rasa loaded in this process; actions run in process too (see bot.rasa_adapter.runtime)."""

    def __init__(self, agent: Any, settings: Settings | None = None) -> None:
        self.agent = agent
        self._settings = settings
        self._model = _model_identity(settings)

    @classmethod
    def load(cls, settings: Settings) -> InProcessRasa:
        from bot.rasa_adapter.runtime import load_agent

        agent = load_agent(settings.model_path, action_server_url=settings.action_server_url)
        return cls(agent, settings)

    async def reload_if_changed(self) -> bool:
        """Loads a newly trained model beside the running one, then swaps it in.

        Conversations survive: the new agent shares the tracker and lock stores. Replies keep
        coming from the old model while the new one loads (in a worker thread).
        """
        from bot.rasa_adapter.runtime import load_agent

        identity = _model_identity(self._settings)
        if self._settings is None or identity is None or identity == self._model:
            return False
        loop = asyncio.get_running_loop()
        new_agent = await loop.run_in_executor(
            None,
            lambda: load_agent(
                identity[0],
                action_server_url=self._settings.action_server_url,
                tracker_store=self.agent.tracker_store,
                lock_store=self.agent.lock_store,
            ),
        )
        self.agent, self._model = new_agent, identity
        logger.info("Now answering with model %s", identity[0].name)
        return True

    async def turn(
        self, sender_id: str, text: str, lang: str | None, metadata: dict | None
    ) -> dict:
        from bot.rasa_adapter.runtime import handle_turn

        result = await handle_turn(self.agent, sender_id, text, lang=lang, metadata=metadata)
        expire_fallback_trackers(self.agent)
        return result

    async def forget(self, sender_id: str) -> None:
        from bot.rasa_adapter.runtime import forget

        await forget(self.agent, sender_id)

    async def close(self) -> None:
        return None


class RemoteRasa:
    """A Rasa server at RASA_URL, through Jaga's own input channel (`bot.rasa_adapter.channel`)."""

    # Its tracker store (Redis, `record_exp` in deploy/endpoints.redis.yml) deletes a silent
    # conversation itself; several front ends and web processes share it.
    expires_conversations = True

    def __init__(self, url: str, token: str | None = None, timeout: float = 2.0) -> None:
        # RASA_URL may list several replicas, comma-separated: a failed call moves on to the
        # next one, so front ends need no load balancer in front of Rasa.
        self._urls = [u.strip().rstrip("/") + "/webhooks/jaga" for u in url.split(",") if u.strip()]
        self._next = 0
        self._token = token
        self._timeout = timeout
        self._session = None

    async def _post(self, path: str, body: dict) -> dict:
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                headers={"Authorization": f"Bearer {self._token}"} if self._token else {},
            )
        last_error: Exception | None = None
        # Each replica once (at least twice in all, for a connection dropped by a restart).
        for attempt in range(max(2, len(self._urls))):
            url = self._urls[self._next % len(self._urls)]
            try:
                async with self._session.post(url + path, json=body) as response:
                    response.raise_for_status()
                    return await response.json()
            except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as error:
                last_error = error
                self._next += 1  # this replica is down or slow: the next call goes elsewhere
                await asyncio.sleep(0.05 * (attempt + 1))
        assert last_error is not None
        raise last_error

    async def turn(
        self, sender_id: str, text: str, lang: str | None, metadata: dict | None
    ) -> dict:
        return await self._post(
            "/turn",
            {"sender": sender_id, "message": text, "lang": lang, "metadata": metadata or {}},
        )

    async def forget(self, sender_id: str) -> None:
        await self._post("/forget", {"sender": sender_id})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class FakeAssistant(BaseAssistant):
    """Answers from a script instead of a model, for front-end tests.

    `script` maps a message (or payload) to (intent, reply text, buttons); anything else
    gets `default`. Set `fail=True` or `delay` to test the fallback path.
    """

    def __init__(
        self,
        script: dict | None = None,
        *,
        timeout: float = 2.0,
        delay: float = 0.0,
        fail: bool = False,
        stats: Any = None,
    ) -> None:
        self.calls: list[tuple[str, str, str | None]] = []
        self.forgotten: list[str] = []
        self.backend_ids: list[str] = []  # what Rasa would have seen: pseudonyms
        self.script = script or {}
        self.delay = delay
        self.fail = fail
        self._front_end_ids: dict[str, str] = {}
        super().__init__(_FakeBackend(self), timeout=timeout, stats=stats)

    def pseudonym(self, sender_id: str) -> str:
        # A test double: `calls` and `forgotten` show the ids the front end used.
        alias = super().pseudonym(sender_id)
        self._front_end_ids[alias] = sender_id
        return alias

    def front_end_id(self, alias: str) -> str:
        return self._front_end_ids.get(alias, alias)


class _FakeBackend:
    def __init__(self, owner: FakeAssistant) -> None:
        self.owner = owner
        self.langs: dict[str, str] = {}

    async def turn(
        self, sender_id: str, text: str, lang: str | None, metadata: dict | None
    ) -> dict:
        owner = self.owner
        owner.backend_ids.append(sender_id)
        owner.calls.append((owner.front_end_id(sender_id), text, lang))
        if owner.delay:
            await asyncio.sleep(owner.delay)
        if owner.fail:
            raise ConnectionError("fake Rasa is down")
        detected = lang or detect_language(text) or self.langs.get(sender_id, "en")
        self.langs[sender_id] = detected
        intent, reply, buttons = owner.script.get(
            text, ("out_of_scope", f"({detected}) You said: {text}", [])
        )
        return {
            "intent": intent,
            "confidence": 1.0,
            "lang": detected,
            "messages": [{"text": reply, "buttons": buttons}],
        }

    async def forget(self, sender_id: str) -> None:
        self.owner.backend_ids.append(sender_id)
        self.owner.forgotten.append(self.owner.front_end_id(sender_id))
        self.langs.pop(sender_id, None)

    async def close(self) -> None:
        return None


async def build_assistant(settings: Settings, *, stats: Any = "default") -> BaseAssistant:
    """The assistant the settings ask for: a Rasa server at RASA_URL, or Rasa in process."""
    if stats == "default":
        from bot.core.stats import UsageStats

        stats = (
            UsageStats(settings.stats_db, secret=settings.id_secret) if settings.stats_db else None
        )
    key = id_key(settings)
    if settings.rasa_url:
        backend: Any = RemoteRasa(settings.rasa_url, settings.rasa_token, settings.reply_timeout)
        return BaseAssistant(backend, timeout=settings.reply_timeout, stats=stats, id_key=key)
    backend = InProcessRasa.load(settings)  # blocks a few seconds, once, at start
    assistant = BaseAssistant(backend, timeout=settings.reply_timeout, stats=stats, id_key=key)
    # The first reply pays for lazy imports; pay it now, not on a child's first message.
    await assistant._backend.turn("warm-up", "hi", None, None)
    await assistant._backend.forget("warm-up")
    return assistant


def turn_json(turn: Turn) -> str:
    return json.dumps(turn.as_json(), ensure_ascii=False)
