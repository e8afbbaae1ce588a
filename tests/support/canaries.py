"""Helpers of the privacy canary on the real stack (tests/e2e/test_privacy_canary_stack.py): the canary secrets and
every form they may take once written somewhere, and the sweeps of databases, logs and pages.

Finding a secret without false alarms: a stored copy may hold the secret as typed, as its digits only, lower-cased
or without diacritics (passwords), JSON-escaped (Rasa's events) or HTML-escaped (console pages); fragments of a
secret split across messages are looked for too. Every form is matched standalone (`tests.support.leaks`): not inside a
longer number, word or decimal. Databases are read through their text values only (JSON decoded to its strings):
ids, counts and times are numbers, never a citizen's text. A short piece of a split number ("482") is looked for
with the content's timestamps, ids and response sizes blanked out ("zalo message 482 sent" is no leak); a whole
secret is looked for in the content as it is.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import MetaData, Table, create_engine, inspect, select

from tests.support.leaks import standalone

# ------------------------------------------------------------------------------------------------ canaries
NUMBER_WORDS = {
    "không": "0",
    "khong": "0",
    "một": "1",
    "mot": "1",
    "mốt": "1",
    "hai": "2",
    "ba": "3",
    "bốn": "4",
    "bon": "4",
    "tư": "4",
    "năm": "5",
    "nam": "5",
    "lăm": "5",
    "sáu": "6",
    "sau": "6",
    "bảy": "7",
    "bay": "7",
    "tám": "8",
    "tam": "8",
    "chín": "9",
    "chin": "9",
}


def strip_marks(text: str) -> str:
    """Text without Vietnamese diacritics (đ → d)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def digits_of(text: str) -> str:
    """The digits a text spells: digits of any script, Vietnamese number words."""
    return "".join(digit for kind, digit, _, _ in _number_tokens(text) if kind != "x")


def _number_tokens(text: str) -> List[Tuple[str, str, int, int]]:
    """(type, digit, start, end): 'd' a digit of any script, 'w' a number word, 'x' another word."""
    text = unicodedata.normalize("NFC", "".join(c for c in text if unicodedata.category(c) != "Cf"))
    tokens, i, n = [], 0, len(text)
    while i < n:
        value = unicodedata.digit(text[i], None)
        if value is not None:
            tokens.append(("d", str(value), i, i + 1))
            i += 1
        elif text[i].isalpha():
            j = i
            while (
                j < n
                and (text[j].isalpha() or unicodedata.category(text[j]).startswith("M"))
                and unicodedata.digit(text[j], None) is None
            ):
                j += 1
            word = text[i:j].lower()
            tokens.append(("w", NUMBER_WORDS[word], i, j) if word in NUMBER_WORDS else ("x", "", i, j))
            i = j
        else:
            i += 1
    return tokens


def numbers_in(text: str, gap: int = 5) -> List[str]:
    """The digit strings of every written number of a text: digits (any script) and number words, joined across at
    most `gap` characters that are not letters (spaces, dots, dashes, brackets, newlines …)."""
    groups: List[List[str]] = []
    last_end: Optional[int] = None
    for kind, digit, start, end in _number_tokens(text):
        if kind == "x":
            last_end = None
            continue
        if last_end is not None and start - last_end <= gap and groups:
            groups[-1].append(digit)
        else:
            groups.append([digit])
        last_end = end
    return ["".join(g) for g in groups]


@dataclass(frozen=True)
class Canary:
    """A secret sent in one or more consecutive messages. `pieces`: the secret as typed in each message that holds
    part of it; `value`: its significant digits (numbers) or the password as typed."""

    name: str
    kind: str  # otp | password | id_number | phone
    messages: Tuple[str, ...]
    pieces: Tuple[str, ...]
    value: str
    alternates: Tuple[str, ...] = ()  # other ways the same number is written (0987… for +84 987…)

    @property
    def split(self) -> bool:
        """Sent over several messages (parts of the number, or a cue and then the password)."""
        return len(self.messages) > 1

    def forms(self) -> List[str]:
        """Every written form whose presence anywhere is a leak."""
        base = set(self.pieces) | {self.value} | set(self.alternates)
        if self.kind == "password":
            base |= {f.lower() for f in base} | {strip_marks(f) for f in base} | {strip_marks(f).lower() for f in base}
        else:
            base |= {digits_of(p) for p in self.pieces if len(digits_of(p)) >= 3}
        out = set()
        for form in base:
            if not form:
                continue
            out |= {
                form,
                json.dumps(form)[1:-1],
                html.escape(form),
                html.escape(form, quote=False),
                unicodedata.normalize("NFD", form),
            }
        return sorted(out)

    def windows(self) -> List[str]:
        """3-digit runs of the secret's digits (numbers), or of the password's digit runs."""
        digits = self.value if self.kind != "password" else "".join(c for c in self.value if c.isdigit())
        runs = [digits, *self.alternates]
        return sorted({r[i : i + 3] for r in runs for i in range(len(r) - 2)})


def _c(name, kind, messages, pieces, value, alternates=()):
    messages = (messages,) if isinstance(messages, str) else tuple(messages)
    pieces = (pieces,) if isinstance(pieces, str) else tuple(pieces)
    return Canary(name, kind, messages, pieces, value, tuple(alternates))


# Every kind issue 16 lists. Values are distinct, so a leak names its canary.
CANARIES: List[Canary] = [
    # digits with every separator
    _c("spaces_each", "otp", "mã OTP của em là 7 3 9 1 4 6", "7 3 9 1 4 6", "739146"),
    _c("space_groups", "otp", "ma otp 528 307", "528 307", "528307"),
    _c("dash", "otp", "mã xác nhận 61-74-95", "61-74-95", "617495"),
    _c("dot", "otp", "em nhập 830.162 không được", "830.162", "830162"),
    _c("slash", "otp", "mã là 47/26/91", "47/26/91", "472691"),
    _c("underscore", "otp", "otp 395_728", "395_728", "395728"),
    _c("star", "otp", "9*0*4*4*1*7", "9*0*4*4*1*7", "904417"),
    _c("middot", "otp", "mã OTP 2·6·8·5·1·9", "2·6·8·5·1·9", "268519"),
    _c("en_dash", "otp", "otp: 716–384", "716–384", "716384"),
    _c("minus", "otp", "mã 583−902", "583−902", "583902"),
    _c("brackets", "otp", "mã otp (641357)", "641357", "641357"),
    _c("quotes", "otp", 'mã là "807613" ạ', "807613", "807613"),
    # other digit forms
    _c("fullwidth", "otp", "３９４７１６", "３９４７１６", "394716"),
    _c("circled", "otp", "mã ⑤⑦③①⑨②", "⑤⑦③①⑨②", "573192"),
    _c("superscript", "otp", "otp ⁶⁴⁸²⁰⁵", "⁶⁴⁸²⁰⁵", "648205"),
    _c("arabic_indic", "otp", "mã ٧١٥٣٨٢", "٧١٥٣٨٢", "715382"),
    _c("mixed_scripts", "otp", "2８4６9１", "2８4６9１", "284691"),
    # Vietnamese number words, with and without diacritics
    _c("words_accented", "otp", "mã là sáu bốn chín hai tám ba", "sáu bốn chín hai tám ba", "649283"),
    _c("words_plain", "otp", "ma la bay nam mot tam khong sau", "bay nam mot tam khong sau", "751806"),
    _c(
        "words_phone",
        "phone",
        "số em là không chín một ba hai bốn sáu tám năm bảy",
        "không chín một ba hai bốn sáu tám năm bảy",
        "0913246857",
    ),
    # a secret after a cue, with words between
    _c("pw_words_between", "password", "mật khẩu em hay dùng là thu1979", "thu1979", "thu1979"),
    _c("pw_mk", "password", "mk: Hoàng@Anh!", "Hoàng@Anh!", "Hoàng@Anh!"),
    _c("pw_pass", "password", "pass của tôi là Vneid!2025x", "Vneid!2025x", "Vneid!2025x"),
    _c("otp_error", "otp", "lỗi otp 371946", "371946", "371946"),
    _c("otp_entered", "otp", "em nhập 620481 mà nó báo sai", "620481", "620481"),
    _c("otp_sent", "otp", "mã nó gửi về là 159372 đúng không", "159372", "159372"),
    # split across two consecutive messages
    _c("split_otp", "otp", ("482", "913"), ("482", "913"), "482913"),
    _c("split_spaced", "otp", ("5 0 6", "3 8 1"), ("5 0 6", "3 8 1"), "506381"),
    _c("split_password", "password", ("mật khẩu của em là", "Lan@Anh1985"), "Lan@Anh1985", "Lan@Anh1985"),
    _c("split_cccd", "id_number", ("038196", "007452"), ("038196", "007452"), "038196007452"),
    # ID and phone numbers with spaces, dots, +84
    _c("id_spaces", "id_number", "cccd 038 186 007 654", "038 186 007 654", "038186007654"),
    _c("id_dots", "id_number", "số định danh 038.190.012.345", "038.190.012.345", "038190012345"),
    _c("cmnd", "id_number", "cmnd cũ 173 829 465", "173 829 465", "173829465"),
    _c("phone_spaces", "phone", "sdt 0912 345 678", "0912 345 678", "0912345678"),
    _c(
        "phone_plus84",
        "phone",
        "gọi cho tôi +84 987 654 321",
        "+84 987 654 321",
        "84987654321",
        ("0987654321", "987654321"),
    ),
    _c("phone_dots", "phone", "số em 0903.111.222", "0903.111.222", "0903111222"),
    _c("phone_plus84_dots", "phone", "+84.936.579.246", "+84.936.579.246", "84936579246", ("0936579246", "936579246")),
    _c("phone_84_glued", "phone", "84356789012", "84356789012", "84356789012", ("0356789012",)),
]
# a benign message every conversation also sends: it must be stored unchanged (the redaction does not over-mask)
BENIGN = "bước 3 bị lỗi 502, gọi 024.38541051 không được"


def check_canaries(canaries: Sequence[Canary], benign: Sequence[str] = (BENIGN,)) -> None:
    """The canary set is sound: every piece is in its messages, no benign number touches a secret's digits, and
    the sweeps find each canary in its own messages (so a miss is not a blind spot of the sweep)."""
    for c in canaries:
        assert all(any(p in m for m in c.messages) for p in c.pieces), c.name
        assert leaks_in(c, " \n".join(c.messages)), c.name
        assert fragments_in([c], list(c.messages)) or not c.windows(), c.name
    for text in benign:
        numbers = numbers_in(text)
        assert not [w for c in canaries for w in c.windows() if any(w in n for n in numbers)], text


# ------------------------------------------------------------------------------------------------- sweeps
class Place:
    """One place's content, with the views the matching needs computed once."""

    def __init__(self, content: str) -> None:
        self.content = content
        self._views: Dict[Tuple[bool, bool], str] = {}

    def view(self, quiet: bool, lower: bool) -> str:
        key = (quiet, lower)
        if key not in self._views:
            text = without_numeric_noise(self.content) if quiet else self.content
            self._views[key] = text.lower() if lower else text
        return self._views[key]


def leaks_in(canary: Canary, content, exempt: Iterable[str] = ()) -> List[str]:
    """The forms of a canary found standalone in `content` (case-insensitive for passwords), with context. A short
    piece of a split number (fewer than 6 digits) is looked for in the content without its ids, times and sizes
    (`without_numeric_noise`): "482" is a secret's half, "zalo message 482 sent" is not."""
    place = content if isinstance(content, Place) else Place(content)
    lower = canary.kind == "password"
    found = []
    for form in canary.forms():
        if form in exempt:
            continue
        quiet = not lower and len(digits_of(form)) < 6
        haystack = place.view(quiet, lower)
        needle = form.lower() if lower else form
        if needle not in haystack:  # (most forms are nowhere: skip the regular expression)
            continue
        for match in standalone(needle).finditer(haystack):
            found.append(f"{canary.name}: {form!r} in …{haystack[max(0, match.start() - 60) : match.end() + 60]!r}…")
    return found


def sweep(
    canaries: Iterable[Canary], places: Dict[str, str], exempt: Optional[Dict[str, Iterable[str]]] = None
) -> List[str]:
    """Every leak of every canary in every place (place name → its whole content); `exempt`: place name → forms
    not looked for there."""
    exempt = exempt or {}
    canaries = list(canaries)
    out = []
    for where, content in places.items():
        place = Place(content)
        for c in canaries:
            out += [f"[{where}] {leak}" for leak in leaks_in(c, place, set(exempt.get(where, ())))]
    return out


_NOISE = [
    re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:[,.][0-9]+)?(?:[+-][0-9:]+)?"),  # times
    re.compile(r"\[[0-9]{2}/[A-Za-z]{3}/[0-9]{4}(?::[0-9]{2}){3} [+-][0-9]{4}\]"),  # gunicorn's access time
    re.compile(r'(HTTP/[0-9.]+" )[0-9]{3} (?:[0-9]+|-)'),  # access log: status and response size
    # an id: "zalo message 482 sent", "[state 57]", "conversation:306", "pid: 14445", "port 48585"
    re.compile(
        r"(?i)\b(?:message|event|conversation|handoff|callback|state|pid|id|port|worker|events)s?\b"
        r"[ :#=]{0,3}[0-9]+"
    ),
    re.compile(r"\[[0-9]+\]"),  # [pid]
]


def without_numeric_noise(content: str) -> str:
    """Content with its timestamps, ids, pids and response sizes replaced by `<n>` (for short pieces only: a full
    secret is looked for in the content as it is)."""
    for pattern in _NOISE:
        content = pattern.sub("<n>", content)
    return content


def fragments_in(canaries: Sequence[Canary], stored: Sequence[str]) -> List[str]:
    """Stored citizen texts of one conversation, read as one text: a number holding 3 consecutive digits of a
    canary's secret (a fragment left by a partial mask, or two unmasked halves of a split secret)."""
    numbers = numbers_in(" ".join(stored))
    return [f"{c.name}: {w!r} in number {n!r}" for c in canaries for w in c.windows() for n in numbers if w in n]


def _strings(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _flatten(value) -> Iterable[str]:
    """The strings of a stored value. JSON (a JSON column, Rasa's events) is decoded and only its strings are kept:
    non-ASCII text is read as written (Rasa escapes it), numbers are ids and times, not a citizen's text."""
    if not isinstance(value, (str, bytes, dict, list)):  # numbers, times: ids and clocks, never a citizen's text
        return
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str) and value[:1] in ("[", "{", '"'):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, (dict, list)):
        yield from _strings(value)
    else:
        yield str(value)


def database_dump(url: str) -> Dict[str, str]:
    """Every table of a database (found by inspection, not listed by hand), as `table.column: value` lines of its
    text-like values; the keys are `table` names."""
    from gateway.db import engine_url

    engine = create_engine(engine_url(url))
    try:
        out: Dict[str, str] = {}
        with engine.connect() as connection:
            names = inspect(connection).get_table_names()
            assert names, f"no tables in {url}"
            for name in names:
                table = Table(name, MetaData(), autoload_with=connection)
                lines = []
                for row in connection.execute(select(table)).mappings():
                    for column, value in row.items():
                        lines += [f"{name}.{column}: {text}" for text in _flatten(value)]
                out[name] = "\n".join(lines)
        return out
    finally:
        engine.dispose()
