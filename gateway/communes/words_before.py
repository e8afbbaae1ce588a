"""The words just before a commune's name that say what it is: a kind word (`xã`/`x`, `phường`/`p`/`f`, `thị
trấn`/`tt`), a district word (`huyện`/`h`, `thị xã`/`tx`, `thành phố`/`tp`: the name after it is a district), or a
blocking word (`đường`, `thôn`, `tỉnh`, …: a street, a village, another province; not a unit).

Pure Python; the patterns are built at first use.
"""

from __future__ import annotations

import functools
import re
from typing import Dict, List, Optional, Tuple

from gateway.communes.typed_words import Sig, TypedText, agree, pattern

# Words before a name, as typed (marks are checked like a name's); longest first when read.
_KIND_WORDS = {
    "xã": "xã",
    "x": "xã",
    "phường": "phường",
    "p": "phường",
    "f": "phường",
    "ph": "phường",
    "thị trấn": "thị trấn",
    "tt": "thị trấn",
}
_DISTRICT_WORDS = ("huyện", "h", "thị xã", "tx", "thành phố", "tp")
_BLOCKING_WORDS = ("đường", "phố", "ngõ", "ngách", "thôn", "làng", "xóm", "khu phố", "kp", "tỉnh", "quận")
_PREFIX_GAP = re.compile(r" ?[.:]? ?| ?- ?")  # `x.Quảng Long`, `p. Ba Đình`, `xã: Quảng Long`

_Pattern = Tuple[Tuple[str, ...], Tuple[Sig, ...], str, Optional[str]]  # words, their marks, what, kind


@functools.lru_cache(maxsize=1)
def _patterns_by_last_word() -> Dict[str, List[_Pattern]]:
    """The patterns of every word above by their last folded word, longest first."""
    before: List[_Pattern] = []
    for written, kind in _KIND_WORDS.items():
        before.append((*pattern(written), "kind", kind))
    for written in _DISTRICT_WORDS:
        before.append((*pattern(written), "district", None))
    for written in _BLOCKING_WORDS:
        before.append((*pattern(written), "block", None))
    before.sort(key=lambda b: -len(b[0]))
    by_last: Dict[str, List[_Pattern]] = {}
    for p in before:
        by_last.setdefault(p[0][-1], []).append(p)
    return by_last


def word_before(t: TypedText, i: int) -> Tuple[Optional[str], Optional[str], int]:
    """What the words just before word i are: ("kind", kind, start) | ("district" | "block", None, start)."""
    if i == 0:
        return None, None, i
    for words, sigs, what, kind in _patterns_by_last_word().get(t.words[i - 1], ()):
        n = len(words)
        if (
            i >= n
            and tuple(t.words[i - n : i]) == words
            and t.one_phrase(i - n, i)
            and agree(t.sigs(i - n, i), sigs)
            and _PREFIX_GAP.fullmatch(t.gap_before(i))
        ):
            return what, kind, i - n
    return None, None, i
