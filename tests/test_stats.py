"""bot/core/stats.py: anonymous counters that never hold a message or a sender id."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
import stat

from bot.core.replies import Turn
from bot.core.stats import UsageStats, main

SECRET_TEXT = "dia ugut nak sebar gambar aku kalau tak bayar"
SENDER = "telegram:123456789"


def disclosure() -> Turn:
    return Turn(
        text=SECRET_TEXT,
        intent="disclose_sextortion",
        confidence=1.0,
        lang="ms",
        safety_net="disclose_sextortion",
    )


class Clock:
    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


def test_recording_turns_counts_intents_languages_fallbacks_and_safety(tmp_path):
    stats = UsageStats(tmp_path / "stats.sqlite")
    stats.record(Turn(text="hi", intent="greet", confidence=0.9, lang="en"), "a")
    stats.record(Turn(text="hai", intent="greet", confidence=0.4, lang="ms"), "b")
    stats.record(Turn(text="??", intent="nlu_fallback", confidence=0.2, lang="ms"), "a")
    stats.record(Turn(text="x", degraded=True, lang="en"), "c")
    stats.record(disclosure(), "b")
    s = stats.summary()
    assert s["turns"] == 5
    assert s["intents"] == {"greet": 2, "degraded": 1, "disclose_sextortion": 1, "nlu_fallback": 1}
    assert s["languages"] == {"ms": 3, "en": 2}
    assert s["fallbacks"] == 2 and s["fallback_kinds"] == {"degraded": 1, "nlu_fallback": 1}
    assert s["safety_net"] == {"disclose_sextortion": 1}
    assert s["low_confidence"] == {"greet": 1}
    assert s["per_day"][0]["users"] == 3
    table = stats.format_table()
    assert "greet" in table and "5 messages" in table


def test_users_are_counted_per_day_with_a_salt_that_is_stored_nowhere(tmp_path):
    clock = Clock(dt.date(2026, 11, 27))
    path = tmp_path / "stats.sqlite"
    secret = "s" * 40
    stats = UsageStats(path, clock=clock, secret=secret)
    for sender in ("a", "b", "a"):
        stats.record(Turn(text="hi", intent="greet", confidence=0.9), sender)
    db = sqlite3.connect(path)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"counts", "day_users"}  # no salt beside the hashes
    (first,) = db.execute("SELECT hash FROM day_users LIMIT 1").fetchone()
    clock.day = dt.date(2026, 11, 28)
    stats.record(Turn(text="hi", intent="greet", confidence=0.9), "a")
    # yesterday's hashes are gone, only their count is left; today's differ for the same user
    assert db.execute("SELECT DISTINCT day FROM day_users").fetchall() == [("2026-11-28",)]
    assert first not in {h for (h,) in db.execute("SELECT hash FROM day_users")}
    per_day = {d["day"]: d["users"] for d in stats.summary()["per_day"]}
    assert per_day == {"2026-11-27": 2, "2026-11-28": 1}
    # a restart with the same secret derives the same salt: the same user is not counted twice
    again = UsageStats(path, clock=clock, secret=secret)
    again.record(Turn(text="hi", intent="greet", confidence=0.9), "a")
    assert {d["day"]: d["users"] for d in again.summary()["per_day"]}["2026-11-28"] == 1
    # without the secret a guessed id cannot be tested against the stored hashes
    other = UsageStats(path, clock=clock, secret="t" * 40)
    other.record(Turn(text="hi", intent="greet", confidence=0.9), "a")
    assert {d["day"]: d["users"] for d in other.summary()["per_day"]}["2026-11-28"] == 2


def test_an_old_file_loses_its_stored_salts(tmp_path):
    path = tmp_path / "stats.sqlite"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE day_salt (day TEXT PRIMARY KEY, salt TEXT NOT NULL)")
    old.execute("INSERT INTO day_salt VALUES ('2026-11-27', 'ab')")
    old.commit()
    old.close()
    UsageStats(path).record(Turn(text="hi", intent="greet"), "a")
    names = [n for (n,) in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")]
    assert "day_salt" not in names


def test_the_file_is_owner_only_and_deletes_are_overwritten(tmp_path):
    path = tmp_path / "var" / "stats.sqlite"
    stats = UsageStats(path)
    stats.record(Turn(text="hi", intent="greet"), "a")
    for file in path.parent.iterdir():  # the database and its WAL/shared-memory files
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stats._connect().execute("PRAGMA secure_delete").fetchone() == (1,)
    stats.close()


def test_the_table_shows_small_counts_as_less_than_five(tmp_path):
    stats = UsageStats(tmp_path / "stats.sqlite", clock=Clock(dt.date(2026, 11, 27)))
    for i in range(7):
        stats.record(Turn(text="hi", intent="greet", confidence=0.9, lang="en"), f"u{i}")
    stats.record(disclosure(), "u1")
    table = stats.format_table()
    assert "8 messages, 0 not understood, <5 safety-net triggers" in table
    assert "2026-11-27        7         8          0          <5" in table  # users, messages...
    assert re.search(r"greet\s+7\s", table) and re.search(r"disclose_sextortion\s+<5\s", table)
    assert "languages: en 7, ms <5" in table
    assert "safety net: disclose_sextortion <5" in table


def test_no_message_text_or_sender_id_is_stored(tmp_path):
    path = tmp_path / "stats.sqlite"
    stats = UsageStats(path)
    turn = Turn(text=SECRET_TEXT, intent="disclose_sextortion", confidence=0.9, lang="ms")
    stats.record(turn, SENDER)
    stats.close()
    for file in tmp_path.iterdir():  # the database and any WAL/journal file
        data = file.read_bytes()
        for secret in (SECRET_TEXT, "ugut", "gambar", SENDER, "123456789"):
            assert secret.encode() not in data, f"{secret!r} found in {file.name}"


def test_a_broken_path_never_raises(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a directory should be")
    stats = UsageStats(blocker / "stats.sqlite")
    stats.record(Turn(text="hi", intent="greet"), "a")  # must not raise
    stats.record(Turn(text="hi", intent="greet"), "a")
    assert stats.summary()["turns"] == 0
    assert "No usage" in stats.format_table()


def test_a_corrupt_database_never_raises(tmp_path):
    path = tmp_path / "stats.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    stats = UsageStats(path)
    stats.record(Turn(text="hi", intent="greet"), "a")
    assert stats.summary()["turns"] == 0


def test_statistics_off():
    stats = UsageStats(None)
    stats.record(Turn(text="hi", intent="greet"), "a")
    assert stats.summary()["turns"] == 0


async def test_concurrent_asyncio_use(tmp_path):
    stats = UsageStats(tmp_path / "stats.sqlite")

    async def one(i: int) -> None:
        await asyncio.sleep(0)
        stats.record(Turn(text="hi", intent="greet", confidence=0.9), f"user{i % 7}")

    await asyncio.gather(*(one(i) for i in range(200)))
    await asyncio.gather(*(asyncio.to_thread(stats.record, Turn(text="x", intent="thank"), "t")
                           for _ in range(50)))  # fmt: skip
    s = stats.summary()
    assert s["turns"] == 250 and s["intents"] == {"greet": 200, "thank": 50}
    assert s["per_day"][0]["users"] == 8


def test_main_prints_the_table(tmp_path, monkeypatch, capsys):
    path = tmp_path / "stats.sqlite"
    UsageStats(path).record(Turn(text="hi", intent="greet", confidence=0.9), "a")
    monkeypatch.setenv("JAGA_STATS_DB", str(path))
    assert main([]) == 0
    assert "greet" in capsys.readouterr().out
