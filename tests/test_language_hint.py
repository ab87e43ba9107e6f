"""The front end's language reaches Rasa with a button press too, on the real model."""

from __future__ import annotations

import uuid

from bot.core.conversation import with_language


def test_a_payload_gets_the_language_as_an_entity_and_keeps_its_own():
    assert with_language("/ask_report", "ms") == '/ask_report{"lang":"ms"}'
    assert (
        with_language('/ask_help_menu{"mode":"parent"}', "zh")
        == '/ask_help_menu{"mode":"parent","lang":"zh"}'
    )
    assert with_language('/change_language{"lang":"ta"}', "ms") == '/change_language{"lang":"ta"}'
    assert with_language("/ask_report", None) == "/ask_report"
    assert with_language("/change_language", "ms") == "/change_language"  # still asks which


async def test_switching_the_page_to_malay_then_tapping_a_button_is_answered_in_malay(assistant):
    sender = f"web:{uuid.uuid4().hex}"
    try:
        first = await assistant.respond(sender, "how do i report someone", lang="en")
        assert first.lang == "en"
        tapped = await assistant.respond(sender, "/ask_helpline", lang="ms")
        assert tapped.lang == "ms"
        assert tapped.intent == "ask_helpline"
        assert any("15999" in r.text for r in tapped.replies)
        # and the conversation carries on in Malay without a hint
        later = await assistant.respond(sender, "/ask_report")
        assert later.lang == "ms"
    finally:
        await assistant.forget(sender)
