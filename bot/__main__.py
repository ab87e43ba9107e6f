"""`python -m bot <command>`: ask, chat, demo, web, telegram, stats."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import uuid
import warnings

from bot.core.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        sys.exit(f"Configuration problem: {error}")


def _setup_logging(level: str = "WARNING") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "aiohttp.access", "telegram.ext"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _lines(args_messages: list[str]):
    if args_messages:
        yield from args_messages
        return
    for line in sys.stdin:
        yield line.rstrip("\n")


async def _ask(args: argparse.Namespace) -> int:
    from bot.core.conversation import build_assistant

    settings = _settings()
    assistant = await build_assistant(settings, stats=None)
    conversation = f"ask-{uuid.uuid4().hex}"
    try:
        for message in _lines(args.message):
            sender = conversation if args.conversation else f"ask-{uuid.uuid4().hex}"
            turn = await assistant.respond(sender, message, lang=args.lang)
            if args.json:
                print(json.dumps(turn.as_json(), ensure_ascii=False), flush=True)
            else:
                print(_render(turn), flush=True)
            if not args.conversation:
                await assistant.forget(sender)
            args.lang = None if args.conversation else args.lang
    finally:
        await assistant.close()
    return 0


def _render(turn) -> str:
    parts = []
    for reply in turn.replies:
        parts.append(reply.text)
        for button in reply.buttons:
            parts.append(f"  [{button.title}] " + (button.url or button.payload or ""))
    return "\n".join(parts) + "\n"


async def _chat(args: argparse.Namespace) -> int:
    from bot.core.conversation import build_assistant

    settings = _settings()
    print("Loading Jaga...", flush=True)
    assistant = await build_assistant(settings)
    sender = f"terminal-{uuid.uuid4().hex}"
    print("Jaga is ready. Type a message (English or Bahasa Malaysia); Ctrl-D to leave.\n")
    loop = asyncio.get_running_loop()
    buttons: list = []
    try:
        while True:
            try:
                line = await loop.run_in_executor(None, lambda: input("you> "))
            except EOFError:
                break
            if line.strip().isdigit() and 0 < int(line) <= len(buttons):
                choice = buttons[int(line) - 1]
                if choice.url:
                    print(f"  (open {choice.url})")
                    continue
                line = choice.payload
            turn = await assistant.respond(sender, line, lang=args.lang)
            args.lang = None
            buttons = [b for r in turn.replies for b in r.buttons]
            for reply in turn.replies:
                print("jaga> " + reply.text.replace("\n", "\n      "))
            for number, button in enumerate(buttons, 1):
                print(
                    f"      {number}. {button.title}" + (f" ({button.url})" if button.url else "")
                )
            print()
    finally:
        await assistant.forget(sender)
        await assistant.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    if not os.environ.get("JAGA_DEBUG"):
        # Rasa's old pins print pages of deprecation warnings at import; they mean nothing to
        # a teacher or a child. JAGA_DEBUG=1 shows them.
        warnings.simplefilter("ignore")
        os.environ.setdefault("PYTHONWARNINGS", "ignore")
    parser = argparse.ArgumentParser(prog="python -m bot", description="Jaga, child-safety chatbot")
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer messages from arguments or standard input")
    ask.add_argument("--json", action="store_true", help="one JSON object a line")
    ask.add_argument("--lang", choices=["en", "ms", "zh", "ta"], help="start in this language")
    ask.add_argument(
        "--conversation",
        action="store_true",
        help="one conversation for all messages (default: a fresh one each)",
    )
    ask.add_argument("message", nargs="*")

    chat = sub.add_parser("chat", help="chat in the terminal")
    chat.add_argument("--lang", choices=["en", "ms", "zh", "ta"])

    sub.add_parser("demo", help="the classroom web chat on 127.0.0.1 (DEMO_PORT)")
    web = sub.add_parser("web", help="the web chat: the classroom demo, or --production")
    web.add_argument(
        "--production",
        action="store_true",
        help="the public web chat behind nginx: Rasa at RASA_URL, limits in REDIS_URL "
        "(docs/production.md)",
    )
    web.add_argument("--port", type=int, help="with --production: instead of WEB_PORT")
    sub.add_parser("telegram", help="the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    sub.add_parser("stats", help="anonymous usage statistics")

    args = parser.parse_args(argv)
    _setup_logging(
        _settings().log_level if args.command in ("telegram", "demo", "web") else "WARNING"
    )
    if args.command == "ask":
        return asyncio.run(_ask(args))
    if args.command == "chat":
        return asyncio.run(_chat(args))
    if args.command == "demo" or (args.command == "web" and not args.production):
        from bot.web.server import main as demo_main

        return demo_main() or 0
    if args.command == "web":
        from bot.web.production import main as web_main

        return web_main(args.port) or 0
    if args.command == "telegram":
        from bot.telegram.app import main as telegram_main

        telegram_main()
        return 0
    if args.command == "stats":
        from bot.core.stats import main as stats_main

        return stats_main() or 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
