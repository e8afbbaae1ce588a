"""A message (or a name) as the commune-name matcher reads it: folded words (vntext's view: no case, no marks), each
with the marks the citizen typed on it; and whether marks typed agree with a name's, syllable by syllable (a
syllable typed without marks agrees with any).

Pure Python (stdlib, vntext).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Dict, List, Sequence, Tuple

from vntext.normalize import view

_WORD = re.compile(r"[a-z0-9]+")
_JOIN = re.compile(r" ?- ?| ")

Sig = Tuple[Tuple[str, ...], bool]  # a syllable's marks (sorted combining characters) and whether it has đ


def _sig(syllable: str) -> Sig:
    decomposed = unicodedata.normalize("NFD", syllable.lower())
    return tuple(sorted(c for c in decomposed if unicodedata.combining(c))), "đ" in decomposed


def agree(typed: Sequence[Sig], name: Sequence[Sig]) -> bool:
    """Marks typed agree with the name's: a syllable typed without marks agrees with any (its đ likewise)."""
    return all((not t[0] or t[0] == n[0]) and (not t[1] or n[1]) for t, n in zip(typed, name))


class TypedText:
    """A message as folded words, each with the marks the citizen typed on it."""

    __slots__ = ("text", "view", "words", "bounds", "_sigs")

    def __init__(self, text: str) -> None:
        self.text = text
        self.view = view(text)
        self.words: List[str] = []
        self.bounds: List[Tuple[int, int]] = []
        for m in _WORD.finditer(self.view.text):
            self.words.append(m.group())
            self.bounds.append((m.start(), m.end()))
        self._sigs: Dict[int, Sig] = {}

    def sig(self, i: int) -> Sig:
        if i not in self._sigs:
            start, end = self.view.span(*self.bounds[i])
            self._sigs[i] = _sig(self.text[start:end])
        return self._sigs[i]

    def sigs(self, i: int, j: int) -> List[Sig]:
        return [self.sig(k) for k in range(i, j)]

    def gap_before(self, i: int) -> str:
        """The folded characters between word i-1 and word i."""
        return self.view.text[self.bounds[i - 1][1] : self.bounds[i][0]] if i else ""

    def one_phrase(self, i: int, j: int) -> bool:
        """Words i..j-1 are not split by punctuation (`tán thành, yên tâm` holds no `Thành Yên`)."""
        return all(_JOIN.fullmatch(self.gap_before(k)) for k in range(i + 1, j))

    def said(self, i: int, j: int) -> str:
        start, _ = self.view.span(*self.bounds[i])
        _, end = self.view.span(*self.bounds[j - 1])
        return self.text[start:end]


def pattern(written: str) -> Tuple[Tuple[str, ...], Tuple[Sig, ...]]:
    """A name or word as folded words and the marks of each."""
    t = TypedText(written)
    return tuple(t.words), tuple(t.sigs(0, len(t.words)))
