"""The audit log of staff actions.

Retention (gateway/services/retention.py) deletes entries older than RETENTION_DAYS unless their action is in
NO_PERSONAL_DATA. Entries about a citizen's conversation (claim, reply, return, resolve, transcript openings,
call-backs, Zalo takeovers) tie staff to a person's conversation; login and session entries tie a person to times
and addresses. Those go with the rest of the citizen's data. Entries about staff accounts, settings, keys, content
and hotline calls (codes only) carry no citizen's personal data and stay as the commune's record. The list is of what
may stay: an action added later is purged until someone decides otherwise.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import AuditLog, Staff
from gateway.services import tenant
from gateway.services.audit_redaction import Kept, clean  # noqa: F401 - Kept: for callers marking code-made values

NO_PERSONAL_DATA = frozenset(
    {
        "staff_create",
        "staff_activate",
        "staff_deactivate",
        "staff_password_reset",
        "staff_role",  # staff accounts
        "settings_hours",
        "settings_outage",
        "secret_key_rotated",  # the commune's settings and keys
        "content_edit",
        "content_review",  # the guide's wording
        "hotline_call",  # flow, step, problem and outcome codes only
        "commune_added",
        "communes_imported",
        "commune_settings",  # the province's communes and their settings
        "conversation_erased",  # the fact that a citizen deleted their conversation (no content, no id of theirs)
    }
)


def record(
    session: Session,
    staff_id: Optional[int],
    action: str,
    target: Optional[str] = None,
    detail: Optional[Dict[str, Any]] = None,
    commune_id: Optional[int] = None,
) -> None:
    """Add one audit entry (committed with the caller's transaction). Never put secrets in `detail`: every field
    goes through the secret detector anyway (gateway/services/audit_redaction.py).

    The entry belongs to `commune_id` (its admins see it), by default the commune the work speaks for
    (gateway/services/tenant.py: a conversation's, a commune staff member's), else the actor's; None: the
    province's (only province admins see it)."""
    if commune_id is None:
        current = tenant.current()
        if current is not None:
            commune_id = current.id
        elif staff_id is not None:
            commune_id = session.scalar(select(Staff.commune_id).where(Staff.id == staff_id))
    session.add(
        AuditLog(staff_id=staff_id, action=action, target=clean(target), detail=clean(detail), commune_id=commune_id)
    )
