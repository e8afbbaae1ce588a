"""The content editor's refusals (their messages in Vietnamese, from content/staff.yml `content_errors`)."""

from __future__ import annotations


class EditError(ValueError):
    """An edit that cannot be made (message in Vietnamese, from content/staff.yml `content_errors`)."""


class Conflict(EditError):
    """The field changed since the form was opened (another administrator saved first)."""
