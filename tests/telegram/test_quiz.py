"""The Klik Dengan Bijak quiz and the parents' path on Telegram, over real HTTP against the
fake Bot API server (the harness of test_telegram_bot.py)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import pytest
from scripted_assistant import ScriptedAssistant
from test_telegram_bot import GROUP, keyboard, running, signed, texts

from bot.content.lessons import Quiz
from bot.core import messages
from bot.core.replies import Button, Reply, Turn
from bot.telegram.handlers.quiz import ROUND_SIZE, parse_answer
from bot.testing.fake_bot_api import BOT_USERNAME, FakeBotApi, callback_update, message_update, user

CHILD = 5552001
ANSWER = re.compile(r"^quiz:\d+:\d+:\d$")
PARENT_TOPICS = (
    Button("Warning signs", payload='/ask_parent_guidance{"topic":"warning_signs"}'),
    Button("How to talk with your child", payload='/ask_parent_guidance{"topic":"how_to_talk"}'),
    Button("If your child tells you", payload='/ask_parent_guidance{"topic":"first_hour"}'),
    Button("Menu", payload="/ask_help_menu"),
)


class ParentsAssistant(ScriptedAssistant):
    """Answers the parent guidance as `utter_parent_menu` does (a question and topic buttons)
    and switches language on `/change_language{"lang":...}` as the real assistant does."""

    async def respond(self, sender_id: str, text: str, *, lang=None, metadata=None) -> Turn:
        switch = re.match(r'/change_language\{"lang":"(en|ms)"\}', text)
        if switch:
            lang = self.langs[sender_id] = switch.group(1)
        turn = await super().respond(sender_id, text, lang=lang, metadata=metadata)
        if turn.intent == "ask_parent_guidance" and "topic" not in text:
            turn.replies = [Reply("What would you like to know?", list(PARENT_TOPICS))]
        return turn


@pytest.fixture
async def assistant() -> ParentsAssistant:
    return ParentsAssistant()


@pytest.fixture
async def jaga(api: FakeBotApi, assistant: ScriptedAssistant) -> AsyncIterator[FakeBotApi]:
    async with running(api, assistant):
        yield api


@pytest.fixture(scope="module")
def quiz() -> Quiz:
    return Quiz.load()


def shown(text: str) -> str:
    return html.escape(text, quote=False)


def answers(call) -> list[str]:
    data = [row[0].get("callback_data", "") for row in keyboard(call)]
    assert data and all(ANSWER.match(d) for d in data), data
    return data


def question_of(call) -> int:
    parsed = parse_answer(answers(call)[0])
    assert parsed is not None
    return parsed[1]


def pick(quiz: Quiz, call, right: bool) -> str:
    """The callback_data of the right answer, or of a wrong one."""
    index = question_of(call)
    correct = quiz.answer(index)
    choice = correct if right else (correct + 1) % len(quiz.question(index).options)
    return answers(call)[choice]


async def press(api: FakeBotApi, data: str, count: int, from_user=None) -> list:
    api.push(callback_update(CHILD, data, from_user=from_user))
    return await api.wait_sent(CHILD, count)


# -- the quiz --------------------------------------------------------------------------------


async def test_quiz_sends_a_question_with_answer_buttons(jaga, assistant, quiz):
    jaga.push(message_update(CHILD, "/quiz"))
    [first] = await jaga.wait_sent(CHILD, 1)
    index = question_of(first)
    question = quiz.question(index, "en")
    body = first.params["text"]
    assert "Question 1 of 10" in body and ROUND_SIZE == 10
    assert shown(question.text) in body
    for choice, option in enumerate(question.options):
        assert shown(f"{'ABCD'[choice]}. {option}") in body
    rows = keyboard(first)
    assert len(rows) == len(question.options) and all(len(row) == 1 for row in rows)
    assert [parse_answer(row[0]["callback_data"]) for row in rows] == [
        (parse_answer(rows[0][0]["callback_data"])[0], index, choice)
        for choice in range(len(question.options))
    ]
    assert all(len(row[0]["callback_data"].encode()) <= 64 for row in rows)
    assert all(len(row[0]["text"]) <= 60 for row in rows)
    await jaga.settle(0.1)
    assert assistant.calls == []  # the quiz is played without Rasa
    assert len(jaga.sent(CHILD)) == 1


async def test_right_and_wrong_answers_get_feedback_and_the_next_question(jaga, quiz):
    jaga.push(message_update(CHILD, "/quiz"))
    [first] = await jaga.wait_sent(CHILD, 1)

    index = question_of(first)
    sent = await press(jaga, pick(quiz, first, right=True), 3)
    feedback, second = sent[1], sent[2]
    assert feedback.params["text"] == shown("✅ Right! " + quiz.check(index, 0)[1])
    assert "Question 2 of 10" in second.params["text"]
    assert question_of(second) != index
    [answered] = jaga.called("answerCallbackQuery")
    assert "text" not in answered.params  # the spinner stops, no toast
    [removed] = jaga.called("editMessageReplyMarkup")
    assert not removed.params.get("reply_markup")  # the answered keyboard is gone

    index = question_of(second)
    right = quiz.answer(index)
    sent = await press(jaga, pick(quiz, second, right=False), 5)
    feedback, third = sent[3], sent[4]
    option = quiz.question(index, "en").options[right]
    assert feedback.params["text"].startswith(shown(f"❌ Not quite. The answer is {'ABCD'[right]}"))
    assert shown(option) in feedback.params["text"]
    assert shown(quiz.check(index, right)[1]) in feedback.params["text"]
    assert "Question 3 of 10" in third.params["text"]


async def test_a_full_round_ends_with_the_score_and_what_to_remember(jaga, assistant, quiz):
    jaga.push(message_update(CHILD, "/quiz"))
    current = (await jaga.wait_sent(CHILD, 1))[0]
    seen = []
    for number in range(ROUND_SIZE):
        seen.append(question_of(current))
        sent = await press(jaga, pick(quiz, current, right=number < 7), 3 + 2 * number)
        current = sent[-1]
    assert len(set(seen)) == ROUND_SIZE  # ten different questions
    end = current.params["text"]
    assert end.startswith("Your score: 7 out of 10. Good effort, keep learning! What to remember:")
    for point in quiz.remember_points("en"):
        assert shown(point) in end
    again, menu = (row[0] for row in keyboard(current))
    assert again == {"text": "Play again", "callback_data": "quiz:new"}
    assert menu["text"] == "Menu"

    # The last question cannot be answered twice, and "Play again" starts a new round.
    last = jaga.sent(CHILD)[-3]
    jaga.push(callback_update(CHILD, answers(last)[0]))
    await jaga.wait_for(lambda: "text" in jaga.called("answerCallbackQuery")[-1].params)
    sent = await press(jaga, "quiz:new", 2 * ROUND_SIZE + 2)
    assert "Question 1 of 10" in sent[-1].params["text"]
    assert assistant.calls == []

    # The menu button goes to the assistant as usual.
    await press(jaga, menu["callback_data"], 2 * ROUND_SIZE + 3)
    assert assistant.texts() == ["/ask_help_menu"]


async def test_malay_user_gets_the_quiz_in_malay(jaga, quiz):
    nurul = user(CHILD, "Nurul", language_code="ms")
    jaga.push(message_update(CHILD, "/quiz", from_user=nurul))
    [first] = await jaga.wait_sent(CHILD, 1)
    index = question_of(first)
    assert "Soalan 1 daripada 10" in first.params["text"]
    assert shown(quiz.question(index, "ms").text) in first.params["text"]
    assert keyboard(first)[0][0]["text"].startswith("A. ")

    sent = await press(jaga, pick(quiz, first, right=True), 3, from_user=nurul)
    assert sent[1].params["text"] == shown("✅ Betul! " + quiz.check(index, 0, "ms")[1])
    assert "Soalan 2 daripada 10" in sent[2].params["text"]
    sent = await press(jaga, pick(quiz, sent[2], right=False), 5, from_user=nurul)
    assert sent[3].params["text"].startswith("❌ Kurang tepat. Jawapannya")


async def test_the_conversation_language_wins_over_telegrams(jaga, quiz):
    jaga.push(message_update(CHILD, "hello"))  # an English Telegram user...
    await jaga.wait_sent(CHILD, 1)
    await press(jaga, signed('/change_language{"lang":"ms"}'), 2)  # ...switches to Malay
    jaga.push(message_update(CHILD, "/quiz", message_id=2))
    sent = await jaga.wait_sent(CHILD, 3)
    assert "Soalan 1 daripada 10" in sent[2].params["text"]


async def test_stale_presses_get_a_polite_answer_and_nothing_else(jaga, assistant, quiz):
    jaga.push(callback_update(CHILD, "quiz:12345:0:1"))  # a round lost in a restart
    await jaga.wait_for(lambda: jaga.called("answerCallbackQuery"), what="answer")

    jaga.push(message_update(CHILD, "/quiz"))
    [old] = await jaga.wait_sent(CHILD, 1)
    jaga.push(message_update(CHILD, "/quiz", message_id=2))
    new = (await jaga.wait_sent(CHILD, 2))[1]
    jaga.push(callback_update(CHILD, pick(quiz, old, right=True)))  # the earlier round
    await jaga.wait_for(lambda: len(jaga.called("answerCallbackQuery")) == 2, what="answer")

    right = pick(quiz, new, right=True)
    await press(jaga, right, 4)
    jaga.push(callback_update(CHILD, right))  # a second tap on the same button
    await jaga.wait_for(lambda: len(jaga.called("answerCallbackQuery")) == 4, what="answer")
    await jaga.settle(0.15)

    notes = [a.params.get("text") for a in jaga.called("answerCallbackQuery")]
    stale = "This question is from an earlier round. Type /quiz to start a new one."
    assert notes == [stale, stale, None, stale]
    assert len(jaga.sent(CHILD)) == 4  # /quiz, /quiz, feedback and the next question
    assert assistant.calls == []


async def test_menu_quiz_button_starts_a_round_instead_of_asking_the_assistant(jaga, assistant):
    jaga.push(callback_update(CHILD, signed("/start_quiz")))
    [first] = await jaga.wait_sent(CHILD, 1)
    assert "Question 1 of 10" in first.params["text"] and answers(first)
    assert jaga.called("editMessageReplyMarkup")  # the menu's keyboard is removed
    assert assistant.calls == []


async def test_asking_for_the_quiz_in_words_starts_a_round(jaga, assistant):
    jaga.push(message_update(CHILD, "jom main kuiz"))
    [first] = await jaga.wait_sent(CHILD, 1)
    assert "Question 1 of 10" in first.params["text"] and answers(first)
    assert [text for _, text, _ in assistant.calls] == ["jom main kuiz"]


async def test_quiz_in_a_group_points_to_the_private_chat(jaga, assistant, quiz):
    jaga.push(
        message_update(
            GROUP, f"/quiz@{BOT_USERNAME}", chat_type="supergroup", from_user=user(CHILD)
        )
    )
    [note] = await jaga.wait_sent(GROUP, 1)
    [[button]] = keyboard(note)
    assert button["url"] == f"https://t.me/{BOT_USERNAME}?start=quiz"
    assert "private chat" in note.params["text"]

    jaga.push(message_update(CHILD, "/start quiz"))  # the deep link opens the private chat
    [first] = await jaga.wait_sent(CHILD, 1)
    # Straight into the quiz: the privacy card is the conversation's, owed until the first
    # calm reply, so the front end does not send a second copy of its own.
    assert "Question 1 of 10" in first.params["text"] and answers(first)
    await jaga.settle(0.1)
    assert assistant.calls == [] and len(jaga.sent(GROUP)) == 1


# -- the parents' path and the other deep links ----------------------------------------------


async def test_start_parent_lands_on_the_parents_path(jaga, assistant):
    jaga.push(message_update(CHILD, "/start parent"))
    card, guidance = await jaga.wait_sent(CHILD, 2)
    assert assistant.calls == [(f"tg:{CHILD}", '/ask_parent_guidance{"mode":"parent"}', "en")]
    assert card.params["text"] == shown(messages.text("privacy_card", "en"))
    rows = keyboard(guidance)
    assert [row[0]["text"] for row in rows] == [b.title for b in PARENT_TOPICS]

    # A topic button (too long for callback_data: kept under a short id) reaches the assistant.
    await press(jaga, rows[0][0]["callback_data"], 3)
    assert assistant.texts()[-1] == '/ask_parent_guidance{"topic":"warning_signs"}'

    jaga.push(message_update(CHILD, "/parents", message_id=2))
    await jaga.wait_sent(CHILD, 4)
    assert assistant.texts()[-1] == '/ask_parent_guidance{"mode":"parent"}'


async def test_start_child_and_educator(jaga, assistant):
    jaga.push(message_update(CHILD, "/start child"))
    jaga.push(message_update(CHILD + 1, "/start educator", from_user=user(CHILD + 1)))
    child = await jaga.wait_sent(CHILD, 2)
    teacher = await jaga.wait_sent(CHILD + 1, 3)
    assert sorted(assistant.texts()) == [
        '/ask_help_menu{"mode":"child"}',
        '/ask_help_menu{"mode":"educator"}',
    ]
    assert texts(child)[1] == "Here is what I can help with."
    assert texts(teacher)[1] == "Here is what I can help with."
    assert "make demo" in teacher[2].params["text"] and "/quiz" in teacher[2].params["text"]


async def test_forget_also_ends_a_quiz_round(jaga, quiz):
    jaga.push(message_update(CHILD, "/quiz"))
    [first] = await jaga.wait_sent(CHILD, 1)
    jaga.push(message_update(CHILD, "/forget", message_id=2))
    await jaga.wait_sent(CHILD, 2)
    jaga.push(callback_update(CHILD, pick(quiz, first, right=True)))
    await jaga.wait_for(lambda: jaga.called("answerCallbackQuery"), what="answer")
    await jaga.settle(0.1)
    assert "earlier round" in jaga.called("answerCallbackQuery")[0].params["text"]
    assert len(jaga.sent(CHILD)) == 2
