"""Rasa component: whitespace tokens, with Chinese split into characters.

Chinese is written without spaces, so Rasa's WhitespaceTokenizer turns a whole Mandarin
sentence into one token and the word n-gram features learn nothing from it. Here every Han
character becomes its own token (spaCy's `zh` class does the same by default, with nothing to
download); with word 1–2-grams the model then sees characters and character pairs, which carry
most of the meaning in short messages. English, Malay and Tamil keep their whitespace tokens.

With `respell: true` every token also gets one spelling as its lemma (components/spelling.yml:
"x", "tk" and "tidak" are all "tak"; "u" is "you"), which the featurisers use, so a spelling the
training data lacks still meets what the model learnt; the text itself is left as written.

With `emoji: true` every emoji becomes a token of its own ("emoji_1f602" for 😂), in place:
Rasa's tokenizer drops them, yet children say much with them. 😂 and 💀 beside "nak mati" mark
a joke, 😰 and 🙂 beside a goodbye do not; the model can learn which only if it sees them.
A run of one emoji is one token; skin tones, joiners and variation selectors are left out.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from components import lexicon, spelling
from components.base import files_fingerprint
from components.lexicon import HAN_RANGES
from components.spelling import SPELLING_FILE, spellings

_HAN_CLASS = "".join(f"{chr(low)}-{chr(high)}" for low, high in HAN_RANGES)
_HAN = re.compile(f"[{_HAN_CLASS}]")
# One Han character, or a run of anything else ("IG", "viral").
_PARTS = re.compile(f"[{_HAN_CLASS}]|[^{_HAN_CLASS}]+")


def emoji_tokens(text: str) -> List[Token]:
    """One token per run of the same emoji (a pictograph, Unicode's "other symbol"), where it
    stands in the text: "nak mati 😂😂" gives one "emoji_1f602" at 9."""
    tokens: List[Token] = []
    previous = None
    for index, char in enumerate(text):
        if unicodedata.category(char) != "So" or _HAN.match(char):
            if not char.isspace() and unicodedata.category(char) not in ("Mn", "Sk", "Cf"):
                previous = None  # a word between two 😂 makes them two
            continue
        if char != previous:
            tokens.append(Token(f"emoji_{ord(char):x}", index, index + 1))
        previous = char
    return tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class HanSplittingTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer that makes each Chinese character a token of its own."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str | None:
        return files_fingerprint(
            Path(__file__), SPELLING_FILE, Path(spelling.__file__), Path(lexicon.__file__)
        )

    def remove_emoji(self, text: str) -> str:
        """Rasa drops a word that its emoji pattern matches in full, and that pattern's widest
        range (U+24C2 to U+1F251) holds every Han character: "明天UASA数学 死定了" would keep only
        "明天UASA数学". A word with Han characters is never an emoji here."""
        if _HAN.search(text):
            return text
        return super().remove_emoji(text)

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # `respell`: give each token its one spelling as lemma (components/spelling.yml). Off
        # unless config.yml turns it on, so a model trained without it is served as trained.
        # `emoji`: the same, so a model trained without emoji tokens is served without them.
        return {**WhitespaceTokenizer.get_default_config(), "respell": False, "emoji": False}

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        if self._config.get("respell"):
            table = spellings()
            for token in tokens:
                token.lemma = table.get(token.text.lower(), token.text)
        if self._config.get("emoji"):
            text = message.get(attribute) or ""
            words = [t for t in tokens if t.text != text or not emoji_tokens(text)]
            tokens = sorted(words + emoji_tokens(text), key=lambda t: t.start)
        if not any(_HAN.search(t.text) for t in tokens):
            return tokens
        split: List[Token] = []
        for token in tokens:
            if not _HAN.search(token.text):
                split.append(token)
                continue
            for part in _PARTS.finditer(token.text):
                start = token.start + part.start()
                split.append(Token(part.group(), start, start + len(part.group())))
        return split
