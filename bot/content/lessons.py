"""Jaga's teaching content: scenarios, the Klik Dengan Bijak quiz and the parents' path.

The three files live in `content/` and are written by teachers, not programmers, so loading
them checks everything and fails with a message that names the file, the place and the fix:

    content/scenarios.yml  scripted conversations played step by step in the classroom
    content/quiz.yml       scenario questions with options, the answer and an explanation
    content/parents.yml    the parents' path: warning signs, talking, the first hour, settings

Every text is given in English (`en`) and Bahasa Malaysia (`ms`). Every text that states a fact
carries a `source:` listing the knowledge-base items it comes from (ids in
knowledge/sources.yml, e.g. `source: [talian_kasih, police_999]`); an item marked unverified or
conflict cannot be cited. The front ends show each item's title. docs/classroom.md documents
the schemas.

The quiz has a small pure API that the web chat and the Telegram front end share:

    quiz = Quiz.load()
    q = quiz.question(0, "ms")             # QuizQuestion(number=1, total, text, options)
    correct, why = quiz.check(0, 2, "ms")  # choice counts from 0, like q.options
    quiz.summary(score, "ms")              # the score and "what to remember"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from bot.content.knowledge import KnowledgeError, knowledge, read_yaml

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "content"
SCENARIOS_FILE = CONTENT_DIR / "scenarios.yml"
QUIZ_FILE = CONTENT_DIR / "quiz.yml"
PARENTS_FILE = CONTENT_DIR / "parents.yml"

LANGS = ("en", "ms")
SPEAKERS = ("narrator", "child", "other", "friend", "adult")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
MAX_TEXT = 1200


class ContentError(ValueError):
    """A content file is missing, malformed or incomplete; the message says where and how."""


def lang_or_default(lang: str | None) -> str:
    return lang if lang in LANGS else "en"


# ---------------------------------------------------------------- checking helpers


class _Checker:
    """Walks one YAML file and raises ContentError with the file name and the place."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, problem: str) -> NoReturn:
        raise ContentError(f"{self.path.name}: {where}: {problem}")

    def load(self) -> Any:
        return read_yaml(self.path, ContentError)

    def mapping(self, value: Any, where: str, required: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            self.fail(where, f"should be a mapping (key: value lines), got {type(value).__name__}")
        for key in required:
            if key not in value:
                self.fail(where, f"'{key}' is missing")
        return value

    def items(self, value: Any, where: str, minimum: int = 1) -> list:
        if not isinstance(value, list):
            self.fail(where, "should be a list (lines starting with '- ')")
        if len(value) < minimum:
            self.fail(where, f"needs at least {minimum} item(s), has {len(value)}")
        return value

    def text(self, value: Any, where: str) -> dict[str, str]:
        """A text in both languages: {en: ..., ms: ...}."""
        if isinstance(value, str):
            self.fail(where, "needs both languages: write 'en: ...' and 'ms: ...' under it")
        value = self.mapping(value, where)
        out = {}
        for lang in LANGS:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.fail(where, f"the '{lang}' text is missing or empty")
            if len(text) > MAX_TEXT:
                self.fail(where, f"the '{lang}' text is longer than {MAX_TEXT} characters")
            out[lang] = text.strip()
        extra = set(value) - set(LANGS)
        if extra:
            self.fail(where, f"unknown language key(s) {sorted(extra)}; use only 'en' and 'ms'")
        return out

    def sources(self, value: Any, where: str, required: bool) -> tuple[str, ...]:
        """Knowledge-base ids: `source: talian_kasih` or `source: [talian_kasih, police_999]`."""
        if value is None:
            if required:
                self.fail(
                    where,
                    "'source' is missing: list the knowledge/sources.yml items the fact comes "
                    "from, e.g. source: [talian_kasih]",
                )
            return ()
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values:
            self.fail(where, "'source' should be an item id or a list of them, e.g. [talian_kasih]")
        try:
            items = knowledge().items
        except KnowledgeError as exc:
            raise ContentError(f"knowledge base: {exc}") from None
        for src in values:
            item = items.get(src.strip()) if isinstance(src, str) else None
            if item is None:
                self.fail(
                    where,
                    f"source {src!r} is not an item id in knowledge/sources.yml "
                    "(add the fact there first, see knowledge/README.md)",
                )
            if not item.stateable:
                self.fail(
                    where,
                    f"source '{item.id}' is marked {item.status} in knowledge/sources.yml "
                    "and cannot be stated as fact",
                )
        return tuple(s.strip() for s in values)

    def ident(self, value: Any, where: str, seen: set) -> str:
        if not isinstance(value, str) or not ID_RE.match(value):
            self.fail(where, f"id {value!r} should be short lower-case words joined by '-'")
        if value in seen:
            self.fail(where, f"id '{value}' is used twice")
        seen.add(value)
        return value


def _advice(c: _Checker, raw: Any, where: str) -> Advice:
    raw = c.mapping(raw, where, ("text",))
    return Advice(c.text(raw["text"], where), c.sources(raw.get("source"), where, required=True))


def _pick(text: dict[str, str], lang: str) -> str:
    return text[lang_or_default(lang)]


def source_titles(ids: tuple[str, ...]) -> list[str]:
    """What a front end shows as the source: each cited item's title."""
    book = knowledge()
    return [book.title(i) for i in ids]


# ---------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Step:
    speaker: str
    text: dict[str, str]
    pause: dict[str, str] | None = None  # a discussion question: the class stops here
    source: tuple[str, ...] = ()

    def localized(self, lang: str) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "text": _pick(self.text, lang),
            "pause": _pick(self.pause, lang) if self.pause else None,
            "source": source_titles(self.source),
        }


@dataclass(frozen=True)
class Advice:
    text: dict[str, str]
    source: tuple[str, ...]

    def localized(self, lang: str) -> dict[str, Any]:
        return {"text": _pick(self.text, lang), "source": source_titles(self.source)}


@dataclass(frozen=True)
class Scenario:
    id: str
    title: dict[str, str]
    summary: dict[str, str]
    names: dict[str, dict[str, str]]  # speaker -> display name in each language
    steps: tuple[Step, ...]
    advice: tuple[Advice, ...]
    ages: dict[str, str] | None = None  # suggested ages: Jaga's own guidance for teachers

    @property
    def pauses(self) -> int:
        return sum(1 for s in self.steps if s.pause)

    def localized(self, lang: str) -> dict[str, Any]:
        lang = lang_or_default(lang)
        return {
            "id": self.id,
            "title": _pick(self.title, lang),
            "summary": _pick(self.summary, lang),
            "ages": _pick(self.ages, lang) if self.ages else None,
            "names": {k: _pick(v, lang) for k, v in self.names.items()},
            "steps": [s.localized(lang) for s in self.steps],
            "advice": [a.localized(lang) for a in self.advice],
        }


def load_scenarios(path: Path = SCENARIOS_FILE) -> tuple[Scenario, ...]:
    c = _Checker(Path(path))
    data = c.mapping(c.load(), "top level", ("scenarios",))
    out, seen = [], set[str]()
    for n, raw in enumerate(c.items(data["scenarios"], "scenarios"), 1):
        where = f"scenario {n}"
        raw = c.mapping(raw, where, ("id", "title", "summary", "steps", "advice"))
        sid = c.ident(raw["id"], where, seen)
        where = f"scenario '{sid}'"
        names = {}
        for speaker, name in c.mapping(raw.get("names") or {}, f"{where} names").items():
            if speaker not in SPEAKERS:
                c.fail(f"{where} names", f"unknown speaker '{speaker}'; use one of {SPEAKERS}")
            names[speaker] = c.text(name, f"{where} names.{speaker}")
        steps = []
        for i, step in enumerate(c.items(raw["steps"], f"{where} steps", 3), 1):
            w = f"{where} step {i}"
            step = c.mapping(step, w, ("speaker", "text"))
            if step["speaker"] not in SPEAKERS:
                c.fail(w, f"speaker '{step['speaker']}' is unknown; use one of {SPEAKERS}")
            if step["speaker"] not in ("narrator",) and step["speaker"] not in names:
                c.fail(w, f"speaker '{step['speaker']}' has no display name under 'names:'")
            unknown = set(step) - {"speaker", "text", "pause", "source"}
            if unknown:
                c.fail(w, f"unknown key(s) {sorted(unknown)}")
            steps.append(
                Step(
                    speaker=step["speaker"],
                    text=c.text(step["text"], f"{w} text"),
                    pause=c.text(step["pause"], f"{w} pause") if "pause" in step else None,
                    source=c.sources(step.get("source"), w, required=False),
                )
            )
        if not any(s.pause for s in steps):
            c.fail(where, "needs at least one step with a 'pause:' discussion question")
        advice = [
            Advice(
                c.text(
                    c.mapping(a, f"{where} advice {i}", ("text",))["text"], f"{where} advice {i}"
                ),
                c.sources(a.get("source"), f"{where} advice {i}", required=True),
            )
            for i, a in enumerate(c.items(raw["advice"], f"{where} advice", 2), 1)
        ]
        out.append(
            Scenario(
                id=sid,
                title=c.text(raw["title"], f"{where} title"),
                summary=c.text(raw["summary"], f"{where} summary"),
                names=names,
                steps=tuple(steps),
                advice=tuple(advice),
                ages=c.text(raw["ages"], f"{where} ages") if "ages" in raw else None,
            )
        )
    return tuple(out)


# ---------------------------------------------------------------- quiz


@dataclass(frozen=True)
class QuizQuestion:
    """One question as a front end shows it (no answer inside)."""

    id: str
    index: int  # from 0
    number: int  # from 1, for people
    total: int
    text: str
    options: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "index": self.index,
            "number": self.number,
            "total": self.total,
            "text": self.text,
            "options": list(self.options),
        }


@dataclass(frozen=True)
class _Question:
    id: str
    text: dict[str, str]
    options: tuple[dict[str, str], ...]
    answer: int  # from 0
    explain: dict[str, str]
    source: tuple[str, ...]


@dataclass(frozen=True)
class Quiz:
    title: dict[str, str]
    questions: tuple[_Question, ...]
    remember: tuple[Advice, ...] = field(default=())

    @classmethod
    def load(cls, path: Path = QUIZ_FILE) -> Quiz:
        if Path(path) == QUIZ_FILE:
            return _default_quiz()
        return _load_quiz(Path(path))

    def __len__(self) -> int:
        return len(self.questions)

    def _get(self, i: int) -> _Question:
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(self.questions):
            raise IndexError(f"question {i!r} does not exist (0 to {len(self.questions) - 1})")
        return self.questions[i]

    def question(self, i: int, lang: str = "en") -> QuizQuestion:
        q = self._get(i)
        return QuizQuestion(
            id=q.id,
            index=i,
            number=i + 1,
            total=len(self.questions),
            text=_pick(q.text, lang),
            options=[_pick(o, lang) for o in q.options],
        )

    def answer(self, i: int) -> int:
        """The index (from 0) of the right option."""
        return self._get(i).answer

    def sources(self, i: int) -> tuple[str, ...]:
        """The knowledge-base ids question `i` cites (source_titles() gives their titles)."""
        return self._get(i).source

    def check(self, i: int, choice: int, lang: str = "en") -> tuple[bool, str]:
        """(correct, explanation) for choosing option `choice` (from 0) of question `i`."""
        q = self._get(i)
        if not isinstance(choice, int) or isinstance(choice, bool):
            raise ValueError(f"choice must be an option number, got {choice!r}")
        if not 0 <= choice < len(q.options):
            raise ValueError(f"choice {choice} does not exist (0 to {len(q.options) - 1})")
        return choice == q.answer, _pick(q.explain, lang)

    def remember_points(self, lang: str = "en") -> list[str]:
        return [_pick(r.text, lang) for r in self.remember]

    def summary(self, score: int, lang: str = "en") -> str:
        """The end of the quiz: the score and what to remember, as plain text."""
        lang = lang_or_default(lang)
        total = len(self.questions)
        score = max(0, min(int(score), total))
        if lang == "ms":
            head = f"Markah kamu: {score} daripada {total}."
            cheer = (
                "Hebat!" if score >= total * 0.8 else "Bagus, teruskan belajar!"
            ) + " Ingat perkara ini:"
        else:
            head = f"Your score: {score} out of {total}."
            cheer = (
                "Brilliant!" if score >= total * 0.8 else "Good effort, keep learning!"
            ) + " What to remember:"
        points = "\n".join(f"• {p}" for p in self.remember_points(lang))
        return f"{head} {cheer}\n{points}"

    def localized(self, lang: str) -> dict[str, Any]:
        """All questions without answers, for the web chat."""
        return {
            "title": _pick(self.title, lang),
            "total": len(self.questions),
            "questions": [self.question(i, lang).as_dict() for i in range(len(self.questions))],
            "remember": self.remember_points(lang),
        }


def _load_quiz(path: Path) -> Quiz:
    c = _Checker(path)
    data = c.mapping(c.load(), "top level", ("title", "questions", "remember"))
    questions, seen = [], set[str]()
    for n, raw in enumerate(c.items(data["questions"], "questions"), 1):
        where = f"question {n}"
        raw = c.mapping(raw, where, ("id", "question", "options", "answer", "explain"))
        qid = c.ident(raw["id"], where, seen)
        where = f"question '{qid}'"
        options = c.items(raw["options"], f"{where} options", 3)
        if len(options) > 4:
            c.fail(f"{where} options", f"has {len(options)} options; use 3 or 4")
        answer = raw["answer"]
        if not isinstance(answer, int) or isinstance(answer, bool):
            c.fail(f"{where} answer", "should be the number of the right option (1 = the first)")
        if not 1 <= answer <= len(options):
            c.fail(f"{where} answer", f"is {answer} but there are only {len(options)} options")
        questions.append(
            _Question(
                id=qid,
                text=c.text(raw["question"], f"{where} question"),
                options=tuple(c.text(o, f"{where} option {i}") for i, o in enumerate(options, 1)),
                answer=answer - 1,
                explain=c.text(raw["explain"], f"{where} explain"),
                source=c.sources(raw.get("source"), where, required=True),
            )
        )
    remember = tuple(
        _advice(c, r, f"remember {i}")
        for i, r in enumerate(c.items(data["remember"], "remember", 3), 1)
    )
    return Quiz(title=c.text(data["title"], "title"), questions=tuple(questions), remember=remember)


@lru_cache(maxsize=1)
def _default_quiz() -> Quiz:
    return _load_quiz(QUIZ_FILE)


# ---------------------------------------------------------------- parents' path


@dataclass(frozen=True)
class ParentSection:
    id: str
    title: dict[str, str]
    intro: dict[str, str] | None
    items: tuple[Advice, ...]

    def localized(self, lang: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": _pick(self.title, lang),
            "intro": _pick(self.intro, lang) if self.intro else None,
            "items": [i.localized(lang) for i in self.items],
        }


@dataclass(frozen=True)
class Parents:
    title: dict[str, str]
    intro: dict[str, str]
    sections: tuple[ParentSection, ...]

    def localized(self, lang: str) -> dict[str, Any]:
        return {
            "title": _pick(self.title, lang),
            "intro": _pick(self.intro, lang),
            "sections": [s.localized(lang) for s in self.sections],
        }


PARENT_SECTIONS = ("warning-signs", "talking", "first-hour", "privacy-settings")


def load_parents(path: Path = PARENTS_FILE) -> Parents:
    c = _Checker(Path(path))
    data = c.mapping(c.load(), "top level", ("title", "intro", "sections"))
    sections, seen = [], set[str]()
    for n, raw in enumerate(c.items(data["sections"], "sections"), 1):
        where = f"section {n}"
        raw = c.mapping(raw, where, ("id", "title", "items"))
        sid = c.ident(raw["id"], where, seen)
        where = f"section '{sid}'"
        items = tuple(
            _advice(c, it, f"{where} item {i}")
            for i, it in enumerate(c.items(raw["items"], f"{where} items", 2), 1)
        )
        sections.append(
            ParentSection(
                id=sid,
                title=c.text(raw["title"], f"{where} title"),
                intro=c.text(raw["intro"], f"{where} intro") if raw.get("intro") else None,
                items=items,
            )
        )
    missing = [s for s in PARENT_SECTIONS if s not in seen]
    if missing:
        c.fail("sections", f"the parents' path must have the sections {missing}")
    return Parents(
        title=c.text(data["title"], "title"),
        intro=c.text(data["intro"], "intro"),
        sections=tuple(sections),
    )


# ---------------------------------------------------------------- everything at once


@dataclass(frozen=True)
class Content:
    scenarios: tuple[Scenario, ...]
    quiz: Quiz
    parents: Parents

    @classmethod
    def load(cls, directory: Path = CONTENT_DIR) -> Content:
        directory = Path(directory)
        return cls(
            scenarios=load_scenarios(directory / SCENARIOS_FILE.name),
            quiz=Quiz.load(directory / QUIZ_FILE.name),
            parents=load_parents(directory / PARENTS_FILE.name),
        )

    def scenario(self, sid: str) -> Scenario | None:
        return next((s for s in self.scenarios if s.id == sid), None)


def main() -> int:
    """`python -m bot.content.lessons`: check the three content files and print what they hold."""
    try:
        content = Content.load()
    except ContentError as exc:
        print(f"content error: {exc}")
        return 1
    pauses = sum(s.pauses for s in content.scenarios)
    print(
        f"OK: {len(content.scenarios)} scenarios ({pauses} pause points), "
        f"{len(content.quiz)} quiz questions, {len(content.parents.sections)} parents' sections"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
