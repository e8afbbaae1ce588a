"""The one message a citizen gets when a person is asked for, whatever the case: staff on duty and free, a queue
(their place and the expected wait), outside working hours (when staff will answer, and the call-back offer), an
outage notice switched on (said first, in the same message). Words: content/messages.yml `gateway: handoff_*`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.models import Conversation, Handoff, Staff, StaffSession, utcnow
from gateway.services import hours, runtime_settings
from gateway.services.container import Services

ON_DUTY = timedelta(minutes=10)  # a staff member seen this recently (any console request) is on duty


@dataclass(frozen=True)
class Notice:
    """What to say, and whether it asks the call-back question (the gateway then waits for yes or no)."""

    message: Dict[str, Any]
    offers_callback: bool
    case: str  # free | queue | off_hours


def position(session: Session, handoff: Handoff, commune_id: Optional[int]) -> int:
    """The handoff's place among the commune's waiting ones (1: next)."""
    ahead = (
        select(func.count(Handoff.id))
        .join(Conversation, Handoff.conversation_id == Conversation.id)
        .where(
            Handoff.status == "waiting",
            Handoff.id < handoff.id,
            Conversation.commune_id.is_(None) if commune_id is None else Conversation.commune_id == commune_id,
        )
    )
    return int(session.scalar(ahead) or 0) + 1


def staff_on_duty(session: Session, commune_id: Optional[int], now: datetime) -> int:
    """How many of the commune's staff (or the province's, who see it too) used the console in the last minutes."""
    recent = (
        select(func.count(func.distinct(StaffSession.staff_id)))
        .join(Staff, StaffSession.staff_id == Staff.id)
        .where(StaffSession.ended_at.is_(None), StaffSession.last_seen_at >= now - ON_DUTY, Staff.active.is_(True))
    )
    if commune_id is not None:
        recent = recent.where((Staff.commune_id == commune_id) | Staff.commune_id.is_(None))
    return int(session.scalar(recent) or 0)


def compose(
    svc: Services, session: Session, conv: Conversation, handoff: Handoff, now: Optional[datetime] = None
) -> Notice:
    """The handoff message for this conversation now (texts speak for its commune: the caller set it)."""
    now = now or utcnow()
    texts = svc.texts
    outage = runtime_settings.get(session, "outage_notice", conv.commune_id) or {}
    lead = (
        texts.text("handoff_outage", notice=outage.get("text") or texts.text("outage_default"))
        if outage.get("on")
        else ""
    )
    schedule = runtime_settings.get(session, "working_hours", conv.commune_id)
    if not hours.is_open(schedule, now):
        opens = hours.next_open(schedule, now)
        if opens is None:
            text = texts.text("handoff_off_hours_unknown", outage=lead)
        else:
            text = texts.text("handoff_off_hours", outage=lead, next_open=_when(texts, opens))
        return Notice({"text": text, "buttons": texts.guide.buttons("callback")}, True, "off_hours")
    place = position(session, handoff, conv.commune_id)
    on_duty = staff_on_duty(session, conv.commune_id, now)
    if place == 1 and on_duty:
        return Notice({"text": texts.text("handoff_free", outage=lead)}, False, "free")
    per_citizen = int(runtime_settings.get(session, "wait_minutes", conv.commune_id) or 5)
    minutes = per_citizen * math.ceil(place / max(1, on_duty))
    return Notice({"text": texts.text("handoff_queue", outage=lead, position=place, minutes=minutes)}, False, "queue")


def _when(texts, moment: datetime) -> str:
    """ "7h00 thứ Ba, 08/12" in the commune's local time."""
    local = moment.astimezone(hours.TZ)
    weekdays = texts.text("weekdays").split("|")
    return texts.text(
        "next_open",
        time=f"{local.hour}h{local.minute:02d}",
        weekday=weekdays[local.weekday()],
        date=local.strftime("%d/%m"),
    )
