"""Text clean-up shared by the NLU components, the redactor and the front ends."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and bidirectional control characters: invisible, but they split words and
# can hide a phrase from pattern matching.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# "pleaseeeee" -> "pleasee", "tolonggggg" -> "tolongg": keeps the word recognisable.
_ELONGATED = re.compile(r"(\w)\1{2,}")
_SPACES = re.compile(r"\s+")

MAX_MESSAGE_CHARS = 4000


def clean(text: str) -> str:
    """Unicode-normalise, drop invisible and control characters, fold white space."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def normalise(text: str) -> str:
    """The form the NLU model sees: cleaned, lower-case, elongations shortened."""
    return _ELONGATED.sub(r"\1\1", clean(text).lower())


_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-case word tokens of a normalised text (Latin letters and digits)."""
    return _WORD.findall(normalise(text))
