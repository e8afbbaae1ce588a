"""The one detector of citizens' secrets in chat text: OTP, password, ID number, phone number.

Used by the gateway (before anything is stored, logged or forwarded) and by the bot's NLU (the `sensitive`
signal), so "the bot saw a secret" and "storage holds it masked" cannot disagree.

    from vntext.secrets import Detector
    det = Detector(public_numbers=["024.38541051"])      # the commune's published numbers are kept
    r = det.redact("mã là 482 913")                       # Redaction(text="mã là [mã OTP]", kinds=["otp"], ...)
    r = det.redact("913", previous="482")                 # fragments across two messages of one conversation:
    r.text == "[mã OTP]"; r.previous_text == "[mã OTP]"   # the earlier message is masked retroactively

Fail closed: when unsure whether a token is a secret, it is masked (the bot then asks in words).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Tuple

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
