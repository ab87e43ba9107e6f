"""The one module that talks to Rasa. Telegram, the web chat and `bot ask` all call it.

It owns the turn contract, once for every front end: it cleans the text and redacts personal
details before Rasa sees a message, gives each turn one deadline, and answers with one fallback,
the safe reply with the helplines, whenever Rasa fails or is late. `respond` never raises.

It keeps nothing of a conversation: the language, the privacy card and the dialogue are in
Rasa's tracker (in memory, or Redis shared by every front end and Rasa replica), so any
process may answer any message (docs/architecture.md, "The conversation module").

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
from typing import TYPE_CHECKING, Any, Collection, Protocol

from bot.core import messages
from bot.core.replies import RasaMessage, RasaResult, Turn
from bot.core.settings import ROOT, Settings
from components.lexicon import detect_language
from components.pii import Redaction, redact
from components.text import MAX_MESSAGE_CHARS, clean

if TYPE_CHECKING:
    import aiohttp

logger = logging.getLogger(__name__)

FORGET_INTENT = "forget_me"
LANGUAGES = ("en", "ms", "zh", "ta")


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

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load((ROOT / "domain.yml").read_text(encoding="utf-8"), Loader=loader) or {}
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


def split_payload(text: str) -> tuple[str, dict[str, Any]] | None:
    """`/intent{"entity": "value"}` as (intent, entities); None when it is not shaped so."""
    match = _PAYLOAD.fullmatch(text)
    if match is None:
        return None
    if match.group("entities") is None:
        return match.group("intent"), {}
    try:
        values = json.loads(match.group("entities"))
    except ValueError:
        return None
    return (match.group("intent"), values) if isinstance(values, dict) and values else None


def is_payload(text: str, intents: Collection[str], entities: Collection[str]) -> bool:
    """`/<known intent>`, optionally with `{"<known entity>": "<plain value>", ...}`."""
    parts = split_payload(text)
    if parts is None or parts[0] not in intents:
        return False
    values = parts[1]
    return len(values) <= 4 and all(
        key in entities and isinstance(value, str) and _PAYLOAD_VALUE.fullmatch(value)
        for key, value in values.items()
    )


def with_language(payload: str, lang: str | None) -> str:
    """A button payload carrying the front end's language as its `lang` entity.

    Rasa reads a payload without running the NLU pipeline, so the language hint in the
    message's metadata never reaches the language component: a child who switched the web
    page to Malay and then tapped a button would be answered in the old language. Typed text
    is left alone (the language component weighs the hint against the words).
    """
    parts = split_payload(payload)
    if lang is None or parts is None or parts[0] == "change_language":
        return payload  # "/change_language" alone asks which language: it must stay a question
    intent, values = parts
    if "lang" in values or len(values) >= 4:
        return payload
    return join_payload(intent, {**values, "lang": lang})


def join_payload(intent: str, values: dict[str, Any]) -> str:
    return "/" + intent + (json.dumps(values, separators=(",", ":")) if values else "")


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


@lru_cache(maxsize=1)
def warm_up() -> None:
    """Loads the domain's names and the redactor's patterns once per process, so that the
    first child's message is not the one that pays for it within the reply deadline."""
    for_rasa("warm up /greet")  # compiles and runs every redaction pattern once
    detect_language("warm up")


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


class Backend(Protocol):
    """What a Rasa connection must do; `BaseAssistant` adds the safety around it. The
    conversation (language, privacy card, dialogue) lives in Rasa's tracker, never here."""

    async def turn(self, message: RasaMessage) -> RasaResult: ...

    async def language(self, sender_id: str) -> str | None: ...

    async def forget(self, sender_id: str) -> None: ...

    async def close(self) -> None: ...


class BaseAssistant:
    """The turn contract, the one place it is kept: the text is cleaned once and redacted,
    the whole turn has one deadline (the reply timeout), and any failure gets one fallback,
    the safe reply with the helplines. No conversation state is kept in this process: the
    language, the privacy card and the dialogue are in Rasa's tracker, so any process can
    answer any message of any conversation."""

    def __init__(
        self,
        backend: Backend,
        *,
        timeout: float = 2.0,
        stats: Any = None,
        id_key: bytes = DEVELOPMENT_ID_KEY,
    ) -> None:
        self._backend = backend
        self._id_key = id_key
        self._timeout = timeout
        self._stats = stats
        # Turns still running after their deadline (tasks only, no conversation state).
        self._pending: set[asyncio.Task] = set()
        self._watcher: asyncio.Task | None = None
        warm_up()

    # -- the public interface: sender ids come in here and leave as pseudonyms ---------------

    def pseudonym(self, sender_id: str) -> str:
        return pseudonym(sender_id, self._id_key)

    async def respond(
        self, sender_id: str, text: str, *, lang: str | None = None, metadata: dict | None = None
    ) -> Turn:
        deadline = asyncio.get_running_loop().time() + self._timeout
        sender_id = self.pseudonym(sender_id)
        hint = lang if lang in LANGUAGES else None
        text = clean(text) if isinstance(text, str) else ""
        too_long = len(text) > MAX_MESSAGE_CHARS
        text = text[:MAX_MESSAGE_CHARS]
        safe_text, redaction = for_rasa(text)
        if not safe_text:  # nothing, or only slashes
            known = hint or await self._language(sender_id, deadline)
            return Turn(text="", replies=[messages.reply("empty", known)], lang=known)
        if safe_text == text and text.startswith("/"):  # a button payload, checked above
            safe_text = with_language(safe_text, hint)
        turn, card = await self._ask_rasa(
            sender_id, safe_text, hint, safe_metadata(metadata), deadline
        )
        if redaction.kinds:
            turn.redacted = list(redaction.kinds)
            kinds = messages.pii_kinds(redaction.kinds, turn.lang)
            turn.replies.append(messages.reply("pii_notice", turn.lang, kinds=kinds))
        if too_long:
            turn.replies.append(messages.reply("too_long", turn.lang))
        self._record(turn, sender_id)
        if turn.intent == FORGET_INTENT and not turn.degraded:
            # "padam chat saya": nothing of the conversation is kept, and the reply says so
            # only if it is true.
            if not await self._forget(sender_id):
                turn.replies = [messages.reply("forget_failed", turn.lang)]
            return turn
        if card:  # owed by the tracker and due on this calm turn: after everything else
            turn.replies.append(messages.reply("privacy_card", turn.lang))
        return turn

    async def respond_to_media(self, sender_id: str, kind: str, *, lang: str | None = None) -> Turn:
        """A photo, video, voice note, sticker...: never downloaded, never passed on."""
        deadline = asyncio.get_running_loop().time() + self._timeout
        sender_id = self.pseudonym(sender_id)
        known = (lang if lang in LANGUAGES else None) or await self._language(sender_id, deadline)
        key = "location_notice" if kind in ("location", "contact", "venue") else "media_notice"
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
        """The conversation's language, from Rasa's tracker; "en" when unknown or unreachable."""
        deadline = asyncio.get_running_loop().time() + self._timeout
        return await self._language(self.pseudonym(sender_id), deadline)

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

    async def _language(self, sender_id: str, deadline: float) -> str:
        remaining = deadline - asyncio.get_running_loop().time()
        try:
            lang = await asyncio.wait_for(self._backend.language(sender_id), max(remaining, 0))
        except Exception as error:  # noqa: BLE001 - English, with the helplines, will do
            logger.warning("Could not read the conversation's language: %s", type(error).__name__)
            return "en"
        return lang if lang in LANGUAGES else "en"

    async def _forget(self, sender_id: str) -> bool:
        try:
            await asyncio.wait_for(self._backend.forget(sender_id), self._timeout * 2)
        except Exception as error:  # noqa: BLE001 - forgetting must not crash a front end
            logger.warning("Could not delete a conversation: %s", type(error).__name__)
            return False
        return True

    async def _ask_rasa(
        self, sender_id: str, text: str, hint: str | None, metadata: dict, deadline: float
    ) -> tuple[Turn, bool]:
        """Rasa's answer as a turn, and whether the privacy card is due; the safe reply when
        Rasa fails or misses the deadline."""
        started = time.perf_counter()
        remaining = max(deadline - asyncio.get_running_loop().time(), 0)
        message = RasaMessage(sender_id, text, hint, metadata, budget=remaining)
        task = asyncio.ensure_future(self._backend.turn(message))
        # If Rasa is slow the child gets the safe reply now; the turn still finishes in the
        # background so the conversation's state stays whole.
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        task.add_done_callback(_swallow)
        try:
            result = await asyncio.wait_for(asyncio.shield(task), remaining)
        except asyncio.TimeoutError:
            logger.warning("Rasa took longer than %.1f s; sent the safe reply", self._timeout)
            return self._degraded(text, _fallback_lang(text, hint) or "en"), False
        except Exception as error:  # noqa: BLE001 - any failure gets the safe reply
            logger.error("Rasa failed (%s); sent the safe reply", type(error).__name__)
            # in the conversation's language if the tracker can still say, in the time left
            lang = _fallback_lang(text, hint) or await self._language(sender_id, deadline)
            return self._degraded(text, lang), False
        if not isinstance(result, RasaResult) or not result.replies:
            logger.error("Rasa sent no reply; sent the safe reply")
            lang = result.lang if isinstance(result, RasaResult) else _fallback_lang(text, hint)
            return self._degraded(text, lang or "en"), False
        logger.debug("Turn took %.1f ms", (time.perf_counter() - started) * 1000)
        return result.to_turn(), result.privacy_card

    def _degraded(self, text: str, lang: str) -> Turn:
        return Turn(
            text=text, replies=[messages.reply("safe_fallback", lang)], lang=lang, degraded=True
        )

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


def _fallback_lang(text: str, hint: str | None) -> str | None:
    """The safe reply's language when Rasa gave none: the hint, or the text's own language
    (worked out only then, not on every turn)."""
    return hint or detect_language(text)


def _swallow(task: asyncio.Task) -> None:
    if not task.cancelled():
        task.exception()  # mark as retrieved; the failure was already answered


class InProcessRasa:
    """Rasa loaded in this process; actions run in process too (see bot.rasa_adapter.runtime).

    Conversations kept in memory (the default tracker store) are deleted by a background
    sweep once silent for the session expiry (`keep_sweeping`, started by `build_assistant`)."""

    def __init__(self, agent: Any, settings: Settings | None = None) -> None:
        self.agent = agent
        self._settings = settings
        self._model = _model_identity(settings)
        self._sweeper: asyncio.Task | None = None

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
        settings = self._settings  # narrowed, for the lambda
        loop = asyncio.get_running_loop()
        new_agent = await loop.run_in_executor(
            None,
            lambda: load_agent(
                identity[0],
                action_server_url=settings.action_server_url,
                tracker_store=self.agent.tracker_store,
                lock_store=self.agent.lock_store,
            ),
        )
        self.agent, self._model = new_agent, identity
        logger.info("Now answering with model %s", identity[0].name)
        return True

    def keep_sweeping(self) -> None:
        """Starts the background sweep of silent conversations kept in memory."""
        if self._sweeper is None:
            from bot.rasa_adapter.runtime import keep_sweeping

            self._sweeper = asyncio.ensure_future(keep_sweeping(lambda: self.agent))

    async def turn(self, message: RasaMessage) -> RasaResult:
        from bot.rasa_adapter.runtime import handle_turn

        return await handle_turn(
            self.agent,
            message.sender_id,
            message.text,
            lang=message.lang,
            metadata=message.metadata,
            budget=message.budget,
        )

    async def language(self, sender_id: str) -> str | None:
        from bot.rasa_adapter.runtime import conversation_language

        return await conversation_language(self.agent, sender_id)

    async def forget(self, sender_id: str) -> None:
        from bot.rasa_adapter.runtime import forget

        await forget(self.agent, sender_id)

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()


class RemoteRasa:
    """A Rasa server at RASA_URL, through Jaga's own input channel (`bot.rasa_adapter.channel`).

    A message is never applied twice: a call is tried again (on the next URL, if RASA_URL lists
    several) only when the connection could not be made, so the request was never sent. A
    timeout, or a connection lost after sending, is answered with the safe reply: the first
    attempt may still be running. In production RASA_URL is nginx, which fails over between the
    Rasa replicas (deploy/nginx.conf): the one failover layer.
    """

    def __init__(self, url: str, token: str | None = None, timeout: float = 2.0) -> None:
        self._urls = [u.strip().rstrip("/") + "/webhooks/jaga" for u in url.split(",") if u.strip()]
        self._next = 0
        self._token = token
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def _post(self, path: str, body: dict) -> Any:
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                headers={"Authorization": f"Bearer {self._token}"} if self._token else {},
            )
        last_error: Exception | None = None
        # Each URL once; a single one twice (its server may be restarting).
        for attempt in range(max(2, len(self._urls))):
            url = self._urls[self._next % len(self._urls)]
            try:
                async with self._session.post(url + path, json=body) as response:
                    response.raise_for_status()
                    return await response.json()
            except aiohttp.ClientConnectorError as error:  # refused, unreachable: never sent
                last_error = error
                self._next += 1
                await asyncio.sleep(0.05 * (attempt + 1))
        assert last_error is not None
        raise last_error

    async def turn(self, message: RasaMessage) -> RasaResult:
        body: dict[str, Any] = {
            "sender": message.sender_id,
            "message": message.text,
            "lang": message.lang,
            "metadata": message.metadata,
        }
        if message.budget is not None:
            body["budget"] = round(message.budget, 3)
        return RasaResult.from_json(await self._post("/turn", body))

    async def language(self, sender_id: str) -> str | None:
        answer = await self._post("/language", {"sender": sender_id})
        return answer.get("lang") if isinstance(answer, dict) else None

    async def forget(self, sender_id: str) -> None:
        await self._post("/forget", {"sender": sender_id})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


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
    await backend.turn(RasaMessage("warm-up", "hi"))
    await backend.forget("warm-up")
    backend.keep_sweeping()
    return assistant


def turn_json(turn: Turn) -> str:
    return json.dumps(turn.as_json(), ensure_ascii=False)
