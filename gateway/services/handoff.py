"""Human handoff: bot → waiting → with staff → back to bot, or closed. Every staff action is audited."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import Conversation, Handoff, HandoffEvent, Message, Staff, as_utc, utcnow
from gateway.rasa_client import RasaUnavailable
from gateway.services import admission, audit, callbacks, handoff_notice, satisfaction, scope, states, tenant
from gateway.services.states import ConversationState, HandoffStatus
from gateway.services.container import Services
from gateway.services.messages import add_outbound
from gateway.services.handoff_errors import HandoffError

log = logging.getLogger(__name__)
OPEN = states.OPEN
OUTCOMES = ("got_in", "needs_police", "call_back", "no_answer", "other")
MAX_OVERRIDE_REASON = 500  # characters of the reason an admin gives for acting on a handoff another one holds


def speaking_for(svc: Services, conv: Conversation):
    """A block whose words (to the citizen, in the audit log) are of the conversation's commune, whoever acts."""
    return tenant.speaking_for(svc.communes.by_id(conv.commune_id))


def _visible(staff: Staff, conv: Conversation) -> None:
    """HandoffError 404 when `staff` may not see the conversation (never 403: that would say it exists)."""
    if not scope.sees(staff, conv.commune_id):
        raise HandoffError(404, "not_found")


def open_handoff(session: Session, conv: Conversation) -> Optional[Handoff]:
    """The conversation's handoff that is waiting or claimed, if any."""
    return session.scalar(
        select(Handoff).where(Handoff.conversation_id == conv.id, Handoff.status.in_(OPEN)).order_by(Handoff.id.desc())
    )


def _event(
    session: Session,
    handoff: Handoff,
    kind: str,
    staff: Optional[Staff] = None,
    detail: Optional[Dict[str, Any]] = None,
) -> None:
    session.add(HandoffEvent(handoff=handoff, kind=kind, staff_id=staff.id if staff else None, detail=detail))


def request(
    svc: Services,
    session: Session,
    conv: Conversation,
    payload: Dict[str, Any],
    reply_to: Optional[Message] = None,
    now: Optional[datetime] = None,
    client: Optional[str] = None,
) -> List[Message]:
    """Open a handoff from the bot's payload and tell the citizen, in one message, what happens next
    (gateway/services/handoff_notice.py: staff free, their place and wait, off hours with a call-back offer, an
    outage). One queue entry per conversation: asking again while one is open adds nothing. Over the limit of
    handoff requests from the client's address (`client`; gateway.services.admission) no entry is made and the
    citizen is told."""
    if open_handoff(session, conv) is not None:
        return []
    if admission.handoff(svc, client):
        return [add_outbound(session, conv, "system", svc.texts.message("handoff_limited"), reply_to)]
    handoff = Handoff(
        conversation=conv,
        reason=str(payload.get("reason") or "requested")[:16],
        flow=payload.get("flow") if payload.get("flow") in ("A", "B") else None,
        step=payload.get("step") if isinstance(payload.get("step"), int) else None,
        problem=(payload.get("problem") or None),
        tried=list(payload.get("tried") or []),
    )
    states.requested(conv, handoff)
    session.add(handoff)
    helper = payload.get("helper") is True  # a relative logs in for the account holder: shown on the card
    _event(session, handoff, "requested", detail={"reason": handoff.reason, **({"helper": True} if helper else {})})
    session.flush()  # its id: its place in the queue
    notice = handoff_notice.compose(svc, session, conv, handoff, now)
    if notice.offers_callback:
        conv.gateway_prompt = "callback_offer"
        handoff.callback_offered_at = now or utcnow()
        _event(session, handoff, "callback_offered", detail={"why": "out_of_hours"})
    return [add_outbound(session, conv, "system", notice.message, reply_to)]


def take_over(session: Session, conv: Conversation, reason: str, now: Optional[datetime] = None) -> Handoff:
    """A person answered the citizen outside the console (Zalo's OA admin page): the conversation is with them,
    through its open handoff or a new one claimed by no console user (`reason`). The caller pauses Rasa first."""
    now = now or utcnow()
    current = open_handoff(session, conv)
    if current is None:
        current = Handoff(
            conversation=conv,
            reason=reason[:16],
            flow=conv.flow,
            step=conv.step,
            problem=conv.problem,
            tried=list(conv.tried or []),
        )
        states.requested(conv, current)
        session.add(current)
        _event(session, current, "requested", detail={"reason": reason})
    states.taken_over(conv, current, now)
    _event(session, current, "claimed", detail={"via": reason})
    return current


def claim(svc: Services, session: Session, handoff_id: int, staff: Staff) -> Handoff:
    """A staff member takes a waiting conversation: Rasa is paused and the citizen is told a person joined."""
    handoff = scope.visible_handoff(session, staff, handoff_id)
    if handoff is None:
        raise HandoffError(404, "not_found")
    if handoff.status != HandoffStatus.WAITING:
        raise HandoffError(409, "not_waiting")
    conv = handoff.conversation
    with speaking_for(svc, conv):
        svc.rasa.pause(conv.rasa_sender_id)  # raises RasaUnavailable before anything changes
        states.claimed(conv, handoff, staff.id, utcnow())
        add_outbound(session, conv, "system", svc.texts.message("staff_joined", name=staff.display_name))
        _event(session, handoff, "claimed", staff)
        audit.record(session, staff.id, "claim", f"handoff:{handoff.id}")
    return handoff


def _handled_by(session: Session, conv: Conversation, staff: Staff) -> Handoff:
    if conv.state != ConversationState.WITH_STAFF:
        raise HandoffError(409, "not_with_staff")
    if conv.assigned_staff_id != staff.id and not staff.is_admin:
        raise HandoffError(403, "assigned_to_someone_else")
    return _with_staff(session, conv)


def _with_staff(session: Session, conv: Conversation) -> Handoff:
    """The open handoff of a conversation staff are handling; HandoffError if it is not handled by staff."""
    if conv.state != ConversationState.WITH_STAFF:
        raise HandoffError(409, "not_with_staff")
    handoff = open_handoff(session, conv)
    if handoff is None:
        raise HandoffError(409, "no_open_handoff")
    return handoff


def holder_of(handoff: Handoff) -> Optional[Staff]:
    """The staff member holding a handoff (who claimed it, while it is claimed), or None."""
    return handoff.claimed_by if handoff.status == HandoffStatus.CLAIMED else None


def check_holder(
    svc: Services, session: Session, handoff: Handoff, staff: Staff, action: str, reason: Optional[str]
) -> None:
    """Only the holder hands a conversation back or closes its handoff; an admin may act on another one's
    handoff with a reason, recorded (redacted) in the handoff's events and the audit log (`handoff_override`).
    A handoff nobody holds (waiting, returned) is anyone's. HandoffError otherwise, before anything changes."""
    holder = holder_of(handoff)
    if holder is None or holder.id == staff.id:
        return
    if not staff.is_admin:
        raise HandoffError(403, "held_by_other", name=holder.display_name)
    reason = (reason or "").strip()
    if not reason:
        raise HandoffError(403, "override_needs_reason", name=holder.display_name)
    if len(reason) > MAX_OVERRIDE_REASON:
        raise HandoffError(400, "override_reason_too_long", max=MAX_OVERRIDE_REASON)
    detail = {"action": action, "holder_id": holder.id, "reason": svc.redactor.redact(reason).text}
    _event(session, handoff, "override", staff, detail)
    audit.record(session, staff.id, "handoff_override", f"handoff:{handoff.id}", detail)


def reply(svc: Services, session: Session, conv: Conversation, staff: Staff, text: str) -> Message:
    """A staff message to the citizen (redacted like every stored text), labelled as staff."""
    _visible(staff, conv)
    with speaking_for(svc, conv):
        return _reply(svc, session, conv, staff, text)


def _reply(svc: Services, session: Session, conv: Conversation, staff: Staff, text: str) -> Message:
    handoff = _handled_by(session, conv, staff)
    text = (text or "").strip()
    if not text or len(text) > svc.settings.max_message_chars:
        raise HandoffError(400, "bad_text")
    redacted = svc.redactor.redact(text)
    message = add_outbound(session, conv, "staff", {"text": redacted.text}, staff_id=staff.id)
    if handoff.first_staff_reply_at is None:
        handoff.first_staff_reply_at = utcnow()
    _event(session, handoff, "staff_reply", staff)
    audit.record(session, staff.id, "reply", f"conversation:{conv.id}")
    return message


def return_to_bot(
    svc: Services, session: Session, conv: Conversation, staff: Staff, reason: Optional[str] = None
) -> List[Message]:
    """Hand the conversation back: Rasa resumes at the same flow and step, and says where the citizen is. Only
    its holder, or an admin with a `reason` (`check_holder`)."""
    _visible(staff, conv)
    with speaking_for(svc, conv):
        return _return_to_bot(svc, session, conv, staff, reason)


def _return_to_bot(
    svc: Services, session: Session, conv: Conversation, staff: Staff, reason: Optional[str]
) -> List[Message]:
    handoff = _with_staff(session, conv)
    check_holder(svc, session, handoff, staff, "return_to_bot", reason)
    svc.rasa.resume(conv.rasa_sender_id)  # raises before anything changes
    out = [add_outbound(session, conv, "system", svc.texts.message("staff_left", name=staff.display_name))]
    try:
        for bot_reply in svc.rasa.execute(conv.rasa_sender_id, "action_resume"):
            out.append(add_outbound(session, conv, "bot", bot_reply))
    except RasaUnavailable:  # Rasa is resumed already: the bot answers the citizen's next message as usual
        log.warning("action_resume failed for conversation %s; continuing without the step reminder", conv.id)
    states.returned(conv, handoff)
    _event(session, handoff, "returned", staff)
    audit.record(session, staff.id, "return_to_bot", f"conversation:{conv.id}")
    return out


def resolve(
    svc: Services,
    session: Session,
    handoff_id: int,
    staff: Staff,
    outcome: str,
    note: str = "",
    reason: Optional[str] = None,
) -> Handoff:
    """Close a handoff with an outcome; the bot answers again when the citizen next writes. A claimed handoff
    only by its holder, or by an admin with a `reason` (`check_holder`)."""
    if outcome not in OUTCOMES:
        raise HandoffError(400, "bad_outcome")
    handoff = scope.visible_handoff(session, staff, handoff_id)
    if handoff is None:
        raise HandoffError(404, "not_found")
    if handoff.status == HandoffStatus.RESOLVED:
        raise HandoffError(409, "already_resolved")
    with speaking_for(svc, handoff.conversation):
        return _resolve(svc, session, handoff, staff, outcome, note, reason)


def _resolve(
    svc: Services, session: Session, handoff: Handoff, staff: Staff, outcome: str, note: str, reason: Optional[str]
) -> Handoff:
    check_holder(svc, session, handoff, staff, "resolve", reason)
    conv = handoff.conversation
    if conv.state == ConversationState.WITH_STAFF:
        svc.rasa.resume(conv.rasa_sender_id)
    handoff.note = svc.redactor.redact(note[:2000]).text if note else None
    if states.resolved(conv, handoff, outcome, utcnow()):
        add_outbound(session, conv, "system", svc.texts.message("resolved"))
        satisfaction.ask(svc.texts, session, conv)  # once, one tap: was it solved? (analytics)
    if outcome != "call_back":  # no call is still to be made: the call-back number goes (gateway.services.callbacks)
        callbacks.close_for(session, conv)
    _event(session, handoff, "resolved", staff, {"outcome": outcome})
    audit.record(session, staff.id, "resolve", f"handoff:{handoff.id}", {"outcome": outcome})
    return handoff


def sweep_timeouts(svc: Services, session: Session, now: Optional[datetime] = None) -> int:
    """Offer a call back in conversations that waited longer than the timeout with nobody claiming."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=svc.settings.handoff_timeout_min)
    stale = session.scalars(
        select(Handoff).where(
            Handoff.status == HandoffStatus.WAITING,
            Handoff.callback_offered_at.is_(None),
            Handoff.requested_at < cutoff,
        )
    ).all()
    for handoff in stale:
        conv = handoff.conversation
        with speaking_for(svc, conv):  # the citizen reads their own commune's words
            conv.gateway_prompt = "callback_offer"
            handoff.callback_offered_at = now
            add_outbound(session, conv, "system", svc.texts.message("timeout_callback", "callback"))
            _event(session, handoff, "callback_offered", detail={"why": "timeout"})
    return len(stale)


def waited_minutes(handoff: Handoff, now: Optional[datetime] = None) -> int:
    """Minutes since the handoff was requested."""
    return int(((now or utcnow()) - as_utc(handoff.requested_at)).total_seconds() // 60)
