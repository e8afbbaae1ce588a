"""Where citizens get stuck: reports over the chat conversations and the hotline calls, as plain dicts.

Every report is a pure function of the database (a SQLAlchemy session), the guide (for step counts and titles),
`Filters` (a date range in Vietnam's time zone, a channel, day/week buckets, the communes counted) and the staff
words (`Texts`: the column headings and labels of content/staff.yml). Each returns a dict with the report's figures
plus a `table` ({"columns": [[key, label], ...], "rows": [{key: value}]}) that the console shows beside the chart
and the CSV export writes. The filters and the rows they select: gateway/services/analytics_data.py; the communes
side by side (the province's roll-up): gateway/services/analytics_communes.py.

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

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, Iterable, List, Optional, Tuple

from sqlalchemy.orm import Session

from content import Guide
from gateway.services.analytics_data import (  # noqa: F401 - the filters and rows, used by callers through here
    ANSWERS,
    CHANNELS,
    CHAT_CHANNELS,
    FLOWS,
    MAX_BUCKETS,
    REPORTS,
    CallRow,
    ConvRow,
    FilterError,
    Filters,
    HandoffRow,
    load_calls,
    load_conversations,
    load_handoffs,
    median,
    parse_filters,
    percentile_nearest_rank,
    rate,
)
from gateway.services.analytics_satisfaction import satisfaction
from gateway.services.handoff import OUTCOMES
from gateway.services.hours import TZ
from gateway.services.texts import Texts


# --- shaping the tables -------------------------------------------------------------------------------------------


def _channels(filters: Filters, chat_only: bool = False) -> List[str]:
    pool = CHAT_CHANNELS if chat_only else CHANNELS
    return [c for c in pool if filters.channel in (None, c)]


def _table(columns: Iterable[Tuple[str, str]], rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {"columns": [list(c) for c in columns], "rows": rows}


def _headings(texts: Texts, report: str, keys: Iterable[str]) -> List[Tuple[str, str]]:
    """(column key, heading) for columns headed as in content/staff.yml `analytics_columns.<report>`."""
    headings = texts.staff(f"analytics_columns.{report}")
    return [(key, headings[key]) for key in keys]


def _per_channel(
    texts: Texts, report: str, heading: str, prefix: str, channels: Iterable[str]
) -> List[Tuple[str, str]]:
    """One column per channel: key `<prefix>_<channel>`, the heading `heading` with its {channel} filled in."""
    headings, names = texts.staff(f"analytics_columns.{report}"), texts.staff("channels")
    return [(f"{prefix}_{ch}", headings.fill(heading, channel=names[ch])) for ch in channels]


def _steps(guide: Guide, flow: str) -> int:
    return len(guide.steps(flow))


def _problem_title(guide: Guide, code: Optional[str]) -> str:
    if not code:
        return ""
    problem = guide.problem(code)
    return problem["title"] if problem else code


# --- the reports --------------------------------------------------------------------------------------------------


def funnel(session: Session, guide: Guide, filters: Filters, texts: Texts) -> Dict[str, Any]:
    """Per flow and step: how many reached it (chat + hotline, per channel) and how many stopped there."""
    convs, calls = load_conversations(session, filters), load_calls(session, filters)
    flows, rows = [], []
    for flow in FLOWS:
        total = _steps(guide, flow)
        items: List[Tuple[str, int, bool]] = []  # (channel, furthest step, got in)
        for c in convs:
            if c.flow == flow and c.max_step:
                items.append((c.channel, min(c.max_step, total), c.got_in))
        for call in calls:
            if call.flow == flow and call.last_step:
                items.append(("hotline", min(call.last_step, total), call.outcome == "got_in"))
        steps = []
        for n in range(1, total + 1):
            reached = [i for i in items if i[1] >= n]
            stopped = [i for i in reached if i[1] == n and not i[2]]
            step = {
                "step": n,
                "text": guide.step(flow, n)["text"],
                "reached": len(reached),
                "stopped": len(stopped),
                "reached_by_channel": {ch: sum(1 for i in reached if i[0] == ch) for ch in _channels(filters)},
                "stopped_by_channel": {ch: sum(1 for i in stopped if i[0] == ch) for ch in _channels(filters)},
            }
            steps.append(step)
            rows.append(
                {
                    "flow": flow,
                    "step": n,
                    "reached": step["reached"],
                    "stopped": step["stopped"],
                    **{f"reached_{ch}": v for ch, v in step["reached_by_channel"].items()},
                    **{f"stopped_{ch}": v for ch, v in step["stopped_by_channel"].items()},
                }
            )
        started = len(items)
        got_in = sum(1 for i in items if i[2])
        flows.append(
            {
                "flow": flow,
                "title": guide.flow(flow)["title"],
                "short": guide.flow(flow)["short"],
                "steps_total": total,
                "started": started,
                "got_in": got_in,
                "got_in_rate": rate(got_in, started),
                "steps": steps,
            }
        )
    columns = (
        _headings(texts, "funnel", ("flow", "step", "reached", "stopped"))
        + _per_channel(texts, "funnel", "reached_channel", "reached", _channels(filters))
        + _per_channel(texts, "funnel", "stopped_channel", "stopped", _channels(filters))
    )
    return {"report": "funnel", "filters": filters.as_dict(), "flows": flows, "table": _table(columns, rows)}


def _parse_seen(item: str) -> Optional[Tuple[str, int]]:
    code, _, step = str(item).partition("@")
    if not code:
        return None
    try:
        return code, int(step or 0)
    except ValueError:
        return None


def problems(session: Session, guide: Guide, filters: Filters, texts: Texts) -> Dict[str, Any]:
    """Problems per flow and step (a conversation counts a problem at a step once), chat and hotline."""
    counts: Dict[Tuple[Optional[str], int, str], Counter] = defaultdict(Counter)
    for c in load_conversations(session, filters):
        for item in c.problems_seen:
            parsed = _parse_seen(item)
            if parsed:
                code, step = parsed
                counts[(c.flow, step, code)]["chat"] += 1
    for call in load_calls(session, filters):
        if call.problem:
            counts[(call.flow, call.last_step or 0, call.problem)]["hotline"] += 1
    rows = []
    for (flow, step, code), counter in sorted(counts.items(), key=lambda kv: (kv[0][0] or "~", kv[0][1], kv[0][2])):
        rows.append(
            {
                "flow": flow,
                "step": step,
                "problem": code,
                "title": _problem_title(guide, code),
                "chat": counter["chat"],
                "hotline": counter["hotline"],
                "total": counter["chat"] + counter["hotline"],
            }
        )
    by_problem: Dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        by_problem[row["problem"]]["chat"] += row["chat"]
        by_problem[row["problem"]]["hotline"] += row["hotline"]
    totals = [
        {
            "problem": code,
            "title": _problem_title(guide, code),
            "chat": c["chat"],
            "hotline": c["hotline"],
            "total": c["chat"] + c["hotline"],
        }
        for code, c in by_problem.items()
    ]
    totals.sort(key=lambda r: (-r["total"], r["problem"]))
    columns = _headings(texts, "problems", ("flow", "step", "problem", "title", "chat", "hotline", "total"))
    return {
        "report": "problems",
        "filters": filters.as_dict(),
        "by_step": rows,
        "by_problem": totals,
        "table": _table(columns, rows),
    }


def handoffs(session: Session, guide: Guide, filters: Filters, texts: Texts) -> Dict[str, Any]:
    """Share of conversations handed to a person, per channel, and the reasons."""
    convs = load_conversations(session, filters)
    rows = []
    for ch in _channels(filters, chat_only=True) + ["all"]:
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
    columns = _headings(texts, "handoffs", ("channel", "conversations", "with_handoff", "handoffs", "rate"))
    overall = rows[-1]
    return {
        "report": "handoffs",
        "filters": filters.as_dict(),
        "conversations": overall["conversations"],
        "with_handoff": overall["with_handoff"],
        "rate": overall["rate"],
        "by_channel": rows[:-1],
        "reasons": dict(sorted(reasons.items())),
        "table": _table(columns, rows),
    }


def self_service(session: Session, guide: Guide, filters: Filters, texts: Texts) -> Dict[str, Any]:
    """Conversations that got in by themselves (answered "got in", no person), per channel."""
    convs = load_conversations(session, filters)
    rows = []
    for ch in _channels(filters, chat_only=True) + ["all"]:
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
    columns = _headings(
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
        "table": _table(columns, rows),
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
        for ch in _channels(filters, chat_only=True)
    ]
    overall = {"channel": "all", **_reply_stats(items)}
    columns = _headings(
        texts, "first_reply", ("channel", "handoffs", "replied", "not_replied", "median_minutes", "p90_minutes")
    )
    return {
        "report": "first_reply",
        "filters": filters.as_dict(),
        **{k: v for k, v in overall.items() if k != "channel"},
        "by_channel": rows,
        "table": _table(columns, rows + [overall]),
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
    columns = _headings(texts, "outcomes", ("outcome", "label", "handoff", "hotline", "total"))
    return {
        "report": "outcomes",
        "filters": filters.as_dict(),
        "handoff": {o: handoff_counts.get(o, 0) for o in OUTCOMES + ("open",)},
        "hotline": {o: call_counts.get(o, 0) for o in OUTCOMES},
        "citizen_answers": {k: answers.get(k, 0) for k in ANSWERS},
        "rows": rows,
        "table": _table(columns, rows),
    }


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
        + [f"conversations_{ch}" for ch in _channels(filters, chat_only=True)]
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
        + _headings(texts, "volume", ("start", "conversations"))
        + _per_channel(texts, "volume", "conversations_channel", "conversations", _channels(filters, chat_only=True))
        + _headings(texts, "volume", ("in_flow", "handoffs", "self_served", "hotline_calls", "hotline_got_in"))
    )
    return {
        "report": "volume",
        "filters": filters.as_dict(),
        "period": period,
        "rows": rows,
        "table": _table(columns, rows),
    }


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
        "table": _table(_headings(texts, "summary", ("key", "label", "value")), rows),
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


def to_csv(report: Dict[str, Any]) -> str:
    """The report's table as CSV (UTF-8 with a byte-order mark so spreadsheet programs read the accents)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = report["table"]["columns"]
    writer.writerow([label for _, label in columns])
    for row in report["table"]["rows"]:
        writer.writerow(["" if row.get(key) is None else row.get(key) for key, _ in columns])
    return "\ufeff" + out.getvalue()
