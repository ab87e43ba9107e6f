"""Rasa component: the user's own age, when they say it ("i'm 12", "umur saya 11 tahun").

Only first-person statements count, so a parent's "my son is 12" does not make the parent 12.
School years count too: darjah/standard N is about N + 6 years old, tingkatan/form N about N + 12.
"""

from __future__ import annotations

import re
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.base import RuleComponent, add_entity, has_entity
from components.text import normalise

_N = r"(\d{1,2})"
_NOT_AN_AGE = r"(?!\s*(?:rm|ringgit|%|am\b|pm\b|k\b|minit|min|jam|hours?))\b"
# "i'm 12" is about the writer even in "i'm 12 and my brother is 15".
_I_AM = re.compile(
    r"\b(?:i'?m|i am|im)\s*(?:(?:just|only|now|turning)\s*)?" + r"(\d{1,2})" + _NOT_AN_AGE
)
_FIRST_PERSON = re.compile(
    r"\b(?:age|aged|umur|usia|saya|sy|aku|umo)\s*"
    r"(?:(?:baru|just|only|dah|sudah|is|ni|je|jer|now|turning|turned)\s*)?"
    + _N
    + r"(?!\s*(?:rm|ringgit|%|am\b|pm\b|k\b|minit|min|jam|hours?))\b"
)
_YEARS_OLD = re.compile(_N + r"\s*(?:yo|y/o|yrs?(?: old)?|years?(?: old)?|tahun|thn|thun)\b")
_PRIMARY = re.compile(r"\b(?:darjah|standard|std)\s*([1-6])\b")
_SECONDARY = re.compile(r"\b(?:tingkatan|form|ting)\s*([1-6])\b")
# Someone else's age: the message is about a son, daughter, sibling or another person.
_OTHER_PERSON = re.compile(
    r"\b(?:my (?:son|daughter|child|kid|brother|sister|niece|nephew|student)s?|"
    r"my \d{1,2}\s*(?:yo|y/o|year old|years old)|"
    r"anak|adik|abang|kakak|he|she|dia|his|her|budak|student|murid)\b"
)


def extract_age(text: str) -> int | None:
    """The age the writer says they are, or None."""
    text = normalise(text)
    match = _I_AM.search(text)
    if match:
        age = int(match.group(1))
        return age if 5 <= age <= 99 else None
    if _OTHER_PERSON.search(text):
        return None
    match = _FIRST_PERSON.search(text)
    if match:
        age = int(match.group(1))
        return age if 5 <= age <= 99 else None
    match = _YEARS_OLD.search(text)
    if match:
        age = int(match.group(1))
        return age if 5 <= age <= 99 else None
    match = _PRIMARY.search(text)
    if match:
        return int(match.group(1)) + 6
    match = _SECONDARY.search(text)
    if match:
        return int(match.group(1)) + 12
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class AgeExtractor(RuleComponent):
    """Adds an `age` entity that fills the `age` slot."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if has_entity(message, "age"):
                continue
            age = extract_age(message.get(TEXT) or "")
            if age is not None:
                add_entity(message, "age", str(age), "AgeExtractor")
        return messages
