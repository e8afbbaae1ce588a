"""Failed staff logins slow the guesser down without locking the owner out (issue 17, finding 8).

- Per account and address (`pair`): after LOGIN_FAILURES_BEFORE_DELAY failures from one address (3), that address
  waits before its next try of that account: 5 s, then 10, 20, … doubling with each further failure, at most
  LOGIN_DELAY_MAX_S (900). Meanwhile the account's owner logs in from any other address. A success from the address
  starts it over.
- Per account from every address (`account`): each address counts at most its first LOGIN_FAILURES_BEFORE_DELAY
  failures; past LOGIN_ACCOUNT_FAILURES (10) the account waits the same growing delays — except from addresses where
  it logged in before (gateway/services/login_sessions.py), so a guesser spread over many addresses slows the
  account down without keeping its owner out of the office.
- Names that match no account are counted per address too, under a keyed hash of the name (`name_hash`): the table
  never holds what was typed.
- The admin lifts an account's waits (`unlock`, console page "Phiên đăng nhập"). Counts are forgotten FORGET after
  the last failure. An attempt refused for waiting is not checked against the password and is not a failure.
The per-address limit of every login attempt (RATE_LIMIT_LOGIN_IP) stays in gateway/rate_limits.py; RATE_LIMITS=off
switches this off too. Audit entries are the login view's (gateway/services/staff_login.py).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import LoginThrottle, Staff, as_utc, utcnow

FIRST_DELAY_S = 5
FORGET = timedelta(hours=24)


def name_hash(secret_key: str, typed: str) -> str:
    """A keyed hash (HMAC-SHA256 under SECRET_KEY) of a typed user name: the same name gives the same hash, and
    nobody without the key can test a guess (a password typed as the name) against it."""
    name = (typed or "").strip().lower()[:256]
    return hmac.new(
        secret_key.encode("utf-8"), b"login-name:" + name.encode("utf-8", "surrogatepass"), hashlib.sha256
    ).hexdigest()[:32]


def subject_of(staff: Optional[Staff], secret_key: str, typed: str) -> str:
    """What the counts are kept under: the account, or the keyed hash of a name that matches none."""
    return f"staff:{staff.id}" if staff is not None else f"name:{name_hash(secret_key, typed)}"


def delay_s(failures: int, free: int, max_s: int) -> int:
    """The wait after `failures` failures when the first `free - 1` cost nothing: 5 s at the free-th, then doubling."""
    over = failures - free
    return 0 if over < 0 else min(max_s, FIRST_DELAY_S * 2 ** min(over, 20))


@dataclass(frozen=True)
class Wait:
    """An attempt must wait `seconds` more, because of its address (`scope` pair) or of the account (account)."""

    seconds: int
    scope: str


def _row(session: Session, scope: str, subject: str, address: str) -> Optional[LoginThrottle]:
    return session.scalar(
        select(LoginThrottle).where(
            LoginThrottle.scope == scope, LoginThrottle.subject == subject, LoginThrottle.address == address
        )
    )


def _row_for_update(
    session: Session, scope: str, subject: str, address: str, staff_id: Optional[int], now: datetime
) -> LoginThrottle:
    row = _row(session, scope, subject, address)
    if row is not None and now - as_utc(row.last_failure_at) > FORGET:
        row.failures, row.blocked_until = 0, None
    if row is None:
        try:
            with session.begin_nested():
                row = LoginThrottle(
                    scope=scope, subject=subject, address=address, staff_id=staff_id, failures=0, last_failure_at=now
                )
                session.add(row)
        except IntegrityError:  # another request added it meanwhile
            row = _row(session, scope, subject, address)
    return row


def waiting(
    session: Session, subject: str, address: str, known_address: bool, now: Optional[datetime] = None
) -> Optional[Wait]:
    """The wait this attempt must still do, or None: its address's, then the account's (not for a known address)."""
    now = now or utcnow()
    checks = [("pair", address)] + ([] if known_address or not subject.startswith("staff:") else [("account", "")])
    for scope, where in checks:
        row = _row(session, scope, subject, where)
        until = as_utc(row.blocked_until) if row is not None else None
        if until is not None and until > now and now - as_utc(row.last_failure_at) <= FORGET:
            return Wait(max(1, math.ceil((until - now).total_seconds())), scope)
    return None


def failed(
    session: Session,
    settings: Settings,
    subject: str,
    staff_id: Optional[int],
    address: str,
    now: Optional[datetime] = None,
) -> LoginThrottle:
    """Count a failure of `subject` from `address`; the pair's row (its failures and the wait it starts now)."""
    now = now or utcnow()
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - FORGET))
    free = settings.login_failures_before_delay
    pair = _row_for_update(session, "pair", subject, address, staff_id, now)
    pair.failures += 1
    pair.last_failure_at = now
    wait = delay_s(pair.failures, free, settings.login_delay_max_s)
    pair.blocked_until = now + timedelta(seconds=wait) if wait else None
    if staff_id is not None and pair.failures <= free:  # each address counts its first few towards the account
        account = _row_for_update(session, "account", subject, "", staff_id, now)
        account.failures += 1
        account.last_failure_at = now
        wait = delay_s(account.failures, settings.login_account_failures, settings.login_delay_max_s)
        account.blocked_until = now + timedelta(seconds=wait) if wait else account.blocked_until
    return pair


def succeeded(session: Session, subject: str, address: str) -> None:
    """The right password from `address`: its count for the account starts over."""
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.scope == "pair", LoginThrottle.subject == subject, LoginThrottle.address == address
        )
    )


def unlock(session: Session, staff_id: int) -> int:
    """Lift every wait of an account (admin); how many counts were dropped."""
    return session.execute(delete(LoginThrottle).where(LoginThrottle.staff_id == staff_id)).rowcount or 0


def delays(session: Session, now: Optional[datetime] = None) -> List[LoginThrottle]:
    """The accounts' counts that imposed a wait within FORGET (over or not: the admin's page), newest first."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(LoginThrottle)
            .where(
                LoginThrottle.staff_id.is_not(None),
                LoginThrottle.blocked_until.is_not(None),
                LoginThrottle.last_failure_at >= now - FORGET,
            )
            .order_by(LoginThrottle.last_failure_at.desc())
        )
    )
