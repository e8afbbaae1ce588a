"""Recognise secrets a citizen typed into the chat: OTP, password, ID number, phone number.

The gateway redacts these before the bot sees them and replaces them with placeholders (`[mã OTP]`, …). This
module recognises both the placeholders and, as a second line of defence, the raw forms, so the bot can warn the
citizen whichever way the text arrived. It returns kinds and spans, never the secret itself to a log.
"""
from __future__ import annotations

import re
from typing import List, NamedTuple

from bot.nlu.text import normalize, strip_diacritics

KINDS = ("otp", "password", "id_number", "phone")

PLACEHOLDERS = {
    "otp": "[mã OTP]",
    "password": "[mật khẩu]",
    "id_number": "[số định danh]",
    "phone": "[số điện thoại]",
}


class Finding(NamedTuple):
    """One secret found in a text: its kind and character span."""

    kind: str
    start: int
    end: int


_NOT_AFTER = r"(?<![\w+.\-/])"
_NOT_BEFORE = r"(?![\w\-/]|[.,]\d)"
_PATTERNS = {
    # Vietnamese phone numbers: 0… / +84… / 84…, grouped with spaces, dots or dashes (digit count checked below).
    "phone": re.compile(_NOT_AFTER + r"(?:\+84|0084|84|0)[ .\-]?\d{1,3}(?:[ .\-]?\d{2,4}){1,4}" + _NOT_BEFORE),
    # A 12-digit personal ID number (CCCD), plain or in groups of 3 or 4; a 9-digit old CMND.
    "id_number": re.compile(
        _NOT_AFTER + r"(?:\d{12}|\d{3}([ .])\d{3}\1\d{3}\1\d{3}|\d{4}([ .])\d{4}\2\d{4}|\d{9}|\d{3}([ .])\d{3}\3\d{3})"
        + _NOT_BEFORE
    ),
    # Four to eight digits standing alone: an OTP when the message speaks of a code or is nothing else.
    "otp": re.compile(r"(?<![\w.,/:\-])\d{4,8}(?![\w.,/:\-])"),
}
_OTP_CONTEXT = re.compile(r"\b(otp|ma|code|xac thuc|xac nhan|sms|tin nhan)\b")
_PASSWORD_KEYWORD = re.compile(r"(?:mat khau|\bmk\b|\bpass(?:word)?\b|\bpw\b)")
# Something shaped like a VNeID password: 6+ characters mixing letters with digits or symbols.
_PASSWORD_SHAPE = re.compile(r"(?<!\S)(?=\S*[A-Za-z])(?=\S*[\d@#$%^&*!?_~+=])[^\s\[\]]{6,40}")
_PASSWORD_WINDOW = 40


def _is_phone(match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    if match.startswith("+84") or match.startswith("84"):
        national = digits[2:]
    elif digits.startswith("0084"):
        national = digits[4:]
    else:
        national = digits[1:]
    return len(national) in (9, 10) and national[0] != "0"


_PLACEHOLDER_RE = {
    kind: re.compile(re.escape(strip_diacritics(normalize(text)))) for kind, text in PLACEHOLDERS.items()
}


def find_placeholders(text: str) -> List[str]:
    """Kinds of gateway placeholders present in the text, in a stable order."""
    plain = strip_diacritics(normalize(text))
    return [kind for kind in KINDS if _PLACEHOLDER_RE[kind].search(plain)]


def find_raw(text: str) -> List[Finding]:
    """Spans of raw secrets in the text (before any gateway redaction)."""
    found: List[Finding] = []
    taken = [False] * len(text)

    def claim(kind: str, start: int, end: int) -> None:
        if not any(taken[start:end]):
            found.append(Finding(kind, start, end))
            for i in range(start, end):
                taken[i] = True

    for m in _PATTERNS["phone"].finditer(text):
        if _is_phone(m.group(0)):
            claim("phone", m.start(), m.end())
    for m in _PATTERNS["id_number"].finditer(text):
        claim("id_number", m.start(), m.end())
    plain = strip_diacritics(text.lower())  # same length as text for NFC Vietnamese: marks are combined
    if len(plain) == len(text):
        otp_context = bool(_OTP_CONTEXT.search(plain))
        only_digits = bool(re.fullmatch(r"\s*\d{4,8}\s*", text))
        for m in _PATTERNS["otp"].finditer(text):
            if otp_context or only_digits:
                claim("otp", m.start(), m.end())
        for key in _PASSWORD_KEYWORD.finditer(plain):
            shape = _PASSWORD_SHAPE.search(text, key.end(), key.end() + _PASSWORD_WINDOW)
            if shape:
                claim("password", shape.start(), shape.end())
    return sorted(found, key=lambda f: f.start)


def sensitive_kinds(text: str) -> List[str]:
    """All kinds of secret in the text, from placeholders or raw forms, in a stable order."""
    kinds = set(find_placeholders(text)) | {f.kind for f in find_raw(text)}
    return [kind for kind in KINDS if kind in kinds]
