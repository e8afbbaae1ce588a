"""Find the commune-level unit a citizen names: today's 166 units of Thanh Hóa, or one of the 558 old units merged,
divided or renamed into them on 01/07/2025 (content/communes/thanh-hoa.yml, written by tools/build_communes.py).

Pure Python (stdlib, PyYAML, vntext); nothing is read at import time. `NameIndex` is built once per list of units:
a dictionary keyed by the folded words of every short name (`quang long`), so `find()` is one pass over the
message (vntext's folded view) and a dictionary probe per word that can start a name and per length (names have
1 to 3 words): about half a millisecond for 2,000 characters of ordinary text.

How a message is read
- Case, diacritics, spacing and the punctuation around a name do not matter (`Quảng Long`, `quang long`,
  `QUẢNG  LONG`, `x.Quảng Long`). Marks the citizen did type must agree with the name's, syllable by syllable (a
  syllable typed without marks agrees with any): `đóng tiền` is not `Đồng Tiến`, `văn hóa` is not `Vạn Hòa`,
  `Thanh Hóa` (the province) is not the old `Xã Thanh Hòa`, and `Hoằng Quỳ` / `Hoằng Quý` (two old communes now in
  different units) are told apart. When a name still fits several units, the ones spelled exactly as typed (a
  syllable without marks read as the level tone) are preferred: `xã Thanh Sơn` is not `xã Thành Sơn`, while
  `xa thanh son` could be either.
- A name is words not split by punctuation (`tán thành, yên tâm` holds no `Thành Yên`); a hyphen is a space.
- A kind word just before the name: `xã`/`xa`/`x` (xã), `phường`/`phuong`/`p`/`f` (phường), `thị trấn`/`tt` (the old
  townships). It filters the units when a name is shared (`phường Ba Đình` is one of the old phường of Bỉm Sơn or
  Thanh Hóa city, `xã Ba Đình` today's xã of the old Nga Sơn district).
- A district: `huyện`/`huyen`/`h`, `thị xã`/`tx`, `thành phố`/`tp` followed by a former district's name, or a former
  district's name right after the unit (`xã Xuân Lộc, Triệu Sơn`). A name after such a district word is the
  district, not a unit (`huyện Hà Trung` is not `Xã Hà Trung`). When an old name was used in several districts (or
  an old unit was divided), the district named anywhere in the message picks among them.
- A name right after `đường`, `phố`, `ngõ`, `thôn`, `làng`, `xóm`, `khu phố`, `tỉnh`, `quận` is a street, a
  village, a province or a district of another province: not a unit (`đường Quang Trung`, `tỉnh Quảng Ninh`).
- Words like `cũ`, `trước đây`, `nay là` need no rule: they are not names.

Which name wins: a name with a kind word before it, then the longest (`phường Nam Sầm Sơn` over `Sầm Sơn`), then a
name that is a current unit over one that is only an old unit, then the first. For one name: the kind word and the
district filter the units it could mean; a current unit's name beats an old unit's of the same spelling (`Minh Sơn`
is today's Xã Minh Sơn, but `xã Minh Sơn huyện Triệu Sơn` is the old commune now in Xã Triệu Sơn); several units
left give a `Match` with `candidates` (and empty `slug`/`name`) so the caller can ask. When the winner is a current
unit and the message also names one of its old units (`xã Quảng Long cũ nay là xã Quảng Yên`), `old_name` is set.

Names that are also ordinary words (`Tân Thành` ~ `tán thành`, `Quảng Bình` the province, …) count only with a kind
word before them or a district right after them: see `ordinary_words.py`.

Known limits: a message without any marks can still read a unit in words that happen to spell it (`o xa thanh hoa`
reads `xa` as `xã`); the caller confirms with the citizen. A former district alone (`huyện Quảng Xương`) is not a
unit: find() returns None.

The parts: `units.py` (the data file), `typed_words.py` (a message as folded words with the marks typed),
`words_before.py` (kind, district and blocking words), `ordinary_words.py`; this module is the index and the
matcher, and the public face (`load_units`, `Unit`, … are importable from here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

from gateway.communes.ordinary_words import ORDINARY_WORDS, is_ordinary
from gateway.communes.typed_words import Sig, TypedText, agree, pattern
from gateway.communes.units import DEFAULT_PATH, OldUnit, Unit, district_short, load_units, lower_kind, split_kind
from gateway.communes.words_before import word_before

__all__ = [
    "DEFAULT_PATH",
    "ORDINARY_WORDS",
    "Match",
    "NameIndex",
    "OldUnit",
    "Unit",
    "describe",
    "load_units",
]

_DISTRICT_WINDOW = 3  # a district at most this many words after a name is that name's district
_NOT_A_DISTRICT_ALONE = ("thanh", "hoa")  # `Thanh Hóa` alone is the province, not the former city


@dataclass(frozen=True)
class Match:
    slug: str  # "" when ambiguous (see candidates)
    name: str  # the unit's official name; "" when ambiguous
    said: str  # the words of the message that named it, kind word included ("xa quang long")
    old_name: Optional[str]  # the old unit named, when it was one ("Xã Quảng Long")
    old_district: Optional[str]  # its former district ("Huyện Quảng Xương"), when known
    candidates: tuple = ()  # slugs, when the name could mean several units; empty otherwise


@dataclass(frozen=True)
class _Entry:
    slug: str
    unit_name: str  # the unit it is today
    current: bool  # a name of today's unit (False: an old unit's)
    kind: str  # the kind of what the name names (an old unit may be a thị trấn)
    name: str  # the name as written ("Xã Quảng Long")
    district: Optional[str]  # an old unit's former district
    districts: frozenset  # former districts, for filtering (a current unit: those of all its old units)
    sigs: tuple


@dataclass
class _Span:
    i: int  # first word of the name
    j: int  # after its last word
    start: int  # first word said (the kind word, if any)
    key: Tuple[str, ...]
    entries: List[_Entry]
    kind: Optional[str]
    typed: List[Sig]  # the marks typed on its words
    anchored: bool = False  # a district right after it


class NameIndex:
    """Every name (current and old, plus `extra`) by its folded words; see the module docstring."""

    def __init__(self, units: Iterable[Unit], extra: Optional[Mapping[str, Iterable[str]]] = None) -> None:
        self.units: Dict[str, Unit] = {}
        self._names: Dict[Tuple[str, ...], List[_Entry]] = {}
        self._districts: Dict[Tuple[str, ...], str] = {}
        for unit in units:
            self.units[unit.slug] = unit
            districts = frozenset(o.district for o in unit.old if o.district)
            self._add(unit.short, _Entry(unit.slug, unit.name, True, unit.kind, unit.name, None, districts, ()))
            for old in unit.old:
                kind, short = split_kind(old.name)
                self._add(
                    short,
                    _Entry(
                        unit.slug,
                        unit.name,
                        False,
                        kind or "xã",
                        old.name,
                        old.district or None,
                        frozenset([old.district]) if old.district else frozenset(),
                        (),
                    ),
                )
                if old.district:
                    self._districts.setdefault(pattern(district_short(old.district))[0], old.district)
        for slug, names in (extra or {}).items():
            unit = self.units.get(slug)
            for written in names:
                kind, short = split_kind(str(written))
                if not short:
                    continue
                self._add(
                    short,
                    _Entry(
                        slug,
                        unit.name if unit else str(written),
                        True,
                        kind or (unit.kind if unit else "xã"),
                        str(written),
                        None,
                        frozenset(o.district for o in unit.old) if unit else frozenset(),
                        (),
                    ),
                )
        self._longest = max((len(k) for k in self._names), default=0)
        self._first_words = frozenset(k[0] for k in self._names) | frozenset(k[0] for k in self._districts)
        self._longest_district = max((len(k) for k in self._districts), default=0)

    def _add(self, short: str, entry: _Entry) -> None:
        words, sigs = pattern(short)
        if not words:
            return
        entry = _Entry(
            entry.slug, entry.unit_name, entry.current, entry.kind, entry.name, entry.district, entry.districts, sigs
        )
        bucket = self._names.setdefault(words, [])
        if entry not in bucket:
            bucket.append(entry)

    # ------------------------------------------------------------------------------------------------- public

    def find(self, text: str) -> Optional[Match]:
        """The unit best named anywhere in a free-text message, or None."""
        if not text:
            return None
        t = TypedText(text)
        spans, mentions = self._spans(t, strict=True)
        if not spans:
            return None
        best = max(spans, key=lambda s: (s.kind is not None, s.j - s.i, any(e.current for e in s.entries), -s.i))
        match = self._resolve(t, best, mentions)
        if match.slug and match.old_name is None:  # an old name of the same unit said elsewhere in the message
            for other in spans:
                if other is best or not any(e.slug == match.slug and not e.current for e in other.entries):
                    continue
                again = self._resolve(t, other, mentions)
                if again.slug == match.slug and again.old_name:
                    return Match(match.slug, match.name, match.said, again.old_name, again.old_district, ())
        return match

    def lookup(self, name: str) -> List[Match]:
        """Every unit a name could mean (today's unit of that name first), e.g. for a form or the console."""
        if not name:
            return []
        t = TypedText(name)
        spans, mentions = self._spans(t, strict=False)
        if not spans:
            return []
        best = max(spans, key=lambda s: (s.kind is not None, s.j - s.i, any(e.current for e in s.entries), -s.i))
        entries = self._filter(best, mentions)
        out: Dict[str, Match] = {}
        said = t.said(best.start, best.j)
        for e in sorted(entries, key=lambda e: not e.current):
            if e.slug not in out:
                out[e.slug] = Match(
                    e.slug, e.unit_name, said, None if e.current else e.name, None if e.current else e.district, ()
                )
        return list(out.values())

    # ------------------------------------------------------------------------------------------------ reading

    def _spans(self, t: TypedText, strict: bool) -> Tuple[List[_Span], List[Tuple[int, int, str]]]:
        words = t.words
        n = len(words)
        # former districts: (first word said, after the last, district); alone or after a district word
        mentions: List[Tuple[int, int, str]] = []
        starts = [i for i in range(n) if words[i] in self._first_words]  # most words start no name
        for i in starts:
            for length in range(min(self._longest_district, n - i), 0, -1):
                key = tuple(words[i : i + length])
                district = self._districts.get(key)
                if district is None or not t.one_phrase(i, i + length):
                    continue
                what, _, start = word_before(t, i)
                if what == "district":
                    mentions.append((start, i + length, district))
                elif what != "block" and key != _NOT_A_DISTRICT_ALONE:
                    mentions.append((i, i + length, district))
                break
        mention_starts = {m[0] for m in mentions}
        spans: List[_Span] = []
        for i in starts:
            for length in range(min(self._longest, n - i), 0, -1):
                key = tuple(words[i : i + length])
                entries = self._names.get(key)
                if not entries or not t.one_phrase(i, i + length):
                    continue
                typed = t.sigs(i, i + length)
                entries = [e for e in entries if agree(typed, e.sigs)]
                if not entries:
                    continue
                what, kind, start = word_before(t, i)
                if what in ("district", "block"):
                    continue
                span = _Span(i, i + length, start, key, entries, kind, typed)
                span.anchored = any(span.j + d in mention_starts for d in range(_DISTRICT_WINDOW + 1))
                if strict and kind is None and not span.anchored and is_ordinary(t, i, i + length, key):
                    continue
                spans.append(span)
        # a former district's name right after a unit's name is that unit's district, not a unit
        by_end: Dict[int, List[_Span]] = {}
        by_start: Dict[int, List[_Span]] = {}
        for s in spans:
            by_end.setdefault(s.j, []).append(s)
            by_start.setdefault(s.i, []).append(s)

        def district_after(s: _Span) -> bool:
            return (
                s.kind is None
                and s.key in self._districts
                and any(o is not s for d in range(_DISTRICT_WINDOW + 1) for o in by_end.get(s.i - d, ()))
            )

        def inside_longer(s: _Span) -> bool:  # `Sầm Sơn` in `Nam Sầm Sơn`
            return any(
                o.j >= s.j and o.j - o.i > s.j - s.i
                for start in range(s.i - self._longest + 1, s.i + 1)
                for o in by_start.get(start, ())
            )

        return [s for s in spans if not district_after(s) and not inside_longer(s)], mentions

    def _filter(self, span: _Span, mentions: List[Tuple[int, int, str]]) -> List[_Entry]:
        entries = span.entries
        if span.kind:
            same_kind = [e for e in entries if e.kind == span.kind]
            entries = same_kind or entries
        named = {d for start, end, d in mentions if end <= span.start or start >= span.j}
        if named:
            in_district = [e for e in entries if e.districts & named]
            entries = in_district or entries
        if len({e.slug for e in entries}) > 1:  # marks as typed, a syllable without marks as the level tone
            exact = [e for e in entries if tuple(span.typed) == e.sigs]
            entries = exact or entries
        return entries

    def _resolve(self, t: TypedText, span: _Span, mentions: List[Tuple[int, int, str]]) -> Match:
        entries = self._filter(span, mentions)
        current = [e for e in entries if e.current]
        chosen = current or entries
        slugs = sorted({e.slug for e in chosen})
        said = t.said(span.start, span.j)
        if current:
            old_name = old_district = None
        else:
            names = {e.name for e in chosen}
            districts = {e.district for e in chosen}
            old_name = names.pop() if len(names) == 1 else None
            old_district = districts.pop() if len(districts) == 1 else None
        if len(slugs) == 1:
            return Match(slugs[0], chosen[0].unit_name, said, old_name, old_district, ())
        return Match("", "", said, old_name, old_district, tuple(slugs))


def describe(match: Match) -> dict:
    """{"old": "xã Quảng Long", "new": "xã Quảng Yên"} for "xã Quảng Long nay là xã Quảng Yên"; "old" is None when
    the citizen named today's unit, "new" is None when the match is ambiguous."""
    return {"old": lower_kind(match.old_name), "new": lower_kind(match.name)}
