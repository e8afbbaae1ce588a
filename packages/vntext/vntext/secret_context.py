"""What the previous message of a conversation (as stored) tells about the next one: digits ending it that the
next message may complete ("482" then "913"), a masked secret ending it, or a cue whose secret did not come yet
("mật khẩu của em là" then "thu1979").

Part of `vntext.secrets`; pure, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from vntext.normalize import View
from vntext.secret_atoms import SENTENCE_END, atoms_of
from vntext.secret_benign import benign_mask
from vntext.secret_numbers import labelled, number_groups, number_runs
from vntext.secret_tables import Tables, find_cues

_TAIL_PARTICLES = frozenset(["a", "nhe", "nha", "ne", "do", "day", "oi", "ok", "nhi", "ha", "ah", "ak", "ad"])


@dataclass
class Context:
    """What the previous message of the conversation tells about this one."""

    tail: Optional[Tuple[str, int, int]] = None  # digits ending it (not masked yet): digits, view start, view end
    secret_tail: Optional[str] = None  # it ends with a masked secret: its kind
    pending: Optional[str] = None  # it ends with a cue whose secret did not come: the cue's kind


def read_context(pv: View, t: Tables) -> Context:
    """The context the previous message `pv` (its view) gives the next one."""
    text = pv.text
    atoms = atoms_of(text)
    if not atoms:
        return Context()
    ctx = Context()
    last = len(atoms) - 1
    while last >= 0 and (
        (atoms[last].kind == "P" and atoms[last].text not in "+")
        or (atoms[last].kind == "L" and atoms[last].text in _TAIL_PARTICLES)
    ):
        last -= 1  # "482 ạ", "482 nhé"
    if last < 0:
        return ctx
    if atoms[last].kind == "X":
        ctx.secret_tail = atoms[last].text
        return ctx
    cues = find_cues(atoms, t)
    benign = benign_mask(text)
    groups = number_groups(atoms, text, benign, t)
    runs = number_runs(atoms, groups, 2)
    if runs and runs[-1].last == last and (not runs[-1].groups[-1].word or len(runs[-1].groups) >= 2):
        run = runs[-1]
        if len(run.digits) < 4 and not labelled(atoms, run, t):
            ctx.tail = (run.digits, atoms[run.first].start, atoms[run.last].end)
    # a cue among the last atoms, followed only by fillers and introducers
    for i in range(last, max(-1, last - 8), -1):
        if cues[i] is not None:
            if all(
                a.text in t.fillers or a.text in t.introducers or a.kind == "P" for a in atoms[cues[i][1] : last + 1]
            ):
                ctx.pending = cues[i][0]
            break
        if atoms[i].text in SENTENCE_END:
            break
    return ctx
