"""Secrets a citizen typed into the chat (OTP, password, ID number, phone number), for the bot.

The detection is `vntext.secrets`, the same code and patterns the gateway masks with before anything is stored
or forwarded: whatever the bot would flag here, the gateway has already replaced with a placeholder
(`[mã OTP]`, …). The bot sees the placeholders (and, if a message ever reached it unmasked, the raw forms) so it
can warn the citizen. The commune's published hotline (content/guide.yml) is not a secret, as in the gateway.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import List, NamedTuple

from vntext.secrets import KINDS, PLACEHOLDERS, Detector, find_placeholders

__all__ = ["KINDS", "PLACEHOLDERS", "Finding", "find_placeholders", "find_raw", "sensitive_kinds", "detector"]

_CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"


class Finding(NamedTuple):
    """One secret found in a text: its kind and character span."""

    kind: str
    start: int
    end: int


def _public_numbers() -> List[str]:
    """The commune's hotline from the guide (CONTENT_DIR, as the action server reads it)."""
    import yaml  # local: no I/O or heavy import at import time

    path = Path(os.environ.get("CONTENT_DIR") or _CONTENT_DIR) / "guide.yml"
    try:
        commune = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("commune") or {}
    except (OSError, ValueError, AttributeError):
        return []
    return [str(commune[k]) for k in ("hotline", "hotline_tel") if commune.get(k)]


@functools.lru_cache(maxsize=1)
def detector() -> Detector:
    """The shared detector, keeping the commune's published hotline (read once per process)."""
    return Detector(_public_numbers())


def find_raw(text: str) -> List[Finding]:
    """Spans of raw secrets in the text (before any gateway redaction)."""
    return [Finding(*span) for span in detector().find(text or "")[0]]


def sensitive_kinds(text: str) -> List[str]:
    """All kinds of secret in the text, from placeholders or raw forms, in a stable order."""
    return detector().kinds(text or "")
