"""A running bot picks up a newly trained model without losing its conversations."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from bot.core.conversation import BaseAssistant, InProcessRasa
from bot.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


async def test_a_new_model_is_swapped_in_and_the_conversation_goes_on(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(ROOT / "models" / "jaga.tar.gz", models / "jaga.tar.gz")
    backend = InProcessRasa.load(Settings(model_path=models, stats_db=None))
    assistant = BaseAssistant(backend, timeout=30, stats=None)
    user = f"test-{uuid.uuid4().hex}"

    first = await assistant.respond(user, "a guy from a game wants me to keep our chats secret")
    assert first.intent == "disclose_grooming"
    assert await backend.reload_if_changed() is False  # nothing new yet
    old_agent = backend.agent

    newer = models / "jaga-new.tar.gz"  # `make train` writing a new model
    shutil.copy(models / "jaga.tar.gz", newer)
    os.utime(newer, (newer.stat().st_atime, newer.stat().st_mtime + 10))
    assert await backend.reload_if_changed() is True
    assert backend.agent is not old_agent

    # The "are you safe now?" question asked by the old model is answered on the new one.
    answer = await assistant.respond(user, "/deny")
    assert "999" in answer.replies[0].text
