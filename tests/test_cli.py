"""`python -m bot ask` exactly as the project contract describes it, in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"text", "intent", "confidence", "lang", "replies"}


def ask(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "JAGA_STATS_DB": "off"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "ask", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=240,
    )


def test_ask_json_reads_standard_input_one_message_a_line():
    done = ask("--json", stdin="he is outside my house now\napa itu grooming\n")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == 2
    crisis, grooming = lines
    assert KEYS <= set(crisis) and KEYS <= set(grooming)
    assert crisis["intent"] == "crisis" and "999" in crisis["text"]
    assert grooming["intent"] == "ask_grooming" and grooming["lang"] == "ms"
    assert 0 < grooming["confidence"] <= 1
    for reply in crisis["replies"]:
        for button in reply["buttons"]:
            assert "title" in button and ("payload" in button or "url" in button)
    assert done.stderr.strip() == "", "no warnings or logs on a clean run"


def test_ask_arguments_and_a_conversation_keep_the_language():
    done = ask("--json", "--conversation", "--lang", "ms", "hi", "what can you do")
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["lang"] == "ms"
    assert second["intent"] == "ask_help_menu"


def test_ask_plain_text_prints_the_reply_and_buttons():
    done = ask("cmne nak report")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "999" in done.stdout and "[" in done.stdout  # buttons are listed
