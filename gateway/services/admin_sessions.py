"""The admin's page of staff sessions and login waits: who is logged in, from where, since when; ending a session
or all of an account's; lifting the waits failed logins put on an account. Every change is audited. A commune's
admin sees and acts on its commune's accounts only (gateway/services/scope.py: another commune's is "not found"); a
province admin on every one."""

from __future__ import annotations

from typing import Any, Dict, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import Staff
from gateway.services import audit, login_guard, login_sessions, scope
from gateway.services.admin import AdminError


def overview(session: Session, settings: Settings, viewer: Staff) -> Dict[str, Any]:
    """The live sessions and the recent login waits of the accounts `viewer` manages, with their names."""
    names = {staff.id: staff for staff in session.scalars(scope.staff_accounts(select(Staff), viewer))}
    return {
        "sessions": [r for r in login_sessions.active(session, settings) if r.staff_id in names],
        "delays": [
            {"row": row, "staff": names[row.staff_id]} for row in login_guard.delays(session) if row.staff_id in names
        ],
    }


def _account(session: Session, staff_id: int, actor: Staff) -> Staff:
    staff = scope.visible_staff(session, actor, staff_id)
    if staff is None:
        raise AdminError("no_account")
    return staff


def end_session(session: Session, actor: Staff, record_id: int) -> Optional[Staff]:
    """End one session of an account `actor` manages; the account it belonged to (None: it had already ended,
    or it is another commune's)."""
    if scope.visible_session(session, actor, record_id) is None:
        return None
    record = login_sessions.end_one(session, record_id, "admin")
    if record is None:
        return None
    staff = _account(session, record.staff_id, actor)
    audit.record(
        session,
        actor.id,
        "sessions_end",
        f"staff:{staff.id}",
        {"username": staff.username, "sessions": 1},
        commune_id=staff.commune_id,
    )
    return staff


def end_account_sessions(session: Session, actor: Staff, staff_id: int) -> Staff:
    """End every session of an account."""
    staff = _account(session, staff_id, actor)
    ended = login_sessions.end_all(session, staff.id, "admin")
    audit.record(
        session,
        actor.id,
        "sessions_end",
        f"staff:{staff.id}",
        {"username": staff.username, "sessions": ended},
        commune_id=staff.commune_id,
    )
    return staff


def unlock(session: Session, actor: Staff, staff_id: int) -> Staff:
    """Lift the waits failed logins put on an account (from every address)."""
    staff = _account(session, staff_id, actor)
    dropped = login_guard.unlock(session, staff.id)
    audit.record(
        session,
        actor.id,
        "login_unlock",
        f"staff:{staff.id}",
        {"username": staff.username, "counts": dropped},
        commune_id=staff.commune_id,
    )
    return staff
