"""The conversation module every front end shares: redaction, time limit, safe fallback."""

import asyncio

from bot.testing.assistant import FakeAssistant

HELPLINES = ("999", "15999")


async def test_a_reply_comes_back_with_the_intent_and_language():
    assistant = FakeAssistant({"hi": ("greet", "Hello!", [])})
    turn = await assistant.respond("u1", "hi", lang="en")
    assert turn.intent == "greet"
    assert turn.replies[0].text == "Hello!"
    assert not turn.degraded


async def test_the_privacy_card_comes_after_the_first_answer_only():
    assistant = FakeAssistant({"hi": ("greet", "Hello!", [])})
    first = await assistant.respond("u1", "hi")
    second = await assistant.respond("u1", "hi")
    assert first.replies[0].text == "Hello!"  # the answer first, never the card
    assert "bot" in first.replies[-1].text and "/forget" in first.replies[-1].text
    assert len(second.replies) == 1


async def test_the_privacy_card_waits_for_a_calm_turn_after_a_crisis():
    script = {
        "help": ("crisis", "Call 999 or Talian Kasih 15999 now.", []),
        "ok": ("thank", "Ok!", []),
    }
    assistant = FakeAssistant(script)
    crisis = await assistant.respond("u1", "help")
    assert len(crisis.replies) == 1  # nothing pushes the helplines out of view
    answer = await assistant.respond("u1", "ok")  # the turn right after is not calm yet
    assert len(answer.replies) == 1
    calm = await assistant.respond("u1", "ok")
    assert "/forget" in calm.replies[-1].text
    again = await assistant.respond("u1", "ok")
    assert len(again.replies) == 1


async def test_a_turn_that_missed_its_deadline_leaves_the_privacy_card_owed():
    assistant = FakeAssistant({"hi": ("greet", "Hello!", [])}, delay=0.4, timeout=0.1)
    late = await assistant.respond("u1", "hi")
    assert late.degraded
    await asyncio.sleep(0.5)  # Rasa finished the turn after the child got the safe reply
    assistant.delay = 0
    turn = await assistant.respond("u1", "hi")
    assert turn.replies[0].text == "Hello!" and "/forget" in turn.replies[-1].text


async def test_personal_details_never_reach_rasa():
    assistant = FakeAssistant()
    turn = await assistant.respond("u1", "call me at 012-345 6789 or mail ali@example.com")
    sent = assistant.calls[-1][1]
    assert "345" not in sent and "ali@example.com" not in sent
    assert set(turn.redacted) >= {"phone", "email"}
    assert any("phone number" in r.text for r in turn.replies)  # the gentle lesson


async def test_the_lesson_about_personal_details_is_in_malay_for_malay_writers():
    assistant = FakeAssistant()
    turn = await assistant.respond("u1", "nombor aku 0123456789 tolong call", lang="ms")
    assert any("nombor telefon" in r.text for r in turn.replies)


async def test_rasa_down_still_gets_the_helplines_quickly():
    assistant = FakeAssistant(fail=True)
    turn = await assistant.respond("u1", "he is outside my house")
    assert turn.degraded
    assert all(number in turn.reply_text for number in HELPLINES)


async def test_the_safe_reply_is_in_the_conversations_language_when_rasa_fails():
    assistant = FakeAssistant()
    await assistant.respond("u1", "apa itu grooming")
    assistant.fail = True
    turn = await assistant.respond("u1", "ok")  # says nothing of its language
    assert turn.degraded and turn.lang == "ms" and "Talian Kasih 15999" in turn.reply_text


async def test_slow_rasa_gets_the_safe_reply_within_the_time_limit():
    assistant = FakeAssistant(delay=5, timeout=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    turn = await assistant.respond("u1", "tolong saya", lang="ms")
    assert loop.time() - started < 1.0
    assert turn.degraded and "Talian Kasih 15999" in turn.reply_text
    assert "Maaf" in turn.reply_text  # in the child's language
    await assistant.close()


async def test_bad_input_gets_a_kind_answer_and_nothing_crashes():
    assistant = FakeAssistant()
    for text in ["", "   ", "\u200b\u200f", "\x00\x01binary\xff", "😭" * 50, "שלום", None]:
        turn = await assistant.respond("u1", text)
        assert turn.replies and turn.replies[0].text
    huge = await assistant.respond("u2", "a " * 10_000)
    assert len(assistant.calls[-1][1]) <= 4000
    assert any("long" in r.text for r in huge.replies)


async def test_forget_deletes_the_conversation_and_shows_the_card_again():
    assistant = FakeAssistant()
    await assistant.respond("u1", "hello")
    await assistant.forget("u1")
    assert assistant.forgotten == ["u1"]
    again = await assistant.respond("u1", "hello")
    assert "/forget" in again.replies[-1].text


async def test_the_conversation_module_keeps_no_conversation_state():
    """Language, privacy card and dialogue live in Rasa's tracker: a second assistant in front
    of the same Rasa carries on the conversation the first one started."""
    first = FakeAssistant({"hi": ("greet", "Hello!", [])})
    second = FakeAssistant({"ok": ("thank", "Ok!", [])})
    second._backend = first._backend  # one Rasa, one tracker store
    await first.respond("u1", "hi", lang="ms")
    turn = await second.respond("u1", "ok")
    assert turn.lang == "ms" and len(turn.replies) == 1  # the card was shown once, before
    assert await second.language("u1") == "ms"
    per_process = {"_seen", "_carded", "_urgent", "_clock", "_ttl"}
    assert not per_process & set(vars(first))


async def test_one_deadline_covers_every_wait_of_a_turn():
    assistant = FakeAssistant(delay=5, timeout=0.3)

    async def slow_language(sender_id: str) -> str:
        await asyncio.sleep(5)
        return "ms"

    assistant._backend.language = slow_language
    loop = asyncio.get_running_loop()
    for call in (
        assistant.respond("u1", "   "),  # the language of the "say something" note
        assistant.respond_to_media("u1", "photo"),
        assistant.respond("u1", "hello"),
    ):
        started = loop.time()
        turn = await call
        assert loop.time() - started < 1.0
        assert turn.replies and turn.lang == "en"
    assert turn.degraded and "15999" in turn.reply_text
    await assistant.close()


async def test_media_is_answered_without_any_download():
    assistant = FakeAssistant()
    turn = await assistant.respond_to_media("u1", "photo", lang="ms")
    assert "gambar" in turn.reply_text
    assert assistant.calls == []  # not even Rasa saw it


async def test_a_burst_of_messages_from_many_children_all_get_answers():
    assistant = FakeAssistant(delay=0.01)
    turns = await asyncio.gather(*(assistant.respond(f"u{i}", "hello") for i in range(200)))
    assert all(t.replies and not t.degraded for t in turns)


async def test_asking_to_delete_the_chat_deletes_it():
    assistant = FakeAssistant({"padam chat saya": ("forget_me", "Siap, sudah dipadam.", [])})
    await assistant.respond("u1", "hello")
    turn = await assistant.respond("u1", "padam chat saya")
    assert turn.replies[0].text == "Siap, sudah dipadam."
    assert assistant.forgotten == ["u1"]
