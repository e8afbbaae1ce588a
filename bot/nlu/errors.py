"""Recognising the messages the screens show (content/errors.yml) in what a citizen pasted or retyped.

A catalogue text is compared with the message word by word, on a folded form of both: lowercase, no diacritics
(vntext's folded view, which keeps offsets into the original), chat shorthand expanded (`ko` → `không`, as the
tokenizer does). The catalogue text may appear anywhere in the message (quotes, "vui lòng thử lại", text before
and after do not matter), with a few differences allowed, measured as an edit cost over words:

- a word of four letters or more one letter off (`chinh`/`chin`, `khaon`/`khoan`): 0.5;
- a small word added or left out (`đã`, `bị`, `rồi`, `của`, `mã`, …; for the catalogue's words judged on their
  diacritics, so `bận` is not `bạn`): 0.25; any other word added or left out: 1;
- a different word: 1.5; a number stands for any number (`còn 2 lần` matches `còn 4 lần`);
- adding, dropping or changing a negation or its opposite (`không`, `chưa`, `hết`, `còn`) or the thing named
  (`OTP`, `QR`, `passcode`) into another word: never allowed, a slip of the finger in them is ("mật khẩu chính
  xác" is not "mật khẩu không chính xác", "mã QR" is not "mã OTP").

Allowed cost grows with the length of the catalogue text (0.5 up to 3 words, 0.75 up to 5, 1.5 up to 8, 2
beyond), and at least three quarters of its content words (at least two) must be found, all but those a letter off as
they are written (a quick test that spares most messages the search). The closest catalogue text
wins (lowest cost, then the longest). Only the first 2,000 characters of a message are searched (what the gateway
accepts). Precision and recall are measured in tests/bot/test_error_catalogue.py.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from vntext.normalize import strip_diacritics, view

from bot.nlu import text as vi

__all__ = ["Word", "Match", "Catalogue", "words", "catalogue", "find"]

# Small words, as the catalogue writes them (with diacritics) and as a message may carry them (folded).
FILLER_WORDS = frozenset("đã bị rồi là của đang hiện thì này đó ạ nhé vậy bạn tôi em mình có mã".split())
FILLERS = frozenset(strip_diacritics(w) for w in FILLER_WORDS)
CRITICAL = frozenset("khong chua het con otp qr passcode".split())
SEARCHED_CHARS = 2000
INSERT_FILLER = DELETE_FILLER = 0.25
INSERT = DELETE = 1.0
SUBSTITUTE = 1.5
NEAR = 0.5
FORBIDDEN = 9.0
_WORD = re.compile(r"[0-9a-z]+")
_SENTENCE_END = re.compile(r"[.!?;:\n]+")
_LETTERS = re.compile(r"\w+")


@dataclass(frozen=True)
class Word:
    """One folded word of a text and the span of the original text it comes from."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Match:
    """A catalogue entry found in a message: its key, problem code, steps, the span and the edit cost."""

    key: str
    problem: str
    steps: Tuple[str, ...]
    start: int
    end: int
    cost: float


@functools.lru_cache(maxsize=1)
def _shorthand() -> Dict[str, List[str]]:
    """The tokenizer's shorthand table, folded: `dc` → [`duoc`], `mk` → [`mat`, `khau`]."""
    table: Dict[str, List[str]] = {}
    for form, expansion in vi.shorthand_table().items():
        table.setdefault(strip_diacritics(form), strip_diacritics(expansion).split(" "))
    return table


def words(message: str) -> List[Word]:
    """The folded words of a message, shorthand expanded, each with its span in the original message."""
    folded = view(message or "")
    table = _shorthand()
    out: List[Word] = []
    for m in _WORD.finditer(folded.text):
        start, end = folded.span(m.start(), m.end())
        for part in table.get(m.group(0), [m.group(0)]):
            out.append(Word(part, start, end))
    return out


def _near(a: str, b: str) -> bool:
    """One letter off (substituted, added, dropped, or two neighbours swapped); both at least 4 letters."""
    if min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


@functools.lru_cache(maxsize=65536)
def _substitution(p: str, t: str) -> float:
    if p == t or (p.isdigit() and t.isdigit()):
        return 0.0
    near = _near(p, t)
    if p in CRITICAL or t in CRITICAL:  # a slip in "không" ("khnôg") is still "không"; another word is not
        return NEAR if near and not (p in CRITICAL and t in CRITICAL) else FORBIDDEN
    return NEAR if near else SUBSTITUTE


def _indel(word: str, filler: float, other: float) -> float:
    if word in CRITICAL:
        return FORBIDDEN
    return filler if word in FILLERS else other


def allowed(size: int) -> float:
    """The edit cost a catalogue text of `size` words may differ by."""
    return 0.5 if size <= 3 else 0.75 if size <= 5 else 1.5 if size <= 8 else 2.0


@dataclass(frozen=True)
class _Pattern:
    key: str
    problem: str
    steps: Tuple[str, ...]
    words: Tuple[str, ...]
    fillers: Tuple[bool, ...]  # which of its words are small words (judged with their diacritics)
    content: frozenset  # its words that are not fillers

    @property
    def limit(self) -> float:
        return allowed(len(self.words))

    @property
    def exact_needed(self) -> int:
        """Content words that must appear exactly: three quarters must be found (at least two), and at most
        limit / NEAR of them can be a letter off."""
        found = max(2, -(-3 * len(self.content) // 4))
        return max(2, found - int(self.limit / NEAR))


def _align(pattern: "_Pattern", message: Sequence[Word], lo: int, hi: int) -> Tuple[float, int, int, int]:
    """Best approximate occurrence of the pattern in message[lo:hi] (semi-global edit distance over words).

    Returns (cost, start index, end index exclusive, content words matched).
    """
    m = len(pattern.words)
    # cell: (cost, start index in message, content words matched)
    previous = [(0.0, j, 0) for j in range(lo, hi + 1)]
    for i in range(1, m + 1):
        p = pattern.words[i - 1]
        small = pattern.fillers[i - 1]
        deletion = FORBIDDEN if p in CRITICAL else DELETE_FILLER if small else DELETE
        current = [(previous[0][0] + deletion, lo, previous[0][2])]
        for k, j in enumerate(range(lo + 1, hi + 1), start=1):
            t = message[j - 1].text
            sub = _substitution(p, t)
            diag = previous[k - 1]
            best = (diag[0] + sub, diag[1], diag[2] + (1 if sub <= NEAR and not small else 0))
            up = previous[k]
            if up[0] + deletion < best[0]:
                best = (up[0] + deletion, up[1], up[2])
            left = current[k - 1]
            insertion = _indel(t, INSERT_FILLER, INSERT)
            if left[0] + insertion < best[0]:
                best = (left[0] + insertion, left[1], left[2])
            current.append(best)
        previous = current
    best_k = min(range(len(previous)), key=lambda k: (previous[k][0], -previous[k][2]))
    cost, start, content = previous[best_k]
    return cost, start, lo + best_k, content


class Catalogue:
    """The compiled catalogue: every entry's text (and each of its sentences) as a sequence of folded words."""

    def __init__(self, data: Dict[str, Any]) -> None:
        advice = [tuple(_LETTERS.findall(str(a).lower())) for a in (data.get("advice_words") or [])]
        patterns: List[_Pattern] = []
        for key, entry in (data.get("errors") or {}).items():
            if not isinstance(entry, dict) or not entry.get("text") or not entry.get("problem"):
                continue
            steps = tuple(str(s) for s in (entry.get("steps") or []))
            for variant in self._variants(str(entry["text"]), advice):
                folded = tuple(w for w, _ in variant)
                fillers = tuple(small for _, small in variant)
                content = frozenset(w for w, small in variant if not small)
                if len(content) >= 2:
                    patterns.append(_Pattern(str(key), str(entry["problem"]), steps, folded, fillers, content))
        self.patterns = patterns

    @staticmethod
    def _fold_words(value: str) -> List[Tuple[str, bool]]:
        """(folded word, is a small word) for each word of a catalogue text, judged on its diacritics."""
        out = []
        for written in _LETTERS.findall(value.lower()):
            out += [(w.text, written in FILLER_WORDS) for w in words(written)]
        return out

    @classmethod
    def _variants(cls, value: str, advice: List[Tuple[str, ...]]) -> Iterable[List[Tuple[str, bool]]]:
        """The text without its advice ("…, vui lòng thử lại"), and its first sentence when that has 3+ words."""
        written = _LETTERS.findall(value.lower())  # the advice is found on the words as written (bận ≠ bạn)
        cut = len(written)
        for phrase in advice:
            for i in range(3, len(written) - len(phrase) + 1):
                if tuple(written[i : i + len(phrase)]) == phrase:
                    cut = min(cut, i)
                    break
        whole = cls._fold_words(" ".join(written[:cut]))
        yield whole
        first = cls._fold_words(_SENTENCE_END.split(value, 1)[0])
        if 3 <= len(first) < len(whole):
            yield first

    def find(self, message: str) -> Optional[Match]:
        """The catalogue entry closest to something in the message, if one is close enough."""
        found = words((message or "")[:SEARCHED_CHARS])
        if not found:
            return None
        positions: Dict[str, List[int]] = {}
        for index, word in enumerate(found):
            positions.setdefault(word.text, []).append(index)
        best: Optional[Tuple[float, int, _Pattern, int, int]] = None
        for pattern in self.patterns:
            anchors = sorted(i for w in pattern.content if w in positions for i in positions[w])
            if len({found[i].text for i in anchors}) < pattern.exact_needed:
                continue  # too few of its content words appear as they are written: it cannot be here
            for lo, hi in self._windows(anchors, found, pattern, pattern.exact_needed):
                cost, start, end, content = _align(pattern, found, lo, hi)
                if cost > pattern.limit + 1e-9 or end <= start or content < max(2, 0.75 * len(pattern.content)):
                    continue
                rank = (cost, -len(pattern.words))
                if best is None or rank < (best[0], -len(best[2].words)):
                    best = (cost, start, pattern, end, content)
        if best is None:
            return None
        cost, start, pattern, end, _ = best
        return Match(pattern.key, pattern.problem, pattern.steps, found[start].start, found[end - 1].end, cost)

    @staticmethod
    def _windows(anchors: List[int], found: List[Word], pattern: "_Pattern", needed: int) -> List[Tuple[int, int]]:
        """Stretches of the message around the pattern's words where an occurrence can be (every anchor's own
        stretch lies inside one of them), keeping those that hold `needed` different content words of the
        pattern: ordinary text costs no search, a long message only a few short ones."""
        size, total = len(pattern.words), len(found)
        spans: List[Tuple[int, int]] = []
        for a in anchors:
            lo, hi = max(0, a - size - 1), min(total, a + size + 2)
            if spans and lo < spans[-1][1] and hi - spans[-1][0] <= 4 * size + 6:
                spans[-1] = (spans[-1][0], hi)
            else:
                spans.append((lo, hi))
        return [
            (lo, hi)
            for lo, hi in spans
            if len({found[i].text for i in anchors[bisect_left(anchors, lo) : bisect_left(anchors, hi)]}) >= needed
        ]


_compiled: Dict[str, Any] = {"source": None, "catalogue": None}


def catalogue() -> Catalogue:
    """The catalogue of the current content/errors.yml (and the commune's overrides), compiled once per change."""
    import content  # the repository's content package (PYTHONPATH is the repository root)

    data = content.load_errors()
    if _compiled["source"] is not data:
        _compiled["catalogue"], _compiled["source"] = Catalogue(data), data
    return _compiled["catalogue"]


def find(message: str) -> Optional[Match]:
    """The catalogue entry found in a message (see the module docstring), or None."""
    return catalogue().find(message)
