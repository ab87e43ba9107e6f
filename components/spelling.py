"""One spelling for each chat spelling of a word (components/spelling.yml).

Children write "x", "tk", "tidak" and "tak"; "sy", "sia" (Sabah), "ambo" and "kawe" (Kelantan)
for "saya"; "u" for "you". The tokenizer gives each token its one spelling as the lemma the
model's features are built from, and the safety net and the risk signals also try their
patterns on the message re-spelt, so a pattern written as "ayah pukul saya" also meets
"ayah pukul sy" and a Sabah "bapa pukul sia". The message itself is never changed.
Pure Python (no Rasa import).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

SPELLING_FILE = Path(__file__).with_name("spelling.yml")
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def spellings(path: Path = SPELLING_FILE) -> Dict[str, str]:
    """variant -> its one spelling. A variant listed under two words, or that is itself one of
    the words, is an error: each has one owner."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    table: Dict[str, str] = {}
    canonical = data.get("canonical") or {}
    for word, variants in canonical.items():
        for variant in variants or []:
            variant = str(variant).lower()
            if variant in table and table[variant] != word:
                raise ValueError(
                    f"{path.name}: {variant!r} is under {table[variant]!r} and {word!r}"
                )
            if variant in canonical:
                raise ValueError(f"{path.name}: {variant!r} is a variant and a word of its own")
            table[variant] = str(word)
    return table


def respell(text: str) -> str:
    """`text` (normalised: lower case) with every listed chat spelling replaced by its word."""
    table = spellings()
    return _WORD.sub(lambda m: table.get(m.group(), m.group()), text)
