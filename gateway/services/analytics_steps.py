"""Where citizens stop and what goes wrong, per flow and step: the funnel and the problems (chat and hotline)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy.orm import Session

from content import Guide
from gateway.services.analytics_data import FLOWS, Filters, load_calls, load_conversations, rate
from gateway.services.analytics_tables import channels_of, headings, per_channel, problem_title, table
from gateway.services.texts import Texts


def _steps(guide: Guide, flow: str) -> int:
    return len(guide.steps(flow))


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
                "reached_by_channel": {ch: sum(1 for i in reached if i[0] == ch) for ch in channels_of(filters)},
                "stopped_by_channel": {ch: sum(1 for i in stopped if i[0] == ch) for ch in channels_of(filters)},
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
        headings(texts, "funnel", ("flow", "step", "reached", "stopped"))
        + per_channel(texts, "funnel", "reached_channel", "reached", channels_of(filters))
        + per_channel(texts, "funnel", "stopped_channel", "stopped", channels_of(filters))
    )
    return {"report": "funnel", "filters": filters.as_dict(), "flows": flows, "table": table(columns, rows)}


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
                "title": problem_title(guide, code),
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
            "title": problem_title(guide, code),
            "chat": c["chat"],
            "hotline": c["hotline"],
            "total": c["chat"] + c["hotline"],
        }
        for code, c in by_problem.items()
    ]
    totals.sort(key=lambda r: (-r["total"], r["problem"]))
    columns = headings(texts, "problems", ("flow", "step", "problem", "title", "chat", "hotline", "total"))
    return {
        "report": "problems",
        "filters": filters.as_dict(),
        "by_step": rows,
        "by_problem": totals,
        "table": table(columns, rows),
    }
