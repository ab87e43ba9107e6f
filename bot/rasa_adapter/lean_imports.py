"""Keeps out of a serving process the packages Rasa imports for things that process never does.

Rasa 3.6 imports every input channel (`rasa/core/channels/__init__.py`), every tracker store
(`rasa/core/tracker_store.py`), its web server, and, through `rasa.nlu.test` and scikit-learn,
the plotting and model-fitting maths, whatever the process is asked to serve: about 70 MB of
a ~280 MB serving process (docs/benchmarks.md, "Where the memory of a serving process goes").
Like `tf_guard` for TensorFlow, an import hook answers those packages with stand-ins: Rasa's
modules still import (a stand-in module has a stand-in class for every name), but none of the
packages is loaded. Calling a stand-in raises `StoodIn`, which names the package and the way
out, so a mistake fails loudly instead of quietly doing nothing. The classes are Exception
subclasses, so Rasa's `except (BotoCoreError, pymongo.errors.ConnectionFailure, ...)` still
works (they never match).

What stays real is decided from what the process is asked to load:

- a package already imported for real is never stood in;
- Rasa in process (`runtime.load_agent`: the front ends, the benchmark, the tests) serves no
  channel and is handed its stores already built (their packages imported), so every package
  below is stood in;
- a Rasa server (`deploy/rasa_serve.py`, whose command line `rasa_server_needs` reads): its
  web server and token checks (sanic, jwt) stay real; a channel's packages stay real when
  `--credentials` (else Rasa's default `credentials.yml`) or `--connector` names the channel,
  and every channel's when a channel class from outside Rasa and this repository is named (its
  imports are unknown); a store's packages stay real when `--endpoints` (else `endpoints.yml`)
  configures it (`mongod`, `dynamo`), and every store's for a store class from outside Rasa and
  this repository; `--remote-storage aws` keeps boto3; with Rasa's HTTP API on (`--enable-api`,
  `JAGA_ENABLE_API=1`), which can train and test models, the fitting and plotting maths stay
  real;
- sqlalchemy is never stood in (Rasa calls it at import: `declarative_base()`).

`JAGA_REAL_IMPORTS=1` turns all of this off; `JAGA_REAL_IMPORTS=pymongo,scipy` keeps those
packages (and their subpackages) real.

The stand-ins answer imports only while Rasa is imported and the model loaded: `finish()`
(called by `load_agent`) removes the hook and forgets the stand-in modules, so a later import
elsewhere in the process (a report that plots) gets the real package. The modules imported
during the load keep what they took: Rasa's, and scikit-learn's when it was first imported
then, so a process that loads a model this way and afterwards fits a scikit-learn model gets
`StoodIn` from `scipy.optimize.minimize`, unless it imported scikit-learn before (a test
session does, collecting tests/test_classifier.py) or sets `JAGA_REAL_IMPORTS=scipy`. A Rasa
server keeps the hook for its lifetime.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping

from bot.rasa_adapter.tf_guard import StandIns

ROOT = Path(__file__).resolve().parents[2]

# Rasa's input channels (their names in credentials.yml) -> the packages only they import.
CHANNEL_PACKAGES: dict[str, tuple[str, ...]] = {
    "socketio": ("socketio", "engineio"),
    "telegram": ("aiogram",),  # Rasa's Telegram channel; Jaga's front end is python-telegram-bot
    "slack": ("slack_sdk",),
    "twilio": ("twilio",),
    "twilio_voice": ("twilio",),
    "webexteams": ("webexteamssdk",),
    "hangouts": ("google.auth", "google.oauth2", "cachecontrol"),
    "cmdline": ("questionary", "prompt_toolkit"),  # `rasa shell`
}
# Tracker and lock store types (in the endpoints file) -> the packages only they import.
STORE_PACKAGES: dict[str, tuple[str, ...]] = {
    "mongod": ("pymongo", "bson", "gridfs"),
    "dynamo": ("boto3", "botocore", "s3transfer"),
}
# Rasa's web server and its token checks (the HTTP API's JWT, and the rasa and botframework
# channels'): only a Rasa server uses them.
WEB_SERVER = ("sanic", "jwt")
# What trains and evaluates models: plots (rasa.nlu.test), the parts of scipy scikit-learn
# imports for fitting (scipy.optimize), statistics, splines and distances, and dask, which runs
# Rasa's graph when it trains. Serving a model uses scikit-learn's CountVectorizer
# (scipy.sparse) and a matrix product, and runs the graph without dask (graph_runner.py).
MODEL_BUILDING = (
    "matplotlib",
    "dask",
    "scipy.stats",
    "scipy.optimize",
    "scipy.interpolate",
    "scipy.spatial",
)

ENV = "JAGA_REAL_IMPORTS"
DEFAULT_CREDENTIALS = "credentials.yml"  # what `rasa run` reads when not told otherwise
DEFAULT_ENDPOINTS = "endpoints.yml"
STAND_IN_VERSION = "0.0.0+stand.in"


class StoodIn(RuntimeError):
    """A stand-in was used: the process was not expected to need that package."""


def _all(groups: Mapping[str, tuple[str, ...]]) -> set[str]:
    return {package for packages in groups.values() for package in packages}


def every_package() -> set[str]:
    """Every package this module may stand in for."""
    return _all(CHANNEL_PACKAGES) | _all(STORE_PACKAGES) | set(WEB_SERVER) | set(MODEL_BUILDING)


def _outside(class_path: str) -> bool:
    """A class path (`package.module.Class`) neither Rasa's nor this repository's."""
    top = class_path.split(".")[0]
    return top != "rasa" and not (ROOT / top).is_dir()


def needs(
    credentials: Mapping[str, Any] | None,
    endpoints: Mapping[str, Any] | None,
    *,
    connector: str | None = None,
    remote_storage: str | None = None,
    api: bool = False,
) -> set[str]:
    """The packages a Rasa server needs real: for the channels of `credentials` (credentials.yml
    as a mapping), the stores of `endpoints` (endpoints.yml), and its options. None for a file
    that could not be read keeps every package that kind of file might need."""
    keep = set(WEB_SERVER)
    if credentials is None:
        keep |= _all(CHANNEL_PACKAGES)
    for channel in map(str, [*(credentials or {}), *([connector] if connector else [])]):
        if "." in channel and _outside(channel):
            keep |= _all(CHANNEL_PACKAGES)
        short = channel.rsplit(".", 1)[-1].lower().removesuffix("input")  # SlackInput
        for name, packages in CHANNEL_PACKAGES.items():
            if channel == name or short == name.replace("_", ""):
                keep |= set(packages)
    if endpoints is None:
        keep |= _all(STORE_PACKAGES)
    for key in ("tracker_store", "lock_store", "event_broker"):
        value = (endpoints or {}).get(key)
        kind = str(value.get("type") or "") if isinstance(value, Mapping) else ""
        if "." in kind and _outside(kind):
            keep |= _all(STORE_PACKAGES)
        keep |= set(STORE_PACKAGES.get(kind.lower(), ()))
    if (remote_storage or "").lower() == "aws":
        keep |= set(STORE_PACKAGES["dynamo"])
    if api:
        keep |= set(MODEL_BUILDING)
    return keep


def _read_yaml(path: str) -> Mapping[str, Any] | None:
    """A YAML file's mapping: empty when there is no such file, None when it cannot be read."""
    if not Path(path).is_file():
        return {}
    import yaml

    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return loaded if isinstance(loaded, dict) else {}


def _option(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        if arg in names and i + 1 < len(args):
            return args[i + 1]
        for name in names:
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def rasa_server_needs(args: list[str], environ: Mapping[str, str] = os.environ) -> set[str]:
    """`needs` for the options of a `rasa run` command line."""
    return needs(
        _read_yaml(_option(args, "--credentials") or DEFAULT_CREDENTIALS),
        _read_yaml(_option(args, "--endpoints") or DEFAULT_ENDPOINTS),
        connector=_option(args, "--connector", "-c"),
        remote_storage=_option(args, "--remote-storage"),
        api="--enable-api" in args or environ.get("JAGA_ENABLE_API") == "1",
    )


def _kept(package: str, keep: set[str]) -> bool:
    """`package` or a package it is part of (`scipy` for `scipy.stats`) is in `keep`."""
    parts = package.split(".")
    return any(".".join(parts[:n]) in keep for n in range(1, len(parts) + 1))


def _package_of(name: str) -> str:
    """The stood-in package a stand-in's name (`scipy.stats.rankdata`) belongs to."""
    for package in sorted(every_package(), key=len, reverse=True):
        if name == package or name.startswith(package + "."):
            return package
    return name.split(".")[0]


def _message(name: str) -> str:
    package = _package_of(name)
    return (
        f"{name} was called, but {package} is only a stand-in in this process, which was not "
        "expected to use it (the rule is in bot/rasa_adapter/lean_imports.py). Configure the "
        "channel or store that needs it, import it before the model is loaded, or set "
        f"{ENV}={package} ({ENV}=1 for every package)."
    )


_current: StandIns | None = None


def stand_in(keep: Iterable[str] = ()) -> set[str]:
    """Installs the hook for every package not in `keep`, not in JAGA_REAL_IMPORTS and not
    imported already; returns the packages it stands in for."""
    global _current
    finish()
    real = os.environ.get(ENV, "").strip()
    if real.lower() in ("1", "all", "true", "yes"):
        return set()
    keep = set(keep) | {p.strip() for p in real.split(",") if p.strip()}
    packages = {
        p
        for p in every_package()
        if not _kept(p, keep) and (p not in sys.modules or is_stand_in(sys.modules[p]))
    }
    _current = StandIns(
        packages, error=StoodIn, message=_message, version=STAND_IN_VERSION, exceptions=True
    )
    _current.install()
    return packages


def finish() -> None:
    """Stops answering imports with stand-ins; the modules that took one keep it."""
    if _current is not None:
        _current.uninstall()


def is_stand_in(module: Any) -> bool:
    return getattr(module, "__version__", None) == STAND_IN_VERSION
