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

Names that are also ordinary words (decided with data, see tests/bot/test_build_communes.py)
A name compatible with one of `ORDINARY_WORDS` below, or of one syllable (the old `Xã Nưa`: `nữa`), counts only
with a kind word before it or a district right after it. The list holds every name whose spelling, with or
without its marks, is an ordinary multi-word entry of underthesea's Viet22K word list (e.g. `Thành Công`,
`Quảng Trường`, `Thắng Lợi`, `Trung Thành`, `Tân Tiến`, `Tân Thành` ~ `tán thành`, `Đồng Tiến` ~ `đồng tiền`,
`Tam Thanh` ~ `tâm thành`); a few common words of the larger Viet74K list (`yên tâm`, `hợp lý`, `đông nam`,
`văn hoá` ~ `Vạn Hòa`, `thanh long`, `sao vàng`, `đồng lương`); the province names some units share (`Quảng Bình`,
`Quảng Ninh`, `Vĩnh Phúc`, `Vĩnh Long`, `Hà Giang`, `Điện Biên`, `Thanh Hóa` ~ `Thanh Hòa`); a few well-known
districts of other provinces (`Ba Đình`, `Tây Hồ`, `Thanh Xuân`, `Hà Đông`, `Tân Bình`, `Hạ Long` ~ `Hà Long`); and
word sequences of the bot's own NLU data that read as a name without marks (`năm đóng` ~ `Nam Động`, `khai trương
trung tâm` ~ `Trường Trung`). With its marks typed, a name that is not itself the ordinary word needs nothing more
(`Tân Thành` typed with its marks is the unit; `tan thanh` alone is not).

Known limits: a message without any marks can still read a unit in words that happen to spell it (`o xa thanh hoa`
reads `xa` as `xã`); the caller confirms with the citizen. A former district alone (`huyện Quảng Xương`) is not a
unit: find() returns None.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from vntext.normalize import view

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "content" / "communes" / "thanh-hoa.yml"

_KIND_PREFIXES = (("Thị trấn ", "thị trấn"), ("Phường ", "phường"), ("Xã ", "xã"))
_DISTRICT_PREFIXES = ("Huyện ", "Thị xã ", "Thành phố ")

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
_DISTRICT_WINDOW = 3  # a district at most this many words after a name is that name's district
_NOT_A_DISTRICT_ALONE = ("thanh", "hoa")  # `Thanh Hóa` alone is the province, not the former city

ORDINARY_WORDS = (
    # Viet22K multi-word entries a name spells exactly, marks and all
    "ban công",
    "bình minh",
    "công chính",
    "cẩm châu",
    "cẩm thạch",
    "cẩm tú",
    "dân quyền",
    "hải hà",
    "hồi xuân",
    "khuyến nông",
    "nam tiến",
    "nga văn",
    "nông trường",
    "quảng giao",
    "quảng trường",
    "sơn hà",
    "sơn thủy",
    "thiết kế",
    "thành công",
    "thành tâm",
    "thắng lợi",
    "thống nhất",
    "trung thành",
    "tân tiến",
    # Viet22K entries a name spells once its marks are dropped
    "cát vần",
    "cấm binh",
    "cam lòng",
    "cầm lòng",
    "cấm thành",
    "cam tâm",
    "giáo án",
    "hoàng kim",
    "hoàng thành",
    "hoang thai",
    "hoang tàn",
    "hoàng yến",
    "hoang dại",
    "hoang đảo",
    "hoàng đạo",
    "hả lòng",
    "hà tiện",
    "hạ tiện",
    "hạ tần",
    "hài hoà",
    "hài hòa",
    "hai lòng",
    "hài lòng",
    "quang minh",
    "quang vinh",
    "tâm thành",
    "thanh quản",
    "thiều quang",
    "thanh minh",
    "thợ điện",
    "thổ dân",
    "thợ sơn",
    "thỏ thẻ",
    "tàn binh",
    "tân binh",
    "tấn phong",
    "tán thành",
    "vinh quang",
    "văn hóa",
    "văn hoá",
    "diễn biến",
    "đồng tiền",
    "động tiên",
    "đóng yên",
    "đình công",
    "cảm tử",
    "cầm chầu",
    "cầm tù",
    "thanh tâm",
    "tằn tiện",
    # common words of Viet74K
    "yên tâm",
    "hợp lý",
    "hợp thành",
    "đông nam",
    "thanh xuân",
    "trường thi",
    "trường giang",
    "sao vàng",
    "đồng lương",
    "bậc lương",
    "thanh long",
    "thanh lọc",
    "tiền nong",
    "tướng lĩnh",
    "vinh hoa",
    "điện quang",
    "đồng hoá",
    "đồng hóa",
    "đồng hương",
    "đồng minh",
    "đồng thanh",
    "động thổ",
    "dính liền",
    # province names some units share
    "thanh hóa",
    "quảng bình",
    "quảng ninh",
    "vĩnh phúc",
    "vĩnh long",
    "hà giang",
    "điện biên",
    # well-known districts of other provinces
    "ba đình",
    "tây hồ",
    "hà đông",
    "tân bình",
    "hạ long",
    # read as a name, without marks, in the bot's NLU data (bot/data/nlu, tests/nlu/heldout.yml)
    "năm đóng",
    "trương trung",
    "đóng tiền",
)

_WORD = re.compile(r"[a-z0-9]+")
_JOIN = re.compile(r" ?- ?| ")
_PREFIX_GAP = re.compile(r" ?[.:]? ?| ?- ?")  # `x.Quảng Long`, `p. Ba Đình`, `xã: Quảng Long`


@dataclass(frozen=True)
class OldUnit:
    name: str  # "Xã Quảng Long"
    district: str  # "Huyện Quảng Xương"
    type: str  # merged | divided | renamed | unchanged


@dataclass(frozen=True)
class Unit:
    slug: str
    name: str  # "Xã Quảng Yên"
    kind: str  # xã | phường
    short: str  # "Quảng Yên"
    old: tuple  # OldUnit, …


@dataclass(frozen=True)
class Match:
    slug: str  # "" when ambiguous (see candidates)
    name: str  # the unit's official name; "" when ambiguous
    said: str  # the words of the message that named it, kind word included ("xa quang long")
    old_name: Optional[str]  # the old unit named, when it was one ("Xã Quảng Long")
    old_district: Optional[str]  # its former district ("Huyện Quảng Xương"), when known
    candidates: tuple = ()  # slugs, when the name could mean several units; empty otherwise


# ---------------------------------------------------------------------------------------------------------- loading

_cache: Dict[Path, Tuple[int, List[Unit]]] = {}
_cache_lock = threading.Lock()


def load_units(path: Optional[Path] = None) -> List[Unit]:
    """The units of the file (default content/communes/thanh-hoa.yml), read once per path and modification time."""
    path = Path(path or DEFAULT_PATH).resolve()
    mtime = path.stat().st_mtime_ns
    with _cache_lock:
        hit = _cache.get(path)
        if hit and hit[0] == mtime:
            return list(hit[1])
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    units = [
        Unit(
            slug=str(c["slug"]),
            name=str(c["name"]),
            kind=str(c["kind"]),
            short=str(c["short"]),
            old=tuple(
                OldUnit(str(o["name"]), str(o.get("district") or ""), str(o.get("type") or ""))
                for o in c.get("old") or ()
            ),
        )
        for c in data.get("communes") or ()
    ]
    with _cache_lock:
        _cache[path] = (mtime, units)
    return list(units)


# ---------------------------------------------------------------------------------------------------------- reading

_Sig = Tuple[Tuple[str, ...], bool]  # a syllable's marks (sorted combining characters) and whether it has đ


def _sig(syllable: str) -> _Sig:
    decomposed = unicodedata.normalize("NFD", syllable.lower())
    return tuple(sorted(c for c in decomposed if unicodedata.combining(c))), "đ" in decomposed


def _agree(typed: Sequence[_Sig], name: Sequence[_Sig]) -> bool:
    """Marks typed agree with the name's: a syllable typed without marks agrees with any (its đ likewise)."""
    return all((not t[0] or t[0] == n[0]) and (not t[1] or n[1]) for t, n in zip(typed, name))


class _Text:
    """A message as folded words, each with the marks the citizen typed on it."""

    __slots__ = ("text", "view", "words", "bounds", "_sigs")

    def __init__(self, text: str) -> None:
        self.text = text
        self.view = view(text)
        self.words: List[str] = []
        self.bounds: List[Tuple[int, int]] = []
        for m in _WORD.finditer(self.view.text):
            self.words.append(m.group())
            self.bounds.append((m.start(), m.end()))
        self._sigs: Dict[int, _Sig] = {}

    def sig(self, i: int) -> _Sig:
        if i not in self._sigs:
            start, end = self.view.span(*self.bounds[i])
            self._sigs[i] = _sig(self.text[start:end])
        return self._sigs[i]

    def sigs(self, i: int, j: int) -> List[_Sig]:
        return [self.sig(k) for k in range(i, j)]

    def gap_before(self, i: int) -> str:
        """The folded characters between word i-1 and word i."""
        return self.view.text[self.bounds[i - 1][1] : self.bounds[i][0]] if i else ""

    def one_phrase(self, i: int, j: int) -> bool:
        """Words i..j-1 are not split by punctuation (`tán thành, yên tâm` holds no `Thành Yên`)."""
        return all(_JOIN.fullmatch(self.gap_before(k)) for k in range(i + 1, j))

    def said(self, i: int, j: int) -> str:
        start, _ = self.view.span(*self.bounds[i])
        _, end = self.view.span(*self.bounds[j - 1])
        return self.text[start:end]


def _pattern(written: str) -> Tuple[Tuple[str, ...], Tuple[_Sig, ...]]:
    """A name or word as folded words and the marks of each."""
    t = _Text(written)
    return tuple(t.words), tuple(t.sigs(0, len(t.words)))


def _split_kind(name: str) -> Tuple[Optional[str], str]:
    for prefix, kind in _KIND_PREFIXES:
        if name.lower().startswith(prefix.lower()):
            return kind, name[len(prefix) :].strip()
    return None, name.strip()


def _district_short(district: str) -> str:
    for prefix in _DISTRICT_PREFIXES:
        if district.startswith(prefix):
            return district[len(prefix) :]
    return district


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
    typed: List[_Sig]  # the marks typed on its words
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
                kind, short = _split_kind(old.name)
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
                    self._districts.setdefault(_pattern(_district_short(old.district))[0], old.district)
        for slug, names in (extra or {}).items():
            unit = self.units.get(slug)
            for written in names:
                kind, short = _split_kind(str(written))
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
        self._ordinary: Dict[Tuple[str, ...], List[Tuple[_Sig, ...]]] = {}
        for word in ORDINARY_WORDS:
            words, sigs = _pattern(word)
            self._ordinary.setdefault(words, []).append(sigs)
        self._before: List[Tuple[Tuple[str, ...], Tuple[_Sig, ...], str, Optional[str]]] = []
        for written, kind in _KIND_WORDS.items():
            self._before.append((*_pattern(written), "kind", kind))
        for written in _DISTRICT_WORDS:
            self._before.append((*_pattern(written), "district", None))
        for written in _BLOCKING_WORDS:
            self._before.append((*_pattern(written), "block", None))
        self._before.sort(key=lambda b: -len(b[0]))
        self._before_by_last: Dict[str, list] = {}
        for pattern in self._before:
            self._before_by_last.setdefault(pattern[0][-1], []).append(pattern)

    def _add(self, short: str, entry: _Entry) -> None:
        words, sigs = _pattern(short)
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
        t = _Text(text)
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
        t = _Text(name)
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

    def _word_before(self, t: _Text, i: int) -> Tuple[Optional[str], Optional[str], int]:
        """What the words just before word i are: ("kind", kind, start) | ("district" | "block", None, start)."""
        if i == 0:
            return None, None, i
        for words, sigs, what, kind in self._before_by_last.get(t.words[i - 1], ()):
            n = len(words)
            if (
                i >= n
                and tuple(t.words[i - n : i]) == words
                and t.one_phrase(i - n, i)
                and _agree(t.sigs(i - n, i), sigs)
                and _PREFIX_GAP.fullmatch(t.gap_before(i))
            ):
                return what, kind, i - n
        return None, None, i

    def _ordinary_word(self, t: _Text, i: int, j: int, key: Tuple[str, ...]) -> bool:
        if j - i == 1:
            return True
        spellings = self._ordinary.get(key)
        return bool(spellings) and any(_agree(t.sigs(i, j), s) for s in spellings)

    def _spans(self, t: _Text, strict: bool) -> Tuple[List[_Span], List[Tuple[int, int, str]]]:
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
                what, _, start = self._word_before(t, i)
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
                entries = [e for e in entries if _agree(typed, e.sigs)]
                if not entries:
                    continue
                what, kind, start = self._word_before(t, i)
                if what in ("district", "block"):
                    continue
                span = _Span(i, i + length, start, key, entries, kind, typed)
                span.anchored = any(span.j + d in mention_starts for d in range(_DISTRICT_WINDOW + 1))
                if strict and kind is None and not span.anchored and self._ordinary_word(t, i, i + length, key):
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

    def _resolve(self, t: _Text, span: _Span, mentions: List[Tuple[int, int, str]]) -> Match:
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


def _lower_kind(name: Optional[str]) -> Optional[str]:
    """`Xã Quảng Yên` → `xã Quảng Yên` (as inside a sentence)."""
    if not name:
        return None
    for prefix, kind in _KIND_PREFIXES:
        if name.startswith(prefix):
            return kind + " " + name[len(prefix) :]
    return name


def describe(match: Match) -> dict:
    """{"old": "xã Quảng Long", "new": "xã Quảng Yên"} for "xã Quảng Long nay là xã Quảng Yên"; "old" is None when
    the citizen named today's unit, "new" is None when the match is ambiguous."""
    return {"old": _lower_kind(match.old_name), "new": _lower_kind(match.name)}
