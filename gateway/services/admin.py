"""What the commune administrator changes from the console: staff accounts, working hours, the outage notice.

A commune's admin manages its commune's accounts and settings; a province admin (no commune) every account and the
province's settings, which every commune without its own follows (gateway/services/scope.py,
gateway/services/runtime_settings.py). An account another commune's admin asks for is "not found", like one that
does not exist.

Every change is written to the audit log (who, what; never a password). Validation errors are `AdminError` (or
the `AccountError` of staff_accounts) with a code; their Vietnamese words for the form are in content/staff.yml.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.models import AuditLog, Staff
from gateway.services import access_log, audit, hours, login_sessions, runtime_settings, scope, staff_accounts
from gateway.services.texts import StaffError

MAX_PERIODS = 3
MAX_HOLIDAYS = 200
MAX_OUTAGE_CHARS = 500
WAIT_MINUTES = (1, 240)
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class AdminError(StaffError):
    """A change the administrator asked for cannot be made (its words for the form: content/staff.yml
    `admin_errors`)."""

    group = "admin_errors"


# --- staff accounts ---------------------------------------------------------------------------------------------


def list_staff(session: Session, viewer: Staff, only: Optional[int] = None) -> List[Staff]:
    """The accounts `viewer` manages (its commune's; a province admin: every one, or `only` one commune's):
    active ones first, then by username."""
    return list(
        session.scalars(scope.staff_accounts(select(Staff), viewer, only).order_by(Staff.active.desc(), Staff.username))
    )


def create_staff(
    session: Session,
    actor: Staff,
    username: str,
    display_name: str,
    password: str,
    role: str,
    commune_id: Optional[int] = None,
) -> Staff:
    """A new account (rules of staff_accounts.create: AccountError), audited without the password. A commune
    admin's accounts are of its commune whatever `commune_id` says; a province admin picks the commune (the
    caller checks it exists), or none for another province admin."""
    if not actor.is_province:
        commune_id = actor.commune_id
    if commune_id is None and role != "admin":
        raise AdminError("commune_needed")
    staff = staff_accounts.create(session, username, display_name, password, role, commune_id=commune_id)
    audit.record(
        session,
        actor.id,
        "staff_create",
        f"staff:{staff.id}",
        {"username": staff.username, "role": staff.role},
        commune_id=staff.commune_id,
    )
    return staff


def _staff(session: Session, staff_id: int, actor: Staff) -> Staff:
    """The account, if `actor` manages it; AdminError `no_account` otherwise (another commune's: not found)."""
    staff = scope.visible_staff(session, actor, staff_id)
    if staff is None:
        raise AdminError("no_account")
    return staff


def _active_admins(session: Session) -> int:
    return (
        session.scalar(select(func.count()).select_from(Staff).where(Staff.role == "admin", Staff.active.is_(True)))
        or 0
    )


def set_active(session: Session, actor: Staff, staff_id: int, active: bool) -> Staff:
    """Deactivate (the person can no longer log in; their session ends) or reactivate an account."""
    staff = _staff(session, staff_id, actor)
    if not active:
        if staff.id == actor.id:
            raise AdminError("self_deactivate")
        if staff.is_admin and staff.active and _active_admins(session) <= 1:
            raise AdminError("last_admin")
    if staff.active != active:
        staff.active = active
        audit.record(
            session,
            actor.id,
            "staff_activate" if active else "staff_deactivate",
            f"staff:{staff.id}",
            {"username": staff.username},
            commune_id=staff.commune_id,
        )
    if not active:
        login_sessions.end_all(session, staff.id, "disabled")
    return staff


def set_role(session: Session, actor: Staff, staff_id: int, role: str) -> Staff:
    """Change an account's role (never one's own, never the last active admin's); its sessions end."""
    staff = _staff(session, staff_id, actor)
    if role not in staff_accounts.ROLES:
        raise staff_accounts.AccountError("bad_role")
    if staff.commune_id is None and role != "admin":
        raise AdminError("commune_needed")
    if staff.role != role:
        if staff.id == actor.id:
            raise AdminError("self_role")
        if staff.is_admin and staff.active and _active_admins(session) <= 1:
            raise AdminError("last_admin")
        audit.record(
            session,
            actor.id,
            "staff_role",
            f"staff:{staff.id}",
            {"username": staff.username, "role": role, "was": staff.role},
            commune_id=staff.commune_id,
        )
        staff.role = role
        login_sessions.end_all(session, staff.id, "role")
    return staff


def reset_password(
    session: Session, actor: Staff, staff_id: int, password: str, actor_session: Optional[int] = None
) -> Staff:
    """Set a new password for an account (same strength rule: AccountError); the audit entry never holds the
    password. Every session of the account ends, but the one the admin does this from (`actor_session`) when it is
    their own account."""
    staff = _staff(session, staff_id, actor)
    staff_accounts.set_password(staff, password)
    audit.record(
        session,
        actor.id,
        "staff_password_reset",
        f"staff:{staff.id}",
        {"username": staff.username},
        commune_id=staff.commune_id,
    )
    session.flush()
    login_sessions.end_all(session, staff.id, "password", keep=actor_session if staff.id == actor.id else None)
    return staff


# --- working hours ----------------------------------------------------------------------------------------------


def parse_date(text: str) -> date:
    """A date written as YYYY-MM-DD or DD/MM/YYYY (also with '-' or '.'); ValueError otherwise."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def schedule_from_form(days: Iterable[str], periods: Sequence[Tuple[str, str]], holidays_text: str) -> Dict[str, Any]:
    """A working-hours schedule from the settings form, checked by hours.validate; AdminError on bad input."""
    try:
        day_numbers = sorted({int(d) for d in days})
    except (TypeError, ValueError) as exc:
        raise AdminError("bad_days") from exc
    if any(d < 0 or d > 6 for d in day_numbers):
        raise AdminError("bad_days")
    clean: List[List[str]] = []
    for number, (start, end) in enumerate(periods[:MAX_PERIODS], start=1):
        start, end = (start or "").strip()[:5], (end or "").strip()[:5]
        if not start and not end:
            continue
        if not start or not end:
            raise AdminError("period_incomplete", number=number)
        if not _HHMM.match(start) or not _HHMM.match(end):
            raise AdminError("period_format", number=number)
        if start >= end:
            raise AdminError("period_order", number=number)
        clean.append([start, end])
    clean.sort()
    for (_, end), (start, _) in zip(clean, clean[1:]):
        if start < end:
            raise AdminError("periods_overlap")
    holidays: List[str] = []
    for line in (holidays_text or "").replace(",", "\n").splitlines():
        if not line.strip():
            continue
        try:
            holidays.append(parse_date(line).isoformat())
        except ValueError as exc:
            raise AdminError("bad_holiday", text=line.strip()[:20]) from exc
    if len(holidays) > MAX_HOLIDAYS:
        raise AdminError("too_many_holidays", max_days=MAX_HOLIDAYS)
    try:
        return hours.validate({"days": day_numbers, "periods": clean, "holidays": holidays})
    except ValueError as exc:
        raise AdminError("bad_hours") from exc


def parse_wait_minutes(text: str) -> int:
    """The announced wait in minutes (1–240); AdminError otherwise."""
    low, high = WAIT_MINUTES
    try:
        minutes = int((text or "").strip())
    except ValueError as exc:
        raise AdminError("bad_wait", low=low, high=high) from exc
    if not low <= minutes <= high:
        raise AdminError("bad_wait", low=low, high=high)
    return minutes


def save_hours(session: Session, actor: Staff, schedule: Dict[str, Any], wait_minutes: int) -> None:
    """Store the working hours and the announced wait of the actor's commune (a province admin: the province's,
    which every commune without its own follows); audited with the new values."""
    schedule = hours.validate(schedule)
    runtime_settings.put(session, "working_hours", schedule, commune_id=actor.commune_id)
    runtime_settings.put(session, "wait_minutes", wait_minutes, commune_id=actor.commune_id)
    audit.record(
        session,
        actor.id,
        "settings_hours",
        "settings:working_hours",
        {"working_hours": schedule, "wait_minutes": wait_minutes},
        commune_id=actor.commune_id,
    )


def save_outage(session: Session, actor: Staff, on: bool, text: str) -> Dict[str, Any]:
    """Switch the outage notice on or off with its text (the bot gives it to citizens while it is on)."""
    text = " ".join((text or "").split())
    if len(text) > MAX_OUTAGE_CHARS:
        raise AdminError("outage_too_long", max_chars=MAX_OUTAGE_CHARS)
    value = {"on": bool(on), "text": text}
    runtime_settings.put(session, "outage_notice", value, commune_id=actor.commune_id)
    audit.record(session, actor.id, "settings_outage", "settings:outage_notice", value, commune_id=actor.commune_id)
    return value


def settings_view(session: Session, commune_id: Optional[int] = None) -> Dict[str, Any]:
    """The current settings of a commune (None: the province's) for the form."""
    return {
        "working_hours": runtime_settings.get(session, "working_hours", commune_id),
        "wait_minutes": runtime_settings.get(session, "wait_minutes", commune_id),
        "outage_notice": runtime_settings.get(session, "outage_notice", commune_id) or {"on": False, "text": ""},
    }


# --- audit log --------------------------------------------------------------------------------------------------


def recent_audit(
    session: Session,
    viewer: Staff,
    limit: int = 200,
    action: Optional[str] = None,
    leave_out: Iterable[str] = (access_log.ACTION,),
    only: Optional[int] = None,
) -> List[AuditLog]:
    """The latest audit entries of the communes `viewer` sees (a province admin: every one, or `only` one),
    newest first; transcript openings have their own page (`leave_out`)."""
    query = scope.audit(select(AuditLog), viewer, only).order_by(AuditLog.id.desc()).limit(limit)
    if action:
        query = query.where(AuditLog.action == action)
    elif leave_out:
        query = query.where(AuditLog.action.not_in(list(leave_out)))
    return list(session.scalars(query))
