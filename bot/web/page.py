"""The web chat's page as the server sends it: in the language the browser asks for, with the
helplines readable without JavaScript.

- `accept_language(header)`: ms -> Malay, zh -> Mandarin, ta -> Tamil, else English.
- `nojs_page(request)`: what the chat form posts to when JavaScript is off (the message never
  goes into the address bar or the history; the body is never read); it shows the helplines.
- `LivePage`: index.html for production: `<html lang>` and `data-lang` from Accept-Language,
  the "Leave quickly" / "Clear this chat" bar shown, the banner and the no-JavaScript help in
  that language. The classroom demo serves index.html unchanged.

The texts come from bot/core/messages.yml (`web_*`), sourced like every text a user sees.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from aiohttp import web

from bot.core import messages

LANGS = ("en", "ms", "zh", "ta")
STATIC_DIR = Path(__file__).with_name("static")


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
        if primary in available and quality > best_q:
            best, best_q = primary, quality
    return best


def nojs_html(lang: str) -> str:
    """The helplines as HTML paragraphs, the first one (the explanation) in bold."""
    lines = messages.text("web_nojs", lang).splitlines()
    parts = [f"<p><strong>{html.escape(lines[0])}</strong></p>"]
    parts += [f"<p>{html.escape(line)}</p>" for line in lines[1:]]
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
    """index.html no longer has a place the production page fills in."""


# What LivePage fills in, each found exactly once in index.html.
_HTML_TAG = re.compile(r'<html lang="[a-z]{2}">')
_QUICK = re.compile(r'(<div class="quick" id="quick") hidden>')
_LEAVE = re.compile(r'(<a class="leave" id="leave" href=")about:blank("[^>]*>)[^<]*(</a>)')
_CLEAR = re.compile(r'(<button type="button" class="clear" id="clear"[^>]*>)[^<]*(</button>)')
_BANNER = re.compile(r'(<span class="banner-tag" data-i18n=")banner(">)[^<]*(</span>)')
_NOJS = re.compile(r'(<div class="nojs" id="nojs">).*?(</div>)', re.S)


def _once(pattern: re.Pattern, template: str) -> None:
    found = len(pattern.findall(template))
    if found != 1:
        raise PageError(
            f"index.html: expected one match of {pattern.pattern!r}, found {found} "
            "(bot/web/page.py fills it in for production)"
        )


class LivePage:
    """index.html for the public web chat, rendered once per language."""

    def __init__(self, leave_url: str = "about:blank", path: Path = STATIC_DIR / "index.html"):
        self.template = path.read_text(encoding="utf-8")
        for pattern in (_HTML_TAG, _QUICK, _LEAVE, _CLEAR, _BANNER, _NOJS):
            _once(pattern, self.template)
        self.leave_url = leave_url
        self._cache: dict[str, str] = {}

    def render(self, lang: str) -> str:
        if lang not in self._cache:
            label = lambda key: html.escape(messages.text(key, lang))  # noqa: E731
            page = _HTML_TAG.sub(
                f'<html lang="{lang}" data-lang="{lang}" data-mode="live">', self.template
            )
            page = _QUICK.sub(r"\1>", page)
            leave = html.escape(self.leave_url, quote=True)
            page = _LEAVE.sub(lambda m: f"{m[1]}{leave}{m[2]}{label('web_leave')}{m[3]}", page)
            page = _CLEAR.sub(lambda m: f"{m[1]}{label('web_clear')}{m[2]}", page)
            banner = label("web_banner")
            page = _BANNER.sub(lambda m: f"{m[1]}banner_live{m[2]}{banner}{m[3]}", page)
            page = _NOJS.sub(lambda m: f"{m[1]}{nojs_html(lang)}{m[2]}", page)
            self._cache[lang] = page
        return self._cache[lang]

    async def handler(self, request: web.Request) -> web.Response:
        lang = accept_language(request.headers.get("Accept-Language"))
        return web.Response(
            text=self.render(lang),
            content_type="text/html",
            headers={"Vary": "Accept-Language", "Content-Language": lang},
        )
