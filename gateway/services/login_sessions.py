"""Staff sessions held on the server: one record per login (`gateway.models.StaffSession`), checked on every request.

The session cookie (Flask's, signed with SECRET_KEY) carries a random id; the database keeps only its SHA-256. A
request counts as logged in only while its record is live: not ended, used within STAFF_SESSION_IDLE_MINUTES,
opened less than STAFF_SESSION_MAX_HOURS ago, for the account as it was at login (same password hash, same role:
a change made anywhere — console, command, database — ends it) and an active account. Logout, a password reset,
a role change and disabling the account end every session of the account (`end_all`); the admin ends any one
(`end_one`) or an account's (`end_all`); `flask rotate-secret-key` ends them all (`end_everyone`).

Ended records are kept KEEP (the addresses an account logged in from are how gateway/services/login_guard.py knows
its owner's desk), then deleted at the next login.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import Staff, StaffSession, as_utc, utcnow

TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often per session
KEEP = timedelta(days=90)
REASONS = ("logout", "password", "role", "disabled", "admin", "rotated", "changed", "idle", "expired")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def account_mark(staff: Staff) -> str:
    """What a session remembers of its account: a digest of the password hash and the role."""
    return hashlib.sha256(f"{staff.password_hash}|{staff.role}".encode("utf-8")).hexdigest()[:32]


def start(
    session: Session, staff: Staff, address: Optional[str], user_agent: Optional[str], now: Optional[datetime] = None
) -> str:
    """A new session of `staff`; returns the id for the cookie (only its hash is stored)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=_hash(token),
            staff_id=staff.id,
            account=account_mark(staff),
            address=(address or "")[:64] or None,
            user_agent=(user_agent or "")[:200] or None,
            created_at=now,
            last_seen_at=now,
        )
    )
    session.execute(delete(StaffSession).where(StaffSession.ended_at < now - KEEP))
    return token


def _dead_reason(record: StaffSession, staff: Staff, settings: Settings, now: datetime) -> Optional[str]:
    if not staff.active:
        return "disabled"
    if record.account != account_mark(staff):
        return "changed"
    if now - as_utc(record.created_at) > timedelta(hours=settings.staff_session_max_hours):
        return "expired"
    if now - as_utc(record.last_seen_at) > timedelta(minutes=settings.staff_session_idle_minutes):
        return "idle"
    return None


def check(
    session: Session, token: Optional[str], staff: Staff, settings: Settings, now: Optional[datetime] = None
) -> Optional[StaffSession]:
    """The live record of this cookie's session for `staff` (its use noted), or None; a record found dead is
    ended with the reason."""
    if not token or not isinstance(token, str):
        return None
    record = session.scalar(select(StaffSession).where(StaffSession.token_hash == _hash(token)))
    if record is None or record.staff_id != staff.id or record.ended_at is not None:
        return None
    now = now or utcnow()
    reason = _dead_reason(record, staff, settings, now)
    if reason:
        record.ended_at, record.end_reason = now, reason
        return None
    if now - as_utc(record.last_seen_at) >= TOUCH_EVERY:
        record.last_seen_at = now
    return record


def end_all(
    session: Session, staff_id: int, reason: str, now: Optional[datetime] = None, keep: Optional[int] = None
) -> int:
    """End every live session of an account (but `keep`, the session of the person making the change to their own
    account, which then remembers the account as it is now); how many ended."""
    query = update(StaffSession).where(StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(StaffSession.id != keep)
        staff = session.get(Staff, staff_id)
        session.execute(
            update(StaffSession)
            .where(StaffSession.id == keep, StaffSession.staff_id == staff_id)
            .values(account=account_mark(staff))
        )
    return session.execute(query.values(ended_at=now or utcnow(), end_reason=reason)).rowcount or 0


def end_one(session: Session, record_id: int, reason: str, now: Optional[datetime] = None) -> Optional[StaffSession]:
    """End one session (by record id); the record, or None when it was not live."""
    record = session.get(StaffSession, record_id)
    if record is None or record.ended_at is not None:
        return None
    record.ended_at, record.end_reason = now or utcnow(), reason
    return record


def end_everyone(session: Session, reason: str = "rotated", now: Optional[datetime] = None) -> int:
    """End every live session of every account; how many there were."""
    result = session.execute(
        update(StaffSession).where(StaffSession.ended_at.is_(None)).values(ended_at=now or utcnow(), end_reason=reason)
    )
    return result.rowcount or 0


def active(session: Session, settings: Settings, now: Optional[datetime] = None) -> List[StaffSession]:
    """The live sessions (their accounts loaded), by account then age."""
    now = now or utcnow()
    records = session.scalars(
        select(StaffSession)
        .join(Staff)
        .where(StaffSession.ended_at.is_(None))
        .order_by(Staff.username, StaffSession.created_at)
    ).all()
    return [r for r in records if _dead_reason(r, r.staff, settings, now) is None]


def known_address(session: Session, staff_id: int, address: Optional[str]) -> bool:
    """Whether the account logged in from this address (within KEEP)."""
    if not address:
        return False
    return bool(
        session.scalar(select(exists().where(StaffSession.staff_id == staff_id, StaffSession.address == address[:64])))
    )
