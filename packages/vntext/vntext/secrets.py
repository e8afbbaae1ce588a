"""The one detector of citizens' secrets in chat text: OTP, password, ID number, phone number.

Used by the gateway (before anything is stored, logged or forwarded) and by the bot's NLU (the `sensitive`
signal), so "the bot saw a secret" and "storage holds it masked" cannot disagree.

    from vntext.secrets import Detector
    det = Detector(public_numbers=["024.38541051"])      # the commune's published numbers are kept
    r = det.redact("mã là 482 913")                       # Redaction(text="mã là [mã OTP]", kinds=["otp"], ...)
    r = det.redact("913", previous="482")                 # fragments across two messages of one conversation:
    r.text == "[mã OTP]"; r.previous_text == "[mã OTP]"   # the earlier message is masked retroactively

Fail closed: when unsure whether a token is a secret, it is masked (the bot then asks in words).
- Numbers are read on a folded view of the text (`vntext.normalize`): any Unicode digit, any separator, spaces
  between digit groups, Vietnamese number words ("bốn tám hai chín một ba"). Digit groups separated only by
  spaces and punctuation form one run. A run of 9 digits or more is an ID or phone number; a run of 4 to 8 is
  masked unless it is clearly something else (a date, a time, a decree number, a version, an amount or a count
  with its unit, a year after "năm", a labelled number such as "lỗi 5021"); 2 or 3 digits right after a cue
  ("otp 482") are masked too.
- Passwords: after a password cue ("mật khẩu", "mk", "pass", "mã PIN", …), the first word that is not an
  ordinary word is masked (after "là" / ":" even letters only: "mk là hoabinh"); anywhere, a word that mixes
  letters with digits or symbols the way passwords do ("thu1979", "Hoàng@Anh!") is masked.
- Context: the previous message of the conversation (as stored) is read too. Digits ending it and digits starting
  this message are one run ("482" then "913"), a cue ending it applies to this message ("mật khẩu của em là"
  then "thu1979"), and a secret ending it makes a short number starting this message a continuation.

Linear in the input: one pass to fold, one to split into atoms, bounded look-arounds; no lock, no shared state
mutated after construction (a Detector is safe to share between threads).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from vntext import secret_words as words
from vntext.normalize import View, view

KINDS = ("otp", "password", "id_number", "phone")
PLACEHOLDERS = {
    "otp": "[mã OTP]",
    "password": "[mật khẩu]",
    "id_number": "[số định danh]",
    "phone": "[số điện thoại]",
}

Span = Tuple[str, int, int]  # (kind, start, end) in the ORIGINAL text


@dataclass(frozen=True)
class Redaction:
    """The masked text, the kinds found (in KINDS order), their spans in the original text; and, when the
    message completes a secret begun in the previous message, that previous text masked (else None)."""

    text: str
    kinds: List[str] = field(default_factory=list)
    spans: List[Span] = field(default_factory=list)
    previous_text: Optional[str] = None
    previous_spans: List[Span] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ atoms
_ATOM = re.compile(r"[a-z]+|[0-9]+|[^\sa-z0-9]")
_SENTENCE_END = frozenset(".?!;…")
_EDGE = frozenset("\"'()[]{}<>.,;:!?…*-_~`")


@dataclass
class _Atom:
    kind: str  # "L" letters, "D" digits, "P" one other character, "X" a placeholder already in the text
    text: str  # folded ("X": the placeholder's kind)
    start: int  # in the view
    end: int
    space_before: bool


def _atoms(text: str) -> List[_Atom]:
    out: List[_Atom] = []
    prev_end = 0
    for m in _ATOM.finditer(text):
        s = m.group(0)
        c = s[0]
        kind = "L" if "a" <= c <= "z" else "D" if "0" <= c <= "9" else "P"
        out.append(_Atom(kind, s, m.start(), m.end(), m.start() > prev_end or m.start() == 0))
        prev_end = m.end()
    return _collapse_placeholders(out)


_PLACEHOLDER_WORDS = {
    ("ma", "otp"): "otp",
    ("mat", "khau"): "password",
    ("so", "dinh", "danh"): "id_number",
    ("so", "dien", "thoai"): "phone",
}


def _collapse_placeholders(atoms: List[_Atom]) -> List[_Atom]:
    """`[mã OTP]` (any case, marks or spacing) becomes one opaque atom: neither a secret nor a cue."""
    if not any(a.text == "[" for a in atoms):
        return atoms
    out: List[_Atom] = []
    i, n = 0, len(atoms)
    while i < n:
        a = atoms[i]
        if a.text == "[":
            for phrase, kind in _PLACEHOLDER_WORDS.items():
                k = len(phrase)
                if (
                    i + k + 1 < n
                    and atoms[i + k + 1].text == "]"
                    and tuple(x.text for x in atoms[i + 1 : i + k + 1]) == phrase
                ):
                    out.append(_Atom("X", kind, a.start, atoms[i + k + 1].end, a.space_before))
                    i += k + 2
                    break
            else:
                out.append(a)
                i += 1
        else:
            out.append(a)
            i += 1
    return out


# ------------------------------------------------------------------------------------------------ tables
@dataclass(frozen=True)
class _Tables:
    cues: Dict[str, List[Tuple[Tuple[str, ...], str]]]  # first word -> [(phrase words, kind)], longest first
    fillers: FrozenSet[str]
    stopwords: FrozenSet[str]
    introducers: FrozenSet[str]
    labels: Dict[Tuple[str, ...], int]
    year_words: FrozenSet[str]
    number_words: Dict[str, str]


@functools.lru_cache(maxsize=1)
def _tables() -> _Tables:
    cues: Dict[str, List[Tuple[Tuple[str, ...], str]]] = {}
    for kind, phrases in (
        ("otp", words.OTP_CUES),
        ("password", words.PASSWORD_CUES),
        ("id_number", words.ID_CUES),
        ("phone", words.PHONE_CUES),
        ("", words.NOT_CUES),
    ):
        for phrase in phrases:
            parts = tuple(phrase.split())
            cues.setdefault(parts[0], []).append((parts, kind))
    for options in cues.values():
        options.sort(key=lambda o: -len(o[0]))
    labels = {tuple(k.split()): v for k, v in words.LABELS.items()}
    return _Tables(
        cues,
        frozenset(words.FILLERS),
        frozenset(words.STOPWORDS) | frozenset(words.FILLERS),
        frozenset(words.INTRODUCERS),
        labels,
        frozenset(words.YEAR_WORDS),
        dict(words.NUMBER_WORDS),
    )


def _find_cues(atoms: List[_Atom], t: _Tables) -> List[Optional[Tuple[str, int]]]:
    """For each atom that starts a cue phrase: (kind, index one past the phrase); else None."""
    out: List[Optional[Tuple[str, int]]] = [None] * len(atoms)
    n = len(atoms)
    for i, a in enumerate(atoms):
        if a.kind != "L":
            continue
        options = t.cues.get(a.text)
        if not options:
            continue
        for parts, kind in options:
            k = len(parts)
            if i + k <= n and all(atoms[i + j].text == parts[j] for j in range(1, k)):
                out[i] = (kind, i + k) if kind else None
                break
    return out


# ------------------------------------------------------------------------------------- benign number shapes
_UNIT_MONEY = r"(?:d|dong|vnd|k|nghin|ngan|trieu|tr|ty|ti|usd|\$|%)"
_UNIT_COUNT = r"(?:tuoi|nguoi|ky tu|chu so|km|kg|luot|phut|giay|tuan|ho so|mb|gb|met|lit|chiec|lan|buoc)"
_BENIGN = [
    # times: 8h30, 14:00, 8g, 08:30:15
    re.compile(r"(?<![0-9])(?:[01]?[0-9]|2[0-4])(?::|h|g)[0-5][0-9](?::[0-5][0-9])?(?![0-9])"),
    re.compile(r"(?<![0-9])(?:[01]?[0-9]|2[0-4])h(?![a-z0-9])"),
    # decree and document numbers: 59/2022/nd-cp, 06/qd-ttg, 123/ubnd
    re.compile(r"(?<![0-9])[0-9]{1,5}/(?:(?:19|20)[0-9]{2}/)?[a-z]{2,}(?:[-a-z0-9]*[a-z0-9])?"),
    # dossier and receipt codes: H56.22-250102-0192
    re.compile(r"(?<![a-z0-9])[a-z][0-9]{2}(?:[.\-][0-9]{2,}){2,}(?![0-9])"),
    # versions after a word that announces one: VNeID 2.1.8, iOS 17.5, v2.3
    re.compile(
        r"(?:\bv|\bver|version|phien ban|\bban|\bios|android|vneid|\bapp|zalo|chrome|windows|cap nhat)"
        r" ?[0-9]{1,3}(?:\.[0-9]{1,3}){1,3}(?![0-9])"
    ),
    # amounts: 1.500.000d, 50.000 dong, 200k, 1,5 trieu, 12%; thousands ending in 000 (1.500.000)
    re.compile(r"(?<![0-9.,])[0-9]+(?:[.,][0-9]+)* ?" + _UNIT_MONEY + r"(?![a-z0-9])"),
    re.compile(r"(?<![0-9.,])[0-9]{1,3}(?:[.,]000)+(?![0-9.,])"),
    # counts with their unit: 1200 nguoi, 82 tuoi, 8 ky tu, 8-20 ky tu
    re.compile(r"(?<![0-9.,])[0-9]+(?: ?[-~] ?[0-9]+)? ?" + _UNIT_COUNT + r"(?![a-z0-9])"),
    # a document's number after its kind: nghi dinh 59/2022, thong tu 17/2024, quyet dinh so 1686
    re.compile(
        r"(?:nghi dinh|quyet dinh|thong tu|nghi quyet|cong van|luat|\bnd|\bqd|\btt|\bnq|\bcv) ?(?:so )?"
        r"[0-9]{1,5}(?:/(?:19|20)[0-9]{2})?(?![0-9])"
    ),
]
# a dossier number (mã hồ sơ)
_BENIGN.append(re.compile(r"(?<![0-9])[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[a-z][0-9]{2}-[0-9]{6}-[0-9]{4}(?![0-9])"))
_DATE = re.compile(r"(?<![0-9])([0-9]{1,2})([/.\-])([0-9]{1,2})(?:\2([0-9]{4}|[0-9]{2}))?(?![0-9])")
_ISO_DATE = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}([/.\-])[01]?[0-9]\1[0-3]?[0-9](?![0-9])")
_MONTH_YEAR = re.compile(r"(?<![0-9])(?:0?[1-9]|1[0-2])[/\-](?:19|20)[0-9]{2}(?![0-9])")


def _benign_mask(text: str) -> bytearray:
    """1 for each view character inside a clearly-not-secret number shape (date, time, amount, …)."""
    mask = bytearray(len(text))

    def mark(s: int, e: int) -> None:
        mask[s:e] = b"\x01" * (e - s)

    for rx in _BENIGN:
        for m in rx.finditer(text):
            mark(m.start(), m.end())
    for m in _DATE.finditer(text):
        day, month, year = int(m.group(1)), int(m.group(3)), m.group(4)
        if 1 <= day <= 31 and 1 <= month <= 12 and (year is None or len(year) == 2 or 1900 <= int(year) <= 2099):
            mark(m.start(), m.end())
    for rx in (_ISO_DATE, _MONTH_YEAR):
        for m in rx.finditer(text):
            mark(m.start(), m.end())
    return mask


# ----------------------------------------------------------------------------------------------- numbers
@dataclass
class _Group:
    first: int  # atom indices [first, last]
    last: int
    digits: str
    word: bool  # a number word ("tám")
    benign: bool
    listed: bool = False  # right after a label ("lỗi 502"): a comma after it separates a list
    compound: bool = False  # a number read in words as tens ("bốn mươi tám")


@dataclass
class _Run:
    groups: List[_Group]

    @property
    def digits(self) -> str:
        return "".join(g.digits for g in self.groups)

    @property
    def first(self) -> int:
        return self.groups[0].first

    @property
    def last(self) -> int:
        return self.groups[-1].last


def _groups(atoms: List[_Atom], text: str, benign: bytearray, t: _Tables) -> List[_Group]:
    """Digit groups (digits joined by at most two punctuation characters, no space) and number words."""
    out: List[_Group] = []
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
            out.append(_Group(i, j, "".join(digits), False, is_benign, listed))
            i = j + 1
        elif a.kind == "L" and (a.text in t.number_words or a.text == "muoi") and not _year_word(atoms, i):
            spoken = _spoken(atoms, i, t.number_words)
            if spoken is not None:
                digits, last = spoken
                out.append(_Group(i, last, digits, True, False, compound=True))
                i = last + 1
            elif a.text in t.number_words:
                out.append(_Group(i, i, t.number_words[a.text], True, False))
                i += 1
            else:
                i += 1
        else:
            i += 1
    return out


# the unit after "mươi" ("bốn mươi tám"): a Vietnamese digit word, not zero
_UNIT_DIGIT = {word: digit for word, digit in words.VIETNAMESE_DIGIT_WORDS.items() if digit != "0"}


def _spoken(atoms: List[_Atom], i: int, number_words: Dict[str, str]) -> Optional[Tuple[str, int]]:
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


def _year_word(atoms: List[_Atom], i: int) -> bool:
    """ "năm 2025": the word for five is the word for year when a year follows it."""
    nxt = atoms[i + 1] if i + 1 < len(atoms) else None
    return (
        atoms[i].text == "nam"
        and nxt is not None
        and nxt.kind == "D"
        and len(nxt.text) == 4
        and nxt.text[:2] in ("19", "20")
    )


def _joinable(atoms: List[_Atom], left: _Group, right: _Group) -> bool:
    """Whether two groups belong to one run: only spaces and a little punctuation between them."""
    gap = atoms[left.last + 1 : right.first]
    if len(gap) > 3 or any(a.kind != "P" for a in gap):
        return False
    if any(a.text in ",;" for a in gap) and left.listed and len(left.digits) >= 3 and len(right.digits) >= 3:
        right.listed = True
        return False  # a list after a label: "lỗi 502, 503"
    return True


def _runs(atoms: List[_Atom], groups: List[_Group], min_word_digits: int = 4, relaxed_at: int = -1) -> List[_Run]:
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
    runs: List[_Run] = []
    current: List[_Group] = []
    for g in groups:
        if g.benign:
            if current:
                runs.append(_Run(current))
            current = []
            continue
        if current and _joinable(atoms, current[-1], g):
            current.append(g)
        else:
            if current:
                runs.append(_Run(current))
            current = [g]
    if current:
        runs.append(_Run(current))
    return [
        r for run in runs for r in _trim_words(run, min_word_digits if relaxed_at < 0 or run.first == relaxed_at else 4)
    ]


def _trim_words(run: _Run, min_digits: int = 4) -> List[_Run]:
    """Number words count only in runs of at least four digits and three groups ("bốn tám hai chín"); else the
    digit groups stand alone. Leading/trailing words of a mixed run that add nothing are dropped."""
    if not any(g.word for g in run.groups):
        return [run]
    enough_groups = 3 if min_digits >= 4 else 2
    if len(run.digits) >= min_digits and (len(run.groups) >= enough_groups or any(g.compound for g in run.groups)):
        return [run]
    return [_Run([g]) for g in run.groups if not g.word]


# ------------------------------------------------------------------------------------------ the detector
_BUTTON_PAYLOAD = re.compile(r"/[a-z_]{1,64}")
_SHAPE_SYMBOLS = frozenset("@#$%^&*!?~")  # what passwords mix in; not markup's "<>=/" nor "_-."
_URL = re.compile(
    r"(?:://|www\.|@[\w-]+\.[a-z]{2,}|\.(?:vn|com|net|org|gov|edu|html?|php)(?:/|$)|"
    r"\.(?:pdf|jpe?g|png|heic|docx?|xlsx?|zip|rar|mp[34]|gif)$)",
    re.I,
)
_MODEL = re.compile(
    r"^"
    + words.NAMED_MODELS
    + r"[-_]?[0-9]{1,4}[a-z]{0,4}$|^[0-9]{1,4}(?:"
    + "|".join(words.GLUED_UNITS)
    + r")[0-9]{0,2}$"
)
_VIET_MARKS = re.compile(r"[^\x00-\x7f]")
_SINGLE_SYLLABLE = re.compile(
    r"^(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnpqrstvx])?[aeiouy]{1,3}"
    r"(?:ng|nh|ch|[cmnpt])?$"
)
_PRIORITY = {"password": 4, "id_number": 3, "phone": 2, "otp": 1}


@dataclass
class _Found:
    kind: str
    start: int  # view offsets
    end: int


@dataclass
class _Context:
    """What the previous message of the conversation tells about this one."""

    tail: Optional[Tuple[str, int, int]] = None  # digits ending it (not masked yet): digits, view start, view end
    secret_tail: Optional[str] = None  # it ends with a masked secret: its kind
    pending: Optional[str] = None  # it ends with a cue whose secret did not come: the cue's kind


class Detector:
    """Finds and masks secrets. Cheap to build; immutable; share one between threads."""

    def __init__(self, public_numbers: Iterable[str] = ()) -> None:
        """`public_numbers`: numbers the commune publishes (its hotline): kept wherever they appear."""
        self._public = frozenset(
            _national(re.sub(r"[^0-9]", "", view(str(p)).text)) for p in public_numbers if str(p).strip()
        )

    # ----------------------------------------------------------------------------------------- public API
    def redact(self, text: str, previous: Optional[str] = None) -> Redaction:
        """Mask every secret in `text` (read with the conversation's `previous` message, as stored)."""
        if text is None:
            text = ""
        if not isinstance(text, str):
            text = str(text)
        if _BUTTON_PAYLOAD.fullmatch(text):  # "/step_done": a button's payload holds no secret
            return Redaction(text)
        spans, previous_spans = self.find(text, previous)
        masked = _apply(text, spans)
        kinds = [k for k in KINDS if any(s[0] == k for s in spans)]
        previous_text = _apply(previous, previous_spans) if previous and previous_spans else None
        return Redaction(masked, kinds, spans, previous_text, previous_spans if previous_text else [])

    def find(self, text: str, previous: Optional[str] = None) -> Tuple[List[Span], List[Span]]:
        """Secret spans in `text`, and spans of `previous` that this message shows to be part of a secret."""
        v = view(text)
        t = _tables()
        context, prev_view = _Context(), None
        if previous:
            prev_view = view(previous)
            context = self._context(prev_view, t)
        found, tail_kind = self._scan(v, t, context, text)
        spans = _to_original(v, found)
        prev_spans: List[Span] = []
        if tail_kind and context.tail is not None and prev_view is not None:
            _, s, e = context.tail
            prev_spans = _to_original(prev_view, [_Found(tail_kind, s, e)])
        return spans, prev_spans

    def kinds(self, text: str) -> List[str]:
        """Kinds of secret in the text, raw or as placeholders already there, in KINDS order."""
        found = {s[0] for s in self.find(text)[0]} | set(find_placeholders(text))
        return [k for k in KINDS if k in found]

    # ------------------------------------------------------------------------------------------ scanning
    def _scan(self, v: View, t: _Tables, context: _Context, original: str = "") -> Tuple[List[_Found], Optional[str]]:
        """Secrets in the view, and the kind given to the previous message's trailing digits if this message
        completes them (else None)."""
        text = v.text
        if not text:
            return [], None
        atoms = _atoms(text)
        cues = _find_cues(atoms, t)
        benign = _benign_mask(text)
        groups = _groups(atoms, text, benign, t)
        self._unbenign_after_cues(atoms, cues, groups, benign, t)
        expecting = context.tail is not None or context.pending is not None or context.secret_tail is not None
        head = _head_index(atoms, t)
        runs = _runs(atoms, groups, 2 if expecting else 4, head)
        found: List[_Found] = []
        tail_kind = None
        for run in runs:
            kind = self._judge_run(atoms, cues, run, t, context, head)
            if kind:
                first = run.first
                while first > 0 and atoms[first - 1].text in "+([" and not atoms[first].space_before:
                    first -= 1  # "(+84) 912…": the sign and bracket go with the number
                last = run.last
                closer = {"(": ")", "[": "]"}.get(atoms[first].text)
                if (
                    closer
                    and last + 1 < len(atoms)
                    and atoms[last + 1].text == closer
                    and not atoms[last + 1].space_before
                ):
                    last += 1
                found.append(_Found(kind, atoms[first].start, atoms[last].end))
                if run.first == head and context.tail is not None and len(context.tail[0]) + len(run.digits) >= 4:
                    tail_kind = kind
        found += _conjoined(atoms, runs, found, t)
        if tail_kind is None and context.tail is not None and head < len(atoms) and atoms[head].kind == "X":
            tail_kind = atoms[head].text  # masked before (a channel's queue): the digits before it belong to it
        found += self._passwords(atoms, cues, text, benign, t, context, _Original(v, original))
        return _merge(found), tail_kind

    @staticmethod
    def _unbenign_after_cues(atoms: List[_Atom], cues, groups: List[_Group], benign: bytearray, t: _Tables) -> None:
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

    def _judge_run(
        self, atoms: List[_Atom], cues, run: _Run, t: _Tables, context: _Context, head: int
    ) -> Optional[str]:
        digits = run.digits
        n = len(digits)
        plus = run.first > 0 and atoms[run.first - 1].text == "+"
        if self._public and (_national(digits) in self._public or digits in self._public):
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
            if not continuation and not direct and cue != "password" and self._labelled(atoms, run, t):
                return None
            if not continuation and cue is None and _plain_year(atoms, run, head):
                return None
            return cue if cue in ("password", "id_number", "phone") else "otp"
        if continuation or (direct and n >= 2 and not self._labelled(atoms, run, t) and not _unit_after(atoms, run)):
            return cue if cue in ("password", "id_number", "phone") else "otp"
        return None

    @staticmethod
    def _labelled(atoms: List[_Atom], run: _Run, t: _Tables) -> bool:
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

    # ----------------------------------------------------------------------------------------- passwords
    def _passwords(
        self,
        atoms: List[_Atom],
        cues,
        text: str,
        benign: bytearray,
        t: _Tables,
        context: _Context,
        original: "_Original",
    ) -> List[_Found]:
        found: List[_Found] = []
        n = len(atoms)
        # 1. after a password cue: the first word that is not ordinary
        starts: List[Tuple[int, bool]] = []  # (atom index to start looking, pending from the previous message)
        for i, cue in enumerate(cues):
            if cue is not None and cue[0] == "password":
                starts.append((cue[1], False))
        if context.pending == "password":
            starts.append((0, True))
        for j, from_context in starts:
            introduced = right_after = from_context
            steps = 0
            while j < n and steps < 8:
                a = atoms[j]
                if a.text in _SENTENCE_END and (j + 1 >= n or atoms[j + 1].space_before):
                    break
                if a.kind == "X":
                    break
                if a.text in t.introducers and (a.kind == "P" or a.text in ("la", "l", "thanh", "is")):
                    introduced = True
                    right_after = True
                    j += 1
                    steps += 1
                    continue
                if a.kind == "P" and a.text in "\"'([{<":
                    j += 1
                    continue
                chunk_end = _chunk_end(atoms, j)
                word = original(a.start, atoms[chunk_end].end)
                core = word.strip("".join(_EDGE))
                if (
                    a.kind == "L"
                    and (a.text in t.stopwords or a.text in t.fillers)
                    and (chunk_end == j or atoms[j + 1].text in ":=,")
                ):  # "đăng nhập: …"
                    j += 1
                    steps += 1
                    right_after = False
                    continue
                quoted = j > 0 and atoms[j - 1].text in "\"'" and not a.space_before
                if _password_like(core, introduced or quoted, strict=not right_after and not quoted):
                    found.append(_Found("password", a.start, _trim_end(text, a.start, atoms[chunk_end].end)))
                elif introduced:
                    clause = _password_clause(atoms, j, text, t, from_context, original)
                    if clause is not None:
                        found.append(_Found("password", a.start, clause))
                break
        # 2. anywhere: words shaped like passwords (after a cue glued to them: "mk=Abc@123", "sdt0912…")
        j = 0
        while j < n:
            chunk_start = j
            chunk_end = _chunk_end(atoms, j)
            j = chunk_end + 1
            if any(a.kind == "X" for a in atoms[chunk_start : chunk_end + 1]):
                continue
            k = chunk_start
            while k <= chunk_end and (cues[k] is not None or (atoms[k].kind == "P" and atoms[k].text in ":=-(\"'")):
                k = cues[k][1] if cues[k] is not None else k + 1
            if k > chunk_end or all(a.kind != "L" for a in atoms[k : chunk_end + 1]):
                continue  # nothing left, or digits only: numbers are judged as runs
            s, e = atoms[k].start, atoms[chunk_end].end
            word = text[s:e]
            if len(word) < 5 or all(benign[s:e]):
                continue
            if _shaped_password(word):
                found.append(_Found("password", s, _trim_end(text, s, e)))
        return found

    # ------------------------------------------------------------------------------------------- context
    def _context(self, pv: View, t: _Tables) -> _Context:
        text = pv.text
        atoms = _atoms(text)
        if not atoms:
            return _Context()
        ctx = _Context()
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
        cues = _find_cues(atoms, t)
        benign = _benign_mask(text)
        groups = _groups(atoms, text, benign, t)
        runs = _runs(atoms, groups, 2)
        if runs and runs[-1].last == last and (not runs[-1].groups[-1].word or len(runs[-1].groups) >= 2):
            run = runs[-1]
            if len(run.digits) < 4 and not self._labelled(atoms, run, t):
                ctx.tail = (run.digits, atoms[run.first].start, atoms[run.last].end)
        # a cue among the last atoms, followed only by fillers and introducers
        for i in range(last, max(-1, last - 8), -1):
            if cues[i] is not None:
                if all(
                    a.text in t.fillers or a.text in t.introducers or a.kind == "P"
                    for a in atoms[cues[i][1] : last + 1]
                ):
                    ctx.pending = cues[i][0]
                break
            if atoms[i].text in _SENTENCE_END:
                break
        return ctx


# ------------------------------------------------------------------------------------------------ helpers
def _national(digits: str) -> str:
    """A phone number's national form: 84912345678 → 0912345678."""
    if digits.startswith("0084"):
        return "0" + digits[4:]
    if digits.startswith("84") and len(digits) in (11, 12):
        return "0" + digits[2:]
    return digits


_UNIT_WORDS = frozenset(u.split()[0] for u in words.UNITS)


def _unit_after(atoms: List[_Atom], run: _Run) -> bool:
    """ "nhập 12 số", "otp 60 giây": a unit right after makes a short number a count."""
    nxt = atoms[run.last + 1] if run.last + 1 < len(atoms) else None
    return nxt is not None and nxt.kind in ("L", "P") and nxt.text in _UNIT_WORDS


_CONJUNCTIONS = frozenset(["va", "voi", "roi", "tiep", "la", "con", "nua", ",", "-", "&", "+", ";", "/"])


def _conjoined(atoms: List[_Atom], runs: List[_Run], found: List[_Found], t: _Tables) -> List[_Found]:
    """Two short numbers joined by "và", "rồi", a comma … ("mã 482 và 913", "913 và 482") are read as one
    secret of four digits or more; a number already masked pulls in a short one joined to it the same way."""
    masked = {(f.start, f.end) for f in found}
    out: List[_Found] = []
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
                out.append(_Found(kinds[0] if kinds else "otp", s, e))
    return out


def _listed_label(atoms: List[_Atom], run: _Run, t: _Tables) -> bool:
    i = run.first - 1
    return i >= 0 and atoms[i].kind == "L" and (atoms[i].text,) in t.labels


def _plain_year(atoms: List[_Atom], run: _Run, head: int) -> bool:
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


def _cue_before(atoms: List[_Atom], cues, first: int, t: _Tables) -> Tuple[Optional[str], bool]:
    """The nearest secret cue before atom `first` in its sentence (within 8 atoms), and whether only fillers
    and introducers stand between them."""
    direct = True
    for i in range(first - 1, max(-1, first - 13), -1):
        a = atoms[i]
        if a.text in _SENTENCE_END and i + 1 < len(atoms) and atoms[i + 1].space_before:
            return None, False
        if cues[i] is not None and cues[i][1] <= first:
            return cues[i][0], direct
        if a.kind in ("X", "D") or not (a.text in t.fillers or a.text in t.introducers or a.kind == "P"):
            direct = False  # a placeholder stands for the secret it replaced: not a filler
    return None, False


def _head_index(atoms: List[_Atom], t: _Tables) -> int:
    """Index of the first atom that is not punctuation or a particle ("dạ", "còn", "tiếp", "là")."""
    for i, a in enumerate(atoms):
        if a.kind == "P" or (a.kind == "L" and a.text in _HEAD_PARTICLES):
            continue
        return i
    return len(atoms)


_TAIL_PARTICLES = frozenset(["a", "nhe", "nha", "ne", "do", "day", "oi", "ok", "nhi", "ha", "ah", "ak", "ad"])
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


def _only_run(atoms: List[_Atom], run: _Run, t: _Tables) -> bool:
    """Whether the message holds nothing but this run (with punctuation and particles)."""
    return all(
        a.kind == "P" or (a.kind == "L" and a.text in _HEAD_PARTICLES | t.fillers)
        for k, a in enumerate(atoms)
        if not run.first <= k <= run.last
    )


def _chunk_end(atoms: List[_Atom], j: int) -> int:
    """Index of the last atom of the whitespace-delimited word that atom j starts."""
    k = j
    while k + 1 < len(atoms) and not atoms[k + 1].space_before and atoms[k + 1].kind != "X":
        k += 1  # a placeholder glued to a word ends it: masked text is never masked again into a bigger span
    return k


def _trim_end(text: str, start: int, end: int) -> int:
    """Leave clause punctuation after a password out of its span: "Thu@1979," or "(Thu@1979)"."""
    while end > start + 1 and (
        text[end - 1] in ",;"
        or (text[end - 1] in ")]}" and {")": "(", "]": "[", "}": "{"}[text[end - 1]] not in text[start : end - 1])
    ):
        end -= 1
    return end


_CLAUSE_BREAKS = frozenset(
    [
        "co",
        "khong",
        "ko",
        "k",
        "dung",
        "sai",
        "ma",
        "nhung",
        "thi",
        "nhe",
        "nha",
        "a",
        "vay",
        "roi",
        "duoc",
        "dc",
        "chua",
        "sao",
        "gi",
        "j",
        "la",
        "va",
        "nen",
        "vi",
        "de",
        "ok",
    ]
)


def _password_clause(
    atoms: List[_Atom], j: int, text: str, t: _Tables, whole: bool, original: "_Original"
) -> Optional[int]:
    """After "mật khẩu là" (or a message that follows one), a password of several words: "hoa hồng đỏ 123",
    "Hoa Binh 88". The clause runs to the sentence's end or an ordinary word ("có", "không", "mà" …), five words
    at most; it is a password when a word in it has a digit or a symbol, or it has two words or more and is a
    whole message answering the cue or starts with a capital. The end of its last such word, or None."""
    words: List[Tuple[int, int]] = []  # (first atom, last atom) of each word
    k = j
    while k < len(atoms) and len(words) < 5:
        a = atoms[k]
        if (
            a.kind == "X"
            or (a.text in _SENTENCE_END and (k + 1 >= len(atoms) or atoms[k + 1].space_before))
            or a.text == ","
            or (a.kind == "L" and a.text in _CLAUSE_BREAKS and words)
        ):
            break
        end = _chunk_end(atoms, k)
        words.append((k, end))
        k = end + 1
    if not words:
        return None
    shaped = [
        w
        for w in words
        if any(
            atoms[i].kind == "D" or (atoms[i].kind == "P" and atoms[i].text in _SHAPE_SYMBOLS)
            for i in range(w[0], w[1] + 1)
        )
    ]
    if shaped:
        return _trim_end(text, atoms[words[0][0]].start, atoms[shaped[-1][1]].end)
    first = original(atoms[words[0][0]].start, atoms[words[0][0]].end)
    if len(words) >= 2 and (whole or first[:1].isupper()) and atoms[words[0][0]].text not in t.stopwords:
        return _trim_end(text, atoms[words[0][0]].start, atoms[words[-1][1]].end)
    return None


class _Original:
    """The original text of a range of the view (case and marks as typed)."""

    def __init__(self, v: View, text: str) -> None:
        self._v, self._text = v, text

    def __call__(self, start: int, end: int) -> str:
        if not self._text or end <= start:
            return self._v.text[start:end]
        s, e = self._v.span(start, end)
        return self._text[s:e]


def _password_like(core: str, introduced: bool, strict: bool) -> bool:
    """After a password cue: does this word look like the password itself?"""
    if len(core) < 3 or not any(c.isalnum() for c in core):
        return False
    if _URL.search(core):
        return False
    letters = sum(c.isalpha() for c in core)
    digits = sum(c.isdigit() for c in core)
    symbols = sum(1 for c in core if not c.isalnum())
    if digits and letters:
        return True
    if symbols and letters and len(core) >= 4:
        return True
    if digits >= 4:
        return True
    if any(c.isupper() for c in core[1:]) and any(c.islower() for c in core):
        return True
    plain = view(core).text
    if not letters:
        return False
    if not introduced:  # right after the cue: a glued word that is no Vietnamese word ("mk hoabinh")
        return core.isascii() and core.isalpha() and len(core) >= 6 and not _SINGLE_SYLLABLE.match(plain)
    if len(plain) < 4 and not _VIET_MARKS.search(core):
        return False
    if _VIET_MARKS.search(core):  # a word with marks right after "là": a name used as a password ("là Hoàng")
        return len(plain) >= 3 and not strict
    return not _SINGLE_SYLLABLE.match(plain) or len(plain) >= 6


def _shaped_password(word: str) -> bool:
    """Anywhere in a message: letters mixed with digits (≥ 2 each, 6+ chars) or with symbols inside the word."""
    core = word.strip("".join(_EDGE) + "/")
    if len(core) < 5 or _URL.search(core):
        return False
    if _MODEL.match(core) or ("<" in core and ">" in core):  # a model name; markup, not a password
        return False
    letters = sum(c.isalpha() for c in core)
    digits = sum(c.isdigit() for c in core)
    inner_symbols = sum(1 for c in core[1:-1] if c in _SHAPE_SYMBOLS and c != "_")
    if letters >= 2 and digits >= 2 and len(core) >= 6:
        return not re.fullmatch(r"[0-9/.\-]+[a-z]{1,3}(?:-[a-z]{1,4})*", core)  # 59/2022/nd-cp: benign
    return letters >= 2 and inner_symbols >= 1


def _merge(found: List[_Found]) -> List[_Found]:
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


def _to_original(v: View, found: Sequence[_Found]) -> List[Span]:
    return [(f.kind, *v.span(f.start, f.end)) for f in found]


def _apply(text: str, spans: Sequence[Span]) -> str:
    out: List[str] = []
    pos = 0
    for kind, s, e in sorted(spans, key=lambda x: x[1]):
        if s < pos:
            continue
        out.append(text[pos:s])
        out.append(PLACEHOLDERS[kind])
        pos = e
    out.append(text[pos:])
    return "".join(out)


def digits_of(text: str) -> str:
    """The number a span holds as the detector reads it: any Unicode digit as ASCII, number words as digits
    ("không chín một hai" → "0912"), a leading "+" kept. For a call-back phone the citizen typed in any form."""
    v = view(text or "")
    atoms = _atoms(v.text)
    groups = _groups(atoms, v.text, bytearray(len(v.text)), _tables())
    digits = "".join(g.digits for g in groups)
    return ("+" + digits) if v.text.lstrip().startswith("+") and digits else digits


def find_placeholders(text: str) -> List[str]:
    """Kinds of placeholder already in the text (`[mã OTP]`, …), in KINDS order."""
    kinds = {a.text for a in _atoms(view(text or "").text) if a.kind == "X"}
    return [k for k in KINDS if k in kinds]


@functools.lru_cache(maxsize=1)
def default_detector() -> Detector:
    """A Detector with no public numbers."""
    return Detector()


def redact(text: str, previous: Optional[str] = None) -> Redaction:
    """`default_detector().redact(text, previous)`."""
    return default_detector().redact(text, previous)
