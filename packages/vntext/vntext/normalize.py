"""A folded view of chat text with offsets back into the original.

`view(text)` gives one character per visible character (a base letter and its combining marks count as one):
lowercase, without Vietnamese marks (`đ` → `d`), every Unicode decimal digit (full-width, circled, superscript,
Arabic-Indic, mathematical, …) as an ASCII digit, dash-like characters as `-`, middle dots as `.`, every kind of
whitespace as one space; invisible characters (zero-width, BOM, bidi controls, variation selectors) are dropped.
`View.span(start, end)` maps a range of the view back to the original text. Linear in the input's length: each
distinct character is folded once and cached.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import List, Tuple

# Invisible characters, one expression for the whole project: C0/C1 controls (but whitespace), soft hyphen,
# combining grapheme joiner, Hangul/Khmer fillers, zero-width and bidi controls, word joiners, variation selectors,
# BOM, tag characters.
INVISIBLE = re.compile(
    "[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f]"
)
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2043\u02d7"
_DOTS = "\u00b7\u2022\u2219\u22c5\u30fb\u2027\u0387\u2024\uff65"
_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2018\u2019\u201a\u201b\u2039\u203a\u0060\u00b4"


def fold_char(c: str) -> str:
    """One visible character folded to exactly one character (see the module docstring); '' if invisible."""
    return _fold_char(c)


@functools.lru_cache(maxsize=65536)
def _fold_char(c: str) -> str:
    if c.isspace():
        return " "
    if INVISIBLE.match(c) or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Mn", "Me"):
        return ""
    if c in "đĐðÐ":
        return "d"
    digit = unicodedata.digit(c, None)
    if digit is not None:
        return str(digit)
    if c in _DASHES:
        return "-"
    if c in _DOTS:
        return "."
    if c in _QUOTES:
        return '"'
    o = ord(c)
    if 0xFF01 <= o <= 0xFF5E:  # full-width ASCII
        c = chr(o - 0xFEE0)
    elif unicodedata.decomposition(c).startswith("<"):  # compatibility forms: ﬁ, 𝐀, ｶ …
        compat = unicodedata.normalize("NFKC", c)
        if len(compat) == 1:
            c = compat
    low = c.lower()
    if len(low) != 1:
        low = c
    base = "".join(x for x in unicodedata.normalize("NFD", low) if not unicodedata.combining(x))
    if base in ("đ", "Đ"):
        return "d"
    return base if len(base) == 1 else low


def fold(text: str) -> str:
    """`Mật Khẩu ２０` → `mat khau 20`: the view's text alone (no offsets)."""
    return view(text).text


@dataclass(frozen=True)
class View:
    """The folded text and, for each of its characters, the range of the original it stands for."""

    text: str
    starts: List[int]
    ends: List[int]

    def span(self, start: int, end: int) -> Tuple[int, int]:
        """The original range covered by the view's characters [start, end)."""
        return self.starts[start], self.ends[end - 1]


def view(text: str) -> View:
    """The folded view of `text` (one pass; see the module docstring)."""
    out: List[str] = []
    starts: List[int] = []
    ends: List[int] = []
    n = len(text)
    i = 0
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):  # a letter and its marks are one character (NFD input)
            j += 1
        ch = _fold_char(text[i]) if text[i] != "\u00a0" else " "
        if ch == " ":
            if out and out[-1] != " ":
                out.append(" ")
                starts.append(i)
                ends.append(j)
        elif ch:
            out.append(ch)
            starts.append(i)
            ends.append(j)
        i = j
    while out and out[-1] == " ":
        out.pop()
        starts.pop()
        ends.pop()
    return View("".join(out), starts, ends)


_LONE_SURROGATES = re.compile("[\ud800-\udfff]")
_VT_FF = re.compile("[\u000b\u000c]")


def clean(text: str) -> str:
    """NFC with invisible characters, vertical tab / form feed and lone surrogates removed; trimmed. Tabs and
    newlines stay (a citizen's line breaks are kept)."""
    text = _LONE_SURROGATES.sub("", text or "")
    return _VT_FF.sub("", INVISIBLE.sub("", unicodedata.normalize("NFC", text))).strip()


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese tone and vowel marks, keep case: `Không Được` → `Khong Duoc`, `đ` → `d`."""
    decomposed = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))
