"""Checking a new value for a field: cleaned (NFC, one line, no control characters), within its kind's length, in
Vietnamese where the kind needs it, with only `{commune.*}` fields, and a real date, hotline or illustration."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any, List, Optional, Tuple

from gateway.services.content_edit_errors import EditError
from gateway.services.content_edit_fields import KINDS, STEP_CHARS, Field
from gateway.services.hours import TZ
from gateway.services.texts import Texts

# The letters of the Vietnamese alphabet that carry a diacritic (NFC), lower and upper case: text in Vietnamese
# has at least one of them.
VIETNAMESE_LETTERS = frozenset(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
)
_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u2060\ufeff]")
HOTLINE = re.compile(r"^[0-9][0-9. ]*[0-9]$")


def has_vietnamese(text: str) -> bool:
    """True when the text has at least one Vietnamese letter with a diacritic."""
    return any(ch in VIETNAMESE_LETTERS for ch in unicodedata.normalize("NFC", text))


def validate(
    spec: Field, raw: Any, illustrations: Optional[List[str]] = None, today: Optional[date] = None, *, texts: Texts
) -> Tuple[str, List[str]]:
    """(cleaned value, warnings) for a new value of the field; EditError with every problem otherwise."""
    say = texts.staff("content_errors")
    if not isinstance(raw, str):
        raise EditError(say["not_text"])
    value = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\n", " ")
    value = re.sub(r"[ \t]+", " ", _CONTROL.sub("", value)).strip()
    limit, needs_vietnamese = KINDS[spec.kind]
    errors, warnings = [], []
    if not value:
        raise EditError(say["empty"])
    if len(value) > limit:
        errors.append(say.fill("too_long", length=len(value), limit=limit))
    if needs_vietnamese and not has_vietnamese(value):
        errors.append(say["not_vietnamese"])
    if spec.kind == "text" and len(value) > STEP_CHARS:
        warnings.append(say.fill("long_text", length=len(value), limit=STEP_CHARS))
    if spec.kind in ("text", "title", "hours", "bring", "short", "button"):
        unknown = [m for m in re.findall(r"\{([^{}]*)\}", value) if not re.fullmatch(r"commune\.[a-z_]+", m)]
        if unknown:
            errors.append(say.fill("unknown_fields", fields=", ".join("{" + m + "}" for m in unknown)))
    if spec.kind == "date":
        try:
            parsed = date.fromisoformat(value)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
        except ValueError:
            errors.append(say["bad_date"])
        else:
            today = today or datetime.now(TZ).date()
            if parsed > today:
                errors.append(say["future_date"])
            elif parsed.year < 2020:
                errors.append(say["old_date"])
    if spec.kind == "hotline":
        if not HOTLINE.match(value) or sum(ch.isdigit() for ch in value) < 3:
            errors.append(say["bad_hotline"])
    if spec.kind == "illustration":
        allowed = illustrations if illustrations is not None else []
        if value not in allowed:
            errors.append(say["bad_illustration"])
    if errors:
        raise EditError(" ".join(errors))
    return value, warnings
