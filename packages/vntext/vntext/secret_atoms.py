"""The folded text as the secret detector reads it: atoms (a run of letters, a run of digits, one other
character) with their offsets in the view, placeholders already in the text (`[mã OTP]`) as one opaque atom, and
the whitespace-delimited word an atom starts.

Part of `vntext.secrets`; pure, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List

_ATOM = re.compile(r"[a-z]+|[0-9]+|[^\sa-z0-9]")
SENTENCE_END = frozenset(".?!;…")
EDGE = frozenset("\"'()[]{}<>.,;:!?…*-_~`")


@dataclass
class Atom:
    """One atom of the folded text: a run of letters, a run of digits, one other character, or a placeholder."""

    kind: str  # "L" letters, "D" digits, "P" one other character, "X" a placeholder already in the text
    text: str  # folded ("X": the placeholder's kind)
    start: int  # in the view
    end: int
    space_before: bool


def atoms_of(text: str) -> List[Atom]:
    """The atoms of a folded text (`vntext.normalize.view(...).text`), placeholders collapsed."""
    out: List[Atom] = []
    prev_end = 0
    for m in _ATOM.finditer(text):
        s = m.group(0)
        c = s[0]
        kind = "L" if "a" <= c <= "z" else "D" if "0" <= c <= "9" else "P"
        out.append(Atom(kind, s, m.start(), m.end(), m.start() > prev_end or m.start() == 0))
        prev_end = m.end()
    return _collapse_placeholders(out)


_PLACEHOLDER_WORDS = {
    ("ma", "otp"): "otp",
    ("mat", "khau"): "password",
    ("so", "dinh", "danh"): "id_number",
    ("so", "dien", "thoai"): "phone",
}


def _collapse_placeholders(atoms: List[Atom]) -> List[Atom]:
    """`[mã OTP]` (any case, marks or spacing) becomes one opaque atom: neither a secret nor a cue."""
    if not any(a.text == "[" for a in atoms):
        return atoms
    out: List[Atom] = []
    i, n = 0, len(atoms)
    while i < n:
        a = atoms[i]
        if a.text == "[":
            for phrase, kind in _PLACEHOLDER_WORDS.items():
                k = len(phrase)
                if (
                    i + k + 1 < n
                    and atoms[i + k + 1].text == "]"
                    and tuple(x.text for x in atoms[i + 1 : i + k + 1]) == phrase
                ):
                    out.append(Atom("X", kind, a.start, atoms[i + k + 1].end, a.space_before))
                    i += k + 2
                    break
            else:
                out.append(a)
                i += 1
        else:
            out.append(a)
            i += 1
    return out


def word_end(atoms: List[Atom], j: int) -> int:
    """Index of the last atom of the whitespace-delimited word that atom j starts."""
    k = j
    while k + 1 < len(atoms) and not atoms[k + 1].space_before and atoms[k + 1].kind != "X":
        k += 1  # a placeholder glued to a word ends it: masked text is never masked again into a bigger span
    return k
