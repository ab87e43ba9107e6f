"""Rasa component: an adult writing about a child in their care.

A parent or carer ("my son...", "anak saya...") sets the `mode` slot to `parent`; a teacher,
counsellor or coach writing about a pupil ("my student...", "murid saya...", "saya cikgu...")
sets it to `educator`. Either way Jaga answers the adult ("If the child is in danger now...")
instead of speaking to them as if they were the child. It never sets `child`: a child who
mentions a parent or a teacher ("my mum took my phone", "cikgu saya marah") says nothing about
who is writing.
"""

from __future__ import annotations

import re
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.base import RuleComponent, add_entity, has_entity
from components.text import normalise

_PARENT = re.compile(
    r"\b(?:my|our)\s+(?:\d{1,2}\s*(?:yo|y/o|year old|years old)\s+)?"
    r"(?:son|sons|daughter|daughters|child|children|kid|kids|boy|girl|teen|teenager|stepson|"
    r"stepdaughter)\b"
    # "my 12 year old" alone is a child of the writer; "my 12 year old brother" is not.
    r"|\bmy\s+\d{1,2}\s*(?:yo|y/o|year old|years old)\b(?!\s*(?:brother|sister|bro|sis|"
    r"cousin|friend|classmate|neighbou?r|adik|abang|kakak))"
    r"|\banak(?:-anak|2)?\s+(?:saya|sy|aku|kami|i|ku)\b|\banak(?:ku|nya saya)\b"
    r"|\b(?:i'?m|i am|im)\s+(?:a\s+)?(?:parent|mum|mom|mother|dad|father|guardian)\b"
    r"|\b(?:saya|sy|aku)\s+(?:seorang\s+)?(?:ibu|bapa|mak|ayah|penjaga)\b"
)


_EDUCATOR = re.compile(
    r"\bmy\s+(?:form\s+\d\s+|tuition\s+|primary\s+\d\s+)?(?:student|students|pupil|pupils|"
    r"mentee|mentees|tuition kids)\b"
    # a child's own "student card", "student council", "pupils dilated" say nothing of who writes
    r"(?!\s+(?:council|card|id|account|portal|email|number|life|loan|pass|discount|rep|leader|"
    r"visa|hostel|dilate|dilated|are dilated|got))"
    # "I'm a teacher", not "I'm a teacher's pet"
    r"|\b(?:i'?m|i am|im)\s+(?:a\s+|the\s+)?(?:form\s+|class\s+|school\s+|tuition\s+|"
    r"primary\s+school\s+|secondary\s+school\s+)?(?:teacher|counsell?or|coach|warden|"
    r"principal|headmaster|headmistress)\b(?!'s)"
    r"|\b(?:anak\s+)?(?:murid|pelajar)(?:-murid|-pelajar|2)?\s+(?:saya|sy|aku|kami)\b"
    r"|\b(?:saya|sy|aku)\s+(?:seorang\s+|ni\s+|ialah\s+)?(?:guru|cikgu|kaunselor|jurulatih|"
    r"warden|pengetua|guru besar)\b"
    r"|\bsebagai\s+(?:seorang\s+)?(?:guru|cikgu|kaunselor|jurulatih)\b"
    r"|\bas\s+(?:a|her|his|their)\s+(?:form\s+|class\s+)?(?:teacher|counsell?or|coach)\b"
)


def writes_as_parent(text: str) -> bool:
    """True when the writer speaks of their own child."""
    return bool(_PARENT.search(normalise(text)))


def writer_role(text: str) -> str | None:
    """`parent`, `educator` or None: who the writer is, when they say so."""
    if writes_as_parent(text):
        return "parent"
    return "educator" if _EDUCATOR.search(normalise(text)) else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class SpeakerDetector(RuleComponent):
    """Adds `mode: parent` or `mode: educator` when an adult writes about a child."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if has_entity(message, "mode"):
                continue
            role = writer_role(message.get(TEXT) or "")
            if role is not None:
                add_entity(message, "mode", role, "SpeakerDetector")
        return messages
