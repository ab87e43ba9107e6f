"""bot/stats.py: anonymous counters that never hold a message or a sender id."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3

from bot.replies import Turn
from bot.stats import UsageStats, main

SECRET_TEXT = "dia ugut nak sebar gambar aku kalau tak bayar"
SENDER = "telegram:123456789"


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
    stats.record(
        Turn(text=SECRET_TEXT, intent="disclose_sextortion", confidence=1.0, lang="ms",
             safety_net="disclose_sextortion"),
        "b",
    )  # fmt: skip
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


def test_users_are_counted_per_day_with_a_salt_that_rotates(tmp_path):
    clock = Clock(dt.date(2026, 11, 27))
    path = tmp_path / "stats.sqlite"
    stats = UsageStats(path, clock=clock)
    for sender in ("a", "b", "a"):
        stats.record(Turn(text="hi", intent="greet", confidence=0.9), sender)
    db = sqlite3.connect(path)
    (first_salt,) = db.execute("SELECT salt FROM day_salt").fetchone()
    clock.day = dt.date(2026, 11, 28)
    stats.record(Turn(text="hi", intent="greet", confidence=0.9), "a")
    salts = db.execute("SELECT day, salt FROM day_salt").fetchall()
    assert len(salts) == 1 and salts[0][0] == "2026-11-28" and salts[0][1] != first_salt
    # yesterday's hashes are gone, only their count is left
    assert db.execute("SELECT DISTINCT day FROM day_users").fetchall() == [("2026-11-28",)]
    per_day = {d["day"]: d["users"] for d in stats.summary()["per_day"]}
    assert per_day == {"2026-11-27": 2, "2026-11-28": 1}
    # a restart keeps today's salt: the same user is not counted twice
    again = UsageStats(path, clock=clock)
    again.record(Turn(text="hi", intent="greet", confidence=0.9), "a")
    assert {d["day"]: d["users"] for d in again.summary()["per_day"]}["2026-11-28"] == 1


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
