"""`rasa run` for production: Jaga's channel only, no secret on the command line.

    RASA_TOKEN=... python deploy/rasa_serve.py -i 127.0.0.1 -p 5005 \
        --credentials deploy/credentials.yml --endpoints deploy/endpoints.redis.yml -m models

Rasa serves only the channels in `credentials.yml` (Jaga's, `bot.rasa_adapter.channel.JagaInput`,
which checks `Authorization: Bearer $RASA_TOKEN`). Rasa's own HTTP API (`--enable-api`:
read any conversation, replace the model, train) is off: the front ends hold RASA_TOKEN, and
whoever took over a front end must not be able to read every child's conversation or load
a model, which runs code.

An operator who needs the API (e.g. `deploy/measure_reload.py`) sets `JAGA_ENABLE_API=1` and
`RASA_API_TOKEN`, a secret of its own that no front end ever gets; it must differ from
RASA_TOKEN. Every local user can read every process's arguments (`ps -ef`), so both tokens
are taken from the environment and handed to Rasa's own command-line parser in this process;
a token given as an argument is refused.

`--response-timeout N` also becomes Sanic's response timeout (SANIC_RESPONSE_TIMEOUT): without
the API, Rasa would not apply it to the channel.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parent.parent
MIN_TOKEN_CHARS = 32


def _token(environ: Mapping[str, str], name: str) -> str:
    token = environ.get(name, "").strip()
    if len(token) < MIN_TOKEN_CHARS:
        sys.exit(
            f"{name} must be set to a random secret of at least {MIN_TOKEN_CHARS} "
            "characters, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return token


def rasa_arguments(args: list[str], environ: Mapping[str, str]) -> list[str]:
    """The `rasa run` command line this process hands to Rasa (never shown in `ps`)."""
    if any(
        a in ("-t", "--auth-token", "--enable-api") or a.startswith("--auth-token=") for a in args
    ):
        sys.exit("Do not pass a token or --enable-api as arguments; see deploy/rasa_serve.py")
    channel_token = _token(environ, "RASA_TOKEN")
    command = ["rasa", "run"]
    if environ.get("JAGA_ENABLE_API") == "1":
        api_token = _token(environ, "RASA_API_TOKEN")
        if api_token == channel_token:
            sys.exit("RASA_API_TOKEN must differ from RASA_TOKEN (the front ends hold that one)")
        command += ["--enable-api", "--auth-token", api_token]
    return command + args


def main() -> None:
    args = sys.argv[1:]
    command = rasa_arguments(args, os.environ)
    if "--response-timeout" in args[:-1]:
        os.environ["SANIC_RESPONSE_TIMEOUT"] = args[args.index("--response-timeout") + 1]
    # The repository root, for bot.rasa_adapter.channel and the model's custom components.
    sys.path.insert(0, str(ROOT))
    sys.argv = command
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
