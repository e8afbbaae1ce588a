"""The citizens' own word on resolved handoffs ("Vấn đề … đã được giải quyết chưa?", gateway/services/
satisfaction.py), per problem code and per staff member who handled it: resolved, answered, solved, the rate."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from content import Guide
from gateway.models import Conversation, Handoff, Staff
from gateway.services.analytics_data import Filters, in_range, rate
from gateway.services.satisfaction import answers as satisfaction_answers
from gateway.services.texts import Texts

COLUMNS = ("group", "key", "label", "resolved", "answered", "solved", "not_solved", "solved_rate")


def satisfaction(session: Session, guide: Guide, filters: Filters, texts: Texts) -> Dict[str, Any]:
    """Resolved handoffs (requested in the range, in the communes counted) and their answers, grouped by problem
    code and by the staff member who claimed them."""
    query = (
        select(Handoff.id, Handoff.problem, Handoff.claimed_by_id, Staff.display_name)
        .join(Conversation, Conversation.id == Handoff.conversation_id)
        .outerjoin(Staff, Staff.id == Handoff.claimed_by_id)
        .where(
            Handoff.status == "resolved",
            *in_range(Handoff.requested_at, filters),
            *filters.of_communes(Conversation.commune_id),
        )
    )
    if filters.channel in ("widget", "zalo", "rest"):
        query = query.where(Conversation.channel == filters.channel)
    elif filters.channel == "hotline":
        query = query.where(false())  # no handoffs on the phone
    handoffs = session.execute(query).all()
    answers = satisfaction_answers(session, [h.id for h in handoffs])
    labels = texts.staff("analytics")
    groups: Dict[Tuple[str, str], Dict[str, Any]] = {}
    for h in handoffs:
        problem = guide.problem(h.problem) if h.problem else None
        for group, key, label in (
            ("problem", h.problem or "none", problem["title"] if problem else labels["no_problem"]),
            ("staff", str(h.claimed_by_id or "none"), h.display_name or labels["no_staff"]),
        ):
            row = groups.setdefault(
                (group, key),
                {
                    "group": group,
                    "key": key,
                    "label": label,
                    "resolved": 0,
                    "answered": 0,
                    "solved": 0,
                    "not_solved": 0,
                },
            )
            row["resolved"] += 1
            if h.id in answers:
                row["answered"] += 1
                row["solved" if answers[h.id] else "not_solved"] += 1
    rows: List[Dict[str, Any]] = sorted(groups.values(), key=lambda r: (r["group"], -r["resolved"], r["label"]))
    for row in rows:
        row["solved_rate"] = rate(row["solved"], row["answered"])
    total = {"resolved": len(handoffs), "answered": len(answers), "solved": sum(answers.values())}
    total["solved_rate"] = rate(total["solved"], total["answered"])
    headings = texts.staff("analytics_columns.satisfaction")
    return {
        "report": "satisfaction",
        "filters": filters.as_dict(),
        **total,
        "by_problem": [r for r in rows if r["group"] == "problem"],
        "by_staff": [r for r in rows if r["group"] == "staff"],
        "table": {"columns": [[k, headings[k]] for k in COLUMNS], "rows": rows},
    }
