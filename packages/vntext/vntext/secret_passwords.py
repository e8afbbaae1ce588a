"""Passwords in chat text. After a password cue ("mật khẩu", "mk", "pass", "mã PIN", …) the first word that is
not an ordinary word is masked (after "là" / ":" even letters only: "mk là hoabinh"), or a clause of several words
("mật khẩu là Hoa Binh 88"); anywhere, a word that mixes letters with digits or symbols the way passwords do
("thu1979", "Hoàng@Anh!") is masked, unless it is a URL, a file name, a model name or markup.

Part of `vntext.secrets`; pure, no I/O.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from vntext import secret_words as words
from vntext.normalize import View, view
from vntext.secret_atoms import EDGE, SENTENCE_END, Atom, word_end
from vntext.secret_context import Context
from vntext.secret_spans import Found
from vntext.secret_tables import Cues, Tables

_SHAPE_SYMBOLS = frozenset("@#$%^&*!?~")  # what passwords mix in; not markup's "<>=/" nor "_-."
_URL = re.compile(
    r"(?:://|www\.|@[\w-]+\.[a-z]{2,}|\.(?:vn|com|net|org|gov|edu|html?|php)(?:/|$)|"
    r"\.(?:pdf|jpe?g|png|heic|docx?|xlsx?|zip|rar|mp[34]|gif)$)",
    re.I,
)
_MODEL = re.compile(
    r"^"
    + words.NAMED_MODELS
    + r"[-_]?[0-9]{1,4}[a-z]{0,4}$|^[0-9]{1,4}(?:"
    + "|".join(words.GLUED_UNITS)
    + r")[0-9]{0,2}$"
)
_VIET_MARKS = re.compile(r"[^\x00-\x7f]")
_SINGLE_SYLLABLE = re.compile(
    r"^(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnpqrstvx])?[aeiouy]{1,3}"
    r"(?:ng|nh|ch|[cmnpt])?$"
)


def find_passwords(
    atoms: List[Atom],
    cues: Cues,
    text: str,
    benign: bytearray,
    t: Tables,
    context: Context,
    original: OriginalText,
) -> List[Found]:
    """Password spans (view offsets): after a cue in this message or ending the previous one, and anywhere by
    their shape."""
    found: List[Found] = []
    n = len(atoms)
    # 1. after a password cue: the first word that is not ordinary
    starts: List[Tuple[int, bool]] = []  # (atom index to start looking, pending from the previous message)
    for i, cue in enumerate(cues):
        if cue is not None and cue[0] == "password":
            starts.append((cue[1], False))
    if context.pending == "password":
        starts.append((0, True))
    for j, from_context in starts:
        introduced = right_after = from_context
        steps = 0
        while j < n and steps < 8:
            a = atoms[j]
            if a.text in SENTENCE_END and (j + 1 >= n or atoms[j + 1].space_before):
                break
            if a.kind == "X":
                break
            if a.text in t.introducers and (a.kind == "P" or a.text in ("la", "l", "thanh", "is")):
                introduced = True
                right_after = True
                j += 1
                steps += 1
                continue
            if a.kind == "P" and a.text in "\"'([{<":
                j += 1
                continue
            chunk_end = word_end(atoms, j)
            word = original(a.start, atoms[chunk_end].end)
            core = word.strip("".join(EDGE))
            if (
                a.kind == "L"
                and (a.text in t.stopwords or a.text in t.fillers)
                and (chunk_end == j or atoms[j + 1].text in ":=,")
            ):  # "đăng nhập: …"
                j += 1
                steps += 1
                right_after = False
                continue
            quoted = j > 0 and atoms[j - 1].text in "\"'" and not a.space_before
            if _password_like(core, introduced or quoted, strict=not right_after and not quoted):
                found.append(Found("password", a.start, _trim_end(text, a.start, atoms[chunk_end].end)))
            elif introduced:
                clause = _password_clause(atoms, j, text, t, from_context, original)
                if clause is not None:
                    found.append(Found("password", a.start, clause))
            break
    # 2. anywhere: words shaped like passwords (after a cue glued to them: "mk=Abc@123", "sdt0912…")
    j = 0
    while j < n:
        chunk_start = j
        chunk_end = word_end(atoms, j)
        j = chunk_end + 1
        if any(a.kind == "X" for a in atoms[chunk_start : chunk_end + 1]):
            continue
        k = chunk_start
        while k <= chunk_end and (cues[k] is not None or (atoms[k].kind == "P" and atoms[k].text in ":=-(\"'")):
            k = cues[k][1] if cues[k] is not None else k + 1
        if k > chunk_end or all(a.kind != "L" for a in atoms[k : chunk_end + 1]):
            continue  # nothing left, or digits only: numbers are judged as runs
        s, e = atoms[k].start, atoms[chunk_end].end
        word = text[s:e]
        if len(word) < 5 or all(benign[s:e]):
            continue
        if _shaped_password(word):
            found.append(Found("password", s, _trim_end(text, s, e)))
    return found


def _trim_end(text: str, start: int, end: int) -> int:
    """Leave clause punctuation after a password out of its span: "Thu@1979," or "(Thu@1979)"."""
    while end > start + 1 and (
        text[end - 1] in ",;"
        or (text[end - 1] in ")]}" and {")": "(", "]": "[", "}": "{"}[text[end - 1]] not in text[start : end - 1])
    ):
        end -= 1
    return end


_CLAUSE_BREAKS = frozenset(
    [
        "co",
        "khong",
        "ko",
        "k",
        "dung",
        "sai",
        "ma",
        "nhung",
        "thi",
        "nhe",
        "nha",
        "a",
        "vay",
        "roi",
        "duoc",
        "dc",
        "chua",
        "sao",
        "gi",
        "j",
        "la",
        "va",
        "nen",
        "vi",
        "de",
        "ok",
    ]
)


def _password_clause(
    atoms: List[Atom], j: int, text: str, t: Tables, whole: bool, original: OriginalText
) -> Optional[int]:
    """After "mật khẩu là" (or a message that follows one), a password of several words: "hoa hồng đỏ 123",
    "Hoa Binh 88". The clause runs to the sentence's end or an ordinary word ("có", "không", "mà" …), five words
    at most; it is a password when a word in it has a digit or a symbol, or it has two words or more and is a
    whole message answering the cue or starts with a capital. The end of its last such word, or None."""
    words: List[Tuple[int, int]] = []  # (first atom, last atom) of each word
    k = j
    while k < len(atoms) and len(words) < 5:
        a = atoms[k]
        if (
            a.kind == "X"
            or (a.text in SENTENCE_END and (k + 1 >= len(atoms) or atoms[k + 1].space_before))
            or a.text == ","
            or (a.kind == "L" and a.text in _CLAUSE_BREAKS and words)
        ):
            break
        end = word_end(atoms, k)
        words.append((k, end))
        k = end + 1
    if not words:
        return None
    shaped = [
        w
        for w in words
        if any(
            atoms[i].kind == "D" or (atoms[i].kind == "P" and atoms[i].text in _SHAPE_SYMBOLS)
            for i in range(w[0], w[1] + 1)
        )
    ]
    if shaped:
        return _trim_end(text, atoms[words[0][0]].start, atoms[shaped[-1][1]].end)
    first = original(atoms[words[0][0]].start, atoms[words[0][0]].end)
    if len(words) >= 2 and (whole or first[:1].isupper()) and atoms[words[0][0]].text not in t.stopwords:
        return _trim_end(text, atoms[words[0][0]].start, atoms[words[-1][1]].end)
    return None


class OriginalText:
    """The original text of a range of the view (case and marks as typed)."""

    def __init__(self, v: View, text: str) -> None:
        self._v, self._text = v, text

    def __call__(self, start: int, end: int) -> str:
        if not self._text or end <= start:
            return self._v.text[start:end]
        s, e = self._v.span(start, end)
        return self._text[s:e]


def _password_like(core: str, introduced: bool, strict: bool) -> bool:
    """After a password cue: does this word look like the password itself?"""
    if len(core) < 3 or not any(c.isalnum() for c in core):
        return False
    if _URL.search(core):
        return False
    letters = sum(c.isalpha() for c in core)
    digits = sum(c.isdigit() for c in core)
    symbols = sum(1 for c in core if not c.isalnum())
    if digits and letters:
        return True
    if symbols and letters and len(core) >= 4:
        return True
    if digits >= 4:
        return True
    if any(c.isupper() for c in core[1:]) and any(c.islower() for c in core):
        return True
    plain = view(core).text
    if not letters:
        return False
    if not introduced:  # right after the cue: a glued word that is no Vietnamese word ("mk hoabinh")
        return core.isascii() and core.isalpha() and len(core) >= 6 and not _SINGLE_SYLLABLE.match(plain)
    if len(plain) < 4 and not _VIET_MARKS.search(core):
        return False
    if _VIET_MARKS.search(core):  # a word with marks right after "là": a name used as a password ("là Hoàng")
        return len(plain) >= 3 and not strict
    return not _SINGLE_SYLLABLE.match(plain) or len(plain) >= 6


def _shaped_password(word: str) -> bool:
    """Anywhere in a message: letters mixed with digits (≥ 2 each, 6+ chars) or with symbols inside the word."""
    core = word.strip("".join(EDGE) + "/")
    if len(core) < 5 or _URL.search(core):
        return False
    if _MODEL.match(core) or ("<" in core and ">" in core):  # a model name; markup, not a password
        return False
    letters = sum(c.isalpha() for c in core)
    digits = sum(c.isdigit() for c in core)
    inner_symbols = sum(1 for c in core[1:-1] if c in _SHAPE_SYMBOLS and c != "_")
    if letters >= 2 and digits >= 2 and len(core) >= 6:
        return not re.fullmatch(r"[0-9/.\-]+[a-z]{1,3}(?:-[a-z]{1,4})*", core)  # 59/2022/nd-cp: benign
    return letters >= 2 and inner_symbols >= 1
