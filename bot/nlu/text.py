"""Normalisation of Vietnamese chat text: Unicode, case, whitespace, shorthand and diacritics."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from typing import Dict, List, Tuple

from vntext.normalize import INVISIBLE, strip_diacritics

__all__ = [
    "normalize",
    "strip_diacritics",
    "has_diacritics",
    "shorthand_table",
    "chunks",
    "expand_chunks",
    "canonical",
    "folded",
]

SHORTHAND_FILE = Path(__file__).with_name("shorthand.yml")

# Invisible and control characters (one expression for the project: vntext.normalize.INVISIBLE) become a space.
_SPACES = re.compile(r"\s+")
# A "chunk" is a run of letters/digits (a Vietnamese syllable, a number, a latin word) or one other symbol.
_CHUNK = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def normalize(text: str) -> str:
    """NFC, `ð`→`đ`, no control characters, lowercase, single spaces, trimmed."""
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("Ð", "Đ").replace("ð", "đ")
    text = INVISIBLE.sub(" ", text)
    return _SPACES.sub(" ", text.lower()).strip()


def has_diacritics(text: str) -> bool:
    """True when the text carries at least one Vietnamese mark (or `đ`)."""
    return strip_diacritics(text) != text


@functools.lru_cache(maxsize=1)
def shorthand_table() -> Dict[str, str]:
    """The chat-shorthand table (`ko` → `không`), read once from `shorthand.yml`."""
    import yaml  # local: keep import-time cheap and free of I/O

    data = yaml.safe_load(SHORTHAND_FILE.read_text(encoding="utf-8")) or {}
    table: Dict[str, str] = {}
    for expansion, forms in data.items():
        for form in forms:
            table[normalize(str(form))] = normalize(expansion)
    return table


def chunks(text: str) -> List[Tuple[str, int, int]]:
    """Split normalised text into (chunk, start, end) with offsets into that text."""
    return [(m.group(0), m.start(), m.end()) for m in _CHUNK.finditer(text)]


def expand_chunks(text: str) -> List[Tuple[str, int, int]]:
    """Chunks of `normalize(text)` with shorthand expanded to full syllables.

    An expansion of several syllables (`mk` → `mật khẩu`) yields one entry per syllable, all pointing at the
    span of the shorthand in the normalised text.
    """
    table = shorthand_table()
    out: List[Tuple[str, int, int]] = []
    for chunk, start, end in chunks(normalize(text)):
        for syllable in table.get(chunk, chunk).split(" "):
            out.append((syllable, start, end))
    return out


def canonical(text: str) -> str:
    """Normalised text with shorthand expanded, as one string (for comparison and de-duplication)."""
    return " ".join(c for c, _, _ in expand_chunks(text))


def folded(text: str) -> str:
    """The canonical text without diacritics: what two spellings of one sentence have in common."""
    return strip_diacritics(canonical(text))
