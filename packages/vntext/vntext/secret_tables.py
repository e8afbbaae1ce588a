"""The word tables of the secret detector, built once from `vntext.secret_words`, and the cue phrases ("mã otp",
"mật khẩu", "số điện thoại", …) found among a text's atoms.

Part of `vntext.secrets`; pure, no I/O (the tables are built at first use).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Tuple

from vntext import secret_words as words
from vntext.secret_atoms import Atom

Cues = List[Optional[Tuple[str, int]]]  # for each atom: (kind, index one past the cue phrase) where a cue starts


@dataclass(frozen=True)
class Tables:
    """The words of `vntext.secret_words` as the detector looks them up."""

    cues: Dict[str, List[Tuple[Tuple[str, ...], str]]]  # first word -> [(phrase words, kind)], longest first
    fillers: FrozenSet[str]
    stopwords: FrozenSet[str]
    introducers: FrozenSet[str]
    labels: Dict[Tuple[str, ...], int]
    year_words: FrozenSet[str]
    number_words: Dict[str, str]


@functools.lru_cache(maxsize=1)
def word_tables() -> Tables:
    """The tables, built at first use."""
    cues: Dict[str, List[Tuple[Tuple[str, ...], str]]] = {}
    for kind, phrases in (
        ("otp", words.OTP_CUES),
        ("password", words.PASSWORD_CUES),
        ("id_number", words.ID_CUES),
        ("phone", words.PHONE_CUES),
        ("", words.NOT_CUES),
    ):
        for phrase in phrases:
            parts = tuple(phrase.split())
            cues.setdefault(parts[0], []).append((parts, kind))
    for options in cues.values():
        options.sort(key=lambda o: -len(o[0]))
    labels = {tuple(k.split()): v for k, v in words.LABELS.items()}
    return Tables(
        cues,
        frozenset(words.FILLERS),
        frozenset(words.STOPWORDS) | frozenset(words.FILLERS),
        frozenset(words.INTRODUCERS),
        labels,
        frozenset(words.YEAR_WORDS),
        dict(words.NUMBER_WORDS),
    )


def find_cues(atoms: List[Atom], t: Tables) -> Cues:
    """For each atom that starts a cue phrase: (kind, index one past the phrase); else None."""
    out: Cues = [None] * len(atoms)
    n = len(atoms)
    for i, a in enumerate(atoms):
        if a.kind != "L":
            continue
        options = t.cues.get(a.text)
        if not options:
            continue
        for parts, kind in options:
            k = len(parts)
            if i + k <= n and all(atoms[i + j].text == parts[j] for j in range(1, k)):
                out[i] = (kind, i + k) if kind else None
                break
    return out
