"""Rasa component: whitespace tokens, with Chinese split into characters.

Chinese is written without spaces, so Rasa's WhitespaceTokenizer turns a whole Mandarin
sentence into one token and the word n-gram features learn nothing from it. Here every Han
character becomes its own token (spaCy's `zh` class does the same by default, with nothing to
download); with word 1–2-grams the model then sees characters and character pairs, which carry
most of the meaning in short messages. English, Malay and Tamil keep their whitespace tokens.
"""

from __future__ import annotations

import re
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from components.lexicon import HAN_RANGES

_HAN_CLASS = "".join(f"{chr(low)}-{chr(high)}" for low, high in HAN_RANGES)
_HAN = re.compile(f"[{_HAN_CLASS}]")
# One Han character, or a run of anything else ("IG", "viral").
_PARTS = re.compile(f"[{_HAN_CLASS}]|[^{_HAN_CLASS}]+")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class HanSplittingTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer that makes each Chinese character a token of its own."""

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        tokens = super().tokenize(message, attribute)
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
