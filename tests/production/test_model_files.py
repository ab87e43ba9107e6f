"""The model a Rasa replica loads runs no code of its own: no pickle, joblib or skops file
in it, and skops (0.9.0, with open advisories: docs/security.md) is never imported."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile

from prod_helpers import ROOT, base_env, model_path

# What Rasa's and Jaga's components write; anything else in the archive would be a surprise.
SAFE_SUFFIXES = (".json", ".yml", ".yaml", ".npy")


def test_the_model_archive_holds_data_only():
    with tarfile.open(model_path()) as archive:
        files = [m.name for m in archive.getmembers() if m.isfile()]
    assert files, "an empty model"
    unexpected = [name for name in files if not name.endswith(SAFE_SUFFIXES)]
    assert not unexpected, f"files that may run code when loaded: {unexpected}"


def test_loading_the_model_never_imports_skops():
    script = (
        "import json, sys; from pathlib import Path; "
        "from bot.rasa_adapter.runtime import load_agent; "
        f"load_agent(Path({str(model_path())!r})); "
        "print(json.dumps([m for m in ('skops', 'joblib', 'dill') if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=base_env(PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert "skops" not in imported, imported
