"""Which runs of digits are secrets, and of which kind: a run of 9 digits or more is an ID or phone number, 4 to
8 an OTP unless a label or a plain year makes it ordinary, 2 or 3 only right after a cue or continuing the
previous message; a published number is kept; two short numbers joined by "và", "rồi", a comma … are one secret.

Part of `vntext.secrets`; pure, no I/O.
"""

from __future__ import annotations

from typing import FrozenSet, List, Optional, Tuple

from vntext import secret_words as words
from vntext.secret_atoms import SENTENCE_END, Atom
from vntext.secret_context import Context
from vntext.secret_numbers import Group, Run, labelled
from vntext.secret_spans import Found
from vntext.secret_tables import Cues, Tables


def national(digits: str) -> str:
    """A phone number's national form: 84912345678 → 0912345678."""
    if digits.startswith("0084"):
        return "0" + digits[4:]
    if digits.startswith("84") and len(digits) in (11, 12):
        return "0" + digits[2:]
    return digits


def unbenign_after_cues(atoms: List[Atom], cues: Cues, groups: List[Group], benign: bytearray, t: Tables) -> None:
    """A date- or amount-shaped number right after a secret cue is read as digits ("otp 12/05/19")."""
    by_first = {g.first: g for g in groups}
    for i, cue in enumerate(cues):
        if cue is None:
            continue
        j = cue[1]
        steps = 0
        while j < len(atoms) and steps < 4 and (atoms[j].text in t.fillers or atoms[j].text in t.introducers):
            j += 1
            steps += 1
        g = by_first.get(j)
        if g is not None and g.benign:
            end = atoms[g.last].end
            if end >= len(benign) or not benign[end]:  # the benign shape is this group alone (no unit, …)
                g.benign = False


def judge_run(
    atoms: List[Atom], cues: Cues, run: Run, t: Tables, context: Context, head: int, public: FrozenSet[str]
) -> Optional[str]:
    """The kind of secret the run is (`public`: numbers kept wherever they appear), or None."""
    digits = run.digits
    n = len(digits)
    plus = run.first > 0 and atoms[run.first - 1].text == "+"
    if public and (national(digits) in public or digits in public):
        return None
    cue, direct = _cue_before(atoms, cues, run.first, t)
    continuation = False
    if run.first == head:
        if context.tail is not None and len(context.tail[0]) + n >= 4:
            continuation = True
            n_total = len(context.tail[0]) + n
            if cue is None:
                cue = "id_number" if n_total >= 9 else "otp"
        elif context.secret_tail and (n >= 2 or _only_run(atoms, run, t)):
            continuation = True
            cue = cue or context.secret_tail
        elif context.pending and n >= 2:
            continuation = True
            cue = cue or context.pending
    if n >= 9:
        return _long_kind(digits, plus, cue)
    if n >= 4:
        if not continuation and not direct and cue != "password" and labelled(atoms, run, t):
            return None
        if not continuation and cue is None and _plain_year(atoms, run, head):
            return None
        return cue if cue in ("password", "id_number", "phone") else "otp"
    if continuation or (direct and n >= 2 and not labelled(atoms, run, t) and not _unit_after(atoms, run)):
        return cue if cue in ("password", "id_number", "phone") else "otp"
    return None


_UNIT_WORDS = frozenset(u.split()[0] for u in words.UNITS)


def _unit_after(atoms: List[Atom], run: Run) -> bool:
    """ "nhập 12 số", "otp 60 giây": a unit right after makes a short number a count."""
    nxt = atoms[run.last + 1] if run.last + 1 < len(atoms) else None
    return nxt is not None and nxt.kind in ("L", "P") and nxt.text in _UNIT_WORDS


_CONJUNCTIONS = frozenset(["va", "voi", "roi", "tiep", "la", "con", "nua", ",", "-", "&", "+", ";", "/"])


def conjoined(atoms: List[Atom], runs: List[Run], found: List[Found], t: Tables) -> List[Found]:
    """Two short numbers joined by "và", "rồi", a comma … ("mã 482 và 913", "913 và 482") are read as one
    secret of four digits or more; a number already masked pulls in a short one joined to it the same way."""
    masked = {(f.start, f.end) for f in found}
    out: List[Found] = []
    for left, right in zip(runs, runs[1:]):
        between = atoms[left.last + 1 : right.first]
        if not between or len(between) > 2 or any(a.text not in _CONJUNCTIONS for a in between):
            continue
        n_left, n_right = len(left.digits), len(right.digits)
        if min(n_left, n_right) < 2 or n_left + n_right < 4 or any(g.word for g in left.groups + right.groups):
            continue
        spans = [(atoms[r.first].start, atoms[r.last].end) for r in (left, right)]
        kinds = [f.kind for f in found if (f.start, f.end) in spans]
        if not kinds and (n_left > 3 or n_right > 3):
            continue
        for s, e in spans:
            if (s, e) not in masked and not _listed_label(atoms, left, t):
                out.append(Found(kinds[0] if kinds else "otp", s, e))
    return out


def _listed_label(atoms: List[Atom], run: Run, t: Tables) -> bool:
    i = run.first - 1
    return i >= 0 and atoms[i].kind == "L" and (atoms[i].text,) in t.labels


def _plain_year(atoms: List[Atom], run: Run, head: int) -> bool:
    """A 4-digit year (1930–2030) written plainly inside a sentence with no secret cue ("mẹ em 1956")."""
    if len(run.groups) != 1 or run.groups[0].word or len(run.digits) != 4 or run.first != run.last:
        return False
    if not 1930 <= int(run.digits) <= 2030:
        return False
    return any(a.kind == "L" for k, a in enumerate(atoms) if k != run.first)


def _long_kind(digits: str, plus: bool, cue: Optional[str]) -> str:
    n = len(digits)
    if cue in ("phone", "id_number"):
        return cue
    if plus or (digits.startswith("84") and n in (11, 12)) or digits.startswith("0084"):
        return "phone"
    if digits.startswith("0") and n in (10, 11):
        return "phone"
    return "id_number"


def _cue_before(atoms: List[Atom], cues, first: int, t: Tables) -> Tuple[Optional[str], bool]:
    """The nearest secret cue before atom `first` in its sentence (within 8 atoms), and whether only fillers
    and introducers stand between them."""
    direct = True
    for i in range(first - 1, max(-1, first - 13), -1):
        a = atoms[i]
        if a.text in SENTENCE_END and i + 1 < len(atoms) and atoms[i + 1].space_before:
            return None, False
        if cues[i] is not None and cues[i][1] <= first:
            return cues[i][0], direct
        if a.kind in ("X", "D") or not (a.text in t.fillers or a.text in t.introducers or a.kind == "P"):
            direct = False  # a placeholder stands for the secret it replaced: not a filler
    return None, False


def head_index(atoms: List[Atom], t: Tables) -> int:
    """Index of the first atom that is not punctuation or a particle ("dạ", "còn", "tiếp", "là")."""
    for i, a in enumerate(atoms):
        if a.kind == "P" or (a.kind == "L" and a.text in _HEAD_PARTICLES):
            continue
        return i
    return len(atoms)


_HEAD_PARTICLES = frozenset(
    [
        "da",
        "con",
        "tiep",
        "la",
        "va",
        "roi",
        "nua",
        "so",
        "ma",
        "them",
        "them",
        "so",
        "cuoi",
        "phan",
        "sau",
        "ok",
        "ad",
        "oi",
        "a",
        "e",
        "em",
        "anh",
        "chi",
        "bac",
        "toi",
        "minh",
    ]
)


def _only_run(atoms: List[Atom], run: Run, t: Tables) -> bool:
    """Whether the message holds nothing but this run (with punctuation and particles)."""
    return all(
        a.kind == "P" or (a.kind == "L" and a.text in _HEAD_PARTICLES | t.fillers)
        for k, a in enumerate(atoms)
        if not run.first <= k <= run.last
    )
