"""CPU time of saving a conversation to Redis: Rasa's `RedisTrackerStore` against
`bot.rasa_adapter.tracker_store.AppendingRedisTrackerStore`.

    python -m tools.bench.tracker_save                # 200 saves of a 20-turn conversation
    python -m tools.bench.tracker_save --saves 500 --turns 40 --restarts 50

Each save is a turn's: the stored conversation is the one before its last turn, and the
tracker saved holds that last turn too (the stored copy is put back, untimed, before every
save). Also timed, `--restarts` times (20; each costs tens of ms): a save after a session
restart, where the tracker holds only the new session and both stores merge. CPU is this
process's (`time.process_time`), the Redis calls included. Needs Redis (`common.redis_url`:
REDIS_HOST, default 127.0.0.1:6379, the benchmark's db); its keys are deleted at the end. The
conversations are built here (`conversation`), like Jaga's: a session start, then per turn
the child's message with its parse data, a slot, the reply with its buttons and
`action_listen`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import time
import uuid
import warnings
from typing import Any

from tools.bench.common import delete_redis_keys, redis_url, redis_where

INTENTS = ("greet", "ask_grooming", "ask_sextortion", "ask_bullying", "goodbye", "affirm")
SLOTS = {
    "lang": {"type": "categorical", "values": ["en", "ms"], "mappings": [{"type": "custom"}]},
    "topic": {"type": "text", "mappings": [{"type": "custom"}]},
    "privacy_card_owed": {"type": "bool", "mappings": [{"type": "custom"}]},
}


@functools.lru_cache(maxsize=1)
def domain() -> Any:
    """A domain with the slots the conversations set."""
    from rasa.shared.core.domain import Domain

    with warnings.catch_warnings():  # "Slot auto-fill has been removed", for any slots
        warnings.simplefilter("ignore")
        return Domain.from_dict({"slots": SLOTS})


def session_events(start: float, lang: str = "en") -> list[Any]:
    """What `action_session_start` leaves: the session, the slots carried over, the card owed."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet

    return [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start + 0.001),
        SlotSet("lang", lang, timestamp=start + 0.002),
        SlotSet("privacy_card_owed", True, timestamp=start + 0.003),
        ActionExecuted("action_listen", timestamp=start + 0.004),
    ]


def turn_events(number: int, start: float) -> list[Any]:
    """One turn: the message as Rasa parsed it, a slot, the reply with its buttons, listening."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    intent = INTENTS[number % len(INTENTS)]
    text = f"message {number} about {intent.replace('_', ' ')}, what should I do"
    ranking = [
        {"name": name, "confidence": round(0.9 / (rank + 1), 4)}
        for rank, name in enumerate(INTENTS[number % len(INTENTS) :] + INTENTS)
    ][:10]
    parse = {
        "text": text,
        "intent": ranking[0],
        "entities": [],
        "intent_ranking": ranking,
        "response_selector": {},
        "safety_net": None,
        "lang": "en",
    }
    utter = f"utter_{intent}"
    return [
        UserUttered(
            text,
            ranking[0],
            [],
            parse,
            timestamp=start,
            input_channel="jaga",
            message_id=uuid.uuid5(uuid.NAMESPACE_OID, f"{number}").hex,
            metadata={"lang_hint": "en"},
        ),
        SlotSet("topic", intent, timestamp=start + 0.001),
        ActionExecuted(utter, policy="RulePolicy", confidence=1.0, timestamp=start + 0.002),
        BotUttered(
            f"Reply {number}: a few sentences about {intent}, and where to get help.",
            {
                "buttons": [
                    {"title": "More", "payload": "/more"},
                    {"title": "Menu", "payload": "/m"},
                ]
            },
            {"utter_action": utter},
            timestamp=start + 0.003,
        ),
        ActionExecuted(
            "action_listen", policy="RulePolicy", confidence=1.0, timestamp=start + 0.004
        ),
    ]


def conversation(sender_id: str, turns: int, start: float = 1_700_000_000.0, sessions: int = 1):
    """A tracker of `sessions` sessions of `turns` turns each, a second apart."""
    from rasa.shared.core.trackers import DialogueStateTracker

    events: list[Any] = []
    at = start
    for _ in range(sessions):
        events += session_events(at)
        for number in range(turns):
            at += 1.0
            events += turn_events(number, at)
        at += 7200.0  # two hours of silence: the next session
    return DialogueStateTracker.from_events(sender_id, events, slots=domain().slots)


def stores(prefix: str) -> tuple[Any, Any]:
    """Rasa's store and Jaga's, on the same Redis and key prefix."""
    from rasa.core.tracker_store import RedisTrackerStore

    from bot.rasa_adapter.tracker_store import AppendingRedisTrackerStore

    where = {**redis_where(redis_url(), prefix), "record_exp": 3600}
    return RedisTrackerStore(domain(), **where), AppendingRedisTrackerStore(domain(), **where)


async def cpu_per_save(stores: dict[str, Any], before: str, tracker: Any, saves: int) -> dict:
    """Mean CPU ms of `store.save(tracker)` per store, with `before` stored each time; the
    stores take turns, so that a change in the machine's load falls on both alike."""
    spent = dict.fromkeys(stores, 0.0)
    for _ in range(saves):
        for name, store in stores.items():
            store.red.set(store.key_prefix + tracker.sender_id, before)
            started = time.process_time()
            await store.save(tracker)
            spent[name] += time.process_time() - started
    return {name: total / saves * 1000 for name, total in spent.items()}


async def measure(saves: int, turns: int, restarts: int) -> dict[str, float]:
    from rasa.shared.core.trackers import DialogueStateTracker

    prefix = "jagasave" + uuid.uuid4().hex[:10]
    rasa_store, jaga_store = stores(prefix)
    try:
        appended = conversation("append", turns)
        before = DialogueStateTracker.from_events(
            "append", list(appended.events)[:-5], slots=domain().slots
        )
        stored = rasa_store.serialise_tracker(before)
        two = conversation("restart", turns, sessions=2)
        events = list(two.events)
        latest = DialogueStateTracker.from_events(
            "restart", events[len(events) // 2 :], slots=domain().slots
        )
        first = rasa_store.serialise_tracker(
            DialogueStateTracker.from_events("restart", events[: len(events) // 2])
        )
        both = {"rasa": rasa_store, "jaga": jaga_store}
        await cpu_per_save(both, stored, appended, 5)  # warm up
        append = await cpu_per_save(both, stored, appended, saves)
        restart = await cpu_per_save(both, first, latest, restarts)
        results = {"events": float(len(appended.events))}
        for name in both:
            results[f"{name}_append_ms"] = append[name]
            results[f"{name}_append_total_s"] = append[name] * saves / 1000
            results[f"{name}_restart_ms"] = restart[name]
        return results
    finally:
        delete_redis_keys(redis_url(), [f"{prefix}:*"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.tracker_save")
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--restarts", type=int, default=20, help="saves after a restart")
    args = parser.parse_args(argv)
    results = asyncio.run(measure(args.saves, args.turns, args.restarts))
    print(json.dumps({k: round(v, 3) for k, v in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
