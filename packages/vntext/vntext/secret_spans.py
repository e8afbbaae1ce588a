"""Secret spans found in the folded view of a message: overlapping ones merged into one of the kind that matters
most, then mapped back to offsets in the original text.

Part of `vntext.secrets`; pure, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

from vntext.normalize import View

Span = Tuple[str, int, int]  # (kind, start, end) in the ORIGINAL text

_PRIORITY = {"password": 4, "id_number": 3, "phone": 2, "otp": 1}


@dataclass
class Found:
    """A secret found: its kind and its offsets in the view."""

    kind: str
    start: int  # view offsets
    end: int


def merge(found: List[Found]) -> List[Found]:
    """Overlapping spans become one, of the kind that matters most."""
    if not found:
        return []
    found.sort(key=lambda f: (f.start, -f.end))
    out = [found[0]]
    for f in found[1:]:
        last = out[-1]
        if f.start < last.end:
            if _PRIORITY[f.kind] > _PRIORITY[last.kind] and (f.end - f.start) >= (last.end - last.start) // 2:
                last.kind = f.kind
            last.end = max(last.end, f.end)
        else:
            out.append(f)
    return out


def to_original(v: View, found: Sequence[Found]) -> List[Span]:
    """The spans in the original text that the view spans `found` cover."""
    return [(f.kind, *v.span(f.start, f.end)) for f in found]
