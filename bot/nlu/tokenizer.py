"""Rasa tokenizer for Vietnamese chat: normalise, expand shorthand, segment words with underthesea.

Each token's `text` is the segmented word with its diacritics (`mật_khẩu`) and its `lemma` is the same word
without diacritics, syllables separated by spaces (`mat khau`). Featurizers with `use_lemma: true` therefore see
`không nhận được mã` and `khong nhan duoc ma` alike, while those with `use_lemma: false` keep the accented words.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import text as vi

logger = logging.getLogger(__name__)


def segment(syllables: List[str]) -> List[List[int]]:
    """Group syllable indexes into words with underthesea; one word per syllable if it disagrees."""
    if not syllables:
        return []
    from underthesea import word_tokenize  # heavy import, deferred to first use

    try:
        words = word_tokenize(" ".join(syllables))
    except Exception:  # noqa: BLE001 - segmentation is an enhancement, never a reason to fail a message
        logger.exception("underthesea failed; falling back to syllables")
        words = []
    groups: List[List[int]] = []
    i = 0
    for word in words:
        size = len(vi.normalize(word).split(" "))
        groups.append(list(range(i, i + size)))
        i += size
    if i != len(syllables):  # underthesea changed the text (rare): keep syllables as they are
        return [[k] for k in range(len(syllables))]
    return groups


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """Tokenizer that normalises, expands shorthand and segments Vietnamese words."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Default config; the intent keys are required by Rasa's Tokenizer base class."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            "segment_words": True,
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseTokenizer":
        """Creates the component (see Rasa's GraphComponent)."""
        return cls(config)

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        """Vietnamese only."""
        return ["vi"]

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Tokens of the message attribute; never raises on odd input (empty, emoji only, NFD, huge)."""
        original = message.get(attribute) or ""
        pieces = [p for p in vi.expand_chunks(original) if any(ch.isalnum() for ch in p[0])]
        if not pieces:
            return [Token(original or " ", 0, len(original), lemma=vi.strip_diacritics(vi.normalize(original)))]
        if self._config.get("segment_words", True):
            groups = segment([p[0] for p in pieces])
        else:
            groups = [[k] for k in range(len(pieces))]
        limit = len(original)
        tokens = []
        for group in groups:
            syllables = [pieces[k][0] for k in group]
            start = min(pieces[group[0]][1], limit)
            end = max(start, min(pieces[group[-1]][2], limit))
            word = " ".join(syllables)
            tokens.append(Token("_".join(syllables), start, end, lemma=vi.strip_diacritics(word)))
        return self._apply_token_pattern(tokens)
