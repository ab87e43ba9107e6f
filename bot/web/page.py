"""The web chat's page as the server sends it: in the language the browser asks for, with
every label, and the helplines, readable without JavaScript.

- `accept_language(header)`: ms (and id) -> Malay, zh -> Mandarin, ta -> Tamil, else English.
- `nojs_page(request)`: what the chat form posts to when JavaScript is off (the message never
  goes into the address bar or the history; the body is never read); it shows the helplines.
- `Page`: index.html (a template with no text of its own) filled in: `<html lang>` and
  `data-lang` from Accept-Language, every `data-i18n` element, `aria-label` and placeholder,
  the no-JavaScript help, and the labels of all four languages as a JSON data block
  (`#jaga-texts`, never run as script) that app.js reads instead of keeping texts itself.
- `LivePage`: the same for production: the "Leave quickly" / "Clear this chat" bar shown and
  the production banner. The classroom demo (`Page()`) keeps the bar hidden and says "Demo".

The texts come from the catalogue, bot/core/messages.yml (`page_*`, `web_nojs`), sourced like
every text a user sees, with the helpline numbers filled in from actions/referrals.yml.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Callable

from aiohttp import web

from bot.core import messages

LANGS = ("en", "ms", "zh", "ta")
STATIC_DIR = Path(__file__).with_name("static")


_SAME_AS = {"id": "ms", "in": "ms"}  # an Indonesian browser reads Malay best


def accept_language(header: str | None, available: tuple[str, ...] = LANGS) -> str:
    """The best of `available` for an Accept-Language header; English when none fits."""
    best, best_q = "en", 0.0
    for part in (header or "").split(",")[:30]:
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        primary = _SAME_AS.get(primary, primary)
        if primary in available and quality > best_q:
            best, best_q = primary, quality
    return best


def _numbers_html(line: str) -> str:
    """An escaped line with each helpline number kept on one line; a phone number is a tel:
    link, so a phone without JavaScript can still call it with one tap."""
    numbers = messages.helpline_numbers()
    pattern = "|".join(re.escape(html.escape(n)) for n in sorted(numbers, key=len, reverse=True))

    def number(m: re.Match) -> str:
        if numbers.get(html.unescape(m[0])) == "phone":
            return f'<a class="tel" href="tel:{re.sub(r"[^0-9+]", "", m[0])}">{m[0]}</a>'
        return f'<span class="tel">{m[0]}</span>'

    return re.sub(rf"(?<![\d-])(?:{pattern})(?![\d])", number, html.escape(line))


def nojs_html(lang: str) -> str:
    """The helplines as HTML paragraphs, the first one (the explanation) in bold."""
    lines = messages.text("web_nojs", lang).splitlines()
    parts = [f"<p><strong>{html.escape(lines[0])}</strong></p>"]
    parts += [f"<p>{_numbers_html(line)}</p>" for line in lines[1:]]
    return "".join(parts)


async def nojs_page(request: web.Request) -> web.Response:
    lang = accept_language(request.headers.get("Accept-Language"))
    body = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer"><title>Jaga</title>'
        '<link rel="stylesheet" href="/static/app.css"></head>'
        f'<body><main class="nojs-page"><div class="nojs">{nojs_html(lang)}</div></main>'
        "</body></html>"
    )
    return web.Response(text=body, content_type="text/html", headers={"Vary": "Accept-Language"})


class PageError(RuntimeError):
    """index.html no longer has a place the server fills in."""


# What Page fills in, each found exactly once in index.html.
_HTML_TAG = re.compile(r'<html lang="[a-z]{2}">')
_QUICK = re.compile(r'(<div class="quick" id="quick") hidden>')
_LEAVE = re.compile(r'(<a class="leave" id="leave" href=")about:blank(")')
_BANNER = re.compile(r'(<span class="banner-tag" data-i18n=")banner(">)')
_NOJS = re.compile(r'(<div class="nojs" id="nojs">).*?(</div>)', re.S)
_TEXTS = re.compile(r'(<script type="application/json" id="jaga-texts">)(</script>)')
# ... and everywhere: the labels.
_LABELLED = re.compile(r'<(\w+)([^>]*\sdata-i18n="([a-z_]+)"[^>]*)>.*?</\1>', re.S)
_ARIA = re.compile(r'data-i18n-label="([a-z_]+)"')
_PLACEHOLDER = re.compile(r'data-i18n-placeholder="([a-z_]+)"')
HELP_FIRST = ("police", "phone")  # a reply that starts with this number closes the keyboard


def _once(pattern: re.Pattern, template: str) -> None:
    found = len(pattern.findall(template))
    if found != 1:
        raise PageError(
            f"index.html: expected one match of {pattern.pattern!r}, found {found} "
            "(bot/web/page.py fills it in)"
        )


def rich(text: str) -> str:
    """A label as HTML: escaped, `**999**` in bold (app.js's setRich does the same)."""
    parts = html.escape(text, quote=False).split("**")
    return "".join(f"<b>{part}</b>" if i % 2 else part for i, part in enumerate(parts))


def texts_json() -> str:
    """Every language's labels for app.js, safe inside a <script> data block."""
    data = {
        "help_first": messages.helpline(*HELP_FIRST),
        "langs": {lang: messages.page_texts(lang) for lang in LANGS},
    }
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return encoded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Page:
    """index.html filled in for one language at a time (each rendered once, then kept)."""

    def __init__(
        self,
        *,
        live: bool = False,
        leave_url: str = "about:blank",
        path: Path = STATIC_DIR / "index.html",
    ):
        self.template = path.read_text(encoding="utf-8")
        for pattern in (_HTML_TAG, _QUICK, _LEAVE, _BANNER, _NOJS, _TEXTS):
            _once(pattern, self.template)
        self.live = live
        self.leave_url = leave_url
        self._texts = texts_json()
        self._cache: dict[str, str] = {}

    def render(self, lang: str) -> str:
        if lang not in self._cache:
            self._cache[lang] = self._render(lang)
        return self._cache[lang]

    def _render(self, lang: str) -> str:
        labels = messages.page_texts(lang)
        mode = "live" if self.live else "demo"
        page = _HTML_TAG.sub(
            f'<html lang="{lang}" data-lang="{lang}" data-mode="{mode}">', self.template
        )
        if self.live:
            page = _QUICK.sub(r"\1>", page)
            leave = html.escape(self.leave_url, quote=True)
            page = _LEAVE.sub(lambda m: f"{m[1]}{leave}{m[2]}", page)
            page = _BANNER.sub(lambda m: f"{m[1]}banner_live{m[2]}", page)

        def label(key: str) -> str:
            value = labels.get(key)
            if not isinstance(value, str):
                raise PageError(f"index.html: no label page_{key} in bot/core/messages.yml")
            return value

        def fill(m: re.Match) -> str:
            return f"<{m[1]}{m[2]}>{rich(label(m[3]))}</{m[1]}>"

        def attribute(name: str) -> Callable[[re.Match], str]:
            return lambda m: f'{m[0]} {name}="{html.escape(label(m[1]), quote=True)}"'

        page = _LABELLED.sub(fill, page)
        page = _ARIA.sub(attribute("aria-label"), page)
        page = _PLACEHOLDER.sub(attribute("placeholder"), page)
        page = _NOJS.sub(lambda m: f"{m[1]}{nojs_html(lang)}{m[2]}", page)
        return _TEXTS.sub(lambda m: f"{m[1]}{self._texts}{m[2]}", page)

    async def handler(self, request: web.Request) -> web.Response:
        lang = accept_language(request.headers.get("Accept-Language"))
        return web.Response(
            text=self.render(lang),
            content_type="text/html",
            headers={"Vary": "Accept-Language", "Content-Language": lang},
        )


class LivePage(Page):
    """index.html for the public web chat."""

    def __init__(self, leave_url: str = "about:blank", path: Path = STATIC_DIR / "index.html"):
        super().__init__(live=True, leave_url=leave_url, path=path)
