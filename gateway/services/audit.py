"""The audit log of staff actions."""
from __future__ import annotations

from typing import Any, Dict, Optional

from sqlalchemy.orm import Session

from gateway.models import AuditLog
from gateway.services.audit_redaction import Kept, clean  # noqa: F401 - Kept: for callers marking code-made values


def record(session: Session, staff_id: Optional[int], action: str, target: Optional[str] = None,
           detail: Optional[Dict[str, Any]] = None) -> None:
    """Add one audit entry (committed with the caller's transaction). Never put secrets in `detail`: every field
    goes through the secret detector anyway (gateway/services/audit_redaction.py)."""
    session.add(AuditLog(staff_id=staff_id, action=action, target=clean(target), detail=clean(detail)))
