"""Retention (RETENTION_DAYS): after `purge` runs, no copy holds anything older than the cutoff.

Run by `flask purge [--days N]` and daily by the worker. What it deletes, oldest first:
- conversations with no message since the cutoff (idle), with everything hanging from them (messages, handoffs and
  their events, call-back requests, Zalo send records) and their whole history in Rasa's tracker store;
- in the conversations still going on: messages older than the cutoff, and then conversations left with no message;
- handoff events older than the cutoff, and handoffs requested before it that are over (resolved or returned; a
  handoff still waiting or claimed is the conversation's live state and stays until it ends);
- call-back requests (phone numbers) older than the cutoff, done or not;
- Zalo webhook events (raw body, the citizen's Zalo id) and Zalo send records older than the cutoff;
- audit entries older than the cutoff that carry personal data (every action but `audit.NO_PERSONAL_DATA`);
- Rasa's tracker-store events older than the cutoff (`tracker_writes.delete_events_before`: a conversation's
  current Rasa session only once it is quiet, else at a later run: counted as deferred).

Idempotent (a second run deletes nothing), batched (BATCH rows per transaction, so a province database is never
locked for long), and it logs counts only, never content. Hotline call records (codes only), staff accounts,
settings and content edits are not personal data of citizens and stay.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, List, Optional, Tuple

from sqlalchemy import and_, delete, exists, select

from gateway.zalo_models import ZaloEvent, ZaloSent
from gateway.models import AuditLog, CallbackRequest, Conversation, Handoff, HandoffEvent, Message, utcnow
from gateway.services import audit, tracker_writes
from gateway.services.container import Services
from gateway.services.handoff import OPEN

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class PurgeReport:
    """How many rows of each copy one run deleted (counts only)."""

    days: int
    cutoff: datetime
    conversations: int = 0
    messages: int = 0
    handoffs: int = 0
    handoff_events: int = 0
    callbacks: int = 0
    zalo_events: int = 0
    zalo_sent: int = 0
    audit_entries: int = 0
    rasa_events: int = 0
    rasa_deferred: int = 0  # conversations whose current Rasa session was not quiet: their old events wait

    def summary(self) -> str:
        """One line for the command and the log."""
        counts = {k: v for k, v in asdict(self).items() if k not in ("days", "cutoff")}
        return f"older than {self.days} days deleted: {self.conversations} conversations, " + ", ".join(
            f"{v} {k.replace('_', ' ')}" for k, v in counts.items() if k != "conversations"
        )


def cutoff_for(days: int, now: Optional[datetime] = None) -> datetime:
    """The moment before which data is deleted."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    return (now or utcnow()) - timedelta(days=days)


def purge(svc: Services, days: Optional[int] = None, now: Optional[datetime] = None, batch: int = BATCH) -> PurgeReport:
    """Delete everything older than `days` (default RETENTION_DAYS) from every copy; see the module's docstring."""
    days = svc.settings.retention_days if days is None else days
    cutoff = cutoff_for(days, now)
    report = PurgeReport(days=days, cutoff=cutoff)
    idle = Conversation.last_message_at < cutoff
    report.conversations += _conversations(svc, idle, batch)
    report.messages = _rows(svc, Message, Message.created_at < cutoff, batch)
    empty = and_(Conversation.created_at < cutoff, ~exists().where(Message.conversation_id == Conversation.id))
    report.conversations += _conversations(svc, empty, batch)
    report.handoff_events = _rows(svc, HandoffEvent, HandoffEvent.at < cutoff, batch)
    report.handoffs = _rows(svc, Handoff, and_(Handoff.requested_at < cutoff, Handoff.status.not_in(OPEN)), batch)
    report.callbacks = _rows(svc, CallbackRequest, CallbackRequest.created_at < cutoff, batch)
    report.zalo_events = _rows(svc, ZaloEvent, ZaloEvent.received_at < cutoff, batch)
    report.zalo_sent = _rows(svc, ZaloSent, ZaloSent.sent_at < cutoff, batch)
    report.audit_entries = _rows(
        svc, AuditLog, and_(AuditLog.at < cutoff, AuditLog.action.not_in(sorted(audit.NO_PERSONAL_DATA))), batch
    )
    events = tracker_writes.delete_events_before(
        svc.settings.tracker_db_url, cutoff.timestamp(), now_ts=(now or utcnow()).timestamp()
    )
    report.rasa_events, report.rasa_deferred = events.deleted, events.deferred
    log.info("retention: %s", report.summary())
    return report


def _rows(svc: Services, model: Any, condition: Any, batch: int) -> int:
    """Delete the rows of `model` matching `condition`, `batch` at a time, one transaction each."""
    total = 0
    while True:
        with svc.db.session() as session:
            ids = list(session.scalars(select(model.id).where(condition).order_by(model.id).limit(batch)))
            if ids:
                session.execute(delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False))
        total += len(ids)
        if len(ids) < batch:
            return total


def _conversations(svc: Services, condition: Any, batch: int) -> int:
    """Delete the conversations matching `condition` (their rows cascade) and their events in Rasa's tracker store,
    Rasa's first: a failure there leaves the conversation for the next run, never events without a conversation."""
    total = 0
    while True:
        with svc.db.session() as session:
            found: List[Tuple[int, str]] = [
                tuple(row)
                for row in session.execute(
                    select(Conversation.id, Conversation.rasa_sender_id)
                    .where(condition)
                    .order_by(Conversation.id)
                    .limit(batch)
                )
            ]
        if found:
            tracker_writes.delete_senders(svc.settings.tracker_db_url, [sender for _, sender in found])
            with svc.db.session() as session:
                session.execute(
                    delete(Conversation)
                    .where(Conversation.id.in_([i for i, _ in found]))
                    .execution_options(synchronize_session=False)
                )
        total += len(found)
        if len(found) < batch:
            return total
