"""Staff access to citizens' transcripts: who opened which conversation, and when (for the admin).

An opening is an audit entry (`audit_log`) with action `transcript_open`, target `conversation:<id>` and
`{"via": …}`: the console's conversation page (`console`), the staff API's conversation and messages endpoints
(`api`), and the queue's cards, which show a conversation's latest messages (`queue`; console page and API).
The console re-reads these every few seconds, so an opening is recorded once per staff member and conversation
per WINDOW: further reads within 10 minutes of the last recorded one add nothing. Nothing else in the gateway
shows a transcript to staff (analytics, CSV exports, search and the script aid hold codes, never messages).

The entries carry personal data (who looked at whose conversation): retention deletes them after RETENTION_DAYS
(`audit.NO_PERSONAL_DATA` leaves them out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import AuditLog, Conversation, Staff, utcnow
from gateway.services import audit, scope

ACTION = "transcript_open"
WINDOW = timedelta(minutes=10)
VIA = ("console", "api", "queue")
_PREFIX = "conversation:"


def target(conversation_id: int) -> str:
    """The audit target naming a conversation."""
    return f"{_PREFIX}{conversation_id}"


def record_openings(
    session: Session, staff_id: int, conversation_ids: Iterable[int], via: str, now: Optional[datetime] = None
) -> int:
    """Record that `staff_id` saw these conversations' messages (committed with the caller's transaction), except
    those this staff member already opened within WINDOW; returns how many entries were added."""
    if via not in VIA:
        raise ValueError(via)
    targets = {target(i): i for i in conversation_ids}
    if not targets:
        return 0
    now = now or utcnow()
    seen = set(
        session.scalars(
            select(AuditLog.target).where(
                AuditLog.action == ACTION,
                AuditLog.staff_id == staff_id,
                AuditLog.at >= now - WINDOW,
                AuditLog.target.in_(list(targets)),
            )
        )
    )
    added = 0
    new = sorted(set(targets) - seen, key=targets.get)
    # an opening belongs to the conversation's commune: its admins see who read their citizens' conversations
    communes = (
        dict(
            session.execute(
                select(Conversation.id, Conversation.commune_id).where(Conversation.id.in_([targets[n] for n in new]))
            ).all()
        )
        if new
        else {}
    )
    for name in new:
        audit.record(session, staff_id, "transcript_open", name, {"via": via}, commune_id=communes.get(targets[name]))
        added += 1
    if added:
        session.flush()  # a second read in the same request sees them
    return added


@dataclass
class Opening:
    """One recorded opening, for the admin's pages."""

    at: datetime
    staff_id: Optional[int]
    staff_name: Optional[str]
    conversation_id: Optional[int]
    via: Optional[str]


def recent(
    session: Session,
    viewer: Staff,
    staff_id: Optional[int] = None,
    conversation_id: Optional[int] = None,
    limit: int = 200,
    only: Optional[int] = None,
) -> List[Opening]:
    """The latest openings of the communes `viewer` sees (gateway/services/scope.py; a province account: `only`
    one, or all), newest first, of one staff member and/or one conversation when given."""
    query = (
        scope.audit(select(AuditLog), viewer, only)
        .where(AuditLog.action == ACTION)
        .order_by(AuditLog.id.desc())
        .limit(limit)
    )
    if staff_id is not None:
        query = query.where(AuditLog.staff_id == staff_id)
    if conversation_id is not None:
        query = query.where(AuditLog.target == target(conversation_id))
    out = []
    for entry in session.scalars(query):
        number = entry.target[len(_PREFIX) :] if (entry.target or "").startswith(_PREFIX) else ""
        out.append(
            Opening(
                at=entry.at,
                staff_id=entry.staff_id,
                staff_name=entry.staff.display_name if entry.staff else None,
                conversation_id=int(number) if number.isdigit() else None,
                via=(entry.detail or {}).get("via"),
            )
        )
    return out
