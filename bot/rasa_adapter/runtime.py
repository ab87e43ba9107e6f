"""Running Rasa inside a Python process: loading the model, running actions in process,
and handling one user message. Used by the in-process assistant and by Jaga's Rasa input
channel (`bot.rasa_adapter.channel`), so both take exactly the same path."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from bot.core.replies import Button, Reply

logger = logging.getLogger(__name__)

LANGUAGES = ("en", "ms", "zh", "ta")


def quiet_rasa_logs() -> None:
    """Rasa and TensorFlow log a lot at INFO/DEBUG; Jaga's front ends want warnings only."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    if not os.environ.get("JAGA_DEBUG"):
        # Sanic (imported by Rasa) turns deprecation warnings back on when imported; import
        # it first, then silence the pages of warnings Rasa's old pins print at import.
        import warnings

        import sanic  # noqa: F401

        warnings.simplefilter("ignore")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    for name in ("rasa", "rasa_sdk", "tensorflow", "absl", "matplotlib", "apscheduler", "sanic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def latest_model(model_path: Path) -> Path:
    """The model file to load: `model_path` itself, or the newest `*.tar.gz` in it."""
    model_path = Path(model_path)
    if model_path.is_file():
        return model_path
    models = sorted(model_path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise FileNotFoundError(
            f"No trained model in {model_path}/. Run `make train` first (it takes under a minute)."
        )
    return models[-1]


def in_process_action_endpoint(package: str = "actions"):
    """An action endpoint that runs rasa-sdk actions in this process instead of over HTTP.

    Rasa calls `endpoint.request(json=...)` for every custom action; here that call goes
    straight to rasa-sdk's ActionExecutor, the same code the action server runs.
    """
    from rasa.utils.endpoints import EndpointConfig
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package(package)

    class InProcessActionEndpoint(EndpointConfig):
        async def request(
            self,
            method: str = "post",
            subpath: str | None = None,
            content_type: str | None = "application/json",
            compress: bool = False,
            **kwargs: Any,
        ) -> Any:
            return await executor.run(kwargs["json"])

    return InProcessActionEndpoint(url="in-process://actions")


def cache_action_validation() -> None:
    """Validates custom-action responses with one prepared JSON-schema validator.

    Rasa's `RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)`,
    which checks the schema itself against the meta-schema on every call: about 27 ms of a
    30 ms reply here (docs/benchmarks.md). Same check, prepared once: 0.3 ms.
    """
    import jsonschema
    from rasa.core.actions import action
    from rasa.shared.constants import DOCS_BASE_URL

    if getattr(action.RemoteAction._validate_action_result, "jaga_cached", False):
        return
    schema = action.RemoteAction.action_response_format_spec()
    validator = jsonschema.validators.validator_for(schema)(schema)

    def _validate_action_result(self: Any, result: dict) -> bool:
        try:
            validator.validate(result)
            return True
        except jsonschema.ValidationError as error:
            error.message += (
                ". Failed to validate Action server response from API, make sure your response "
                f"from the Action endpoint is valid. For more information visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise

    _validate_action_result.jaga_cached = True  # type: ignore[attr-defined]
    action.RemoteAction._validate_action_result = _validate_action_result


def load_agent(
    model_path: Path,
    *,
    action_server_url: str | None = None,
    tracker_store: Any = None,
    lock_store: Any = None,
):
    """Loads the Rasa agent once. Actions run in process unless an action server URL is given."""
    model = latest_model(model_path)
    if not os.environ.get("JAGA_ALLOW_TF"):
        from bot.rasa_adapter import tf_guard

        # Rasa imports TensorFlow even for a model that never uses it: 2+ s and ~450 MB.
        if not tf_guard.model_uses_tensorflow(model):
            tf_guard.block_tensorflow()
    quiet_rasa_logs()
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    cache_action_validation()
    endpoint = (
        EndpointConfig(url=action_server_url) if action_server_url else in_process_action_endpoint()
    )
    started = time.perf_counter()
    agent = Agent.load(
        model, action_endpoint=endpoint, tracker_store=tracker_store, lock_store=lock_store
    )
    logger.info("Loaded model %s in %.1f s", model.name, time.perf_counter() - started)
    return agent


def _buttons(raw: Any) -> tuple[Button, ...]:
    buttons = []
    for item in raw or []:
        if not isinstance(item, dict) or not item.get("title"):
            continue
        if item.get("url"):
            buttons.append(Button(str(item["title"]), url=str(item["url"])))
        elif item.get("payload"):
            buttons.append(Button(str(item["title"]), payload=str(item["payload"])))
    return tuple(buttons)


def to_replies(messages: list[dict]) -> list[Reply]:
    """Rasa's collected bot messages as Jaga's replies (images and custom data dropped)."""
    replies = []
    for message in messages or []:
        text = message.get("text") or ""
        buttons = _buttons(message.get("buttons"))
        if text or buttons:
            replies.append(Reply(text, buttons))
    return replies


async def handle_turn(
    agent,
    sender_id: str,
    text: str,
    *,
    lang: str | None = None,
    metadata: dict | None = None,
    input_channel: str = "jaga",
) -> dict:
    """Runs one user message through NLU, policies and actions under the sender's lock.

    Same steps as Rasa's `MessageProcessor.handle_message`, plus seeding the `lang` slot
    before slot extraction, and returning what the front ends need from the tracker.
    """
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.shared.core.events import SlotSet

    processor = agent.processor
    output = CollectingOutputChannel()
    message = UserMessage(
        text, output, sender_id, input_channel=input_channel, metadata=metadata or {}
    )
    async with agent.lock_store.lock(sender_id):
        tracker = await processor.log_message(message, should_save_tracker=False)
        if lang in LANGUAGES and tracker.get_slot("lang") != lang:
            tracker.update(SlotSet("lang", lang))
        tracker = await processor.run_action_extract_slots(output, tracker)
        # Read what the user said before the actions run: forgetting a conversation
        # restarts the tracker, which clears its latest message and slots.
        latest = tracker.latest_message
        lang_before = tracker.get_slot("lang")
        await processor._run_prediction_loop(output, tracker)
        await processor.save_tracker(tracker)
        acted = _risk_acted(tracker)

    restarted = not (tracker.latest_message and tracker.latest_message.intent)
    lang = lang_before if restarted else tracker.get_slot("lang")
    note_untranslated(output.messages, lang)
    parse = latest.parse_data if latest else {}
    intent = (latest.intent or {}) if latest else {}
    return {
        "text": text,
        "intent": intent.get("name"),
        "confidence": float(intent.get("confidence") or 0.0),
        "lang": lang or "en",
        "safety_net": (parse.get("safety_net") or {}).get("category"),
        "risk": acted,
        "messages": output.messages,
    }


def note_untranslated(messages: list[dict], lang: str | None) -> None:
    """Mandarin and Tamil are newer than English and Malay: before the first bubble that is not
    yet in the child's script, one line in their language says so and keeps the helplines
    (`untranslated_note` in bot/core/messages.yml)."""
    if lang not in ("zh", "ta"):
        return
    from bot.core import messages as texts
    from components.lexicon import script_language

    for index, message in enumerate(messages):
        text = message.get("text") or ""
        if text and script_language(text) != lang:
            messages.insert(index, {"text": texts.text("untranslated_note", lang)})
            return


# The actions that answer a worrying message, by the risk level they stand for.
RISK_ACTIONS = {"action_crisis": "danger", "action_risk_check_in": "concern"}


def _risk_acted(tracker: Any) -> str | None:
    """ "danger" or "concern" when this turn ran the crisis reply or the check-in, else None."""
    from rasa.shared.core.events import ActionExecuted, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return None
        if isinstance(event, ActionExecuted) and event.action_name in RISK_ACTIONS:
            return RISK_ACTIONS[event.action_name]
    return None


async def forget(agent, sender_id: str) -> None:
    """Deletes a conversation: its tracker (in memory or Redis), the copy Rasa kept in memory
    if Redis was down when it was saved, and its lock. Raises if the store cannot be reached,
    so that nobody is told "deleted" when it was not."""
    from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore

    store = agent.tracker_store
    inner = getattr(store, "_tracker_store", store)  # Rasa wraps stores in a FailSafe store
    fallback = getattr(store, "_fallback_tracker_store", None)  # set once Redis failed
    locks = agent.lock_store
    async with locks.lock(sender_id):
        if isinstance(fallback, InMemoryTrackerStore):
            fallback.store.pop(sender_id, None)
        if isinstance(inner, InMemoryTrackerStore):
            inner.store.pop(sender_id, None)
        elif isinstance(inner, RedisTrackerStore):
            inner.red.delete(inner.key_prefix + sender_id)
        else:
            from rasa.shared.core.trackers import DialogueStateTracker

            await store.save(DialogueStateTracker(sender_id, agent.domain.slots))
    # The lock goes too, with any ticket of a process that died mid-turn; only a turn of this
    # conversation still waiting keeps it, and removes it when it ends.
    locks.update_lock(sender_id)
    if not locks.is_someone_waiting(sender_id):
        locks.delete_lock(sender_id)
