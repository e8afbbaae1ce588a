"""What staff see: the queue of summary cards, one conversation, and search."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import Conversation, Handoff, Message, Staff
from gateway.services import callbacks, scope
from gateway.services.handoff import OPEN, waited_minutes
from gateway.services.texts import Texts


def message_view(m: Message) -> Dict[str, Any]:
    """A message for the console (text is already redacted)."""
    return {
        "id": m.id,
        "direction": m.direction,
        "author": m.author,
        "text": m.text,
        "staff": m.staff.display_name if m.staff else None,
        "buttons": [b.get("title") for b in (m.data or {}).get("buttons", [])],
        "image": (m.data or {}).get("image"),
        "sensitive": m.sensitive or [],
        "delivery": m.delivery,
        "delivery_error": m.delivery_error,  # Zalo: blocked = must write first
        "at": m.created_at.isoformat(),
    }


def asked_by_helper(handoff: Handoff) -> bool:
    """Whether a relative asked for a person for the account holder (the bot's payload, kept on `requested`)."""
    return any(e.kind == "requested" and (e.detail or {}).get("helper") is True for e in handoff.events)


def card(texts: Texts, handoff: Handoff, transcript: int = 12) -> Dict[str, Any]:
    """The summary card of a handoff: channel, flow, step, problem, remedies tried, wait, transcript."""
    conv = handoff.conversation
    guide = texts.guide
    problem = guide.problem(handoff.problem) if handoff.problem else None
    messages = conv.messages[-transcript:] if transcript else []
    return {
        "handoff_id": handoff.id,
        "conversation_id": conv.id,
        "channel": conv.channel,
        "commune_id": conv.commune_id,
        "status": handoff.status,
        "state": conv.state,
        "reason": handoff.reason,
        "helper": asked_by_helper(handoff),
        "flow": handoff.flow,
        "flow_title": guide.flow(handoff.flow)["short"] if handoff.flow else None,
        "step": handoff.step,
        "problem": handoff.problem,
        "problem_title": problem["title"] if problem else None,
        "tried": [{"code": c, "title": (guide.problem(c) or {}).get("title", c)} for c in handoff.tried or []],
        "waited_minutes": waited_minutes(handoff),
        "requested_at": handoff.requested_at.isoformat(),
        "claimed_by": handoff.claimed_by.display_name if handoff.claimed_by else None,
        "claimed_by_id": handoff.claimed_by_id,
        "transcript": [message_view(m) for m in messages],
    }


def open_queue(session: Session, texts: Texts, viewer: Staff, only: Optional[int] = None) -> List[Dict[str, Any]]:
    """Waiting and claimed handoffs of the communes `viewer` sees (a province account: `only` one, or all),
    longest waiting first; `callback` is the masked number of an open call-back request (a list never shows a
    number in full: gateway.services.callbacks)."""
    query = scope.handoffs(select(Handoff), viewer, only).where(Handoff.status.in_(OPEN))
    handoffs = list(session.scalars(query.order_by(Handoff.requested_at)))
    phones = callbacks.masked_open(session, [h.conversation_id for h in handoffs])
    return [card(texts, h, transcript=4) | {"callback": phones.get(h.conversation_id)} for h in handoffs]


def conversation_view(session: Session, texts: Texts, conv: Conversation, viewer: Staff) -> Dict[str, Any]:
    """One conversation: state, flow/step, all messages, its handoffs, call-backs."""
    return {
        "id": conv.id,
        "channel": conv.channel,
        "state": conv.state,
        "flow": conv.flow,
        "step": conv.step,
        "problem": conv.problem,
        "tried": conv.tried or [],
        "login_outcome": conv.login_outcome,
        "assigned_staff_id": conv.assigned_staff_id,
        "messages": [message_view(m) for m in conv.messages],
        "handoffs": [card(texts, h, transcript=0) | {"outcome": h.outcome} for h in conv.handoffs],
        "callbacks": callbacks.view(session, conv, viewer, full=True),
    }


def search(
    session: Session,
    viewer: Staff,
    date_from: Optional[date] = None,
    date_to: Optional[date] = None,
    problem: Optional[str] = None,
    step: Optional[int] = None,
    outcome: Optional[str] = None,
    limit: int = 200,
    only: Optional[int] = None,
) -> List[Dict[str, Any]]:
    """Handoffs of the communes `viewer` sees (a province account: `only` one, or all) by request date
    (inclusive), problem code, step and outcome."""
    query = scope.handoffs(select(Handoff), viewer, only).order_by(Handoff.requested_at.desc()).limit(limit)
    if date_from:
        query = query.where(Handoff.requested_at >= datetime.combine(date_from, time.min, timezone.utc))
    if date_to:
        query = query.where(
            Handoff.requested_at < datetime.combine(date_to + timedelta(days=1), time.min, timezone.utc)
        )
    if problem:
        query = query.where(Handoff.problem == problem)
    if step is not None:
        query = query.where(Handoff.step == step)
    if outcome:
        query = query.where(Handoff.outcome == outcome)
    return [
        {
            "handoff_id": h.id,
            "conversation_id": h.conversation_id,
            "channel": h.conversation.channel,
            "commune_id": h.conversation.commune_id,
            "requested_at": h.requested_at.isoformat(),
            "flow": h.flow,
            "step": h.step,
            "problem": h.problem,
            "status": h.status,
            "outcome": h.outcome,
        }
        for h in session.scalars(query)
    ]
