"""How much happens per day or ISO week (local time): conversations per channel, handoffs, self-served and
hotline calls."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, List

from sqlalchemy.orm import Session

from content import Guide
from gateway.services.analytics_data import MAX_BUCKETS, Filters, load_calls, load_conversations, load_handoffs
from gateway.services.analytics_tables import channels_of, headings, per_channel, table
from gateway.services.hours import TZ
from gateway.services.texts import Texts


def _bucket(moment: datetime, period: str) -> date:
    local = moment.astimezone(TZ).date()
    return local - timedelta(days=local.weekday()) if period == "week" else local


def bucket_label(start: date, period: str) -> str:
    """`2026-11-27` for a day; `2026-W48` (ISO week) for a week."""
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.isoformat()


def volume(session: Session, guide: Guide, filters: Filters, texts: Texts) -> Dict[str, Any]:
    """Per day or ISO week (local time): conversations per channel, handoffs, self-served, hotline calls."""
    period = filters.period
    convs, calls = load_conversations(session, filters), load_calls(session, filters)
    handoff_rows = load_handoffs(session, filters)
    buckets: Dict[date, Counter] = defaultdict(Counter)
    for c in convs:
        b = buckets[_bucket(c.created_at, period)]
        b["conversations"] += 1
        b[f"conversations_{c.channel}"] += 1
        b["in_flow"] += 1 if c.flow else 0
        b["self_served"] += 1 if c.flow and c.self_served else 0
    for h in handoff_rows:
        buckets[_bucket(h.requested_at, period)]["handoffs"] += 1
    for call in calls:
        b = buckets[_bucket(call.created_at, period)]
        b["hotline_calls"] += 1
        b["hotline_got_in"] += 1 if call.outcome == "got_in" else 0
    first = filters.date_from or (min(buckets) if buckets else None)
    last = filters.date_to or (max(buckets) if buckets else None)
    starts: List[date] = []
    if first and last:
        cursor, step = (
            _bucket(datetime.combine(first, time(12), TZ), period),
            timedelta(days=7 if period == "week" else 1),
        )
        while cursor <= last and len(starts) < MAX_BUCKETS:
            starts.append(cursor)
            cursor += step
    keys = (
        ["conversations"]
        + [f"conversations_{ch}" for ch in channels_of(filters, chat_only=True)]
        + ["in_flow", "handoffs", "self_served", "hotline_calls", "hotline_got_in"]
    )
    rows = [
        {
            "period": bucket_label(s, period),
            "start": s.isoformat(),
            **{k: buckets.get(s, Counter()).get(k, 0) for k in keys},
        }
        for s in starts
    ]
    columns = (
        [("period", texts.staff_label("analytics_columns.volume", f"period_{period}"))]
        + headings(texts, "volume", ("start", "conversations"))
        + per_channel(texts, "volume", "conversations_channel", "conversations", channels_of(filters, chat_only=True))
        + headings(texts, "volume", ("in_flow", "handoffs", "self_served", "hotline_calls", "hotline_got_in"))
    )
    return {
        "report": "volume",
        "filters": filters.as_dict(),
        "period": period,
        "rows": rows,
        "table": table(columns, rows),
    }
