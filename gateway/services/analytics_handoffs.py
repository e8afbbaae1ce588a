"""Who got in with a person and who without: the handoff rate and reasons, self-service, the time to the first
staff reply, and how handoffs and hotline calls ended (with the citizens' own answers)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Dict, List

from sqlalchemy.orm import Session

from content import Guide
from gateway.services.analytics_data import (
    ANSWERS,
    Filters,
    HandoffRow,
    load_calls,
    load_conversations,
    load_handoffs,
    median,
    percentile_nearest_rank,
    rate,
)
from gateway.services.analytics_tables import channels_of, headings, table
from gateway.services.handoff import OUTCOMES
from gateway.services.texts import Texts


def handoffs(session: Session, guide: Guide, filters: Filters, texts: Texts) -> Dict[str, Any]:
    """Share of conversations handed to a person, per channel, and the reasons."""
    convs = load_conversations(session, filters)
    rows = []
    for ch in channels_of(filters, chat_only=True) + ["all"]:
        group = [c for c in convs if ch in ("all", c.channel)]
        with_handoff = sum(1 for c in group if c.handoffs)
        rows.append(
            {
                "channel": ch,
                "conversations": len(group),
                "with_handoff": with_handoff,
                "handoffs": sum(c.handoffs for c in group),
                "rate": rate(with_handoff, len(group)),
            }
        )
    reasons = Counter(h.reason or "requested" for h in load_handoffs(session, filters))
    columns = headings(texts, "handoffs", ("channel", "conversations", "with_handoff", "handoffs", "rate"))
    overall = rows[-1]
    return {
        "report": "handoffs",
        "filters": filters.as_dict(),
        "conversations": overall["conversations"],
        "with_handoff": overall["with_handoff"],
        "rate": overall["rate"],
        "by_channel": rows[:-1],
        "reasons": dict(sorted(reasons.items())),
        "table": table(columns, rows),
    }


def self_service(session: Session, guide: Guide, filters: Filters, texts: Texts) -> Dict[str, Any]:
    """Conversations that got in by themselves (answered "got in", no person), per channel."""
    convs = load_conversations(session, filters)
    rows = []
    for ch in channels_of(filters, chat_only=True) + ["all"]:
        group = [c for c in convs if ch in ("all", c.channel)]
        in_flow = [c for c in group if c.flow]
        self_served = sum(1 for c in in_flow if c.self_served)
        rows.append(
            {
                "channel": ch,
                "conversations": len(group),
                "in_flow": len(in_flow),
                "answered": sum(1 for c in in_flow if c.login_outcome),
                "got_in": sum(1 for c in in_flow if c.got_in),
                "self_served": self_served,
                "rate": rate(self_served, len(in_flow)),
            }
        )
    columns = headings(
        texts, "self_service", ("channel", "conversations", "in_flow", "answered", "got_in", "self_served", "rate")
    )
    overall = rows[-1]
    return {
        "report": "self_service",
        "filters": filters.as_dict(),
        "in_flow": overall["in_flow"],
        "self_served": overall["self_served"],
        "rate": overall["rate"],
        "by_channel": rows[:-1],
        "table": table(columns, rows),
    }


def _reply_stats(items: List[HandoffRow]) -> Dict[str, Any]:
    seconds = [
        (h.first_staff_reply_at - h.requested_at).total_seconds() for h in items if h.first_staff_reply_at is not None
    ]
    med, p90 = median(seconds), percentile_nearest_rank(seconds, 90)
    return {
        "handoffs": len(items),
        "replied": len(seconds),
        "not_replied": len(items) - len(seconds),
        "median_seconds": med,
        "p90_seconds": p90,
        "median_minutes": round(med / 60, 1) if med is not None else None,
        "p90_minutes": round(p90 / 60, 1) if p90 is not None else None,
    }


def first_reply(session: Session, guide: Guide, filters: Filters, texts: Texts) -> Dict[str, Any]:
    """Time from a handoff request to the first staff reply: median and p90, per channel."""
    items = load_handoffs(session, filters)
    rows = [
        {"channel": ch, **_reply_stats([h for h in items if h.channel == ch])}
        for ch in channels_of(filters, chat_only=True)
    ]
    overall = {"channel": "all", **_reply_stats(items)}
    columns = headings(
        texts, "first_reply", ("channel", "handoffs", "replied", "not_replied", "median_minutes", "p90_minutes")
    )
    return {
        "report": "first_reply",
        "filters": filters.as_dict(),
        **{k: v for k, v in overall.items() if k != "channel"},
        "by_channel": rows,
        "table": table(columns, rows + [overall]),
    }


def outcomes(session: Session, guide: Guide, filters: Filters, texts: Texts) -> Dict[str, Any]:
    """Outcomes of handoffs (set by staff), of hotline calls, and the citizens' own answers."""
    handoff_counts = Counter(h.outcome or "open" for h in load_handoffs(session, filters))
    call_counts = Counter(c.outcome for c in load_calls(session, filters))
    convs = [c for c in load_conversations(session, filters) if c.flow]
    answers = Counter(c.login_outcome if c.login_outcome in ("got_in", "not_in") else "none" for c in convs)
    names = {**texts.staff("outcomes"), "open": texts.staff_label("analytics", "open_outcome")}
    rows = []
    for outcome in OUTCOMES + ("open",):
        h, k = handoff_counts.get(outcome, 0), call_counts.get(outcome, 0)
        if outcome == "open" and not h:
            continue
        rows.append(
            {"outcome": outcome, "label": names.get(outcome, outcome), "handoff": h, "hotline": k, "total": h + k}
        )
    columns = headings(texts, "outcomes", ("outcome", "label", "handoff", "hotline", "total"))
    return {
        "report": "outcomes",
        "filters": filters.as_dict(),
        "handoff": {o: handoff_counts.get(o, 0) for o in OUTCOMES + ("open",)},
        "hotline": {o: call_counts.get(o, 0) for o in OUTCOMES},
        "citizen_answers": {k: answers.get(k, 0) for k in ANSWERS},
        "rows": rows,
        "table": table(columns, rows),
    }
