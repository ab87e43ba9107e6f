"""Replies a misread message can land on still carry help.

A child in danger whose message is misread as "yes", "no" or "bye" (a short farewell is a
warning sign of its own), who only asks for "help" and gets the topic menu, or whose message is
taken for a parent's or a teacher's question, must still see Talian Kasih 15999 in that reply, in
every language; the menus name 999 too. So do the law answer and the privacy note, where two
crisis messages of blind set 6 landed, and the scam answer, which a sextortion told as "a scam"
could reach.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

DOMAIN = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text("utf-8"))
# The menus and the notes that name both lines (999 as well as 15999).
MENUS = (
    "utter_menu",
    "utter_parent_menu",
    "utter_educator_menu",
    "utter_law",
    "utter_privacy",
    "utter_scam",
)
OPEN_REPLIES = ("utter_goodbye", "utter_affirm_generic", "utter_deny_generic", *MENUS)


@pytest.mark.parametrize("name", OPEN_REPLIES)
def test_every_language_of_the_reply_gives_talian_kasih(name):
    variants = DOMAIN["responses"][name]
    langs = {(v.get("condition") or [{"value": "en"}])[0]["value"]: v["text"] for v in variants}
    assert set(langs) == {"en", "ms", "zh", "ta"}
    for lang, text in langs.items():
        assert "15999" in text, f"{name} ({lang}) has no Talian Kasih number"


@pytest.mark.parametrize("name", MENUS)
def test_every_menu_names_999_in_every_language(name):
    for variant in DOMAIN["responses"][name]:
        assert "999" in variant["text"].replace("15999", ""), f"{name} has no 999"
