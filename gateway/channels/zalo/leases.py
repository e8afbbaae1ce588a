"""Named leases in the database: only one process holds `worker` (processes events and sends) or `refresh`
(rotates the tokens) at a time. An atomic conditional UPDATE takes the lease, so it works the same on SQLite
(which has no SELECT … FOR UPDATE) and PostgreSQL; no database lock is held while Zalo is called, and a lease
held by a process that died expires by itself."""

from __future__ import annotations

from datetime import timedelta
from typing import Callable, Optional

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from gateway.zalo_models import ZaloLease
from gateway.db import Database
from gateway.models import utcnow


def acquire(db: Database, name: str, owner: str, ttl_s: float, stale: Optional[Callable[[str], bool]] = None) -> bool:
    """Take (or extend) the lease for `ttl_s` seconds; False when another owner holds it.

    `stale(owner)` may say that the current holder is known to be gone (a dead process on this host): the lease
    is then taken at once instead of after its expiry."""
    now = utcnow()
    until = now + timedelta(seconds=ttl_s)
    with db.session() as session:
        taken = session.execute(
            update(ZaloLease)
            .where(
                ZaloLease.name == name,
                or_(
                    ZaloLease.owner == owner,
                    ZaloLease.owner.is_(None),
                    ZaloLease.until.is_(None),
                    ZaloLease.until < now,
                ),
            )
            .values(owner=owner, until=until)
        ).rowcount
        if taken == 1:
            return True
        current = session.get(ZaloLease, name)
        if current is not None:
            if stale is not None and current.owner and stale(current.owner):
                return (
                    session.execute(
                        update(ZaloLease)
                        .where(ZaloLease.name == name, ZaloLease.owner == current.owner)
                        .values(owner=owner, until=until)
                    ).rowcount
                    == 1
                )
            return False
    try:
        with db.session() as session:
            session.add(ZaloLease(name=name, owner=owner, until=until))
        return True
    except IntegrityError:  # another process created it first
        return False


def release(db: Database, name: str, owner: str) -> None:
    """Give the lease back (only if still ours)."""
    with db.session() as session:
        session.execute(
            update(ZaloLease).where(ZaloLease.name == name, ZaloLease.owner == owner).values(owner=None, until=None)
        )
