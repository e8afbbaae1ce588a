"""Staff accounts: creation, password hashing (argon2) and verification."""

from __future__ import annotations

from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import Staff
from gateway.services.texts import StaffError

_hasher = PasswordHasher()
MIN_PASSWORD = 10
ROLES = ("staff", "admin")


class AccountError(StaffError):
    """A bad username, password or role (its words for the admin: content/staff.yml `account_errors`)."""

    group = "account_errors"


def create(
    session: Session,
    username: str,
    display_name: str,
    password: str,
    role: str = "staff",
    commune_id: Optional[int] = None,
) -> Staff:
    """A new active account of one commune (`commune_id`; None: of the province, which sees every commune);
    AccountError on a taken name, weak password or unknown role."""
    username = (username or "").strip().lower()
    if not username or len(username) > 64 or not username.replace(".", "").replace("_", "").isalnum():
        raise AccountError("bad_username")
    if role not in ROLES:
        raise AccountError("bad_role")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError("short_password", min_chars=MIN_PASSWORD)
    if session.scalar(select(Staff).where(Staff.username == username)) is not None:
        raise AccountError("username_taken")
    staff = Staff(
        username=username,
        display_name=(display_name or username).strip()[:128],
        password_hash=_hasher.hash(password),
        role=role,
        active=True,
        commune_id=commune_id,
    )
    session.add(staff)
    session.flush()
    return staff


def set_password(staff: Staff, password: str) -> None:
    """Replace the password (same strength rule)."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError("short_password", min_chars=MIN_PASSWORD)
    staff.password_hash = _hasher.hash(password)


def find(session: Session, username: str) -> Optional[Staff]:
    """The account with this user name (as typed: case and surrounding spaces do not matter), or None."""
    name = (username or "").strip().lower()
    return session.scalar(select(Staff).where(Staff.username == name)) if 0 < len(name) <= 64 else None


def authenticate(session: Session, username: str, password: str) -> Optional[Staff]:
    """The active account with this username and password, else None (same work either way)."""
    return verify(find(session, username), password)


def verify(staff: Optional[Staff], password: str) -> Optional[Staff]:
    """`staff` when it is active and `password` is its password, else None (same work either way)."""
    if staff is None:
        _hasher.hash(password or "x")  # spend the same time as a real check
        return None
    try:
        _hasher.verify(staff.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return None
    return staff if staff.active else None
