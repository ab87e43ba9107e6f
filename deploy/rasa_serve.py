"""`rasa run --enable-api --auth-token $RASA_TOKEN ...` without the token on a command line.

Every local user can read every process's arguments (`ps -ef`, /proc/<pid>/cmdline), so the
token is taken from the environment and handed to Rasa's own command-line parser inside this
process. Any other argument is passed to `rasa run` unchanged:

    RASA_TOKEN=... python deploy/rasa_serve.py -i 127.0.0.1 -p 5005 \
        --credentials deploy/credentials.yml --endpoints deploy/endpoints.redis.yml -m models

is the same as `rasa run --enable-api --auth-token "$RASA_TOKEN" -i 127.0.0.1 -p 5005 ...`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIN_TOKEN_CHARS = 32


def main() -> None:
    token = os.environ.get("RASA_TOKEN", "").strip()
    if len(token) < MIN_TOKEN_CHARS:
        sys.exit(
            f"RASA_TOKEN must be set to a random secret of at least {MIN_TOKEN_CHARS} "
            "characters, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    args = sys.argv[1:]
    if any(a in ("-t", "--auth-token") or a.startswith("--auth-token=") for a in args):
        sys.exit("Do not pass the token as an argument; set RASA_TOKEN instead")
    # The repository root, for bot.rasa_channel and the model's custom components.
    sys.path.insert(0, str(ROOT))
    sys.argv = ["rasa", "run", "--enable-api", "--auth-token", token, *args]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
