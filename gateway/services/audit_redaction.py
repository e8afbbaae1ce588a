"""Every audit field through the shared secret detector (`vntext.secrets`, the one the citizens' messages go
through), before it is written.

Strings are masked wherever they sit in the entry (the target, the detail's values, nested lists and dicts); keys,
numbers and booleans are the code's own. Two kinds of string are the code's own too and stay as they are:
references to a row ("staff:12", "handoff:7": the detector would read the digits as a code) and values the code
marks `Kept` (an address, a keyed hash) — never something a person typed.
"""

from __future__ import annotations

import re
import threading
from typing import Any

REFERENCE = re.compile(r"^[a-z_]{1,40}:[0-9]{1,19}$")

_fallback = None  # a detector without the commune's published numbers, outside a request or command
_lock = threading.Lock()


class Kept(str):
    """A string the code made itself (an address, a keyed hash, an id): written to the audit log as it is."""


def _redact(text: str) -> str:
    try:
        from flask import current_app

        return current_app.extensions["vneid"].redactor.redact(text).text  # keeps the commune's hotline
    except (RuntimeError, KeyError):  # no app here: the plain detector, built once
        global _fallback
        with _lock:
            if _fallback is None:
                from vntext.secrets import Detector

                _fallback = Detector()
        return _fallback.redact(text).text


def clean(value: Any) -> Any:
    """The value with every secret a person could have typed into it masked."""
    if isinstance(value, Kept):
        return str(value)
    if isinstance(value, str):
        return value if REFERENCE.match(value) else _redact(value)
    if isinstance(value, dict):
        return {key: clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(item) for item in value]
    return value
