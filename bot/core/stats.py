"""Anonymous usage statistics: what children and parents ask, never who they are or what they wrote.

Per day (Malaysian time) it counts messages, intents, languages, fallbacks (`nlu_fallback` or
a degraded turn), answers the model was unsure of (confidence below `LOW_CONFIDENCE`, per
intent: they show where examples are missing) and safety-net triggers per category.

Unique users per day are counted by a keyed hash of the sender id (already a pseudonym, see
bot.core.conversation) with a salt derived from a secret and the date, HMAC(secret, day), and stored
nowhere: when the day changes, the past day's hashes are reduced to a count and deleted, so
nobody can link two days, and nobody who reads the file can test a guessed id. The secret is
JAGA_ID_SECRET; without it, a random secret of this process (a restart then counts a returning
user again). Message text and sender ids are never stored.

The file is created owner-only (0600) and SQLite overwrites what it deletes
(`secure_delete`). `python -m bot stats` shows counts below 5 as "<5", so that a rare intent
on a quiet day cannot point to one child.

`record` never raises and never blocks a reply for long: a statistics failure is logged once
and the bot carries on. `python -m bot stats` prints `format_table()`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable

from bot.core.replies import Turn

log = logging.getLogger(__name__)

MALAYSIA = dt.timezone(dt.timedelta(hours=8))
FALLBACK_INTENT = "nlu_fallback"
LOW_CONFIDENCE = 0.5
SMALL = 5  # counts below this are shown as "<5"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counts (
    day TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (day, kind, key)
);
CREATE TABLE IF NOT EXISTS day_users (
    day TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (day, hash)
);
DROP TABLE IF EXISTS day_salt;
"""
_BUMP = (
    "INSERT INTO counts (day, kind, key, n) VALUES (?, ?, ?, 1) "
    "ON CONFLICT (day, kind, key) DO UPDATE SET n = n + 1"
)


def _today() -> dt.date:
    return dt.datetime.now(MALAYSIA).date()


class UsageStats:
    """Counters in one SQLite file. `path=None` turns statistics off (every call is a no-op)."""

    def __init__(
        self,
        path: Path | None,
        *,
        clock: Callable[[], dt.date] = _today,
        secret: str | bytes | None = None,
    ) -> None:
        self.path = Path(path) if path else None
        self._clock = clock
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        self._secret = secret or secrets.token_bytes(32)  # never written anywhere
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._failed = False
        self._salt_day: str | None = None
        self._salt = b""

    # -- storage --------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is None and self.path is not None and not self._failed:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))  # owner-only from birth
            db = sqlite3.connect(self.path, timeout=0.5, check_same_thread=False)
            db.execute("PRAGMA secure_delete=ON")  # deleted hashes are overwritten on disk
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            for suffix in ("", "-wal", "-shm"):  # SQLite gives these the file's mode; make sure
                part = self.path.with_name(self.path.name + suffix)
                if part.exists():
                    os.chmod(part, 0o600)
            self._db = db
        return self._db

    def _fail(self, error: Exception) -> None:
        if not self._failed:
            log.warning("usage statistics are off: %s: %s", type(error).__name__, error)
        self._failed = True
        self._close_db()

    def _rotate(self, db: sqlite3.Connection, day: str) -> None:
        """Use today's salt; fold earlier days' user hashes into counts and delete them."""
        if self._salt_day == day:
            return
        for (old,) in db.execute(
            "SELECT DISTINCT day FROM day_users WHERE day < ?", (day,)
        ).fetchall():
            (users,) = db.execute("SELECT COUNT(*) FROM day_users WHERE day = ?", (old,)).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO counts (day, kind, key, n) VALUES (?, 'users', '', ?)",
                (old, users),
            )
        db.execute("DELETE FROM day_users WHERE day < ?", (day,))
        salt = hmac.new(self._secret, b"jaga-stats-day:" + day.encode(), hashlib.sha256).digest()
        self._salt_day, self._salt = day, salt

    # -- API ------------------------------------------------------------------------------

    def record(self, turn: Turn, sender_id: str) -> None:
        """Count one turn. Never raises."""
        if self.path is None or self._failed:
            return
        try:
            with self._lock:
                db = self._connect()
                if db is None:
                    return
                day = self._clock().isoformat()
                with db:  # one transaction
                    self._rotate(db, day)
                    user = hmac.new(
                        self._salt, str(sender_id).encode("utf-8", "replace"), hashlib.sha256
                    ).hexdigest()[:32]
                    db.execute(
                        "INSERT OR IGNORE INTO day_users (day, hash) VALUES (?, ?)", (day, user)
                    )
                    intent = turn.intent or ("degraded" if turn.degraded else "none")
                    bumps = [("turns", ""), ("intent", intent), ("lang", turn.lang or "?")]
                    if turn.degraded or turn.intent == FALLBACK_INTENT:
                        bumps.append(("fallback", "degraded" if turn.degraded else FALLBACK_INTENT))
                    elif turn.intent and turn.confidence < LOW_CONFIDENCE:
                        bumps.append(("low_confidence", turn.intent))
                    if turn.safety_net:
                        bumps.append(("safety_net", str(turn.safety_net)))
                    db.executemany(_BUMP, [(day, kind, key) for kind, key in bumps])
        except Exception as error:  # noqa: BLE001 - statistics must never break a reply
            self._fail(error)

    def summary(self, days: int = 30) -> dict[str, Any]:
        """Totals over the last `days` days and a per-day breakdown (newest first)."""
        empty: dict[str, Any] = {
            "days": days, "turns": 0, "fallbacks": 0, "intents": {}, "languages": {},
            "safety_net": {}, "low_confidence": {}, "fallback_kinds": {}, "per_day": [],
        }  # fmt: skip
        if self.path is None or not self.path.exists():
            return empty
        since = (self._clock() - dt.timedelta(days=days - 1)).isoformat()
        try:
            with self._lock:
                db = self._connect()
                if db is None:
                    return empty
                rows = db.execute(
                    "SELECT day, kind, key, n FROM counts WHERE day >= ?", (since,)
                ).fetchall()
                live = db.execute(
                    "SELECT day, COUNT(*) FROM day_users WHERE day >= ? GROUP BY day", (since,)
                ).fetchall()
        except Exception as error:  # noqa: BLE001
            self._fail(error)
            return empty
        totals: dict[str, dict[str, int]] = {}
        per_day: dict[str, dict[str, int]] = {}
        for day, kind, key, n in rows:
            if kind not in ("turns", "users"):
                totals.setdefault(kind, {})
                totals[kind][key] = totals[kind].get(key, 0) + n
            slot = per_day.setdefault(
                day, {"turns": 0, "users": 0, "fallbacks": 0, "safety_net": 0}
            )
            if kind in ("turns", "users"):
                slot[kind] += n
            elif kind == "fallback":
                slot["fallbacks"] += n
            elif kind == "safety_net":
                slot["safety_net"] += n
        for day, users in live:
            per_day.setdefault(day, {"turns": 0, "users": 0, "fallbacks": 0, "safety_net": 0})
            per_day[day]["users"] = users

        def ranked(kind: str) -> dict[str, int]:
            return dict(sorted(totals.get(kind, {}).items(), key=lambda kv: (-kv[1], kv[0])))

        return {
            **empty,
            "turns": sum(d["turns"] for d in per_day.values()),
            "fallbacks": sum(totals.get("fallback", {}).values()),
            "intents": ranked("intent"),
            "languages": ranked("lang"),
            "safety_net": ranked("safety_net"),
            "low_confidence": ranked("low_confidence"),
            "fallback_kinds": ranked("fallback"),
            "per_day": [{"day": d, **per_day[d]} for d in sorted(per_day, reverse=True)],
        }

    def format_table(self, days: int = 30) -> str:
        """The usage table, with every count below 5 shown as "<5"."""
        s = self.summary(days)
        if not s["turns"]:
            return f"No usage recorded in the last {days} days ({self.path or 'statistics off'})."
        turns = s["turns"]
        share = f" ({100 * s['fallbacks'] / turns:.1f}%)" if s["fallbacks"] >= SMALL else ""
        lines = [
            f"Jaga usage, last {days} days: {_n(turns)} messages, {_n(s['fallbacks'])} not "
            f"understood{share}, {_n(sum(s['safety_net'].values()))} safety-net triggers",
            "",
            f"{'day':<12} {'users':>6} {'messages':>9} {'fallbacks':>10} {'safety net':>11}",
        ]
        for d in s["per_day"]:
            lines.append(
                f"{d['day']:<12} {_n(d['users']):>6} {_n(d['turns']):>9} {_n(d['fallbacks']):>10} "
                f"{_n(d['safety_net']):>11}"
            )
        lines += ["", f"{'intent':<24} {'messages':>9} {'unsure':>7}"]
        for intent, n in s["intents"].items():
            lines.append(f"{intent:<24} {_n(n):>9} {_n(s['low_confidence'].get(intent, 0)):>7}")
        lines += ["", "languages: " + ", ".join(f"{k} {_n(v)}" for k, v in s["languages"].items())]
        if s["safety_net"]:
            lines.append(
                "safety net: " + ", ".join(f"{k} {_n(v)}" for k, v in s["safety_net"].items())
            )
        if s["low_confidence"]:
            lines += [
                "",
                "Least sure (add training examples for these first): "
                + ", ".join(f"{k} {_n(v)}" for k, v in list(s["low_confidence"].items())[:5]),
            ]
        lines += ["", f"Counts below {SMALL} are shown as <{SMALL}."]
        return "\n".join(lines)

    def close(self) -> None:
        with self._lock:
            self._close_db()

    def _close_db(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        self._db = None


def _n(count: int) -> str:
    """A count as shown: 0, "<5" for 1 to 4, else the number."""
    return f"<{SMALL}" if 0 < count < SMALL else str(count)


def main(argv: list[str] | None = None) -> int:
    """`python -m bot stats [DAYS]`: print the usage table."""
    from bot.core.settings import Settings

    args = argv or []
    days = int(args[0]) if args and args[0].isdigit() else 30
    path = Settings.from_env().stats_db
    if path is None:
        print("Usage statistics are off (JAGA_STATS_DB=off).")
        return 0
    stats = UsageStats(path)  # reading needs no secret: the table holds counts only
    print(stats.format_table(days))
    stats.close()
    return 0
