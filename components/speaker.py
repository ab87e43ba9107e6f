"""Rasa component: a parent or carer writing about their child ("my son...", "anak saya...").

It sets the `mode` slot to `parent`, so Jaga answers the adult ("Is your child safe right
now?") instead of speaking to them as if they were the child. It never sets `child`: a child
who mentions a parent ("my mum took my phone") says nothing about who is writing.
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


def writes_as_parent(text: str) -> bool:
    """True when the writer speaks of their own child."""
    return bool(_PARENT.search(normalise(text)))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class SpeakerDetector(RuleComponent):
    """Adds `mode: parent` when a parent or carer writes about their child."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not has_entity(message, "mode") and writes_as_parent(message.get(TEXT) or ""):
                add_entity(message, "mode", "parent", "SpeakerDetector")
        return messages
