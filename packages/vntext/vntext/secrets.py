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

This module is the public API and the scan that puts the parts together; each part is a module of its own:
`secret_atoms` (the folded text as atoms, placeholders), `secret_tables` (word tables, cues), `secret_benign`
(dates, times, amounts …), `secret_numbers` (digit groups and runs), `secret_context` (the previous message),
`secret_number_kinds` (which runs are secrets), `secret_passwords`, `secret_spans` (merging, original offsets).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence, Tuple

from vntext.normalize import View, view
from vntext.secret_atoms import atoms_of
from vntext.secret_benign import benign_mask
from vntext.secret_context import Context, read_context
from vntext.secret_number_kinds import conjoined, head_index, judge_run, national, unbenign_after_cues
from vntext.secret_numbers import number_groups, number_runs
from vntext.secret_passwords import OriginalText, find_passwords
from vntext.secret_spans import Found, Span, merge, to_original
from vntext.secret_tables import Tables, find_cues, word_tables

KINDS = ("otp", "password", "id_number", "phone")
PLACEHOLDERS = {
    "otp": "[mã OTP]",
    "password": "[mật khẩu]",
    "id_number": "[số định danh]",
    "phone": "[số điện thoại]",
}


@dataclass(frozen=True)
class Redaction:
    """The masked text, the kinds found (in KINDS order), their spans in the original text; and, when the
    message completes a secret begun in the previous message, that previous text masked (else None)."""

    text: str
    kinds: List[str] = field(default_factory=list)
    spans: List[Span] = field(default_factory=list)
    previous_text: Optional[str] = None
    previous_spans: List[Span] = field(default_factory=list)


_BUTTON_PAYLOAD = re.compile(r"/[a-z_]{1,64}")


class Detector:
    """Finds and masks secrets. Cheap to build; immutable; share one between threads."""

    def __init__(self, public_numbers: Iterable[str] = ()) -> None:
        """`public_numbers`: numbers the commune publishes (its hotline): kept wherever they appear."""
        self._public = frozenset(
            national(re.sub(r"[^0-9]", "", view(str(p)).text)) for p in public_numbers if str(p).strip()
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
        t = word_tables()
        context, prev_view = Context(), None
        if previous:
            prev_view = view(previous)
            context = read_context(prev_view, t)
        found, tail_kind = self._scan(v, t, context, text)
        spans = to_original(v, found)
        prev_spans: List[Span] = []
        if tail_kind and context.tail is not None and prev_view is not None:
            _, s, e = context.tail
            prev_spans = to_original(prev_view, [Found(tail_kind, s, e)])
        return spans, prev_spans

    def kinds(self, text: str) -> List[str]:
        """Kinds of secret in the text, raw or as placeholders already there, in KINDS order."""
        found = {s[0] for s in self.find(text)[0]} | set(find_placeholders(text))
        return [k for k in KINDS if k in found]

    # ------------------------------------------------------------------------------------------ scanning
    def _scan(self, v: View, t: Tables, context: Context, original: str = "") -> Tuple[List[Found], Optional[str]]:
        """Secrets in the view, and the kind given to the previous message's trailing digits if this message
        completes them (else None)."""
        text = v.text
        if not text:
            return [], None
        atoms = atoms_of(text)
        cues = find_cues(atoms, t)
        benign = benign_mask(text)
        groups = number_groups(atoms, text, benign, t)
        unbenign_after_cues(atoms, cues, groups, benign, t)
        expecting = context.tail is not None or context.pending is not None or context.secret_tail is not None
        head = head_index(atoms, t)
        runs = number_runs(atoms, groups, 2 if expecting else 4, head)
        found: List[Found] = []
        tail_kind = None
        for run in runs:
            kind = judge_run(atoms, cues, run, t, context, head, self._public)
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
                found.append(Found(kind, atoms[first].start, atoms[last].end))
                if run.first == head and context.tail is not None and len(context.tail[0]) + len(run.digits) >= 4:
                    tail_kind = kind
        found += conjoined(atoms, runs, found, t)
        if tail_kind is None and context.tail is not None and head < len(atoms) and atoms[head].kind == "X":
            tail_kind = atoms[head].text  # masked before (a channel's queue): the digits before it belong to it
        found += find_passwords(atoms, cues, text, benign, t, context, OriginalText(v, original))
        return merge(found), tail_kind


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
    atoms = atoms_of(v.text)
    groups = number_groups(atoms, v.text, bytearray(len(v.text)), word_tables())
    digits = "".join(g.digits for g in groups)
    return ("+" + digits) if v.text.lstrip().startswith("+") and digits else digits


def find_placeholders(text: str) -> List[str]:
    """Kinds of placeholder already in the text (`[mã OTP]`, …), in KINDS order."""
    kinds = {a.text for a in atoms_of(view(text or "").text) if a.kind == "X"}
    return [k for k in KINDS if k in kinds]


@functools.lru_cache(maxsize=1)
def default_detector() -> Detector:
    """A Detector with no public numbers."""
    return Detector()


def redact(text: str, previous: Optional[str] = None) -> Redaction:
    """`default_detector().redact(text, previous)`."""
    return default_detector().redact(text, previous)
