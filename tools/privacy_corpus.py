"""Adversarial corpus for the secret detector (`vntext.secrets`): secret cases that must be masked, benign
messages that must be kept, and the checks that score a detector on them.

    from tools.privacy_corpus import generate, evaluate
    corpus = generate(seed=SEED)                     # deterministic for a seed, varied across seeds
    report = evaluate(Detector(public_numbers=[HOTLINE]), corpus)

A **secret case** is 1–3 consecutive citizen messages holding one or more secrets (OTP, password, ID number,
phone number), written the ways that leaked in issue 16: digits with separators, other Unicode digits, Vietnamese
number words, a secret after a cue with words between, a secret split across messages, ID and phone numbers in
their many written forms; in accented, unaccented and shorthand chat, tagged `widget` or `zalo`. Each case carries
`shape` (the issue's list) and `form` (the variant within it) so the figures say which writing leaks.

A case is **masked** when, after the whole sequence went through the detector as the gateway stores it, no stored
message holds the secret or a fragment of it (`case_leaks`):
- digits (in any script, as number words, split across messages): no 3 consecutive digits of the secret's
  significant digits survive in one "number" of the stored conversation (digits and number words joined by at most
  a few non-letter characters, invisible characters ignored, the stored messages read as one text);
- passwords: no 4 consecutive characters of it survive (compared NFC and case-folded) — only fragments that the
  surrounding words do not contain themselves —, nor 3 consecutive digits of its digit runs.
A phone's significant digits leave out the country code and the trunk 0. Fewer than 3 consecutive digits of a
secret left over are not counted (they cannot be told from a step or a count); number words are read as digits,
one by one or as pairs ("bốn mươi tám" = 48, "mười ba" = 13). Codes that read as a date (01.12.89) are not drawn.
The generator proves both directions for every case it emits: the messages as typed are caught as leaks, and the
ideal storage (each secret replaced by its placeholder) is not; numbers in the surrounding words never touch a
secret, so a surviving context word cannot make a leak.

A **benign** message is kept when every number it names (`keep`: step, error code, decree, date, time, age, year,
version, count, amount, the commune's hotline …) is still there, as often and as written.

Pure Python, no I/O at import; importable from both Python environments (3.10 and 3.11+).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

SEED = 20260116
N_CASES = 6000
N_BENIGN = 800
HOTLINE = "024.38541051"  # the commune's published hotline (content/guide.yml): kept, passed as public_numbers
KINDS = ("otp", "password", "id_number", "phone")
PLACEHOLDERS = {"otp": "[mã OTP]", "password": "[mật khẩu]", "id_number": "[số định danh]", "phone": "[số điện thoại]"}
CHANNELS = ("widget", "zalo")
STYLES = ("accented", "plain", "shorthand")


# ================================================================================================== data
@dataclass(frozen=True)
class Secret:
    """One secret of a case. `pieces`: (message index, text as typed) — several when split across messages.
    `windows`: 3-digit runs whose survival is a leak; `tells`: password fragments whose survival is a leak."""

    kind: str
    value: str  # significant digits (numbers) or the password as typed
    pieces: Tuple[Tuple[int, str], ...]
    windows: Tuple[str, ...] = ()
    tells: Tuple[str, ...] = ()


@dataclass(frozen=True)
class SecretCase:
    """Consecutive messages of one citizen holding secrets; `ideal` is what storage should hold."""

    messages: Tuple[str, ...]
    secrets: Tuple[Secret, ...]
    kind: str  # the kind of the case's first secret, for per-kind figures
    shape: str  # separators | unicode_digits | number_words | cue_words | split | id_phone
    form: str  # the variant within the shape
    channel: str  # widget | zalo
    style: str  # accented | plain | shorthand (the words around the secret)
    ideal: Tuple[str, ...]


@dataclass(frozen=True)
class BenignMessage:
    """An ordinary message; every string in `keep` must survive the detector, as often and as written."""

    text: str
    keep: Tuple[str, ...]
    topic: str
    channel: str
    style: str


@dataclass(frozen=True)
class Corpus:
    cases: Tuple[SecretCase, ...]
    benign: Tuple[BenignMessage, ...]
    seed: int


# ======================================================================================= secret values
_PROVINCES = [
    "001",
    "002",
    "004",
    "006",
    "008",
    "010",
    "011",
    "012",
    "014",
    "015",
    "017",
    "019",
    "020",
    "022",
    "024",
    "025",
    "026",
    "027",
    "030",
    "031",
    "033",
    "034",
    "035",
    "036",
    "037",
    "038",
    "040",
    "042",
    "044",
    "045",
    "046",
    "048",
    "049",
    "051",
    "052",
    "054",
    "056",
    "058",
    "060",
    "062",
    "064",
    "066",
    "067",
    "068",
    "070",
    "072",
    "074",
    "075",
    "077",
    "079",
    "080",
    "082",
    "083",
    "084",
    "086",
    "087",
    "089",
    "091",
    "092",
    "093",
    "094",
    "095",
    "096",
]
_MOBILE = [
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "38",
    "39",
    "52",
    "55",
    "56",
    "58",
    "59",
    "70",
    "76",
    "77",
    "78",
    "79",
    "81",
    "82",
    "83",
    "84",
    "85",
    "86",
    "87",
    "88",
    "89",
    "90",
    "91",
    "92",
    "93",
    "94",
    "96",
    "97",
    "98",
    "99",
]
_LANDLINE = [
    "24",
    "28",
    "237",
    "236",
    "238",
    "203",
    "204",
    "205",
    "206",
    "207",
    "208",
    "209",
    "210",
    "211",
    "212",
    "213",
    "214",
    "215",
    "216",
    "218",
    "219",
    "220",
    "221",
    "222",
    "225",
    "226",
    "227",
    "228",
    "229",
    "232",
    "233",
    "234",
    "235",
    "239",
    "251",
    "252",
    "254",
    "255",
    "256",
    "257",
    "258",
    "259",
    "260",
    "261",
    "262",
    "263",
    "269",
    "270",
    "271",
    "272",
    "273",
    "274",
    "275",
    "276",
    "277",
    "290",
    "291",
    "292",
    "293",
    "294",
    "296",
    "297",
    "299",
]
_CMND = ["17", "18", "01", "02", "03", "12", "13", "16", "24", "27", "31", "38"]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def make_otp(rng: random.Random, length: Optional[int] = None) -> str:
    """A VNeID-style one-time code: 6 digits mostly, 4–8 possible."""
    n = length or rng.choices([4, 5, 6, 7, 8], weights=[8, 4, 76, 4, 8])[0]
    return _digits(rng, n)


def make_cccd(rng: random.Random) -> str:
    """A 12-digit personal ID number: province code 001–096, century/sex digit, birth year, 6 digits."""
    return rng.choice(_PROVINCES) + rng.choice("0123") + _digits(rng, 2) + _digits(rng, 6)


def make_cmnd(rng: random.Random) -> str:
    """An old 9-digit identity card number."""
    return rng.choice(_CMND) + _digits(rng, 7)


def make_mobile(rng: random.Random) -> str:
    """A mobile number with its trunk 0: 03x/05x/07x/08x/09x + 7 digits."""
    return "0" + rng.choice(_MOBILE) + _digits(rng, 7)


def make_landline(rng: random.Random) -> str:
    """A landline with its trunk 0: area code (024, 0237, …) + local number, 11 digits; never the hotline."""
    while True:
        area = "237" if rng.random() < 0.4 else rng.choice(_LANDLINE)  # Thanh Hóa's area code, then any
        number = "0" + area + rng.choice("23456789") + _digits(rng, 9 - len(area))
        if number != re.sub(r"\D", "", HOTLINE):
            return number


def significant(kind: str, number: str) -> str:
    """The digits a leak is judged on: for phones, those after the trunk 0 (the country code is not secret)."""
    return number[1:] if kind == "phone" and number.startswith("0") else number


# ---------------------------------------------------------------------------------------------- passwords
_NAMES = [
    "lan",
    "tuan",
    "hoa",
    "minh",
    "thu",
    "huong",
    "hung",
    "mai",
    "linh",
    "dung",
    "long",
    "trang",
    "quang",
    "ngoc",
    "binh",
    "son",
    "thao",
    "phuong",
    "duc",
    "vinh",
    "yen",
    "khanh",
    "hieu",
    "nga",
    "tam",
    "thanh",
    "hoang",
    "cuong",
    "loan",
    "diep",
    "ha",
    "vy",
]
_VI_NAMES = [
    "Hoàng",
    "Anh",
    "Thuý",
    "Bình",
    "Đức",
    "Hương",
    "Tuấn",
    "Lan",
    "Minh",
    "Yến",
    "Phương",
    "Quỳnh",
    "Hải",
    "Dũng",
    "Thảo",
    "Ngọc",
    "Trâm",
    "Hùng",
    "Nguyễn",
    "Trần",
    "Phạm",
    "Vũ",
    "Đặng",
    "Hồng",
    "Thắm",
    "Lộc",
]
_WORDS = [
    "hoabinh",
    "matkhau",
    "thanhhoa",
    "quanglong",
    "meyeu",
    "giadinh",
    "bongsen",
    "mattroi",
    "hanoi",
    "saigon",
    "iloveyou",
    "congdan",
    "chaobuoisang",
    "hoahong",
    "anhyeuem",
    "concung",
    "bachdang",
    "hoamai",
    "sapa",
    "quexuong",
    "dongque",
    "yeuthuong",
    "xuanhoa",
    "qwerty",
]
_TAILS = ["abc", "xyz", "vn", "Th", "!", "@", "#", "xx", "ok", "."]
_SPECIALS = "@#$%&*!?._-+="


def _strong(rng: random.Random) -> str:
    """What VNeID requires: 8–20 characters with a digit, an upper and a lower letter and a special character."""
    while True:
        name = rng.choice(_NAMES)
        parts = [
            name.capitalize() if rng.random() < 0.7 else name.upper()[:2] + name[2:],
            rng.choice(_SPECIALS),
            _digits(rng, rng.choice([2, 4, 4, 6])),
        ]
        if rng.random() < 0.4:
            parts.append(rng.choice(_TAILS))
        rng.shuffle(parts)
        pw = "".join(parts)
        if (
            8 <= len(pw) <= 20
            and re.search(r"[a-z]", pw)
            and re.search(r"[A-Z]", pw)
            and re.search(r"[0-9]", pw)
            and re.search(r"[^A-Za-z0-9]", pw)
        ):
            return pw


def _year(rng: random.Random) -> str:
    return str(rng.randint(1940, 2008)) if rng.random() < 0.8 else _digits(rng, 2)


def make_password(rng: random.Random, form: str) -> str:
    """A password of one of the shapes citizens type: letters_digits, symbols, name_year, letters_only,
    diacritics (Vietnamese letters inside), digits_only."""
    if form == "letters_digits":
        word = rng.choice(_WORDS + _NAMES + [n + m for n in _NAMES[:10] for m in ("yeu", "xinh", "vn")])
        word = word.capitalize() if rng.random() < 0.3 else word
        digits = _digits(rng, rng.choice([2, 3, 4, 6]))
        return word + digits if rng.random() < 0.8 else digits + word
    if form == "symbols":
        if rng.random() < 0.7:
            return _strong(rng)
        word = rng.choice(_WORDS)
        return word + rng.choice("@#!._") + _digits(rng, rng.choice([2, 3, 4]))
    if form == "name_year":
        base = rng.choice(
            [rng.choice(_NAMES), rng.choice(_NAMES).capitalize(), rng.choice(_NAMES) + rng.choice(_NAMES)]
        )
        return base + _year(rng)
    if form == "letters_only":
        return rng.choice(_WORDS + [a + b for a in _NAMES[:12] for b in _NAMES[12:20]])
    if form == "diacritics":
        first, second = rng.choice(_VI_NAMES), rng.choice(_VI_NAMES)
        shapes = [
            first + "@" + second + "!",
            first + rng.choice(_SPECIALS) + _year(rng),
            first.lower() + second.lower() + _digits(rng, 2),
            first + second + _year(rng),
            first + "." + second + _digits(rng, 2),
            "Mẹ" + first + _year(rng),
        ]
        return rng.choice(shapes)
    if form == "digits_only":
        return _digits(rng, rng.choice([6, 8]))
    raise ValueError(form)


# ==================================================================================== written digit forms
SEPARATOR_FORMS = (
    "space_each",
    "space_groups",
    "dash",
    "dot",
    "slash",
    "underscore",
    "star",
    "middot",
    "en_dash",
    "em_dash",
    "minus",
    "brackets",
    "quotes",
    "mixed",
    "comma_newline",
)
_SPACES = [" ", " ", " ", "  ", "\u00a0", "\u2009", "\u202f", "\u3000"]
_MIDDOTS = ["·", "•", "∙", "・"]
_OTHER_DASHES = ["\u2212", "\u2212", "\u2010", "\u2011", "\u2012", "\ufe63", "\uff0d"]


def _groupings(n: int) -> List[List[int]]:
    """Natural ways to group n digits."""
    options = {
        4: [[2, 2], [1, 3], [3, 1]],
        5: [[2, 3], [3, 2]],
        6: [[3, 3], [2, 2, 2], [4, 2], [2, 4]],
        7: [[3, 4], [4, 3], [2, 2, 3]],
        8: [[4, 4], [2, 2, 2, 2], [3, 3, 2]],
        9: [[3, 3, 3], [2, 3, 4]],
        10: [[4, 3, 3], [3, 3, 4], [2, 2, 2, 2, 2], [4, 6]],
        11: [[4, 4, 3], [4, 3, 4], [3, 4, 4]],
        12: [[3, 3, 3, 3], [4, 4, 4], [6, 6], [2, 2, 2, 2, 2, 2], [3, 3, 6]],
    }
    return options.get(n, [[n]])


def _split(number: str, sizes: Sequence[int]) -> List[str]:
    out, i = [], 0
    for size in sizes:
        out.append(number[i : i + size])
        i += size
    if i < len(number):
        out.append(number[i:])
    return [p for p in out if p]


def _groups(rng: random.Random, number: str, each: float = 0.3) -> List[str]:
    """The number cut per digit (share `each`) or in natural groups."""
    if rng.random() < each:
        return list(number)
    return _split(number, rng.choice(_groupings(len(number))))


def with_separators(rng: random.Random, number: str, form: str) -> str:
    """`number` written with the separators of `form` (one of SEPARATOR_FORMS)."""
    if form == "space_each":
        return rng.choice(_SPACES[:4]).join(number)
    if form == "space_groups":
        return rng.choice(_SPACES).join(_split(number, rng.choice(_groupings(len(number)))))
    simple = {
        "dash": ["-", "-", " - "],
        "dot": ["."],
        "slash": ["/", "/", " / "],
        "underscore": ["_"],
        "star": ["*", "*", " * "],
        "middot": _MIDDOTS,
        "en_dash": ["\u2013", " \u2013 "],
        "em_dash": ["\u2014", " \u2014 "],
        "minus": _OTHER_DASHES,
    }
    if form in simple:
        return rng.choice(simple[form]).join(_groups(rng, number))
    if form == "brackets":
        opening, closing = rng.choice(["()", "[]", "{}", "<>", "()"])
        if rng.random() < 0.5:
            return opening + rng.choice(["", " "]).join(_groups(rng, number, 0.0)) + closing
        return "".join(opening + part + closing for part in _groups(rng, number, 0.0))
    if form == "quotes":
        opening, closing = rng.choice(['""', "''", "“”", "‘’", "«»", "``", "「」"])
        return opening + rng.choice(["", " ", "."]).join(_groups(rng, number, 0.0)) + closing
    if form == "mixed":
        parts = _groups(rng, number, 0.4)
        seps = [" ", ".", "-", "/", "_", "\u00a0", "–", ",", " - "]
        text = parts[0]
        for part in parts[1:]:
            text += rng.choice(seps) + part
        return text
    if form == "comma_newline":
        return rng.choice([",", ", ", "\n", ",\n", "\t", " ,"]).join(_groups(rng, number))
    raise ValueError(form)


UNICODE_FORMS = (
    "fullwidth",
    "circled",
    "superscript",
    "subscript",
    "arabic_indic",
    "devanagari",
    "other_script",
    "mixed_scripts",
    "zero_width_inside",
    "nfd_context",
)
_ZERO_BASES = {
    "fullwidth": 0xFF10,
    "arabic_indic": 0x0660,
    "extended_arabic": 0x06F0,
    "devanagari": 0x0966,
    "bengali": 0x09E6,
    "gurmukhi": 0x0A66,
    "gujarati": 0x0AE6,
    "tamil": 0x0BE6,
    "thai": 0x0E50,
    "lao": 0x0ED0,
    "tibetan": 0x0F20,
    "myanmar": 0x1040,
    "khmer": 0x17E0,
    "mongolian": 0x1810,
    "math_bold": 0x1D7CE,
    "math_double": 0x1D7D8,
    "math_mono": 0x1D7F6,
}
_OTHER_SCRIPTS = [
    "extended_arabic",
    "bengali",
    "gurmukhi",
    "gujarati",
    "tamil",
    "thai",
    "lao",
    "tibetan",
    "myanmar",
    "khmer",
    "mongolian",
    "math_bold",
    "math_double",
    "math_mono",
]
_SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUBSCRIPT = "₀₁₂₃₄₅₆₇₈₉"
_CIRCLED = ["⓪①②③④⑤⑥⑦⑧⑨", "⓿❶❷❸❹❺❻❼❽❾", "⓪➀➁➂➃➄➅➆➇➈", "⓿➊➋➌➍➎➏➐➑➒"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f"]


def _script_digit(script: str, d: str) -> str:
    if script == "ascii":
        return d
    if script == "superscript":
        return _SUPERSCRIPT[int(d)]
    if script == "subscript":
        return _SUBSCRIPT[int(d)]
    if script.startswith("circled"):
        return _CIRCLED[int(script[-1])][int(d)]
    return chr(_ZERO_BASES[script] + int(d))


def in_script(text: str, script: str) -> str:
    """ASCII digits of `text` written in another script (fullwidth, superscript, circled0–3, devanagari, …)."""
    return "".join(_script_digit(script, c) if "0" <= c <= "9" else c for c in text)


def unicode_digits(rng: random.Random, number: str, form: str) -> str:
    """`number` in the digit form `form` (one of UNICODE_FORMS but nfd_context, which keeps ASCII digits)."""
    grouped = number if rng.random() < 0.7 else rng.choice([" ", "-", "."]).join(_groups(rng, number, 0.0))
    if form in ("fullwidth", "arabic_indic", "devanagari", "superscript", "subscript"):
        return in_script(grouped, form)
    if form == "circled":
        return in_script(grouped, "circled%d" % rng.randrange(len(_CIRCLED)))
    if form == "other_script":
        return in_script(grouped, rng.choice(_OTHER_SCRIPTS))
    if form == "mixed_scripts":
        scripts = [
            "ascii",
            "fullwidth",
            "arabic_indic",
            "devanagari",
            "superscript",
            "circled0",
            "thai",
            "math_bold",
            "subscript",
            "bengali",
        ]
        while True:
            chosen = [rng.choice(scripts) if "0" <= c <= "9" else "" for c in grouped]
            if len({s for s in chosen if s}) >= 2:
                return "".join(_script_digit(s, c) if s else c for s, c in zip(chosen, grouped))
    if form == "zero_width_inside":
        chars = list(grouped)
        for _ in range(rng.randint(1, max(1, len(chars) - 1))):
            chars.insert(rng.randint(1, len(chars) - 1), rng.choice(ZERO_WIDTH))
        return "".join(chars)
    if form == "nfd_context":
        return grouped
    raise ValueError(form)


# ------------------------------------------------------------------------------------------- number words
WORD_FORMS = ("words_accented", "words_plain", "words_variants", "words_mixed_digits", "words_pairs")
_ACCENTED = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
_PLAIN = ["khong", "mot", "hai", "ba", "bon", "nam", "sau", "bay", "tam", "chin"]
_VARIANTS = {
    "0": ["không", "khong", "ko", "linh", "lẻ"],
    "1": ["một", "mốt", "mot"],
    "4": ["bốn", "tư", "bon", "tu"],
    "5": ["năm", "lăm", "nam", "lam"],
    "7": ["bảy", "bẩy", "bay"],
}
# what the leak check reads as a digit: every form the generator writes, and their usual spellings
NUMBER_WORDS = {
    "không": "0",
    "khong": "0",
    "ko": "0",
    "linh": "0",
    "lẻ": "0",
    "le": "0",
    "một": "1",
    "mot": "1",
    "mốt": "1",
    "hai": "2",
    "ba": "3",
    "bốn": "4",
    "bon": "4",
    "tư": "4",
    "tu": "4",
    "năm": "5",
    "nam": "5",
    "lăm": "5",
    "lam": "5",
    "sáu": "6",
    "sau": "6",
    "bảy": "7",
    "bẩy": "7",
    "bay": "7",
    "tám": "8",
    "tam": "8",
    "chín": "9",
    "chin": "9",
}
TENS_WORDS = ("mười", "mươi", "muoi")


def _word_separator(rng: random.Random) -> str:
    return rng.choice([" ", " ", " ", " ", ", ", " - ", "-", "  ", " . "])


def _digit_words(rng: random.Random, number: str, table: Sequence[str]) -> List[str]:
    return [table[int(d)] for d in number]


def _pair_words(pair: str, accented: bool) -> List[str]:
    """A two-digit group read as a number: 48 → bốn mươi tám, 13 → mười ba, 21 → hai mươi mốt, 09 → không chín."""
    table = _ACCENTED if accented else _PLAIN
    ten, unit = pair[0], pair[1] if len(pair) > 1 else ""
    if not unit:
        return [table[int(ten)]]
    if ten == "0":
        return [table[0], table[int(unit)]]
    unit_word = {"0": [], "1": ["mốt" if accented else "mot"], "5": ["lăm" if accented else "lam"]}
    if ten == "1":
        words = ["mười" if accented else "muoi"]
        return words + ([] if unit == "0" else [("lăm" if accented else "lam") if unit == "5" else table[int(unit)]])
    tail = unit_word.get(unit, [table[int(unit)]])
    return [table[int(ten)], "mươi" if accented else "muoi"] + tail


def number_words(rng: random.Random, number: str, form: str) -> str:
    """`number` read in Vietnamese words (one of WORD_FORMS)."""
    sep = _word_separator(rng)
    if form == "words_accented":
        words = _digit_words(rng, number, _ACCENTED)
    elif form == "words_plain":
        words = _digit_words(rng, number, _PLAIN)
    elif form == "words_variants":
        eligible = [i for i, d in enumerate(number) if d in _VARIANTS and not (d == "0" and i == 0)]
        forced = rng.choice(eligible)
        words = []
        for i, d in enumerate(number):
            base = _ACCENTED if rng.random() < 0.6 else _PLAIN
            choices = [w for w in _VARIANTS.get(d, [base[int(d)]]) if i > 0 or w not in ("linh", "lẻ")]
            if i == forced:
                choices = [w for w in choices if w not in (_ACCENTED[int(d)], _PLAIN[int(d)])] or choices
            words.append(rng.choice(choices) if (i == forced or rng.random() < 0.5) else base[int(d)])
    elif form == "words_mixed_digits":
        table = _ACCENTED if rng.random() < 0.6 else _PLAIN
        while True:
            chunks = _split(number, [rng.randint(1, 3) for _ in number])
            as_words = [rng.random() < 0.5 for _ in chunks]
            if len(chunks) >= 2 and any(as_words) and not all(as_words):
                break
        parts = [" ".join(table[int(d)] for d in chunk) if w else chunk for chunk, w in zip(chunks, as_words)]
        return rng.choice([" ", " ", ", ", " - "]).join(parts)
    elif form == "words_pairs":
        accented = rng.random() < 0.6
        pairs = _split(number, [2] * (len(number) // 2 + 1))
        return rng.choice([", ", " ", " - ", ". "]).join(" ".join(_pair_words(p, accented)) for p in pairs)
    else:
        raise ValueError(form)
    text = sep.join(words)
    return text[0].upper() + text[1:] if rng.random() < 0.1 else text


# ===================================================================================== text styles, noise
def strip_marks(text: str) -> str:
    """Vietnamese without diacritics, as typed on a phone without a Vietnamese keyboard (đ → d)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


_SHORTHAND = [  # applied to text without diacritics, each with its own chance
    (r"mat khau", ["mk", "mk", "pass", "mat khau"]),
    (r"so dien thoai", ["sdt", "sđt", "sdt"]),
    (r"dien thoai", ["dt", "đt"]),
    (r"khong", ["ko", "k", "ko", "hok"]),
    (r"duoc", ["dc", "đc", "dk"]),
    (r"em", ["e"]),
    (r"anh", ["a"]),
    (r"chi", ["c"]),
    (r"roi", ["r"]),
    (r"gi", ["j"]),
    (r"voi", ["vs"]),
    (r"vay", ["v"]),
    (r"otp", ["opt", "otp", "OTP"]),
    (r"nhe", ["nha", "nhe", "nhé"]),
    (r"tin nhan", ["tn"]),
    (r"password", ["pass", "pw"]),
    (r"can cuoc cong dan", ["cccd"]),
    (r"chung minh nhan dan", ["cmnd"]),
    (r"bao nhieu", ["bn", "bnh"]),
    (r"biet", ["bit"]),
    (r"the nao", ["ntn"]),
    (r"minh", ["mik", "minh"]),
]


def shorthand(rng: random.Random, text: str) -> str:
    """Chat shorthand: no diacritics, ko/dc/mk/sdt/e/a/opt/pass …"""
    text = strip_marks(text)
    for pattern, replacements in _SHORTHAND:
        if rng.random() < 0.75:
            text = re.sub(r"(?i)\b%s\b" % pattern, lambda _m: rng.choice(replacements), text)
    return text


def apply_style(rng: random.Random, text: str, style: str) -> str:
    """The words around a secret in the case's style: accented as written, plain, or shorthand."""
    if style == "plain":
        return strip_marks(text)
    if style == "shorthand":
        return shorthand(rng, text)
    return text


@dataclass
class _Noise:
    lower: bool
    upper: bool
    nfd: bool
    zero_width: bool
    spaces: bool

    @classmethod
    def draw(cls, rng: random.Random, force_nfd: bool = False) -> "_Noise":
        return cls(
            lower=rng.random() < 0.2,
            upper=rng.random() < 0.03,
            nfd=force_nfd or rng.random() < 0.05,
            zero_width=rng.random() < 0.04,
            spaces=rng.random() < 0.05,
        )

    def apply(self, rng: random.Random, text: str) -> str:
        """Transform words around a secret (never the secret itself)."""
        if self.lower:
            text = text.lower()
        if self.upper:
            text = text.upper()
        if self.nfd:
            text = unicodedata.normalize("NFD", text)
        if self.zero_width and text:
            i = rng.randrange(len(text) + 1)
            text = text[:i] + rng.choice(ZERO_WIDTH[:5]) + text[i:]
        if self.spaces and " " in text:
            text = text.replace(" ", rng.choice(["  ", "\u00a0", " \n", "\t"]), 1)
        return text


# ============================================================================================= sentences
# "{}" marks the secret. Written with diacritics; the case's style makes them plain or shorthand.
OTP_TEMPLATES = [
    "mã OTP là {}",
    "mã OTP của tôi là {}",
    "mã otp vừa về là {}",
    "Mã OTP: {}",
    "OTP: {}",
    "otp:{}",
    "otp {}",
    "OTP code: {}",
    "code {} nhé",
    "mã xác thực {} nhé",
    "mã xác nhận: {}",
    "mã xác thực của em là {}",
    "tin nhắn gửi về {}",
    "tin nhắn báo mã {} mà nhập không được",
    "sms gửi mã {} cho em",
    "em nhập mã {} nhưng báo sai",
    "mã vừa nhận được là {}",
    "mã của em là {} ạ",
    "mã: {}",
    "mã {} nha",
    "{} là mã OTP của em",
    "{} là mã otp",
    "{} đây là mã xác thực",
    "{}",
    "{}",
    "{}",
    "{}",
    "nhận được mã OTP {} rồi, giờ làm gì tiếp",
    "mã otp gửi về điện thoại là {}, nhập vào đâu ạ",
    "bạn ơi OTP {} có đúng không",
    "cho hỏi mã {} còn dùng được không",
    "mình nhận được tin nhắn SMS: {}",
    "mã OTP {} hết hạn rồi ạ",
    "mã kích hoạt là {}",
    "otp của mẹ em là {}",
    "OTP={}",
    "OTP về máy là {}",
    "em đọc mã cho bạn nhé: {}",
    "mã xác nhận đăng nhập VNeID: {}",
    "opt {} ạ",
]
OTP_CUE_TEMPLATES = [  # a cue, then words, then the code (issue 16)
    "lỗi otp {}",
    "em nhập {} mà nó báo sai",
    "mã nó gửi về là {} đúng không",
    "mã OTP mà tổng đài gửi cho em là {}",
    "tin nhắn mới nhất nó gửi mã {} đó",
    "bác nhập cái mã {} vào rồi mà không thấy gì",
    "cái mã xác thực trong tin nhắn là {} ạ",
    "nó báo mã hết hạn, mã em nhận được lúc nãy là {}",
    "mã otp của mẹ em vừa nhận là {}, nhập vào đâu",
    "em gõ {} vào ô mã xác thực rồi",
    "đã nhập {} nhưng báo mã không chính xác",
    "otp về máy là {} sao không vào được",
    "mã otp gửi qua tin nhắn cho bố em là {}",
    "nó gửi cho em cái mã là {} mà em nhập mãi không được",
    "mã xác thực hôm qua em nhận là {}, hôm nay dùng lại được không",
    "lỗi mã OTP {} không hợp lệ",
    "mã mà nó nhắn về máy mẹ em là {} ạ",
    "bấm gửi lại mã thì nhận được {}",
    "cái otp nó báo là {}",
    "Ma OTP cua ban la {}. Vui long khong chia se ma nay",
    "VNeID: Ma xac thuc cua ban la {}, co hieu luc trong 5 phut",
    "em copy mã {} dán vào mà nó không nhận",
    "mã otp hiện trên máy là {} phải không ạ",
    "mã lúc nãy nó gửi về là {} đúng không",
    "em vừa nhập cái mã {} thì nó quay vòng mãi",
]
OTP_SHORTHAND = [
    "ma otp la {}",
    "ma otp cua e la {}",
    "otp e nhan dc {}",
    "ma xac thuc {} a",
    "ma vua nhan dc la {}",
    "ma otp: {} nhe ad",
    "e nhap ma {} ma ko dc",
    "otp la {} do",
    "ma xn {}?",
    "tin nhan gui ma {}",
    "opt {} dung ko a",
    "ma no gui ve la {} dung ko",
    "e nhap {} ma no bao sai",
]
ID_TEMPLATES = [
    "số CCCD của tôi là {}",
    "cccd: {}",
    "số định danh {}",
    "số định danh cá nhân {} đăng nhập không được",
    "căn cước {}",
    "số căn cước của tôi là {}",
    "{}",
    "{}",
    "mã định danh {}",
    "đây là số căn cước của bố tôi {}",
    "cccd em: {}",
    "số căn cước {}",
    "số định danh {} báo không tồn tại",
    "tài khoản {} mà không đăng nhập được",
    "username {}",
    "số {}, bạn kiểm tra giúp",
    "ID {} nhé",
    "cháu đăng nhập hộ bác, số {}",
    "số cccd của mẹ em là {} ạ",
    "nhập {} vào ô số định danh đúng không",
    "em nhập số {} mà nó báo sai",
    "số CCCD gắn chip {} có dùng được không",
    "tên đăng nhập là {} phải không",
    "căn cước công dân số {}",
]
CMND_TEMPLATES = [
    "CMND cũ của tôi {}",
    "số chứng minh nhân dân {}",
    "cmnd: {}",
    "em chỉ có CMND số {} thôi",
    "chứng minh thư {} còn dùng được không",
    "số CMND {} nhập vào báo sai",
    "{}",
    "số {} là CMND cũ ạ",
]
PHONE_TEMPLATES = [
    "sdt: {}",
    "sđt của tôi là {}",
    "số điện thoại của tôi là {}",
    "số đt {}",
    "gọi lại cho tôi số {}",
    "sđt đăng ký VNeID là {}",
    "số {} không nhận được otp",
    "zalo {}",
    "{}",
    "{}",
    "điện thoại nhận mã của tôi là {}",
    "sdt em {}",
    "liên hệ {} nhé",
    "số của mẹ tôi {}",
    "sim {} bị mất rồi",
    "tôi đổi số rồi, số mới {}",
    "cho em xin gọi lại, số em là {}",
    "sđt:{}",
    "ĐT: {}",
    "số cũ là {} giờ không dùng",
    "số điện thoại đăng ký VNeID của bố em là {}",
    "máy em số {} mà không thấy tin nhắn",
]
PASSWORD_TEMPLATES = [  # (template, introduced by là / : / =): letters-only passwords only where introduced
    ("mật khẩu em hay dùng là {}", True),
    ("mk: {}", True),
    ("pass của tôi là {}", True),
    ("mk là {}", True),
    ("mật khẩu của tôi là {}", True),
    ("mật khẩu là {}", True),
    ("mật khẩu: {}", True),
    ("Mật khẩu {}", False),
    ("mật khẩu mới là {}", True),
    ("mật khẩu em đặt là {}", True),
    ("mật khẩu VNeID của mẹ tôi là {}", True),
    ("pass: {}", True),
    ("password {}", False),
    ("Password: {}", True),
    ("mật mã là {}", True),
    ("mật khẩu đăng nhập: {} có đúng không", True),
    ("đăng nhập hộ em với mk {}", False),
    ("tài khoản của bố em, mật khẩu {} nhé", False),
    ("em đổi mật khẩu thành {} rồi", False),
    ("mật khẩu {} mà báo sai", False),
    ("mk={}", True),
    ("mật khẩu = {}", True),
    ("mật khẩu hiện tại là {}", True),
    ("PASS: {}", True),
    ("mật khẩu em nhập là {} mà nó báo sai mật khẩu", True),
    ("mk cũ là {}", True),
    ("mật khẩu mới em đặt là {} được không", True),
    ("pass {} nhé", False),
    ("mk của bà em là {} ạ", True),
    ("em quên rồi, hình như mật khẩu là {}", True),
    ("mật khẩu lúc tạo tài khoản là {}", True),
]
ISSUE_OTP = ["lỗi otp {}", "em nhập {} mà nó báo sai", "mã nó gửi về là {} đúng không"]  # issue 16's own examples
ISSUE_PASSWORD = [("mật khẩu em hay dùng là {}", True), ("mk: {}", True), ("pass của tôi là {}", True)]
PASSWORD_SHORTHAND = [
    ("mk là {}", True),
    ("mk: {}", True),
    ("mk cua e la {}", True),
    ("mk {}", False),
    ("mat khau la {}", True),
    ("mat khau cua toi la {}", True),
    ("mk moi {}", False),
    ("pass {} nhe", False),
    ("mk e dat la {}", True),
    ("mk:{}", True),
    ("mat khau: {}", True),
    ("mk vneid la {}", True),
    ("pass cua e la {}", True),
]
PASSWORD_FORMS = ("letters_digits", "symbols", "name_year", "letters_only", "diacritics")
COMBOS = [  # several secrets in one message: (template, password introduced)
    ("số định danh {id_number} mật khẩu {password}", False),
    ("cccd {id_number} pass {password} login hộ", False),
    ("sdt {phone}, otp {otp}", False),
    ("số điện thoại {phone} và mã OTP là {otp}", False),
    ("tài khoản {id_number}, mk là {password}, otp {otp}", True),
    ("mk: {password} - sđt {phone}", True),
    ("số cccd {id_number} sdt {phone}", False),
    ("em gửi mã {otp} và số {phone}", False),
    ("tên đăng nhập {id_number}\nmật khẩu {password}", False),
    ("otp {otp}, mật khẩu là {password}", True),
]
PREFIXES = [
    "",
    "",
    "",
    "",
    "",
    "chào bạn, ",
    "ad ơi ",
    "dạ ",
    "cho em hỏi, ",
    "Bạn ơi! ",
    "anh chị ơi ",
    "alo ",
    "cháu chào chú, ",
    "em hỏi chút, ",
    "xin chào, ",
]
SUFFIXES = [
    "",
    "",
    "",
    "",
    "",
    " ạ",
    " nhé",
    " 🙏",
    " 😭",
    " giúp em với",
    "!",
    ".",
    " ?",
    " cảm ơn",
    " nha ad",
    "\n",
    " 👍👍",
    " ...",
    " ạ 🙏",
]
LEAD_INS = [  # a message before the one with the secret (no numbers in them)
    "bị lỗi rồi ad ơi",
    "cho em hỏi chút",
    "em làm theo hướng dẫn rồi",
    "nó bắt nhập mã",
    "đợi em chút",
    "em đang đăng nhập hộ mẹ",
    "bạn ơi giúp mình với",
    "dạ vâng",
    "nó báo sai hoài",
    "em nhận được tin nhắn rồi",
    "đăng nhập dịch vụ công sao khó thế",
    "alo alo",
]
AFTER = ["nhập vào đâu ạ", "giúp em với", "đúng chưa ạ", "sao vẫn chưa vào được", "cảm ơn ad", "rồi sao nữa"]


# ============================================================================================ the checks
_MAX_GAP = 5  # characters (no letter) that may separate two digits or number words of one written number


def _visible(text: str) -> str:
    """NFC text without invisible (format) characters."""
    return unicodedata.normalize("NFC", "".join(c for c in text if unicodedata.category(c) != "Cf"))


def _is_letter(ch: str) -> bool:
    return ch.isalpha() or unicodedata.category(ch).startswith("M")


def _tokens(text: str) -> List[Tuple[str, str, int, int]]:
    """(type, value, start, end) of digits ('d', its value), number words ('w') and other words ('x'),
    in NFC text with invisible (format) characters removed."""
    text = _visible(text)
    tokens, i, n = [], 0, len(text)
    while i < n:
        value = unicodedata.digit(text[i], None)
        if value is not None:
            tokens.append(("d", str(value), i, i + 1))
            i += 1
        elif _is_letter(text[i]):
            j = i
            while j < n and _is_letter(text[j]) and unicodedata.digit(text[j], None) is None:
                j += 1
            word = text[i:j].lower()
            kind = "w" if word in NUMBER_WORDS or word in TENS_WORDS else "x"
            tokens.append((kind, word, i, j))
            i = j
        else:
            i += 1
    return tokens


def _read_group(group: Sequence[Tuple[str, str, int, int]]) -> str:
    """Digits of one written number: digit-by-digit words, pair readings (bốn mươi tám, mười ba) and digits."""
    out: List[str] = []
    prev = ""

    def unit_next(k: int) -> bool:
        return k + 1 < len(group) and group[k + 1][0] == "w" and group[k + 1][1] in NUMBER_WORDS

    for k, (kind, value, _s, _e) in enumerate(group):
        if kind == "d":
            out.append(value)
            prev = "digit"
        elif value in NUMBER_WORDS:
            out.append(NUMBER_WORDS[value])
            prev = "unit_after_tens" if prev == "tens" else "unit"
        elif value == "mười" or (value == "muoi" and prev != "unit"):  # 1x
            out.append("1" if unit_next(k) else "10")
            prev = "tens"
        else:  # mươi: x0 or xy, its tens digit already written
            if not unit_next(k):
                out.append("0")
            prev = "tens"
    return "".join(out)


def numbers_in(text: str) -> List[str]:
    """The digit strings of every written number in `text`: digits of any script and number words, joined across
    at most _MAX_GAP characters without a letter (spaces, dots, dashes, brackets, quotes, newlines …)."""
    groups: List[List[Tuple[str, str, int, int]]] = []
    last_end = None
    for token in _tokens(text):
        if token[0] == "x":
            last_end = None
            continue
        if last_end is not None and token[2] - last_end <= _MAX_GAP and groups:
            groups[-1].append(token)
        else:
            groups.append([token])
        last_end = token[3]
    return [_read_group(g) for g in groups]


def windows(digits: str, size: int = 3) -> Tuple[str, ...]:
    """Every run of `size` consecutive digits of `digits`, in order, without repeats."""
    seen: Dict[str, None] = {}
    for i in range(len(digits) - size + 1):
        seen.setdefault(digits[i : i + size], None)
    return tuple(seen)


def _fold(text: str) -> str:
    return _visible(text).casefold()


def _fragments(password: str, size: int = 4) -> List[str]:
    folded = _fold(password)
    return [folded[i:j] for i in range(len(folded)) for j in range(i + size, len(folded) + 1)]


def conversation_text(stored: Sequence[str]) -> str:
    """The stored messages read as one text (a fragment may continue in the next message)."""
    return " ".join(stored)


def secret_leaks(secret: Secret, stored: Sequence[str]) -> List[str]:
    """What of `secret` survives in the stored messages: the digit runs and password fragments found."""
    text = conversation_text(stored)
    found: List[str] = []
    if secret.windows:
        numbers = numbers_in(text)
        found += [w for w in secret.windows if any(w in number for number in numbers)]
    if secret.tells:
        folded = _fold(text)
        found += [t for t in secret.tells if t in folded]
    return found


def case_leaks(case: SecretCase, stored: Sequence[str]) -> List[str]:
    """Human-readable leaks of a case after its messages were stored as `stored` (empty: masked)."""
    if len(stored) != len(case.messages):
        raise ValueError("one stored text per message")
    leaks = []
    for secret in case.secrets:
        found = secret_leaks(secret, stored)
        if found:
            leaks.append("%s %r: %s" % (secret.kind, secret.value, ", ".join(repr(f) for f in found[:4])))
    return leaks


def _standalone(token: str) -> "re.Pattern[str]":
    return re.compile(r"(?<![0-9])" + re.escape(token) + r"(?![0-9])")


def benign_missing(message: BenignMessage, redacted: str) -> List[str]:
    """The strings of `message.keep` that the redacted text lost (or holds fewer times than the message)."""
    missing = []
    for token in dict.fromkeys(message.keep):
        pattern = _standalone(token)
        if len(pattern.findall(redacted)) < len(pattern.findall(message.text)):
            missing.append(token)
    return missing


# ======================================================================================= building a case
class _Rejected(Exception):
    """A draw whose checks would not be sound (a context number touches the secret, …): draw again."""


@dataclass
class _Spec:
    kind: str
    value: str  # significant digits, or the password


@dataclass
class _Draft:
    """Messages as segments: (text, secret index or -1); words are styled when the case is built."""

    messages: List[List[Tuple[str, int]]]
    specs: List[_Spec]
    kind: str
    style: Optional[str] = None  # forced style (shorthand templates, NFD context)
    force_nfd: bool = False


def _fill(template: str, values: Dict[str, Tuple[int, str]]) -> List[Tuple[str, int]]:
    """Segments of a template whose {}/{kind} slots take values[slot] = (secret index, written)."""
    segments: List[Tuple[str, int]] = []
    for piece in re.split(r"(\{[a-z_]*\})", template):
        if re.fullmatch(r"\{[a-z_]*\}", piece):
            index, written = values[piece[1:-1]]
            segments.append((written, index))
        elif piece:
            segments.append((piece, -1))
    return segments


def _single(template: str, kind: str, value: str, written: str, style: Optional[str] = None) -> _Draft:
    return _Draft([_fill(template, {"": (0, written)})], [_Spec(kind, value)], kind, style)


def _neighbours_clean(text: str, start: int, end: int) -> bool:
    """No digit or number word within joining distance before `start` or after `end` of `text`, so that what
    survives of the secret can never join a number of the words around it."""
    before_text = _visible(text[:start])
    before = _tokens(before_text)
    if before and before[-1][0] != "x" and len(before_text) - before[-1][3] <= _MAX_GAP:
        return False
    after = _tokens(text[end:])
    return not (after and after[0][0] != "x" and after[0][2] <= _MAX_GAP)


def _build(rng: random.Random, draft: _Draft, shape: str, form: str) -> SecretCase:
    """Style the words, add greetings and emoji, compute each secret's checks; raise _Rejected when unsound."""
    style = draft.style or rng.choices(STYLES, weights=[45, 30, 25])[0]
    noise = _Noise.draw(rng, force_nfd=draft.force_nfd)
    messages = [list(m) for m in draft.messages]
    if rng.random() < 0.5:
        messages[0].insert(0, (rng.choice(PREFIXES), -1))
    messages[-1].append((rng.choice(SUFFIXES), -1))
    if len(messages) < 3 and rng.random() < 0.12:
        messages.insert(0, [(rng.choice(LEAD_INS), -1)])
    elif len(messages) < 3 and rng.random() < 0.05:
        messages.append([(rng.choice(AFTER), -1)])
    typed: List[str] = []
    ideal: List[str] = []
    pieces: Dict[int, List[Tuple[int, str, int]]] = defaultdict(list)  # secret → (message, written, offset)
    for m, segments in enumerate(messages):
        text, clean = "", ""
        for words, index in segments:
            if index < 0:
                words = noise.apply(rng, apply_style(rng, words, style))
                text, clean = text + words, clean + words
            else:
                pieces[index].append((m, words, len(text)))
                text, clean = text + words, clean + PLACEHOLDERS[draft.specs[index].kind]
        typed.append(text)
        ideal.append(clean)
    secrets = tuple(_secret(draft.specs[i], pieces[i], typed, ideal) for i in range(len(draft.specs)))
    return SecretCase(tuple(typed), secrets, draft.kind, shape, form, rng.choice(CHANNELS), style, tuple(ideal))


def _blank_pieces(typed: List[str], pieces: List[Tuple[int, str, int]]) -> List[str]:
    """The messages with each of `pieces` (message, written, offset) replaced by the letter X."""
    out = list(typed)
    for m, written, offset in pieces:
        out[m] = out[m][:offset] + "X" + out[m][offset + len(written) :]
    return out


def _secret(spec: _Spec, pieces: List[Tuple[int, str, int]], typed: List[str], ideal: List[str]) -> Secret:
    """The secret with its leak checks, after proving them sound on this case."""
    if len({m for m, _, _ in pieces}) != len(pieces):
        raise ValueError("one piece of a secret per message")
    for m, written, offset in pieces:
        # the secret's other pieces are the secret, not words around it: a letter stands for them here
        others = _blank_pieces(typed, [p for p in pieces if p[0] != m])
        left = conversation_text(others[:m] + [typed[m][:offset]])
        right = conversation_text([typed[m][offset + len(written) :]] + others[m + 1 :])
        if not _neighbours_clean(left + written + right, len(left), len(left) + len(written)):
            raise _Rejected("a number in the words around the secret")
    ideal_numbers = numbers_in(conversation_text(ideal))
    if spec.kind == "password":
        digit_runs = re.findall(r"[0-9]{3,}", spec.value)
        wins = tuple(w for run in digit_runs for w in windows(run))
        ideal_folded = _fold(conversation_text(ideal))
        tells = tuple(dict.fromkeys(f for f in _fragments(spec.value) if f not in ideal_folded))
        if _fold(spec.value) not in tells:
            raise _Rejected("the password is also a word around it")
    else:
        wins, tells = windows(spec.value), ()
    if any(w in number for w in wins for number in ideal_numbers):
        raise _Rejected("a digit run of the secret is also in the words around it")
    secret = Secret(spec.kind, spec.value, tuple((m, w) for m, w, _ in pieces), wins, tells)
    if not secret_leaks(secret, typed):
        raise _Rejected("the secret as typed is not caught by the leak check")
    return secret


def hand_case(
    messages: Sequence[str],
    secrets: Sequence[Tuple[str, str, Sequence[Tuple[int, str]]]],
    shape: str = "hand",
    form: str = "hand",
    channel: str = "widget",
) -> SecretCase:
    """A case written by hand, checked like a generated one. `secrets`: (kind, value, pieces) with value the
    significant digits (phones without the trunk 0) or the password, pieces (message index, text as typed)."""
    typed = list(messages)
    ideal = list(messages)
    found: List[List[Tuple[int, str, int]]] = []
    for kind, _value, pieces in secrets:
        found.append([(m, written, typed[m].index(written)) for m, written in pieces])
    for (kind, _value, _pieces), located in zip(secrets, found):
        for m, written, _offset in located:
            ideal[m] = ideal[m].replace(written, PLACEHOLDERS[kind], 1)
    try:
        built = tuple(
            _secret(_Spec(kind, value), located, typed, ideal)
            for (kind, value, _pieces), located in zip(secrets, found)
        )
    except _Rejected as error:
        raise ValueError("unsound hand case %r: %s" % (list(messages), error)) from None
    return SecretCase(tuple(typed), built, secrets[0][0], shape, form, channel, "accented", tuple(ideal))


# ================================================================================================ recipes
def _numeric(rng: random.Random, kind: str, form: str = "") -> Tuple[str, str]:
    """(written number with trunk 0 for phones, significant digits) of a digit secret of `kind`."""
    if kind == "otp":
        number = make_otp(rng)
    elif kind == "id_number":
        number = make_cmnd(rng) if form == "cmnd9" or (not form and rng.random() < 0.15) else make_cccd(rng)
    else:
        number = make_landline(rng) if form == "landline" or (not form and rng.random() < 0.15) else make_mobile(rng)
    return number, significant(kind, number)


def _template(rng: random.Random, kind: str, number: str) -> Tuple[str, Optional[str]]:
    """A sentence for a digit secret of `kind` (and a forced style for shorthand-written ones)."""
    if kind == "otp":
        if rng.random() < 0.2:
            return rng.choice(OTP_SHORTHAND), "shorthand"
        return rng.choice(OTP_TEMPLATES + OTP_CUE_TEMPLATES[:8]), None
    if kind == "id_number":
        return rng.choice(CMND_TEMPLATES if len(number) == 9 else ID_TEMPLATES), None
    return rng.choice(PHONE_TEMPLATES), None


def _kind_for(rng: random.Random, weights: Sequence[int]) -> str:
    return rng.choices(["otp", "id_number", "phone"], weights=weights)[0]


_DATE_LIKE = re.compile(
    r"\D*(\d{1,2}) ?([./\-\u2010-\u2015\u2212\ufe63\uff0d]) ?(\d{1,2})"
    r"(?: ?\2 ?(\d{2}|\d{4}))?\D*"
)


def looks_like_date(written: str) -> bool:
    """True when a written code reads as a date (01.12.89, 12/05): a citizen may mean the date, so such a code is
    not a fair secret case."""
    ascii_digits = "".join(
        str(unicodedata.digit(c)) if unicodedata.digit(c, None) is not None else c for c in _visible(written)
    )
    match = _DATE_LIKE.fullmatch(ascii_digits)
    return bool(match) and 1 <= int(match.group(1)) <= 31 and 1 <= int(match.group(3)) <= 12


def _otp_draft(kind: str, template: str, digits: str, written: str, style: Optional[str]) -> _Draft:
    if kind == "otp" and looks_like_date(written):
        raise _Rejected("the code reads as a date")
    return _single(template, kind, digits, written, style)


def recipe_separators(rng: random.Random, form: str) -> _Draft:
    """Digits with separators or spaces (4 8 2 9 1 3, 48-29-13, 482.913, 4·8·2 …)."""
    kind = _kind_for(rng, [60, 20, 20])
    number, digits = _numeric(rng, kind)
    template, style = _template(rng, kind, number)
    return _otp_draft(kind, template, digits, with_separators(rng, number, form), style)


def recipe_unicode(rng: random.Random, form: str) -> _Draft:
    """Other digit forms: full-width, circled, super/subscript, other scripts, mixed, zero-width inside, NFD."""
    kind = _kind_for(rng, [60, 20, 20])
    number, digits = _numeric(rng, kind)
    template, style = _template(rng, kind, number)
    if form == "nfd_context":
        style = "accented"
        template = rng.choice(
            [
                t
                for t in {
                    "otp": OTP_TEMPLATES + OTP_CUE_TEMPLATES[:12],
                    "id_number": ID_TEMPLATES,
                    "phone": PHONE_TEMPLATES,
                }[kind]
                if re.search(r"[^\x00-\x7f]", t)
            ]
        )
        written = number if rng.random() < 0.6 else with_separators(rng, number, rng.choice(SEPARATOR_FORMS))
        draft = _otp_draft(kind, template, digits, written, style)
        draft.force_nfd = True
        return draft
    return _otp_draft(kind, template, digits, unicode_digits(rng, number, form), style)


_WORD_TEMPLATES = [
    "mã là {}",
    "{}",
    "{}",
    "otp {} nhé",
    "em đọc mã nhé: {}",
    "mã OTP của em là {}",
    "mã xác thực {}",
    "nó gửi mã {} ạ",
    "mã của mẹ em: {}",
    "số điện thoại em là {}",
    "sđt: {}",
    "số định danh {}",
    "cccd của bố là {}",
    "em đọc số cho: {}",
]


def recipe_words(rng: random.Random, form: str) -> _Draft:
    """Vietnamese number words, with and without diacritics, variants, mixed with digits, read in pairs."""
    kind = "otp" if form == "words_pairs" else _kind_for(rng, [70, 10, 20])
    number, digits = _numeric(rng, kind)
    if form == "words_pairs":
        number = digits = make_otp(rng, rng.choice([4, 6, 6, 6, 8]))
    if form == "words_variants" and not any(d in _VARIANTS for d in number[1:]):
        raise _Rejected("no digit with a variant reading")
    pool = {
        "otp": _WORD_TEMPLATES[:9],
        "phone": _WORD_TEMPLATES[9:11] + ["{}"],
        "id_number": _WORD_TEMPLATES[11:] + ["{}"],
    }[kind]
    return _single(rng.choice(pool), kind, digits, number_words(rng, number, form))


def recipe_otp_cue(rng: random.Random, form: str) -> _Draft:
    """An OTP after a cue with words between ("em nhập 482913 mà nó báo sai", "lỗi otp 482913")."""
    number = make_otp(rng)
    if rng.random() < 0.15:
        return _single(rng.choice(OTP_SHORTHAND[-3:] + OTP_SHORTHAND[:3]), "otp", number, number, "shorthand")
    written = number if rng.random() < 0.85 else with_separators(rng, number, "space_groups")
    template = rng.choice(ISSUE_OTP if rng.random() < 0.25 else OTP_CUE_TEMPLATES)
    return _single(template, "otp", number, written)


def recipe_password(rng: random.Random, form: str) -> _Draft:
    """A password of one shape after a cue ("mk: Hoàng@Anh!", "mật khẩu em hay dùng là thu1979")."""
    password = make_password(rng, form)
    if form == "diacritics" and rng.random() < 0.15:
        password = unicodedata.normalize("NFD", password)
    style = None
    draw = rng.random()
    if draw < 0.2:
        template, introduced = rng.choice(PASSWORD_SHORTHAND)
        style = "shorthand"
    elif draw < 0.35:
        template, introduced = rng.choice(ISSUE_PASSWORD)
    else:
        template, introduced = rng.choice(PASSWORD_TEMPLATES)
    if form == "letters_only" and not introduced:
        raise _Rejected("a letters-only password needs 'là' or ':' before it")
    return _single(template, "password", password, password, style)


def _written_plain(rng: random.Random, kind: str, number: str) -> str:
    if kind == "password":
        return number
    if rng.random() < 0.6:
        return number
    return with_separators(rng, number, rng.choice(["space_groups", "dot", "dash"]))


def recipe_combo(rng: random.Random, form: str) -> _Draft:
    """Several secrets in one message ("tài khoản 0381…, mk là Thu@1979, otp 482913")."""
    template, introduced = rng.choice(COMBOS)
    slots = re.findall(r"\{([a-z_]+)\}", template)
    specs, values = [], {}
    for index, kind in enumerate(slots):
        if kind == "password":
            shapes = list(PASSWORD_FORMS) if introduced else [f for f in PASSWORD_FORMS if f != "letters_only"]
            value = written = make_password(rng, rng.choice(shapes))
        else:
            number, value = _numeric(rng, kind)
            written = _written_plain(rng, kind, number)
        specs.append(_Spec(kind, value))
        values[kind] = (index, written)
    return _Draft([_fill(template, values)], specs, slots[0])


def _split_number(rng: random.Random, number: str, parts: int) -> List[str]:
    """`number` cut into `parts` consecutive fragments (an ID: its first 6 digits, then the rest)."""
    if parts == 2 and len(number) == 12:
        cuts = [6]
    elif parts == 3 and len(number) == 6:
        cuts = [2, 4]
    else:
        low = 2 if len(number) > 2 * parts else 1
        cuts = sorted(rng.sample(range(low, len(number) - low + 1), parts - 1))
    bounds = [0] + cuts + [len(number)]
    return [number[a:b] for a, b in zip(bounds, bounds[1:])]


_SPLIT_CUES = {
    "otp": ["mã là", "mã otp của em", "otp:", "mã nó gửi là", "mã xác thực"],
    "id_number": ["số cccd của em là", "số định danh", "cccd:", "số căn cước của mẹ em"],
    "phone": ["sđt em", "số điện thoại là", "số của em", "sdt:"],
}


def recipe_split(rng: random.Random, form: str) -> _Draft:
    """A secret over consecutive messages ("482" then "913"; 48/29/13; an ID's first 6 digits then the rest;
    "mật khẩu của em là" then the password alone)."""
    if form == "split_password_cue":
        password = make_password(rng, rng.choice(PASSWORD_FORMS))
        cue = rng.choice(
            [
                "mật khẩu của em là",
                "mk e là",
                "mật khẩu là",
                "pass:",
                "mật khẩu VNeID của bố em là",
                "mk:",
                "em gửi mật khẩu nhé",
                "mật khẩu đây",
            ]
        )
        tail = rng.choice(["", "", " ạ", " nhé"])
        return _Draft([[(cue, -1)], [(password, 0), (tail, -1)]], [_Spec("password", password)], "password")
    kind = {"split_otp_2": "otp", "split_otp_3": "otp", "split_id": "id_number", "split_phone": "phone"}[form]
    number, digits = _numeric(rng, kind)
    if kind == "otp" and form == "split_otp_3":
        number = digits = make_otp(rng, 6)
    parts = _split_number(rng, number, 3 if form == "split_otp_3" else 2)
    messages: List[List[Tuple[str, int]]] = [[(part, 0)] for part in parts]
    where = rng.random()
    if where < 0.4:
        messages[0].insert(0, (rng.choice(_SPLIT_CUES[kind]) + " ", -1))
    elif where < 0.55 and len(messages) < 3:
        messages.insert(0, [(rng.choice(_SPLIT_CUES[kind]), -1)])
    if rng.random() < 0.3:
        messages[-1].append((rng.choice([" ạ", " nhé", " nha", " đó"]), -1))
    return _Draft(messages, [_Spec(kind, digits)], kind)


def _id_written(rng: random.Random, number: str, form: str) -> str:
    if form in ("id_plain", "mobile_plain"):
        return number
    if form in ("id_spaced", "mobile_spaced", "cmnd9"):
        if form == "cmnd9" and rng.random() < 0.5:
            return number
        sep = rng.choice([" ", " ", ".", "-", " - ", "\u00a0"])
        return sep.join(_split(number, rng.choice(_groupings(len(number)))))
    if form == "intl":
        a, b, c = number[1:4], number[4:7], number[7:]
        national = number[1:]
        return rng.choice(
            [
                f"+84{national}",
                f"+84 {a} {b} {c}",
                f"84{national}",
                f"84 {a} {b} {c}",
                f"0084 {a} {b} {c}",
                f"0084{national}",
                f"(+84) {a}-{b}-{c}",
                f"(+84){national}",
                f"+84.{a}.{b}.{c}",
                f"+84-{a}-{b}-{c}",
                f"+84 (0) {a} {b} {c}",
                f"+84 0{a} {b} {c}",
                f"(+84) {national}",
                f"(84) {a} {b} {c}",
            ]
        )
    if form == "landline":
        area = next(a for a in sorted(_LANDLINE, key=len, reverse=True) if number[1:].startswith(a))
        local = number[1 + len(area) :]
        half = len(local) // 2
        return rng.choice(
            [
                number,
                f"0{area} {local[:half]} {local[half:]}",
                f"(0{area}) {local}",
                f"0{area}.{local[:half]}.{local[half:]}",
                f"0{area}-{local}",
                f"+84 {area} {local}",
                f"(0{area}) {local[:half]} {local[half:]}",
                f"0{area} {local}",
            ]
        )
    raise ValueError(form)


def recipe_id_phone(rng: random.Random, form: str) -> _Draft:
    """ID numbers (12 digits, old 9-digit CMND) and phones (0xxx, +84, 84, 0084, landlines) in their written forms."""
    kind = "id_number" if form in ("id_plain", "id_spaced", "cmnd9") else "phone"
    number, digits = _numeric(rng, kind, form)
    template, style = _template(rng, kind, number)
    return _single(template, kind, digits, _id_written(rng, number, form), style)


# (shape, form, weight, recipe): the weights give each form at least ~110 cases in N_CASES
PLAN: List[Tuple[str, str, int, Callable[[random.Random, str], _Draft]]] = (
    [("separators", f, 110, recipe_separators) for f in SEPARATOR_FORMS]
    + [("unicode_digits", f, 115, recipe_unicode) for f in UNICODE_FORMS]
    + [("number_words", f, 150, recipe_words) for f in WORD_FORMS]
    + [("cue_words", "otp_cue", 300, recipe_otp_cue)]
    + [("cue_words", "password_" + f, 160, recipe_password) for f in PASSWORD_FORMS]
    + [("cue_words", "combo", 130, recipe_combo)]
    + [
        ("split", f, 135, recipe_split)
        for f in ("split_otp_2", "split_otp_3", "split_id", "split_phone", "split_password_cue")
    ]
    + [
        ("id_phone", f, 125, recipe_id_phone)
        for f in ("id_plain", "id_spaced", "cmnd9", "mobile_plain", "mobile_spaced", "intl", "landline")
    ]
)


def _quotas(n: int) -> List[int]:
    total = sum(w for _, _, w, _ in PLAN)
    counts = [n * w // total for _, _, w, _ in PLAN]
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def _one_case(rng: random.Random, shape: str, form: str, recipe: Callable[[random.Random, str], _Draft]) -> SecretCase:
    sub = form[len("password_") :] if form.startswith("password_") else form
    for _ in range(200):
        try:
            return _build(rng, recipe(rng, sub), shape, form)
        except _Rejected:
            continue
    raise RuntimeError("no sound case for %s/%s in 200 draws" % (shape, form))


def secret_cases(n: int = N_CASES, seed: int = SEED) -> List[SecretCase]:
    """`n` adversarial secret cases, each form of PLAN in proportion, in a seeded order."""
    rng = random.Random(seed)
    order = [i for i, count in enumerate(_quotas(n)) for _ in range(count)]
    rng.shuffle(order)
    return [_one_case(rng, PLAN[i][0], PLAN[i][1], PLAN[i][3]) for i in order]


# ================================================================================================ benign
_DECREES = [
    ("59", "2022", "NĐ-CP"),
    ("69", "2024", "NĐ-CP"),
    ("13", "2023", "NĐ-CP"),
    ("118", "2025", "NĐ-CP"),
    ("42", "2022", "NĐ-CP"),
    ("45", "2020", "NĐ-CP"),
    ("107", "2021", "NĐ-CP"),
    ("104", "2022", "NĐ-CP"),
]
_OTHER_TEXTS = [
    ("91", "2025", "QH15"),
    ("06", "QĐ-TTg"),
    ("217", "HCC-HCQT"),
    ("17", "2023", "TT-BCA"),
    ("05", "HD-UBND"),
    ("1686", "NQ-UBTVQH15"),
    ("24", "2024", "QĐ-UBND"),
]
_HTTP = ["400", "401", "403", "404", "408", "429", "500", "502", "503", "504"]


def _date(rng: random.Random, sep: str = "/", pad: bool = True) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2019, 2026)
    fmt = "%02d" if pad else "%d"
    return sep.join([fmt % day, fmt % month, str(year)])


def _amount(rng: random.Random) -> str:
    thousands = rng.choice([20, 30, 50, 70, 100, 150, 200, 500, 1500, 2000, 12500])
    value = "{:,}".format(thousands * 1000).replace(",", ".")
    return value


def _slot(rng: random.Random, name: str, plain: bool) -> str:
    """A value for a benign template slot: it must survive the detector."""

    def fold(text: str) -> str:
        return strip_marks(text) if plain else text

    simple: Dict[str, Callable[[], str]] = {
        "step": lambda: str(rng.randint(1, 8)),
        "frac": lambda: "%d/%d" % rng.choice([(1, 5), (2, 5), (3, 5), (4, 5), (5, 5), (3, 8), (6, 8), (7, 8)]),
        "http": lambda: rng.choice(_HTTP),
        "app_code": lambda: rng.choice(["1001", "1002", "E102", "ERR_01", "403.1"]),
        "decree": lambda: fold("/".join(rng.choice(_DECREES))),
        "text": lambda: fold("/".join(rng.choice(_OTHER_TEXTS))),
        "date": lambda: _date(rng),
        "date_dash": lambda: _date(rng, "-", pad=False),
        "date_dot": lambda: _date(rng, "."),
        "day_month": lambda: "%d/%d" % (rng.randint(1, 28), rng.randint(1, 12)),
        "month": lambda: str(rng.randint(1, 12)),
        "year": lambda: str(rng.choice([2023, 2024, 2025, 2026])),
        "byear": lambda: str(rng.randint(1935, 2006)),
        "time": lambda: (
            rng.choice(["%dh%02d", "%d:%02d", "%dh%02d"]) % (rng.randint(6, 21), rng.choice([0, 15, 30, 45]))
        ),
        "hour": lambda: str(rng.randint(6, 21)),
        "minute": lambda: str(rng.choice([5, 10, 15, 20, 30, 45])),
        "age": lambda: str(rng.randint(55, 98)),
        "version": lambda: "%d.%d.%d" % (rng.randint(1, 2), rng.randint(0, 9), rng.randint(0, 12)),
        "ios": lambda: rng.choice(["15.8", "16.7", "17.5", "17.6.1", "18.1", "18.3.2"]),
        "android": lambda: str(rng.randint(9, 15)),
        "iphone": lambda: rng.choice(["7", "8", "11", "12", "13", "14 Pro", "15"]),
        "samsung": lambda: "A%d" % rng.choice([10, 12, 32, 52, 54, 71]),
        "count": lambda: str(rng.randint(2, 9)),
        "minutes": lambda: str(rng.choice([2, 3, 5, 10, 15, 20, 30, 45])),
        "seconds": lambda: str(rng.choice([30, 60, 90, 120, 180])),
        "amount": lambda: _amount(rng),
        "k": lambda: str(rng.choice([20, 50, 100, 200, 500])),
        "hotline": lambda: (
            HOTLINE
            if rng.random() < 0.75
            else rng.choice(["024 3854 1051", "02438541051", "024.3854.1051", "(024) 38541051"])
        ),
        "small": lambda: str(rng.randint(1, 30)),
        "house": lambda: str(rng.randint(1, 200)),
        "room": lambda: str(rng.choice([101, 102, 201, 203, 305])),
        "km": lambda: str(rng.randint(2, 40)),
        "dossier": lambda: (
            rng.choice(["000.00.12.H56-%s-%04d", "H56.22-%s-%04d"])
            % ("%02d%02d%02d" % (rng.choice([24, 25]), rng.randint(1, 12), rng.randint(1, 28)), rng.randint(1, 999))
        ),
        "digits6": lambda: "6",
        "digits12": lambda: "12",
        "digits9": lambda: "9",
        "pw_len": lambda: rng.choice(["8-20", "8 đến 20" if not plain else "8 den 20"]),
    }
    return simple[name]()


BENIGN_TEMPLATES: List[Tuple[str, str]] = [
    # steps
    ("step", "em đang ở bước {step}"),
    ("step", "em đang ở bước {frac}"),
    ("step", "làm tới bước {step} thì bị lỗi"),
    ("step", "bước {step} là nhập mã OTP phải không"),
    ("step", "xong bước {step} rồi, giờ làm gì"),
    ("step", "bước {step} của cách quét QR là gì ạ"),
    ("step", "em bị kẹt ở bước {step} mãi"),
    ("step", "bước {frac} rồi ạ"),
    ("step", "Bước {step}: bấm Đăng nhập phải không"),
    ("step", "quay lại bước {step} được không"),
    ("step", "em làm đến bước {step} thì nó quay lại trang đầu"),
    # error codes
    ("error_code", "lỗi {http}"),
    ("error_code", "báo {http}"),
    ("error_code", "mã lỗi {http}"),
    ("error_code", "Error {http}"),
    ("error_code", "HTTP {http} Not Found"),
    ("error_code", "nó hiện {http} là sao ạ"),
    ("error_code", "vào dịch vụ công bị lỗi {http} hoài"),
    ("error_code", "mã lỗi {app_code} là lỗi gì vậy"),
    ("error_code", "trang báo lỗi {http} Bad Gateway"),
    ("error_code", "ứng dụng báo lỗi {http} khi đăng nhập"),
    # decrees and official texts
    ("decree", "Nghị định {decree} quy định gì về định danh điện tử"),
    ("decree", "theo {decree} thì phải dùng VNeID à"),
    ("decree", "nghị định {decree} có hiệu lực chưa"),
    ("decree", "văn bản {text} nói gì vậy ạ"),
    ("decree", "em đọc trên mạng thấy {decree} bắt buộc dùng VNeID"),
    ("decree", "công văn số {text} hướng dẫn gì"),
    # dates
    ("date", "từ ngày {date} phải đăng nhập bằng VNeID đúng không ạ"),
    ("date", "ngày {date_dash} em lên xã được không"),
    ("date", "em làm căn cước ngày {date_dot} mà chưa có tài khoản"),
    ("date", "hẹn ngày {date} trả kết quả"),
    ("date", "hôm nay {day_month} bộ phận một cửa có làm việc không"),
    ("date", "tháng {month} năm {year} đổi gì không ạ"),
    ("date", "hạn cuối là {date} phải không"),
    ("date", "giấy hẹn ghi ngày {date} lúc {time}"),
    # times
    ("time", "{time} sáng mai em lên xã được không"),
    ("time", "lúc {time} em đăng nhập thì báo lỗi"),
    ("time", "xã làm việc từ {time} đến {time} đúng không"),
    ("time", "lúc {hour} giờ em gọi không ai nghe"),
    ("time", "{hour} giờ {minute} phút tối qua em thử rồi"),
    ("time", "chiều nay {time} có ai trực không"),
    ("time", "mai {hour} giờ em qua được không ạ"),
    # ages and years
    ("age", "bà em {age} tuổi rồi"),
    ("age", "bố tôi năm nay {age} tuổi, không biết dùng điện thoại"),
    ("age", "mẹ em {age} tuổi có phải làm VNeID không"),
    ("age", "ông {age} tuổi mắt kém lắm"),
    ("year", "mẹ tôi sinh năm {byear}, có dùng được VNeID không"),
    ("year", "từ năm {year} phải dùng VNeID à"),
    ("year", "căn cước cấp năm {year} có dùng được không"),
    ("year", "bố em sinh năm {byear}"),
    # versions and devices
    ("version", "ứng dụng VNeID phiên bản {version} bị lỗi"),
    ("version", "máy em iOS {ios}"),
    ("version", "VNeID {version} có quét QR được không"),
    ("version", "Android {android} có cài được VNeID không"),
    ("version", "em dùng iPhone {iphone} mà không quét được"),
    ("version", "điện thoại Samsung {samsung} có NFC không"),
    # counts and amounts
    ("count", "em nhập sai {count} lần rồi"),
    ("count", "nhà em có {count} người cần làm"),
    ("count", "đợi {minutes} phút rồi chưa thấy mã"),
    ("count", "gửi lại mã sau {seconds} giây à"),
    ("count", "mã OTP có {digits6} số phải không"),
    ("count", "số định danh có {digits12} số đúng không"),
    ("count", "CMND cũ có {digits9} số thì dùng được không"),
    ("count", "mật khẩu phải từ {pw_len} ký tự à"),
    ("count", "có {count} cách đăng nhập đúng không"),
    ("count", "ấn Xác nhận {count} lần mà không được"),
    ("amount", "lệ phí {amount} đồng phải không"),
    ("amount", "phí làm hồ sơ {amount}đ có đắt không"),
    ("amount", "em chuyển {k}k rồi"),
    ("amount", "tổng cộng {amount} đ cho cả hồ sơ"),
    # the commune's hotline
    ("hotline", "số hotline {hotline} phải không"),
    ("hotline", "em gọi {hotline} mà không ai nghe"),
    ("hotline", "gọi tổng đài {hotline} được không ạ"),
    ("hotline", "số {hotline} là của xã mình à"),
    # small numbers, places
    ("small", "thôn {small} xã Quảng Long"),
    ("small", "số nhà {house} ngõ {small}"),
    ("small", "phòng {room} tầng {small} trụ sở UBND xã"),
    ("small", "tôi ở xa, {km} km mới tới xã"),
    ("small", "làm căn cước mất {small} ngày à"),
    # dossier references, clearly labelled
    ("dossier", "mã hồ sơ của tôi là {dossier}"),
    ("dossier", "hồ sơ {dossier} đang ở bước nào rồi"),
    # several at once
    ("mixed", "lúc {time} ngày {date} em làm tới bước {step} thì báo lỗi {http}"),
    ("mixed", "bà em {age} tuổi, làm căn cước ngày {date} lúc {time}"),
    ("mixed", "em dùng VNeID {version} trên iOS {ios}, tới bước {frac} thì lỗi {http}"),
]


def _benign_one(rng: random.Random, topic: str, template: str) -> BenignMessage:
    style = rng.choices(STYLES, weights=[50, 30, 20])[0]
    plain = style != "accented"
    text, keep = "", []
    for piece in re.split(r"(\{[a-z0-9_]+\})", template):
        if re.fullmatch(r"\{[a-z0-9_]+\}", piece):
            value = _slot(rng, piece[1:-1], plain)
            keep.append(value)
            text += value
        elif piece:
            text += apply_style(rng, piece, style)
    if rng.random() < 0.3:
        text = apply_style(rng, rng.choice(PREFIXES), style) + text
    if rng.random() < 0.3:
        text += rng.choice(SUFFIXES)
    return BenignMessage(text, tuple(keep), topic, rng.choice(CHANNELS), style)


def benign_messages(n: int = N_BENIGN, seed: int = SEED) -> List[BenignMessage]:
    """`n` ordinary messages (every template several times, seeded values and styles)."""
    rng = random.Random(seed * 7919 + 1)
    order = [i % len(BENIGN_TEMPLATES) for i in range(n)]
    rng.shuffle(order)
    return [_benign_one(rng, *BENIGN_TEMPLATES[i]) for i in order]


def generate(seed: int = SEED, n_cases: int = N_CASES, n_benign: int = N_BENIGN) -> Corpus:
    """The whole corpus for a seed: secret cases and benign messages."""
    return Corpus(tuple(secret_cases(n_cases, seed)), tuple(benign_messages(n_benign, seed)), seed)


# ============================================================================================ evaluation
def store_sequence(detector, messages: Sequence[str]) -> List[str]:
    """What the gateway stores for consecutive messages: each one redacted with the previous stored message as
    context; a completed secret re-masks the previous stored message."""
    stored: List[str] = []
    for message in messages:
        result = detector.redact(message, previous=stored[-1] if stored else None)
        if result.previous_text is not None and stored:
            stored[-1] = result.previous_text
        stored.append(result.text)
    return stored


@dataclass
class Miss:
    """A secret case that leaked: as typed, as stored, what survived."""

    case: SecretCase
    stored: List[str]
    leaks: List[str]

    def describe(self) -> str:
        """A few lines for a person fixing the detector."""
        return "[%s/%s/%s %s] typed %r\n    stored %r\n    leaked %s" % (
            self.case.kind,
            self.case.shape,
            self.case.form,
            self.case.channel,
            list(self.case.messages),
            self.stored,
            "; ".join(self.leaks),
        )


@dataclass
class Dropped:
    """A benign message that lost a number it must keep."""

    message: BenignMessage
    redacted: str
    missing: List[str]

    def describe(self) -> str:
        """One line for a person fixing the detector."""
        return "[%s] %r -> %r (lost %s)" % (self.message.topic, self.message.text, self.redacted, self.missing)


@dataclass
class Report:
    """Counts by group (kind, channel, shape, form, style, topic) and the misses in corpus order."""

    totals: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    masked: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    misses: List[Miss] = field(default_factory=list)
    benign_total: Counter = field(default_factory=Counter)
    benign_kept: Counter = field(default_factory=Counter)
    dropped: List[Dropped] = field(default_factory=list)

    def rate(self, group: str = "all", key: str = "all") -> float:
        """Share of secret cases masked in a group (e.g. rate("kind", "otp")); 1.0 for an empty group."""
        total = self.totals[group][key]
        return self.masked[group][key] / total if total else 1.0

    def kept_rate(self, topic: str = "all") -> float:
        """Share of benign messages kept (all, or one topic)."""
        total = self.benign_total[topic]
        return self.benign_kept[topic] / total if total else 1.0


def evaluate(detector, corpus: Corpus) -> Report:
    """Run every case and benign message through `detector` (a vntext.secrets.Detector) and count."""
    report = Report()
    for case in corpus.cases:
        stored = store_sequence(detector, case.messages)
        leaks = case_leaks(case, stored)
        groups = {
            "all": "all",
            "kind": case.kind,
            "channel": case.channel,
            "shape": case.shape,
            "form": case.shape + "/" + case.form,
            "style": case.style,
        }
        for group, key in groups.items():
            report.totals[group][key] += 1
            report.masked[group][key] += 0 if leaks else 1
        if leaks:
            report.misses.append(Miss(case, stored, leaks))
    for message in corpus.benign:
        redacted = detector.redact(message.text, previous=None).text
        missing = benign_missing(message, redacted)
        for topic in ("all", message.topic, "channel:" + message.channel):
            report.benign_total[topic] += 1
            report.benign_kept[topic] += 0 if missing else 1
        if missing:
            report.dropped.append(Dropped(message, redacted, missing))
    return report


def tally(cases: Iterable[SecretCase], attribute: str) -> Counter:
    """How many cases per value of an attribute (kind, shape, form, channel, style)."""
    return Counter(getattr(case, attribute) for case in cases)
