"""Stand-ins for the packages Rasa imports but a serving process never uses
(bot/rasa_adapter/lean_imports.py): they stay out of the process, a stand-in used at run time
fails loudly, what the configuration needs still imports for real, and the replies do not
change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.rasa_adapter import lean_imports, tf_guard
from bot.rasa_adapter.lean_imports import StoodIn

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models"

# A child's messages that go through every part of a reply: the redactor (spaCy's street
# address matcher included), the safety net, the four languages, a crisis.
MESSAGES = [
    "hi",
    "someone online wants my photos and says he will share them",
    "nombor aku 012-345 6789, rumah aku no 12 jalan ampang",
    "i want to die",
    "kawan sekelas ejek aku setiap hari",
    "有人在网上骚扰我",
    "yes",
]

# Run in a fresh process: Rasa in process as the front ends load it (load_agent), a few
# replies, then what is in sys.modules, and what a stand-in does when used.
SERVE = """
import asyncio, json, sys
from pathlib import Path
from bot.core.conversation import BaseAssistant, InProcessRasa
from bot.core.settings import Settings
from bot.rasa_adapter import lean_imports

async def main():
    backend = InProcessRasa.load(Settings(model_path=Path(sys.argv[1]), stats_db=None))
    assistant = BaseAssistant(backend, timeout=30.0, stats=None)
    turns = []
    for text in json.loads(sys.argv[2]):
        turn = await assistant.respond("lean-imports-test", text)
        turns.append([turn.intent, turn.confidence, [r.text for r in turn.replies], turn.degraded])
    real = sorted(
        name for name, module in list(sys.modules.items())
        if module is not None and not lean_imports.is_stand_in(module)
        and any(name == p or name.startswith(p + ".") for p in lean_imports.every_package())
    )
    report = {"turns": turns, "real": real, "h5py": "h5py" in sys.modules}
    if sys.argv[3] == "probe":
        import rasa.core.tracker_store
        from rasa.core.channels.slack import SlackBot

        # what Rasa's modules took at import: stand-ins (their classes carry the hook's mark)
        report["collection_is_stand_in"] = hasattr(
            rasa.core.tracker_store.Collection, "_jaga_stand_ins"
        )
        try:
            SlackBot("xoxb-not-a-token")  # Rasa's Slack channel, in a process that serves none
        except lean_imports.StoodIn as error:
            report["slack_error"] = str(error)
        import matplotlib  # after the load: the real package
        report["matplotlib_after_load"] = getattr(matplotlib, "__version__", "")
    print("RESULT " + json.dumps(report))

asyncio.run(main())
"""


def _needs_model() -> None:
    if not any(MODEL.glob("*.tar.gz")):
        pytest.fail("No trained model in models/: run `make train`")


def _start(mode: str, **env: str) -> subprocess.Popen:
    environ = {k: v for k, v in os.environ.items() if k not in ("JAGA_REAL_IMPORTS",)}
    environ.update(env, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.Popen(
        [sys.executable, "-c", SERVE, str(MODEL), json.dumps(MESSAGES), mode],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err[-3000:]
    line = [x for x in out.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


@pytest.fixture(scope="module")
def served() -> tuple[dict, dict]:
    """The same messages in two fresh processes: with the stand-ins, and without any."""
    _needs_model()
    lean, real = _start("probe"), _start("plain", JAGA_REAL_IMPORTS="1")
    return _result(lean), _result(real)


def test_the_serving_process_loads_none_of_the_stood_in_packages(served):
    lean, real = served
    assert lean["real"] == [], f"imported for real: {lean['real']}"
    assert lean["h5py"] is False  # kept out with TensorFlow; spaCy ran without it
    assert lean["collection_is_stand_in"]
    # without the stand-ins, Rasa imports them all (the check above means something)
    assert {"pymongo", "matplotlib", "sanic", "socketio", "scipy.stats"} <= set(real["real"])


def test_a_stand_in_used_at_run_time_says_which_package_and_how_to_let_it_in(served):
    lean, _ = served
    message = lean["slack_error"]
    assert message.startswith("slack_sdk.web.async_client.AsyncWebClient was called")
    assert "slack_sdk is only a stand-in" in message
    assert "JAGA_REAL_IMPORTS=slack_sdk" in message


def test_a_package_imported_after_the_load_is_the_real_one(served):
    lean, _ = served
    assert lean["matplotlib_after_load"] and not lean["matplotlib_after_load"].endswith("stand.in")


def test_replies_are_the_same_with_and_without_the_stand_ins(served):
    lean, real = served
    assert lean["turns"] == real["turns"]
    assert not any(degraded for *_, degraded in lean["turns"])
    assert any(replies for _, _, replies, _ in lean["turns"])


# --- what the configuration needs ---------------------------------------------------------


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_configured_mongo_or_dynamo_store_or_slack_channel_stays_real(tmp_path):
    credentials = _write(tmp_path / "credentials.yml", "slack:\n  slack_token: x\nrest:\n")
    endpoints = _write(tmp_path / "endpoints.yml", "tracker_store:\n  type: mongod\n")
    needs = lean_imports.rasa_server_needs(
        ["--credentials", credentials, "--endpoints", endpoints], environ={}
    )
    assert {"pymongo", "bson", "slack_sdk", "sanic", "jwt"} <= needs
    assert not {"boto3", "socketio", "aiogram", "matplotlib", "scipy.stats"} & needs
    dynamo = _write(
        tmp_path / "dynamo.yml", "lock_store:\n  type: redis\ntracker_store:\n  type: dynamo\n"
    )
    needs = lean_imports.rasa_server_needs([f"--endpoints={dynamo}", "-c", "socketio"], environ={})
    assert {"boto3", "botocore", "socketio", "engineio"} <= needs
    # channels named by class path, Rasa's or unknown
    assert "twilio" in lean_imports.needs(
        {"rasa.core.channels.twilio_voice.TwilioVoiceInput": {}}, {}
    )
    unknown = lean_imports.needs(
        {"someone_else.channels.Mine": {}}, {"tracker_store": {"type": "x.Y"}}
    )
    assert lean_imports._all(lean_imports.CHANNEL_PACKAGES) <= unknown
    assert lean_imports._all(lean_imports.STORE_PACKAGES) <= unknown


def test_jagas_own_production_configuration_needs_only_the_web_server():
    needs = lean_imports.rasa_server_needs(
        [
            "--credentials",
            str(ROOT / "deploy/credentials.yml"),
            "--endpoints",
            str(ROOT / "deploy/endpoints.redis.yml"),
        ],
        environ={},
    )
    assert needs == set(lean_imports.WEB_SERVER)


def test_an_unreadable_file_or_the_http_api_keeps_what_it_might_need(tmp_path):
    broken = _write(tmp_path / "broken.yml", "tracker_store: [unclosed\n")
    needs = lean_imports.rasa_server_needs(["--endpoints", broken], environ={})
    assert lean_imports._all(lean_imports.STORE_PACKAGES) <= needs
    api = lean_imports.rasa_server_needs([], environ={"JAGA_ENABLE_API": "1"})
    assert set(lean_imports.MODEL_BUILDING) <= api  # the API can train and test models


def test_sqlalchemy_is_never_stood_in():
    # Rasa's SQL tracker store and event broker run sqlalchemy at import
    assert not any(p.startswith("sqlalchemy") for p in lean_imports.every_package())


# A Rasa server's start, as deploy/rasa_serve.py makes it: a Mongo store and a Slack channel
# configured, so they import for real; an SQL store works as ever; the rest are stand-ins.
SERVER = """
import json, sys
from pathlib import Path
credentials, endpoints, database = sys.argv[1:4]
sys.argv = ["rasa_serve.py", "--credentials", credentials, "--endpoints", endpoints]
from bot.rasa_adapter import lean_imports
from bot.rasa_adapter.runtime import keep_tensorflow_out, latest_model
keep_tensorflow_out(latest_model(Path("models")))
import rasa.core.agent, rasa.core.channels.slack, rasa.core.tracker_store as stores
from rasa.shared.core.domain import Domain
sql = stores.SQLTrackerStore(Domain.empty(), dialect="sqlite", db=database)
real = lambda name: name in sys.modules and not lean_imports.is_stand_in(sys.modules[name])
names = ("pymongo", "slack_sdk", "sanic", "socketio", "boto3", "matplotlib")
print("RESULT " + json.dumps({name: real(name) for name in names} | {"sql": type(sql).__name__}))
"""


def test_what_a_rasa_server_is_configured_with_imports_for_real(tmp_path):
    _needs_model()
    credentials = _write(tmp_path / "credentials.yml", "slack:\n  slack_token: x\n")
    endpoints = _write(tmp_path / "endpoints.yml", "tracker_store:\n  type: mongod\n")
    environ = {k: v for k, v in os.environ.items() if k != "JAGA_REAL_IMPORTS"}
    done = subprocess.run(
        [sys.executable, "-c", SERVER, credentials, endpoints, str(tmp_path / "t.db")],
        cwd=ROOT,
        env=dict(environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2"),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.split("RESULT ")[-1])
    assert result == {
        "pymongo": True,
        "slack_sdk": True,
        "sanic": True,
        "socketio": False,
        "boto3": False,
        "matplotlib": False,
        "sql": "SQLTrackerStore",
    }


# --- the stand-ins themselves (a made-up package, so this process is not changed) ---------


def test_stand_ins_import_fail_loudly_when_called_and_go_away_after():
    stand_ins = tf_guard.StandIns(
        ["jaga_made_up_pkg"],
        error=StoodIn,
        message=lambda name: f"{name}: a stand-in",
        version=lean_imports.STAND_IN_VERSION,
        exceptions=True,
    )
    stand_ins.install()
    try:
        from jaga_made_up_pkg.client import Client  # type: ignore[import-not-found]
        from jaga_made_up_pkg.errors import Failure  # type: ignore[import-not-found]

        class Sub(Client):  # a base class, as Rasa's channels use them
            pass

        with pytest.raises(StoodIn, match="jaga_made_up_pkg.client.Client: a stand-in"):
            Client("host")
        with pytest.raises(StoodIn):
            Sub()
        with pytest.raises(StoodIn):
            Client.connect()  # no decorator pass-through: every call raises
        # in an `except` tuple (Rasa's TrackerStore.create) it never matches, and no TypeError
        with pytest.raises(ValueError):
            try:
                raise ValueError("real")
            except (Failure, KeyError):
                pytest.fail("a stand-in matched a real exception")
    finally:
        stand_ins.uninstall()
    assert not any(name.startswith("jaga_made_up_pkg") for name in sys.modules)
    with pytest.raises(ModuleNotFoundError):
        import jaga_made_up_pkg  # type: ignore[import-not-found]  # noqa: F401


def test_jaga_real_imports_turns_the_stand_ins_off_or_keeps_some(monkeypatch):
    monkeypatch.setenv("JAGA_REAL_IMPORTS", "1")
    try:
        assert lean_imports.stand_in() == set()
        monkeypatch.setenv("JAGA_REAL_IMPORTS", "scipy, pymongo")
        packages = lean_imports.stand_in()
        assert not any(p.startswith("scipy") or p == "pymongo" for p in packages)
    finally:
        lean_imports.finish()
