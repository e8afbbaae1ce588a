"""Where citizens get stuck: reports over the chat conversations and the hotline calls, as plain dicts.

Every report is a pure function of the database (a SQLAlchemy session), the guide (for step counts and titles),
`Filters` (a date range in Vietnam's time zone, a channel, day/week buckets, the communes counted) and the staff
words (`Texts`: the column headings and labels of content/staff.yml). Each returns a dict with the report's figures
plus a `table` ({"columns": [[key, label], ...], "rows": [{key: value}]}) that the console shows beside the chart
and the CSV export writes. The filters and the rows they select: gateway/services/analytics_data.py; the tables and
their CSV: analytics_tables.py; the reports by subject: analytics_steps.py (funnel, problems), analytics_handoffs.py
(handoffs, self-service, first reply, outcomes), analytics_satisfaction.py, analytics_volume.py; the communes side by
side (the province's roll-up): analytics_communes.py. This module has the summary and builds a report by name.

Definitions (README "Analytics"):
- A chat conversation counts in the period it was *created*; a hotline call when it was recorded; a handoff when
  it was requested (first reply times, handoff outcomes, the `volume` report's handoff column).
- Funnel, for flow F and step n: reached = conversations with flow F and max_step >= n, plus hotline calls with
  flow F and last_step >= n; stopped at n = those whose furthest step is n and that did not get in.
- "Got in": a conversation whose citizen answered "Đã vào được" (login_outcome = got_in) or whose handoff was
  resolved with outcome got_in; a hotline call with outcome got_in.
- Self-service: a conversation that got in by the citizen's own answer with no handoff at all; the rate is over
  the conversations that started a flow.
- Handoff rate: conversations with at least one handoff / all conversations.
- First staff reply: from the handoff request to the first staff message; median, and p90 by nearest rank
  (the smallest time t such that at least 90 % of the replied handoffs were answered within t).
"""

from __future__ import annotations

from typing import Any, Dict

from sqlalchemy.orm import Session

from content import Guide
from gateway.services.analytics_data import (  # noqa: F401 - the filters and rows, used by callers through here
    ANSWERS,
    CHANNELS,
    REPORTS,
    FilterError,
    Filters,
    load_calls,
    median,
    parse_filters,
    percentile_nearest_rank,
)
from gateway.services.analytics_handoffs import first_reply, handoffs, outcomes, self_service
from gateway.services.analytics_satisfaction import satisfaction
from gateway.services.analytics_steps import funnel, problems
from gateway.services.analytics_tables import headings, table, to_csv  # noqa: F401 - to_csv: for callers
from gateway.services.analytics_volume import volume
from gateway.services.texts import Texts


def summary(session: Session, guide: Guide, filters: Filters, texts: Texts) -> Dict[str, Any]:
    """The headline figures of the other reports."""
    h, s, r = (
        handoffs(session, guide, filters, texts),
        self_service(session, guide, filters, texts),
        first_reply(session, guide, filters, texts),
    )
    calls = load_calls(session, filters)
    figures = {
        "conversations": h["conversations"],
        "in_flow": s["in_flow"],
        "hotline_calls": len(calls),
        "handoff_rate": h["rate"],
        "self_service_rate": s["rate"],
        "self_served": s["self_served"],
        "first_reply_median_minutes": r["median_minutes"],
        "first_reply_p90_minutes": r["p90_minutes"],
        "hotline_got_in": sum(1 for c in calls if c.outcome == "got_in"),
    }
    labels = texts.staff("analytics_figures")
    rows = [{"key": k, "label": labels[k], "value": v} for k, v in figures.items()]
    return {
        "report": "summary",
        "filters": filters.as_dict(),
        **figures,
        "table": table(headings(texts, "summary", ("key", "label", "value")), rows),
    }


BUILDERS = {
    "summary": summary,
    "funnel": funnel,
    "problems": problems,
    "handoffs": handoffs,
    "self_service": self_service,
    "first_reply": first_reply,
    "outcomes": outcomes,
    "satisfaction": satisfaction,
    "volume": volume,
}


def build(name: str, session: Session, guide: Guide, filters: Filters, texts: Texts) -> Dict[str, Any]:
    """A report by name (KeyError for an unknown name); `texts` (the app's) gives the headings and labels."""
    return BUILDERS[name](session, guide, filters, texts)
