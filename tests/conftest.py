"""Shared fixtures. The trained model is loaded once per test session, only by tests that ask."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# `make test` must give the same answer on every run: property tests use a fixed seed there.
# To hunt for new failing inputs, run `HYPOTHESIS_PROFILE=explore pytest tests/test_pii.py`.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def rasa_backend():
    """Jaga's trained model (`models/`, or JAGA_MODEL) loaded in this process."""
    from bot.core.conversation import InProcessRasa
    from bot.core.settings import Settings

    model = Path(os.environ.get("JAGA_MODEL") or ROOT / "models")
    if not (model.is_file() or any(model.glob("*.tar.gz"))):
        pytest.fail(f"No trained model in {model}: run `make train` (make test does it first)")
    return InProcessRasa.load(Settings(model_path=model, stats_db=None))


@pytest.fixture
def assistant(rasa_backend):
    """The conversation module every front end uses, on the real model, no statistics.

    The time limit is generous here: these tests check what is said, not how fast.
    """
    from bot.core.conversation import BaseAssistant

    return BaseAssistant(rasa_backend, timeout=30.0, stats=None)
