"""The admin's page of staff sessions and login waits: who is logged in, from where, since when; ending a session
or all of an account's; lifting the waits failed logins put on an account. Every change is audited."""
from __future__ import annotations

from typing import Any, Dict, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import Staff
from gateway.services import audit, login_guard, login_sessions
from gateway.services.admin import AdminError


def overview(session: Session, settings: Settings) -> Dict[str, Any]:
    """The live sessions and the accounts' recent login waits, with their accounts' names."""
    names = {staff.id: staff for staff in session.scalars(select(Staff))}
    return {"sessions": login_sessions.active(session, settings),
            "delays": [{"row": row, "staff": names.get(row.staff_id)} for row in login_guard.delays(session)]}


def _account(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise AdminError("no_account")
    return staff


def end_session(session: Session, actor: Staff, record_id: int) -> Optional[Staff]:
    """End one session; the account it belonged to (None: it had already ended)."""
    record = login_sessions.end_one(session, record_id, "admin")
    if record is None:
        return None
    staff = _account(session, record.staff_id)
    audit.record(session, actor.id, "sessions_end", f"staff:{staff.id}", {"username": staff.username, "sessions": 1})
    return staff


def end_account_sessions(session: Session, actor: Staff, staff_id: int) -> Staff:
    """End every session of an account."""
    staff = _account(session, staff_id)
    ended = login_sessions.end_all(session, staff.id, "admin")
    audit.record(session, actor.id, "sessions_end", f"staff:{staff.id}", {"username": staff.username,
                                                                          "sessions": ended})
    return staff


def unlock(session: Session, actor: Staff, staff_id: int) -> Staff:
    """Lift the waits failed logins put on an account (from every address)."""
    staff = _account(session, staff_id)
    dropped = login_guard.unlock(session, staff.id)
    audit.record(session, actor.id, "login_unlock", f"staff:{staff.id}", {"username": staff.username,
                                                                          "counts": dropped})
    return staff
