"""Every emoji in a text the web page can show is drawn by the page as an inline SVG icon
(app.js ICONS), so a school PC without a colour-emoji font never shows an empty box."""

from __future__ import annotations

import re

from bot.content.lessons import ROOT

APP_JS = ROOT / "bot" / "web" / "static" / "app.js"
# What the page shows: Rasa's replies, the front ends' own texts, referrals, teaching content.
SHOWN = ["domain.yml", "bot/core/messages.yml", "actions/referrals.yml", "content/*.yml"]
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]")


def icon_emoji() -> set[str]:
    source = APP_JS.read_text(encoding="utf-8")
    block = source.split("const ICONS = {", 1)[1].split("\n  };", 1)[0]
    return set(re.findall(r'^\s*"([^"\w\s]{1,2})": \["\w+"', block, re.MULTILINE))


def shown_emoji() -> dict[str, str]:
    found: dict[str, str] = {}
    for pattern in SHOWN:
        for path in sorted(ROOT.glob(pattern)):
            for char in EMOJI.findall(path.read_text(encoding="utf-8")):
                found.setdefault(char, str(path.relative_to(ROOT)))
    return found


def test_every_emoji_the_page_shows_has_an_icon():
    icons = icon_emoji()
    assert "🔒" in icons  # the privacy card's lock: the parser found the table
    missing = {char: where for char, where in shown_emoji().items() if char not in icons}
    assert not missing, f"add an icon to ICONS in bot/web/static/app.js for: {missing}"


def test_the_page_itself_has_no_emoji_outside_the_icon_table():
    source = APP_JS.read_text(encoding="utf-8")
    outside = (
        source.split("const ICONS = {", 1)[0]
        + source.split("const ICONS = {", 1)[1].split("\n  };", 1)[1]
    )
    html = (APP_JS.parent / "index.html").read_text(encoding="utf-8")
    css = (APP_JS.parent / "app.css").read_text(encoding="utf-8")
    for name, text in (("app.js", outside), ("index.html", html), ("app.css", css)):
        assert not EMOJI.search(text), f"{name}: {EMOJI.findall(text)}"
