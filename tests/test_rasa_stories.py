"""Rasa's own test stories (tests/test_stories.yml) against the trained model.

Same check as `rasa test core --fail-on-prediction-errors`, but on the in-process agent,
so custom actions run exactly as they do for Telegram and the web chat.
"""

from __future__ import annotations

from pathlib import Path

STORIES = Path(__file__).with_name("test_stories.yml")


async def test_every_test_story_is_followed_action_by_action(rasa_backend, tmp_path):
    from rasa.core.test import test as rasa_test

    result = await rasa_test(
        str(STORIES),
        rasa_backend.agent,
        out_directory=str(tmp_path),
        disable_plotting=True,
        errors=True,
        warnings=False,
    )
    failed = tmp_path / "failed_test_stories.yml"
    failures = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert len(result["actions"]) >= 50, "the test stories should exercise every dialogue"
    assert result["accuracy"] == 1.0, f"stories went another way:\n{failures[:3000]}"
    assert "# predicted:" not in failures
