"""The refusal of a staff action on a handoff or its call-back (its own module: handoff.py and callbacks.py both
raise it, and handoff.py calls callbacks.py)."""

from __future__ import annotations

from typing import Any

from gateway.services.texts import StaffError

__all__ = ["HandoffError"]


class HandoffError(StaffError):
    """A staff action that cannot be done now: an HTTP status and a reason code, whose words for staff are in
    content/staff.yml `handoff_errors` (`Texts.explain`)."""

    group = "handoff_errors"

    def __init__(self, status: int, reason: str, **fields: Any) -> None:
        super().__init__(reason, **fields)
        self.status = status

    @property
    def reason(self) -> str:
        return self.key
