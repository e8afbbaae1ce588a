"""One staff login attempt, start to end: the wait a guessed account imposes (login_guard), the password
(staff_accounts), a new server-side session (login_sessions) and the audit entry.

What was typed as the user name is never stored (people type their password there): an attempt is recorded by
account (`target` "staff:<id>") when the name matches one, by a keyed hash of the name (`name_hash`) otherwise,
always with the address it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

from sqlalchemy.orm import Session

from gateway.models import Staff
from gateway.services import audit, login_guard, login_sessions, staff_accounts
from gateway.services.audit import Kept
from gateway.services.container import Services


@dataclass(frozen=True)
class Attempt:
    """The outcome: logged in (`staff`, and `token` for the session cookie), refused for now (`wait_s`), or a
    wrong name or password (neither)."""

    staff: Optional[Staff] = None
    token: Optional[str] = None
    wait_s: int = 0


def attempt(
    svc: Services, session: Session, typed_name: str, password: str, address: str, user_agent: Optional[str] = None
) -> Attempt:
    """Try to log in with what the form holds; audited in the caller's transaction."""
    settings = svc.settings
    account = staff_accounts.find(session, typed_name)
    subject = login_guard.subject_of(account, settings.secret_key, typed_name)
    target = f"staff:{account.id}" if account is not None else None
    facts: Dict[str, Any] = {"address": Kept(address)}
    if account is None:
        facts["name_hash"] = Kept(subject.split(":", 1)[1])
    guarded = settings.rate_limits_enabled
    if guarded:
        known = account is not None and login_sessions.known_address(session, account.id, address)
        wait = login_guard.waiting(session, subject, address, known)
        if wait is not None:
            audit.record(session, None, "login_delayed", target, {**facts, "wait_s": wait.seconds, "scope": wait.scope})
            return Attempt(wait_s=wait.seconds)
    staff = staff_accounts.verify(account, password)
    if staff is None:
        if guarded:
            row = login_guard.failed(session, settings, subject, account.id if account else None, address)
            facts.update(
                failures=row.failures,
                wait_s=login_guard.delay_s(
                    row.failures, settings.login_failures_before_delay, settings.login_delay_max_s
                ),
            )
        audit.record(session, None, "login_failed", target, facts)
        return Attempt()
    if guarded:
        login_guard.succeeded(session, subject, address)
    token = login_sessions.start(session, staff, address, user_agent)
    audit.record(session, staff.id, "login", target, {"address": Kept(address)})
    return Attempt(staff=staff, token=token)
