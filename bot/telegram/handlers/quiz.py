"""The Klik Dengan Bijak quiz on Telegram: /quiz, the menu's "Quiz" button (`/start_quiz`)
and the deep link `t.me/<bot>?start=quiz` start a round of `ROUND_SIZE` questions, a random
sample of `content/quiz.yml` in the user's language. Each question is a message with one inline
button per answer; a press is answered, its keyboard removed, the user is told right or wrong
with the short explanation, and the next question follows. The last answer brings the score and
what to remember.

The quiz never goes through Rasa: the questions and answers come from
`bot.content.lessons.Quiz`, the API the web chat uses too.


State: `context.user_data["quiz"]` holds only numbers, never text:
    {"round": <random id>, "order": [question indexes], "pos": <0..len(order)>, "score": <n>}
With REDIS_URL it is in Redis (persistence.py), so each press may reach any front end; an
answer publishes the round's new position before the next question is sent (`save_now`).
`callback_data` is `quiz:<round>:<question index>:<choice>` (about 15 bytes; Telegram allows
64) or `quiz:new` (play again). A press from an older round, an already answered question or a
round lost (Redis flushed, an hour of silence, a restart without Redis) gets a polite callback
answer and nothing else. Starting a round counts for the flood guard like any command; answers
do not (`is_answer`: only the waiting question can be answered).

In groups /quiz only posts a button to the private chat: a round is one child's own pace.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
)
from telegram.ext import filters as tg_filters

from bot.content.lessons import ContentError, Quiz
from bot.telegram import turns
from bot.telegram.formatting import escape
from bot.telegram.keyboards import url_keyboard
from bot.telegram.persistence import claim, save_now
from bot.telegram.state import Context

logger = logging.getLogger(__name__)

ROUND_SIZE = 10
STATE_KEY = "quiz"
PREFIX = "quiz:"
NEW_ROUND = "quiz:new"
START_PAYLOAD = "/start_quiz"  # the assistant's "Quiz" menu button
DEEP_LINK = "quiz"  # t.me/<bot>?start=quiz
HANDLER_GROUP = -1  # before the generic command and button handlers
LETTERS = "ABCD"
BUTTON_CHARS = 60  # long options are clipped on the button; the message shows them in full

_ANSWER_RE = re.compile(r"^quiz:(\d{1,9}):(\d{1,3}):(\d)$")

TEXTS = {
    "en": {
        "intro": "{title}: {total} questions. Tap the answer you think is right.",
        "question": "Question {number} of {total}",
        "right": "✅ Right! {why}",
        "wrong": "❌ Not quite. The answer is {letter}: {option}\n{why}",
        "score": "Your score: {score} out of {total}.",
        "cheer_high": "Brilliant! What to remember:",
        "cheer_low": "Good effort, keep learning! What to remember:",
        "again": "Play again",
        "menu": "Menu",
        "stale": "This question is from an earlier round. Type /quiz to start a new one.",
        "unavailable": "The quiz isn't available right now. Please try again later, or /help.",
        "group": "The quiz is played in a private chat with me, so everyone goes at their own "
        "pace. Tap the button to start.",
        "group_button": "Play the quiz privately",
    },
    "ms": {
        "intro": "{title}: {total} soalan. Tekan jawapan yang kamu rasa betul.",
        "question": "Soalan {number} daripada {total}",
        "right": "✅ Betul! {why}",
        "wrong": "❌ Kurang tepat. Jawapannya {letter}: {option}\n{why}",
        "score": "Markah kamu: {score} daripada {total}.",
        "cheer_high": "Hebat! Ingat perkara ini:",
        "cheer_low": "Bagus, teruskan belajar! Ingat perkara ini:",
        "again": "Main lagi",
        "menu": "Menu",
        "stale": "Soalan ini daripada pusingan lama. Taip /quiz untuk mula yang baru.",
        "unavailable": "Kuiz tidak dapat dibuka sekarang. Cuba lagi nanti, atau /help.",
        "group": "Kuiz dimainkan dalam chat peribadi dengan saya, supaya setiap orang jawab "
        "ikut rentak sendiri. Tekan butang untuk mula.",
        "group_button": "Main kuiz secara peribadi",
    },
}


# The quiz (content/quiz.yml) is in English and Malay; a Mandarin or Tamil round is played in
# English after one line in the child's language. Not yet reviewed by a native speaker.
NOT_TRANSLATED = {
    "zh": "（小测验还没有华语版本，下面是英文。）",
    "ta": "(வினாடி வினா இன்னும் தமிழில் இல்லை, கீழே ஆங்கிலத்தில் உள்ளது.)",
}


def text(key: str, lang: str, **fields: object) -> str:
    return TEXTS.get(lang, TEXTS["en"])[key].format(**fields)


def load_quiz() -> Quiz | None:
    try:
        return Quiz.load()
    except ContentError as error:  # the message names the file and the place, never user text
        logger.error("The quiz could not be loaded: %s", error)
        return None


# -- state ----------------------------------------------------------------------


def new_round(quiz: Quiz, size: int = ROUND_SIZE) -> dict[str, object]:
    order = random.sample(range(len(quiz)), min(size, len(quiz)))
    return {"round": random.randrange(1, 10**9), "order": order, "pos": 0, "score": 0}


def answer_data(round_id: int, index: int, choice: int) -> str:
    return f"{PREFIX}{round_id}:{index}:{choice}"


def parse_answer(data: str | None) -> tuple[int, int, int] | None:
    match = _ANSWER_RE.match(data or "")
    if match is None:
        return None
    round_id, index, choice = (int(group) for group in match.groups())
    return round_id, index, choice


def current(state: object, round_id: int, index: int) -> bool:
    """Whether a press answers the question this round is waiting for."""
    if not isinstance(state, dict):
        return False
    order, pos = state.get("order"), state.get("pos")
    return (
        state.get("round") == round_id
        and isinstance(order, list)
        and isinstance(pos, int)
        and 0 <= pos < len(order)
        and order[pos] == index
    )


# -- messages --------------------------------------------------------------------------------


def question_message(
    quiz: Quiz, state: dict, lang: str, *, intro: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    order: list[int] = state["order"]
    pos: int = state["pos"]
    index = order[pos]
    question = quiz.question(index, lang)
    lines = []
    if intro:
        title = quiz.title.get(lang) or quiz.title["en"]
        if lang in NOT_TRANSLATED:
            lines.append(NOT_TRANSLATED[lang])
        lines += [text("intro", lang, title=title, total=len(order)), ""]
    lines += [text("question", lang, number=pos + 1, total=len(order)), "", question.text, ""]
    rows = []
    for choice, option in enumerate(question.options):
        letter = LETTERS[choice]
        lines.append(f"{letter}. {option}")
        label = f"{letter}. {option}"
        if len(label) > BUTTON_CHARS:
            label = label[: BUTTON_CHARS - 1].rstrip() + "…"
        data = answer_data(state["round"], index, choice)
        rows.append([InlineKeyboardButton(label, callback_data=data)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def summary(quiz: Quiz, score: int, total: int, lang: str) -> str:
    """`Quiz.summary`'s score and what to remember, counted over this round's questions."""
    if total == len(quiz):
        return quiz.summary(score, lang)
    cheer = "cheer_high" if score >= total * 0.8 else "cheer_low"
    head = f"{text('score', lang, score=score, total=total)} {text(cheer, lang)}"
    points = "\n".join(f"• {point}" for point in quiz.remember_points(lang))
    return f"{head}\n{points}"


def end_keyboard(context: Context, lang: str) -> InlineKeyboardMarkup:
    menu = context.bot_data.buttons.encode("/ask_help_menu")
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(text("again", lang), callback_data=NEW_ROUND)],
            [InlineKeyboardButton(text("menu", lang), callback_data=menu)],
        ]
    )


async def send_question(
    update: Update, context: Context, quiz: Quiz, state: dict, lang: str, *, intro: bool = False
) -> None:
    body, keyboard = question_message(quiz, state, lang, intro=intro)
    await turns.send_html(update, context, escape(body), keyboard)


# -- starting a round ------------------------------------------------------------------------


def private_link(context: Context) -> str:
    return f"https://t.me/{context.bot.username}?start={DEEP_LINK}"


async def start_round(update: Update, context: Context) -> None:
    """A new round in a private chat (replacing any round in progress); in a group, the link."""
    chat = update.effective_chat
    if chat is None:
        return
    if chat.type != ChatType.PRIVATE:
        lang = await turns.lang_of(update, context)
        keyboard = url_keyboard(text("group_button", lang), private_link(context))
        await turns.send_note(update, context, text("group", lang), keyboard)
        return
    lang = await turns.lang_of(update, context)
    quiz = load_quiz()
    if quiz is None or len(quiz) == 0:
        await turns.send_note(update, context, text("unavailable", lang))
        return
    state = new_round(quiz)
    assert context.user_data is not None  # an update in a private chat always has a user
    context.user_data[STATE_KEY] = state
    await send_question(update, context, quiz, state, lang, intro=True)


async def quiz_command(update: Update, context: Context) -> None:
    """/quiz. Stops here, so the generic command handlers do not answer it too."""
    await start_round(update, context)
    raise ApplicationHandlerStop


async def start_button(update: Update, context: Context) -> None:
    """The assistant's `/start_quiz` button (signed: see keyboards.py), or "Play again"."""
    query = update.callback_query
    if query is None or update.effective_chat is None:
        raise ApplicationHandlerStop
    if query.data != NEW_ROUND and context.bot_data.buttons.decode(query.data) != START_PAYLOAD:
        with contextlib.suppress(TelegramError):  # a forged or stale button
            await query.answer(turns.stale_button_text(await turns.lang_of(update, context)))
        raise ApplicationHandlerStop
    with contextlib.suppress(TelegramError):  # a query older than 15 s can't be answered
        await query.answer()
    with contextlib.suppress(TelegramError):
        await query.edit_message_reply_markup(reply_markup=None)
    await start_round(update, context)
    raise ApplicationHandlerStop


# -- answers ---------------------------------------------------------------------------------


async def answer_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or update.effective_chat is None:
        raise ApplicationHandlerStop
    parsed = parse_answer(query.data)
    state = context.user_data.get(STATE_KEY) if context.user_data is not None else None
    quiz = load_quiz()
    if (
        parsed is None
        or quiz is None
        or update.effective_chat.type != ChatType.PRIVATE
        or not current(state, parsed[0], parsed[1])
        # Two taps at once may reach two front ends, each with the round as it was: only
        # one of them answers (an atomic claim in Redis; in one process chats run in order).
        or not await claim(update, context, f"quiz:{parsed[0]}:{parsed[1]}")
    ):
        lang = await turns.lang_of(update, context)
        with contextlib.suppress(TelegramError):
            await query.answer(text("stale", lang))
        with contextlib.suppress(TelegramError):  # an old question must not be answered again
            await query.edit_message_reply_markup(reply_markup=None)
        logger.info("Stale quiz button in update %s", update.update_id)
        raise ApplicationHandlerStop
    assert isinstance(state, dict)
    _, index, choice = parsed
    with contextlib.suppress(TelegramError):
        await query.answer()
    with contextlib.suppress(TelegramError):
        await query.edit_message_reply_markup(reply_markup=None)
    # Not counted by the flood guard: only the one question waiting can be answered, so these
    # presses cannot flood, and a quick child must not be told to slow down mid-round.
    lang = await turns.lang_of(update, context)
    try:
        correct, why = quiz.check(index, choice, lang)
    except (IndexError, ValueError):  # a choice the question does not have: not our button
        raise ApplicationHandlerStop from None
    # The round moves on before anything is sent, and every front end sees it: a second tap
    # on the same button is stale, wherever it lands.
    state["pos"] += 1
    state["score"] += int(correct)
    await save_now(update, context)
    if correct:
        feedback = text("right", lang, why=why)
    else:
        right = quiz.answer(index)
        option = quiz.question(index, lang).options[right]
        feedback = text("wrong", lang, letter=LETTERS[right], option=option, why=why)
    await turns.send_note(update, context, feedback)
    if state["pos"] < len(state["order"]):
        await send_question(update, context, quiz, state, lang)
    else:
        assert context.user_data is not None  # `state` was read from it
        context.user_data.pop(STATE_KEY, None)
        total = len(state["order"])
        await turns.send_note(
            update, context, summary(quiz, state["score"], total, lang), end_keyboard(context, lang)
        )
    raise ApplicationHandlerStop


def is_answer(update: Update) -> bool:
    """A press of a quiz answer: never counted by the flood guard (handlers/gate.py)."""
    query = update.callback_query
    return query is not None and parse_answer(query.data) is not None


def forget(context: Context) -> None:
    """/forget: no quiz state is kept either."""
    if context.user_data is not None:
        context.user_data.pop(STATE_KEY, None)


def register(application: Application) -> None:
    new_messages = tg_filters.UpdateType.MESSAGE  # an edited /quiz does not restart a round
    application.add_handler(
        CommandHandler("quiz", quiz_command, filters=new_messages), group=HANDLER_GROUP
    )
    start_pattern = rf"^(s:[\w-]{{11}}{re.escape(START_PAYLOAD)}|{re.escape(NEW_ROUND)})$"
    application.add_handler(
        CallbackQueryHandler(start_button, pattern=start_pattern), group=HANDLER_GROUP
    )
    application.add_handler(
        CallbackQueryHandler(answer_pressed, pattern=rf"^{re.escape(PREFIX)}"),
        group=HANDLER_GROUP,
    )
