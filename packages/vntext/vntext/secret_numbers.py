"""Numbers as the secret detector reads them: digit groups (digits joined by a little punctuation, no space) and
number words ("tám", "bốn mươi tám"), joined into runs across spaces and punctuation ("482 913", "bốn tám hai
chín"); and the labels ("bước 3", "lỗi 5021", "năm 2024") that make a lone number ordinary.

Part of `vntext.secrets`; pure, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from vntext import secret_words as words
from vntext.secret_atoms import Atom
from vntext.secret_tables import Tables


@dataclass
class Group:
    """A digit group or a number word: the atoms it spans and the digits it stands for."""

    first: int  # atom indices [first, last]
    last: int
    digits: str
    word: bool  # a number word ("tám")
    benign: bool
    listed: bool = False  # right after a label ("lỗi 502"): a comma after it separates a list
    compound: bool = False  # a number read in words as tens ("bốn mươi tám")


@dataclass
class Run:
    """Groups read as one number ("482 913"): their digits joined."""

    groups: List[Group]

    @property
    def digits(self) -> str:
        return "".join(g.digits for g in self.groups)

    @property
    def first(self) -> int:
        return self.groups[0].first

    @property
    def last(self) -> int:
        return self.groups[-1].last


def number_groups(atoms: List[Atom], text: str, benign: bytearray, t: Tables) -> List[Group]:
    """Digit groups (digits joined by at most two punctuation characters, no space) and number words."""
    out: List[Group] = []
    i, n = 0, len(atoms)
    while i < n:
        a = atoms[i]
        if a.kind == "D":
            j = i
            digits = [a.text]
            while True:
                k = j + 1
                while k < n and k - j <= 2 and atoms[k].kind == "P" and not atoms[k].space_before:
                    k += 1
                if k < n and k > j + 1 and atoms[k].kind == "D" and not atoms[k].space_before:
                    digits.append(atoms[k].text)
                    j = k
                else:
                    break
            is_benign = all(benign[atoms[i].start : atoms[j].end])
            listed = i > 0 and atoms[i - 1].kind == "L" and (atoms[i - 1].text,) in t.labels
            out.append(Group(i, j, "".join(digits), False, is_benign, listed))
            i = j + 1
        elif a.kind == "L" and (a.text in t.number_words or a.text == "muoi") and not _year_word(atoms, i):
            spoken = _spoken(atoms, i, t.number_words)
            if spoken is not None:
                digits, last = spoken
                out.append(Group(i, last, digits, True, False, compound=True))
                i = last + 1
            elif a.text in t.number_words:
                out.append(Group(i, i, t.number_words[a.text], True, False))
                i += 1
            else:
                i += 1
        else:
            i += 1
    return out


# the unit after "mươi" ("bốn mươi tám"): a Vietnamese digit word, not zero
_UNIT_DIGIT = {word: digit for word, digit in words.VIETNAMESE_DIGIT_WORDS.items() if digit != "0"}


def _spoken(atoms: List[Atom], i: int, number_words: Dict[str, str]) -> Optional[Tuple[str, int]]:
    """A two-digit number read in words: "mười ba" 13, "bốn mươi" 40, "ba mươi lăm" 35: (digits, last atom)."""

    def word(k: int) -> Optional[str]:
        return atoms[k].text if k < len(atoms) and atoms[k].kind == "L" and atoms[k].space_before else None

    if atoms[i].text == "muoi":  # mười
        unit = word(i + 1)
        return ("1" + _UNIT_DIGIT[unit], i + 1) if unit in _UNIT_DIGIT else ("10", i)
    tens = number_words.get(atoms[i].text)
    if tens in (None, "0", "1") or word(i + 1) != "muoi":
        return None
    unit = word(i + 2)
    return (tens + _UNIT_DIGIT[unit], i + 2) if unit in _UNIT_DIGIT else (tens + "0", i + 1)


def _year_word(atoms: List[Atom], i: int) -> bool:
    """ "năm 2025": the word for five is the word for year when a year follows it."""
    nxt = atoms[i + 1] if i + 1 < len(atoms) else None
    return (
        atoms[i].text == "nam"
        and nxt is not None
        and nxt.kind == "D"
        and len(nxt.text) == 4
        and nxt.text[:2] in ("19", "20")
    )


def _joinable(atoms: List[Atom], left: Group, right: Group) -> bool:
    """Whether two groups belong to one run: only spaces and a little punctuation between them."""
    gap = atoms[left.last + 1 : right.first]
    if len(gap) > 3 or any(a.kind != "P" for a in gap):
        return False
    if any(a.text in ",;" for a in gap) and left.listed and len(left.digits) >= 3 and len(right.digits) >= 3:
        right.listed = True
        return False  # a list after a label: "lỗi 502, 503"
    return True


def number_runs(atoms: List[Atom], groups: List[Group], min_word_digits: int = 4, relaxed_at: int = -1) -> List[Run]:
    """Digit groups joined into runs; number words need a run of `min_word_digits` only in the run that starts at
    atom `relaxed_at` (a message answering a cue or continuing a number), four elsewhere."""
    # a date- or time-shaped group among other digit groups is one more group of them ("5-9-6 - 9/4 8")
    plain = [not g.benign and not g.word for g in groups]
    for k, g in enumerate(groups):
        if g.benign and (
            (k > 0 and plain[k - 1] and _joinable(atoms, groups[k - 1], g))
            or (k + 1 < len(groups) and plain[k + 1] and _joinable(atoms, g, groups[k + 1]))
        ):
            g.benign = False
    runs: List[Run] = []
    current: List[Group] = []
    for g in groups:
        if g.benign:
            if current:
                runs.append(Run(current))
            current = []
            continue
        if current and _joinable(atoms, current[-1], g):
            current.append(g)
        else:
            if current:
                runs.append(Run(current))
            current = [g]
    if current:
        runs.append(Run(current))
    return [
        r for run in runs for r in _trim_words(run, min_word_digits if relaxed_at < 0 or run.first == relaxed_at else 4)
    ]


def _trim_words(run: Run, min_digits: int = 4) -> List[Run]:
    """Number words count only in runs of at least four digits and three groups ("bốn tám hai chín"); else the
    digit groups stand alone. Leading/trailing words of a mixed run that add nothing are dropped."""
    if not any(g.word for g in run.groups):
        return [run]
    enough_groups = 3 if min_digits >= 4 else 2
    if len(run.digits) >= min_digits and (len(run.groups) >= enough_groups or any(g.compound for g in run.groups)):
        return [run]
    return [Run([g]) for g in run.groups if not g.word]


def labelled(atoms: List[Atom], run: Run, t: Tables) -> bool:
    """ "bước 3", "lỗi 5021", "năm 2024", "sinh 1956": a label right before makes the number ordinary."""
    if len(run.groups) != 1 or run.groups[0].word:
        return False
    i = run.first - 1
    if i < 0 or atoms[i].kind != "L":
        return False
    n = len(run.digits)
    one = (atoms[i].text,)
    two = (atoms[i - 1].text, atoms[i].text) if i >= 1 and atoms[i - 1].kind == "L" else None
    for key in ((two,) if two else ()) + (one,):
        limit = t.labels.get(key)
        if limit is not None and n <= limit:
            return True
    if n == 4 and 1900 <= int(run.digits) <= 2099:
        if atoms[i].text in t.year_words or (two and " ".join(two) in t.year_words):
            return True
    return False
