"""The rows the analytics reports read (gateway/services/analytics.py): the filters staff choose (dates in
Vietnam's time zone, a channel, day/week buckets, the communes), and the conversations, hotline calls and handoffs
they select, loaded as small plain rows. A commune account's filters always hold its own commune only: every query
here is limited to `Filters.communes` (None: every commune, and the conversations of none yet).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import Conversation, Handoff, HotlineCall, as_utc
from gateway.services.hours import TZ
from gateway.services.texts import StaffError

CHAT_CHANNELS: Tuple[str, ...] = ("widget", "zalo", "rest")
CHANNELS: Tuple[str, ...] = CHAT_CHANNELS + ("hotline",)
FLOWS: Tuple[str, ...] = ("A", "B")
REPORTS: Tuple[str, ...] = (
    "summary",
    "funnel",
    "problems",
    "handoffs",
    "self_service",
    "first_reply",
    "outcomes",
    "satisfaction",
    "volume",
)
ANSWERS: Tuple[str, ...] = ("got_in", "not_in", "none")  # the citizens' own answer to the last question
MAX_BUCKETS = 370


class FilterError(StaffError):
    """A filter value that cannot be used (its words: content/staff.yml `analytics_filter_errors`)."""

    group = "analytics_filter_errors"


@dataclass(frozen=True)
class Filters:
    """Dates are local (Asia/Ho_Chi_Minh) and inclusive; channel is one of CHANNELS or None for all; `communes`
    the commune ids counted (None: every commune, with the conversations that have none yet), `commune` the slug
    chosen in the filter (None: not narrowed by the filter itself)."""

    date_from: Optional[date] = None
    date_to: Optional[date] = None
    channel: Optional[str] = None
    period: str = "day"  # day | week (the `volume` report)
    communes: Optional[FrozenSet[int]] = None
    commune: Optional[str] = None

    def as_dict(self) -> Dict[str, Any]:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "channel": self.channel,
            "period": self.period,
            "commune": self.commune,
        }

    def of_communes(self, column) -> list:
        """The WHERE clause limiting `column` (a commune_id column) to the communes counted, if any."""
        return [] if self.communes is None else [column.in_(sorted(self.communes))]

    def utc_bounds(self) -> Tuple[Optional[datetime], Optional[datetime]]:
        """[start, end) in UTC for the local dates."""
        start = end = None
        if self.date_from:
            start = datetime.combine(self.date_from, time.min, TZ).astimezone(timezone.utc)
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min, TZ).astimezone(timezone.utc)
        return start, end

    @property
    def chat(self) -> bool:
        """Whether chat conversations are included."""
        return self.channel in (None, *CHAT_CHANNELS)

    @property
    def hotline(self) -> bool:
        """Whether hotline calls are included."""
        return self.channel in (None, "hotline")


def parse_filters(
    args: Dict[str, str], communes: Iterable[Any] = (), allowed: Optional[Iterable[int]] = None
) -> Filters:
    """Filters from query arguments `from`, `to` (YYYY-MM-DD), `channel`, `period` (day|week) and `commune` (a
    slug among `communes`, the registry's CommuneInfo list). `allowed`: the commune ids the reader may count
    (None: every one, a province account); a commune outside them is refused like an unknown one."""
    try:
        date_from = date.fromisoformat(args["from"]) if args.get("from") else None
        date_to = date.fromisoformat(args["to"]) if args.get("to") else None
    except ValueError as exc:
        raise FilterError("bad_date") from exc
    if date_from and date_to and date_from > date_to:
        raise FilterError("date_order")
    channel = args.get("channel") or None
    if channel is not None and channel not in CHANNELS:
        raise FilterError("bad_channel")
    period = args.get("period") or "day"
    if period not in ("day", "week"):
        raise FilterError("bad_period")
    ids = None if allowed is None else frozenset(allowed)
    slug = args.get("commune") or None
    if slug is not None:
        info = next((c for c in communes if c.slug == slug), None)
        if info is None or (ids is not None and info.id not in ids):
            raise FilterError("bad_commune")
        ids = frozenset({info.id})
    return Filters(date_from, date_to, channel, period, ids, slug)


# --- loading rows -------------------------------------------------------------------------------------------------


@dataclass
class ConvRow:
    id: int
    channel: str
    flow: Optional[str]
    max_step: Optional[int]
    problems_seen: List[str]
    login_outcome: Optional[str]
    created_at: datetime
    handoffs: int = 0
    handoff_got_in: bool = False

    @property
    def got_in(self) -> bool:
        return self.login_outcome == "got_in" or self.handoff_got_in

    @property
    def self_served(self) -> bool:
        return self.login_outcome == "got_in" and self.handoffs == 0


@dataclass
class CallRow:
    flow: Optional[str]
    last_step: Optional[int]
    problem: Optional[str]
    outcome: str
    created_at: datetime


@dataclass
class HandoffRow:
    channel: str
    requested_at: datetime
    first_staff_reply_at: Optional[datetime]
    outcome: Optional[str]
    reason: Optional[str]


def in_range(column, filters: Filters):
    start, end = filters.utc_bounds()
    clauses = []
    if start is not None:
        clauses.append(column >= start)
    if end is not None:
        clauses.append(column < end)
    return clauses


def load_conversations(session: Session, filters: Filters) -> List[ConvRow]:
    """Chat conversations created in the range (on the channel), with their handoff facts."""
    if not filters.chat:
        return []
    query = select(
        Conversation.id,
        Conversation.channel,
        Conversation.flow,
        Conversation.max_step,
        Conversation.problems_seen,
        Conversation.login_outcome,
        Conversation.created_at,
    ).where(*in_range(Conversation.created_at, filters), *filters.of_communes(Conversation.commune_id))
    if filters.channel:
        query = query.where(Conversation.channel == filters.channel)
    rows = {
        r.id: ConvRow(
            r.id, r.channel, r.flow, r.max_step, list(r.problems_seen or []), r.login_outcome, as_utc(r.created_at)
        )
        for r in session.execute(query)
    }
    if rows:
        handoffs = session.execute(
            select(Handoff.conversation_id, Handoff.outcome)
            .join(Conversation, Conversation.id == Handoff.conversation_id)
            .where(*in_range(Conversation.created_at, filters), *filters.of_communes(Conversation.commune_id))
        )
        for conv_id, outcome in handoffs:
            row = rows.get(conv_id)
            if row is not None:
                row.handoffs += 1
                row.handoff_got_in = row.handoff_got_in or outcome == "got_in"
    return list(rows.values())


def load_calls(session: Session, filters: Filters) -> List[CallRow]:
    """Hotline calls recorded in the range."""
    if not filters.hotline:
        return []
    query = select(
        HotlineCall.flow, HotlineCall.last_step, HotlineCall.problem, HotlineCall.outcome, HotlineCall.created_at
    ).where(*in_range(HotlineCall.created_at, filters), *filters.of_communes(HotlineCall.commune_id))
    return [CallRow(r.flow, r.last_step, r.problem, r.outcome, as_utc(r.created_at)) for r in session.execute(query)]


def load_handoffs(session: Session, filters: Filters) -> List[HandoffRow]:
    """Handoffs requested in the range (on the channel of their conversation)."""
    if not filters.chat:
        return []
    query = (
        select(
            Conversation.channel, Handoff.requested_at, Handoff.first_staff_reply_at, Handoff.outcome, Handoff.reason
        )
        .join(Conversation, Conversation.id == Handoff.conversation_id)
        .where(*in_range(Handoff.requested_at, filters), *filters.of_communes(Conversation.commune_id))
    )
    if filters.channel:
        query = query.where(Conversation.channel == filters.channel)
    return [
        HandoffRow(r.channel, as_utc(r.requested_at), as_utc(r.first_staff_reply_at), r.outcome, r.reason)
        for r in session.execute(query)
    ]


# --- small helpers ------------------------------------------------------------------------------------------------


def rate(part: int, whole: int) -> Optional[float]:
    """part / whole rounded to 4 places, or None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def median(values: Sequence[float]) -> Optional[float]:
    """The median (mean of the two middle values for an even count), or None."""
    return float(statistics.median(values)) if values else None


def percentile_nearest_rank(values: Sequence[float], pct: float) -> Optional[float]:
    """The nearest-rank percentile: the value at rank ceil(pct/100 * n) of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[rank - 1])
