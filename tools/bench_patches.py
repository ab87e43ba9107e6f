"""Run-time patches measured by the benchmark as variant columns (`--variant`).

`cache_action_validation`: Rasa's `RemoteAction._validate_action_result` calls
`jsonschema.validate(result, schema)` for every custom-action response. That function first
checks the *schema* against the JSON-Schema meta-schema, every call (~10-30 ms on this machine,
most of a Jaga reply; see the profile in reports/bench.md). The patch builds the validator once
and validates each response against the same schema: the same check, without the repetition.
"""

from __future__ import annotations

import os

from bot.rasa_adapter.runtime import cache_action_validation

PATCHES = {
    "notf": {"JAGA_BENCH_BLOCK_TF": "1"},
    "validator": {"JAGA_BENCH_CACHED_VALIDATOR": "1"},
}


def apply_from_env() -> list[str]:
    applied = []
    if os.environ.get("JAGA_BENCH_CACHED_VALIDATOR") == "1":
        cache_action_validation()
        applied.append("validator")
    return applied


def env_for(variant: str) -> dict[str, str]:
    """`notf+validator` -> the environment that turns both on in a worker."""
    env: dict[str, str] = {}
    for name in variant.split("+"):
        if name not in PATCHES:
            raise ValueError(f"unknown variant {name!r}; known: {sorted(PATCHES)}")
        env.update(PATCHES[name])
    return env
