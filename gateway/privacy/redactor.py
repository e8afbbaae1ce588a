"""The gateway's privacy filter: `vntext.secrets.Detector` (the one detector the bot's NLU uses too) with the
commune's published numbers kept.

The gateway calls `Redactor.redact(text, previous)` on every incoming message BEFORE it is stored, logged or sent
to the NLU; `previous` is the conversation's previous citizen message as stored, so a secret typed across two
messages is found (and the stored previous message masked too: `Redaction.previous_text`).
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional, Tuple

from vntext.secrets import Detector, Redaction


class Redactor:
    """Masks secrets; the commune's hotline (read through `public_numbers`, which may change) is kept."""

    def __init__(self, public_numbers: Callable[[], Iterable[str]] = tuple) -> None:
        """`public_numbers`: a callable giving the numbers the commune publishes now (its hotline)."""
        self._public_numbers = public_numbers
        # (what public_numbers gave, those numbers sorted, the detector): swapped whole, no lock needed
        self._cache: Tuple[object, Tuple[str, ...], Detector] = (None, (), Detector())

    def detector(self) -> Detector:
        """The detector for the commune's current published numbers (rebuilt only when they change; when
        `public_numbers` gives the very same object as last time, they did not)."""
        given = self._public_numbers()
        given_then, numbers_then, detector = self._cache
        if given is given_then:
            return detector
        numbers = tuple(sorted(str(n) for n in given if n))
        if numbers != numbers_then:
            detector = Detector(numbers)
        self._cache = (given, numbers, detector)
        return detector

    def redact(self, text: str, previous: Optional[str] = None) -> Redaction:
        """Mask every secret in `text`, read together with the conversation's previous message (as stored)."""
        return self.detector().redact(text, previous)
