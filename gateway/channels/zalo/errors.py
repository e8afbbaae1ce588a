"""Zalo's answers that are not a success, as exceptions: the sending client raises them, the delivery maps them
to an outcome (retry, blocked, paused or failed)."""

from __future__ import annotations

from typing import Optional


class ZaloError(Exception):
    """A send that did not succeed; `code` is Zalo's error number (None: no usable answer)."""

    def __init__(self, code: Optional[int], detail: str) -> None:
        super().__init__(f"zalo error {code}: {detail}")
        self.code, self.detail = code, detail


class Transient(ZaloError):
    """Network failure, timeout, 5xx or an unreadable answer: retry later, in order."""


class ReplyWindowClosed(ZaloError):
    """-230 (or -305): the citizen has not written recently; do not retry, staff must wait for the citizen."""


class RateLimited(ZaloError):
    """-32: back off."""


class TokenUnavailable(ZaloError):
    """No usable token: none configured, the refresh was refused, or another process is still refreshing."""
