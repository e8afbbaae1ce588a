"""A queued event's row: claimed by one worker under a lease, finished with its raw body cleared (it may hold a
secret the citizen typed, unredacted). `Retry` is how a handler asks for a later attempt.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Optional

from sqlalchemy import and_, or_, update

from gateway.zalo_models import ZaloEvent
from gateway.models import utcnow
from gateway.services.container import Services

LEASE = timedelta(minutes=2)  # an event `processing` longer than this (a crashed worker) is taken up again


class Retry(Exception):
    """Processing could not finish now (Rasa unreachable): try again later."""


def claim(svc: Services, event_id: int) -> bool:
    """Take the event for processing (queued, or its lease run out); False when another worker has it."""
    now = utcnow()
    with svc.db.session() as session:
        return (
            session.execute(
                update(ZaloEvent)
                .where(
                    ZaloEvent.id == event_id,
                    or_(
                        ZaloEvent.status == "queued",
                        and_(ZaloEvent.status == "processing", ZaloEvent.lease_until < now),
                    ),
                )
                .values(status="processing", lease_until=now + LEASE, attempts=ZaloEvent.attempts + 1)
            ).rowcount
            == 1
        )


def finish(session, event_id: int, status: str, error: Optional[str] = None) -> None:
    """Mark the event processed (`status`: done, ignored, failed) and clear its body."""
    session.execute(
        update(ZaloEvent)
        .where(ZaloEvent.id == event_id)
        .values(
            status=status,
            body=None,
            processed_at=utcnow(),
            lease_until=None,
            next_attempt_at=None,
            error=error[:200] if error else None,
        )
    )
