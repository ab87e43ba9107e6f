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

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


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
            # Runs of non-Han characters stay together ("IG", "viral"); Han go one by one.
            for part in re.finditer(
                f"{_HAN.pattern}|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", token.text
            ):
                start = token.start + part.start()
                split.append(Token(part.group(), start, start + len(part.group())))
        return split
