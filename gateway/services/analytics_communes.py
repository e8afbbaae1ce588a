"""The province's roll-up: every commune side by side (one row each), for province accounts.

Per commune, over the same filters as the other reports (gateway/services/analytics.py has the definitions):
- conversations, hotline calls;
- funnel: `started` (conversations and hotline calls that reached step 1 of a flow), `reached_last` (those that
  reached the flow's last step), `got_in` (those that got in) and the two rates over `started`; these add up to
  the funnel report's `started` and `got_in` of that commune;
- handoff rate: conversations with at least one handoff / conversations;
- first staff reply: median and p90 (nearest rank) of the handoffs requested in the period;
- outcomes: handoffs resolved with each outcome plus hotline calls with it (`resolved`: their sum), as the outcomes
  report counts them.

Counts come from one GROUP BY commune_id query per table; the reply times (a percentile needs the values) from one
query of (commune, requested, first reply) pairs grouped here, never one query per commune. Communes with nothing
in the period follow the others, by name (`empty`); conversations that have no commune yet (a provincial Zalo OA
whose citizen has not said theirs) are a row of their own (`commune_id` None) when there are any.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Dict, Iterable, List, Optional, Tuple

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from content import Guide
from gateway.models import Conversation, Handoff, HotlineCall
from gateway.models import as_utc
from gateway.services.analytics_data import FLOWS, Filters, in_range, median, percentile_nearest_rank, rate
from gateway.services.handoff import OUTCOMES
from gateway.services.texts import Texts

REPORT = "communes"
COUNTS = ("conversations", "hotline_calls", "started", "reached_last", "got_in", "with_handoff", "handoffs", "replied")
COLUMNS = (
    "name",
    "slug",
    "conversations",
    "hotline_calls",
    "started",
    "reached_last",
    "reached_last_rate",
    "got_in",
    "got_in_rate",
    "with_handoff",
    "handoff_rate",
    "handoffs",
    "replied",
    "median_minutes",
    "p90_minutes",
    "resolved",
) + tuple(f"outcome_{o}" for o in OUTCOMES)
SORTABLE = frozenset(COLUMNS) - {"slug"}


def _flag(condition) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _conversation_counts(session: Session, guide: Guide, filters: Filters) -> Dict[Optional[int], Dict[str, int]]:
    if not filters.chat:
        return {}
    c = Conversation
    started = and_(c.flow.in_(FLOWS), c.max_step >= 1)
    last = or_(*(and_(c.flow == flow, c.max_step >= len(guide.steps(flow))) for flow in FLOWS))
    handed = exists().where(Handoff.conversation_id == c.id)
    got_in = or_(
        c.login_outcome == "got_in", exists().where(Handoff.conversation_id == c.id, Handoff.outcome == "got_in")
    )
    query = (
        select(
            c.commune_id,
            func.count(c.id),
            _flag(started),
            _flag(and_(started, last)),
            _flag(and_(started, got_in)),
            _flag(handed),
        )
        .where(*in_range(c.created_at, filters), *filters.of_communes(c.commune_id))
        .group_by(c.commune_id)
    )
    if filters.channel:
        query = query.where(c.channel == filters.channel)
    return {
        row[0]: dict(zip(("conversations", "started", "reached_last", "got_in", "with_handoff"), map(int, row[1:])))
        for row in session.execute(query)
    }


def _call_counts(session: Session, guide: Guide, filters: Filters) -> Dict[Optional[int], Dict[str, int]]:
    if not filters.hotline:
        return {}
    h = HotlineCall
    started = and_(h.flow.in_(FLOWS), h.last_step >= 1)
    last = or_(*(and_(h.flow == flow, h.last_step >= len(guide.steps(flow))) for flow in FLOWS))
    query = (
        select(
            h.commune_id,
            func.count(h.id),
            _flag(started),
            _flag(and_(started, last)),
            _flag(and_(started, h.outcome == "got_in")),
            *(_flag(h.outcome == outcome) for outcome in OUTCOMES),
        )
        .where(*in_range(h.created_at, filters), *filters.of_communes(h.commune_id))
        .group_by(h.commune_id)
    )
    keys = ("hotline_calls", "started", "reached_last", "got_in") + tuple(f"outcome_{o}" for o in OUTCOMES)
    return {row[0]: dict(zip(keys, map(int, row[1:]))) for row in session.execute(query)}


def _handoff_figures(session: Session, filters: Filters) -> Dict[Optional[int], Dict[str, Any]]:
    if not filters.chat:
        return {}
    query = (
        select(Conversation.commune_id, Handoff.requested_at, Handoff.first_staff_reply_at, Handoff.outcome)
        .join(Conversation, Conversation.id == Handoff.conversation_id)
        .where(*in_range(Handoff.requested_at, filters), *filters.of_communes(Conversation.commune_id))
    )
    if filters.channel:
        query = query.where(Conversation.channel == filters.channel)
    waits: Dict[Optional[int], List[float]] = defaultdict(list)
    out: Dict[Optional[int], Dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for commune_id, requested, replied, outcome in session.execute(query):
        figures = out[commune_id]
        figures["handoffs"] += 1
        if outcome in OUTCOMES:
            figures[f"outcome_{outcome}"] += 1
        if replied is not None:
            waits[commune_id].append((as_utc(replied) - as_utc(requested)).total_seconds())
    for commune_id, figures in out.items():
        seconds = waits.get(commune_id, [])
        med, p90 = median(seconds), percentile_nearest_rank(seconds, 90)
        figures["replied"] = len(seconds)
        figures["median_minutes"] = round(med / 60, 1) if med is not None else None
        figures["p90_minutes"] = round(p90 / 60, 1) if p90 is not None else None
    return out


def _row(commune_id: Optional[int], name: str, slug: str, *parts: Dict[str, Any]) -> Dict[str, Any]:
    row: Dict[str, Any] = {
        "commune_id": commune_id,
        "name": name,
        "slug": slug,
        **{k: 0 for k in COUNTS},
        "median_minutes": None,
        "p90_minutes": None,
        **{f"outcome_{o}": 0 for o in OUTCOMES},
    }
    for part in parts:
        for key, value in part.items():
            row[key] = value if key in ("median_minutes", "p90_minutes") else row[key] + value
    row["reached_last_rate"] = rate(row["reached_last"], row["started"])
    row["got_in_rate"] = rate(row["got_in"], row["started"])
    row["handoff_rate"] = rate(row["with_handoff"], row["conversations"])
    row["resolved"] = sum(row[f"outcome_{o}"] for o in OUTCOMES)
    row["empty"] = not (row["conversations"] or row["hotline_calls"] or row["handoffs"])
    return row


def sort_rows(rows: List[Dict[str, Any]], key: str, descending: bool) -> List[Dict[str, Any]]:
    """Rows by `key` (names alphabetically; figures with no value last either way), ties by name."""
    if key == "name":
        return sorted(rows, key=lambda r: r["name"].casefold(), reverse=descending)
    by_name = sorted(rows, key=lambda r: r["name"].casefold())
    known = sorted((r for r in by_name if r.get(key) is not None), key=lambda r: r[key], reverse=descending)
    return known + [r for r in by_name if r.get(key) is None]


def rollup(
    session: Session,
    guide: Guide,
    filters: Filters,
    texts: Texts,
    communes: Iterable[Any],
    sort: str = "conversations",
    descending: bool = True,
) -> Dict[str, Any]:
    """Every commune of `communes` (the registry's CommuneInfo list; those outside `filters.communes` left out)
    side by side: `rows` with figures, sorted by `sort`, then `empty` (nothing in the period, by name)."""
    sort = sort if sort in SORTABLE else "conversations"
    convs, calls, handed = (
        _conversation_counts(session, guide, filters),
        _call_counts(session, guide, filters),
        _handoff_figures(session, filters),
    )
    words = texts.staff("analytics_communes")
    known: Dict[Optional[int], Tuple[str, str]] = {
        c.id: (c.name, c.slug) for c in communes if filters.communes is None or c.id in filters.communes
    }
    for commune_id in set(convs) | set(calls) | set(handed):  # data of no listed commune: still counted
        if commune_id not in known:
            known[commune_id] = (
                (words["unassigned"], "") if commune_id is None else (words.fill("unknown_commune", id=commune_id), "")
            )
    rows = [
        _row(cid, name, slug, convs.get(cid, {}), calls.get(cid, {}), handed.get(cid, {}))
        for cid, (name, slug) in known.items()
    ]
    shown = sort_rows([r for r in rows if not r["empty"]], sort, descending)
    empty = sorted((r for r in rows if r["empty"]), key=lambda r: r["name"].casefold())
    headings = texts.staff(f"analytics_columns.{REPORT}")
    names = texts.staff("outcomes")
    columns = [
        [key, headings.fill("outcome", outcome=names[key[8:]]) if key.startswith("outcome_") else headings[key]]
        for key in COLUMNS
    ]
    totals = _row(
        None, words["total"], "", *({k: r[k] for k in COUNTS + tuple(f"outcome_{o}" for o in OUTCOMES)} for r in rows)
    )
    return {
        "report": REPORT,
        "filters": filters.as_dict(),
        "sort": sort,
        "descending": descending,
        "rows": shown,
        "empty": empty,
        "total": totals,
        "communes": len(rows),
        "table": {"columns": columns, "rows": shown + empty},
    }
