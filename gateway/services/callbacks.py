"""Call-back phone numbers (table `callback_requests`): given after an explicit "Đồng ý", kept apart from the
transcript (the message itself is stored redacted), never logged.

Who reads a number: staff of the conversation's commune (or a province account), in full on that conversation
(console page, staff API detail); every list (the queue's cards) shows it masked. Staff of another commune never
reach the request at all (gateway/services/scope.py: 404).

When it goes: as soon as the call back is done the number is erased and the row keeps only the consent time, the
status and who called — a staff member marks the call done (`mark_done`), or the handoff is resolved with any
outcome but `call_back` ("needs a call back": the call is still to be made) (`close_for`). Retention
(gateway/services/retention.py) deletes every row older than RETENTION_DAYS, done or not.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import CallbackRequest, Conversation, Staff
from gateway.services import audit, scope
from gateway.services.handoff_errors import HandoffError

ERASED = ""  # the phone column once the number is purged (the column is NOT NULL)


def same_commune(viewer: Staff, conv: Conversation) -> bool:
    """Whether `viewer` is an active account that sees the conversation's commune (its own, or a province
    account: gateway/services/scope.py)."""
    return bool(viewer is not None and viewer.is_active and conv is not None and scope.sees(viewer, conv.commune_id))


def view(session: Session, conv: Conversation, viewer: Staff, full: bool) -> List[Dict[str, Any]]:
    """The conversation's call-back requests for `viewer`: the number in full only when `full` (a conversation's
    own page) and the viewer is staff of its commune, masked otherwise; '' once erased."""
    rows = session.scalars(
        select(CallbackRequest).where(CallbackRequest.conversation_id == conv.id).order_by(CallbackRequest.id)
    ).all()
    readable = full and same_commune(viewer, conv)
    return [
        {
            "id": r.id,
            "phone": r.phone if readable else r.masked_phone,
            "masked": not readable and bool(r.phone),
            "erased": r.phone == ERASED,
            "status": r.status,
            "consent_at": r.consent_at.isoformat(),
        }
        for r in rows
    ]


def masked_open(session: Session, conversation_ids: Iterable[int]) -> Dict[int, str]:
    """For lists: conversation id → the masked number of its open call-back request (the latest)."""
    ids = list(set(conversation_ids))
    if not ids:
        return {}
    rows = session.scalars(
        select(CallbackRequest)
        .where(
            CallbackRequest.conversation_id.in_(ids), CallbackRequest.status == "open", CallbackRequest.phone != ERASED
        )
        .order_by(CallbackRequest.id)
    ).all()
    return {r.conversation_id: r.masked_phone for r in rows}


def mark_done(session: Session, callback_id: int, staff: Staff) -> CallbackRequest:
    """A staff member of the commune called back: the number is erased, the request is `called`, audited."""
    request = scope.visible_callback(session, staff, callback_id)  # another commune's: not found, like none
    if request is None:
        raise HandoffError(404, "callback_not_found")
    conv = session.get(Conversation, request.conversation_id)
    if not same_commune(staff, conv):
        raise HandoffError(404, "callback_not_found")
    if request.status != "open":
        raise HandoffError(409, "callback_already_done")
    request.phone, request.status, request.called_by_id = ERASED, "called", staff.id
    audit.record(session, staff.id, "callback_done", f"conversation:{conv.id}", commune_id=conv.commune_id)
    return request


def close_for(session: Session, conv: Conversation) -> int:
    """Erase the numbers of the conversation's open call-back requests (its handoff ended without needing a
    call); returns how many."""
    rows = session.scalars(
        select(CallbackRequest).where(CallbackRequest.conversation_id == conv.id, CallbackRequest.status == "open")
    ).all()
    for request in rows:
        request.phone, request.status = ERASED, "closed"
    return len(rows)
