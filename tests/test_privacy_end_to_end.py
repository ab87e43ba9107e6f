"""After a conversation nothing stored holds a phone number, IC number, e-mail or image."""

from __future__ import annotations

import uuid

SECRETS = ["012-345 6789", "0123456789", "080512-10-1234", "ali.budak@gmail.com"]


def stored_text(rasa_backend, sender: str) -> str:
    store = rasa_backend.agent.tracker_store
    inner = getattr(store, "_tracker_store", store)
    return str(inner.store.get(sender, ""))


async def test_personal_details_are_not_in_the_stored_conversation(assistant, rasa_backend):
    sender = f"test-{uuid.uuid4().hex}"
    await assistant.respond(sender, "hi my number is 012-345 6789 and my ic 080512-10-1234")
    await assistant.respond(sender, "email aku ali.budak@gmail.com, nombor 0123456789")
    await assistant.respond_to_media(sender, "photo")
    stored = stored_text(rasa_backend, sender)
    assert stored, "the conversation should be stored while it lasts"
    for secret in SECRETS:
        assert secret not in stored
        assert secret.replace("-", "").replace(" ", "") not in stored.replace("-", "")
    assert "[phone]" in stored and "[email]" in stored


async def test_delete_my_chat_leaves_nothing_stored(assistant, rasa_backend):
    sender = f"test-{uuid.uuid4().hex}"
    await assistant.respond(sender, "someone keeps asking for my pics")
    assert stored_text(rasa_backend, sender)
    turn = await assistant.respond(sender, "padam chat saya")
    assert turn.intent == "forget_me"
    assert stored_text(rasa_backend, sender) == ""


async def test_forget_command_leaves_nothing_stored(assistant, rasa_backend):
    sender = f"test-{uuid.uuid4().hex}"
    await assistant.respond(sender, "hello")
    await assistant.forget(sender)
    assert stored_text(rasa_backend, sender) == ""
