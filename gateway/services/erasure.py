"""Deleting one citizen's conversation everywhere it is kept (Personal Data Protection Law 91/2025: the right to
delete), on the citizen's request ("xóa cuộc trò chuyện", the widget's "Kết thúc và xóa trên máy này") or an
operator's (`flask delete-conversation ID`).

What goes: Rasa's tracker-store events of the conversation (first: if that fails nothing else is touched and the
request can be repeated), then, in one transaction of the gateway database, its messages, its Zalo send records,
its handoffs (an open one ends with it: staff watching it in the console are told it was deleted) and their
events, its call-back requests (phone numbers), the raw Zalo webhook bodies of that citizen, and the
conversation itself. What stays: one audit entry `conversation_erased` with the time, the channel and who asked
(`citizen` or `operator`) — no content, no sender id, no Zalo user id. Its target names the conversation's
number (`conversation:<id>`), a counter that means nothing outside this database, so that an old console link can
say the conversation was deleted.

Zalo webhook events of the citizen that are already processed keep their bare row (Zalo's message id and
status: a retry of Zalo's webhook must still be recognised and not processed twice; the weekly clean-up removes
them), with the raw body and the citizen's Zalo id cleared; rows whose key is made of the Zalo id (events without
a message id) are deleted. Events still queued are messages sent after the deletion: they start the next
conversation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from gateway.models import AuditLog, CallbackRequest, Conversation, Handoff, HandoffEvent, Message, utcnow
from gateway.services import audit, tracker_writes
from gateway.services.container import Services
from gateway.services.handoff import OPEN

log = logging.getLogger(__name__)

ACTION = "conversation_erased"  # (written as a literal in audit.record: tests/gateway/test_staff_texts.py reads it)
BY = ("citizen", "operator")
_TARGET = "conversation:{}"


@dataclass
class Erased:
    """What one erasure removed (counts only)."""

    conversation_id: int
    channel: str
    by: str
    at: datetime
    messages: int = 0
    handoffs_closed: int = 0
    callbacks: int = 0
    zalo_events: int = 0
    commune_id: Optional[int] = None  # the conversation's commune: its staff are told of the deletion


def target(conv_id: int) -> str:
    """The audit target of a conversation (the same form as the staff actions on it)."""
    return _TARGET.format(conv_id)


def erase_conversation(svc: Services, conv_id: int, *, by: str, in_turn: bool = False) -> Optional[Erased]:
    """Delete conversation `conv_id` from Rasa's tracker store and the gateway database, keep only the fact in the
    audit log; None when there is no such conversation.

    The conversation's turn (services/ordering.py) is held meanwhile, so no message of it is half processed;
    `in_turn=True` when the caller already holds it (the citizen's own message asked for the deletion). Raises
    the tracker store's or the database's error when a copy could not be deleted (nothing is lost by trying again).
    """
    if by not in BY:
        raise ValueError(by)
    with svc.db.session() as session:
        conv = session.get(Conversation, conv_id)
        if conv is None:
            return None
        key = f"{conv.channel}:{conv.external_id}"
    if in_turn:
        return _erase(svc, conv_id, by)
    with svc.locks.hold(key):
        return _erase(svc, conv_id, by)


def _erase(svc: Services, conv_id: int, by: str) -> Optional[Erased]:
    with svc.db.session() as session:
        conv = session.get(Conversation, conv_id)
        if conv is None:  # deleted meanwhile (another tab, a second click)
            return None
        sender = conv.rasa_sender_id
    # Rasa's copy first: if its store is down the gateway's copy stays whole and the request can be repeated.
    tracker_writes.delete_senders(svc.settings.tracker_db_url, [sender])
    with svc.db.session() as session:
        conv = session.get(Conversation, conv_id)
        if conv is None:
            return None
        done = Erased(conversation_id=conv_id, channel=conv.channel, by=by, at=utcnow(), commune_id=conv.commune_id)
        done.handoffs_closed = session.scalar(
            select(func.count())
            .select_from(Handoff)
            .where(Handoff.conversation_id == conv_id, Handoff.status.in_(OPEN))
        )
        _delete_rows(session, conv, done)
        audit.record(
            session,
            None,
            "conversation_erased",
            target(conv_id),
            {"channel": done.channel, "by": by},
            commune_id=done.commune_id,
        )
    # Again: a staff action racing with this one (a claim pauses Rasa outside the citizen's turn) may have written
    # an event meanwhile; no message of the conversation can (its turn is held).
    try:
        tracker_writes.delete_senders(svc.settings.tracker_db_url, [sender])
    except SQLAlchemyError as exc:  # the deletion is done; only a racing event could be left
        log.warning("conversation %d: second pass on Rasa's tracker store failed (%s)", conv_id, type(exc).__name__)
    log.info(
        "conversation %d deleted on request (%s, by %s): %d messages, %d open handoffs closed",
        conv_id,
        done.channel,
        by,
        done.messages,
        done.handoffs_closed,
    )
    return done


def _delete_rows(session: Session, conv: Conversation, done: Erased) -> None:
    """Every row of the conversation, children first (plain DELETEs: the same on SQLite and PostgreSQL, whatever
    the foreign keys' ON DELETE)."""
    from gateway.zalo_models import ZaloEvent, ZaloSent

    conv_id = conv.id
    messages = select(Message.id).where(Message.conversation_id == conv_id).scalar_subquery()
    handoffs = select(Handoff.id).where(Handoff.conversation_id == conv_id).scalar_subquery()
    session.execute(delete(ZaloSent).where(ZaloSent.message_id.in_(messages)))
    session.execute(delete(HandoffEvent).where(HandoffEvent.handoff_id.in_(handoffs)))
    session.execute(delete(Handoff).where(Handoff.conversation_id == conv_id))
    done.callbacks = (
        session.execute(delete(CallbackRequest).where(CallbackRequest.conversation_id == conv_id)).rowcount or 0
    )
    session.execute(update(Message).where(Message.conversation_id == conv_id).values(reply_to_id=None))
    done.messages = session.execute(delete(Message).where(Message.conversation_id == conv_id)).rowcount or 0
    if conv.channel == "zalo":
        user = conv.external_id
        finished = (ZaloEvent.user_id == user, ZaloEvent.status != "queued")
        done.zalo_events = (
            session.execute(
                delete(ZaloEvent).where(*finished, ZaloEvent.msg_id.contains(user, autoescape=True))
            ).rowcount
            or 0
        )
        done.zalo_events += (
            session.execute(update(ZaloEvent).where(*finished).values(user_id=None, body=None, error=None)).rowcount
            or 0
        )
    session.execute(delete(Conversation).where(Conversation.id == conv_id))


def erased_entry(session: Session, conv_id: int) -> Optional[AuditLog]:
    """The audit entry of the conversation's deletion, if it was deleted (for the console's old links)."""
    return session.scalar(
        select(AuditLog)
        .where(AuditLog.action == ACTION, AuditLog.target == target(conv_id))
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
