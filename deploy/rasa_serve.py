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

The server is prepared as the front ends' in-process Rasa is (bot/rasa_adapter/runtime.py):
TensorFlow kept out for a model that has no TensorFlow component (a Rasa server was 738 MB
with it), and Rasa's graph, event and action-response lookups done the faster way.
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
    from bot.rasa_adapter.runtime import keep_tensorflow_out, latest_model, speed_up_rasa

    try:
        keep_tensorflow_out(latest_model(model_argument(args)))
    except FileNotFoundError:
        pass  # no model yet: Rasa says so itself
    sys.argv = command
    from rasa.__main__ import main as rasa_main

    speed_up_rasa()
    rasa_main()


def model_argument(args: list[str]) -> Path:
    """The model file or folder `rasa run` will load (`-m`/`--model`, default models/)."""
    for i, arg in enumerate(args):
        if arg in ("-m", "--model") and i + 1 < len(args):
            return Path(args[i + 1])
        if arg.startswith("--model="):
            return Path(arg.split("=", 1)[1])
    return Path("models")


if __name__ == "__main__":
    main()
