"""Searching handoffs by date, problem, step and outcome."""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Optional

from flask import render_template, request
from flask_login import login_required
from sqlalchemy import select

from gateway.blueprints.console.blueprint import bp
from gateway.blueprints.console.viewer import commune_choice, me
from gateway.models import Handoff
from gateway.services import handoff
from gateway.services import queue as queue_mod
from gateway.web.current import services


@bp.get("/search")
@login_required
def search():
    """Handoffs by date, problem, step and outcome (a GET form; results link to the conversations)."""
    svc = services()
    guide = svc.texts.guide
    args = request.args
    errors: List[str] = []
    filters = {
        "from": args.get("from", ""),
        "to": args.get("to", ""),
        "problem": args.get("problem", ""),
        "step": args.get("step", ""),
        "outcome": args.get("outcome", ""),
    }

    refusals = svc.texts.staff("search_errors")

    def day(name: str) -> Optional[date]:
        if not filters[name]:
            return None
        try:
            return date.fromisoformat(filters[name])
        except ValueError:
            errors.append(refusals[f"bad_{name}"])
            return None

    date_from, date_to = day("from"), day("to")
    step = None
    if filters["step"]:
        try:
            step = int(filters["step"])
            if not 1 <= step <= 20:
                raise ValueError
        except ValueError:
            errors.append(refusals["bad_step"])
            step = None
    if filters["problem"] and guide.problem(filters["problem"]) is None:
        errors.append(refusals["bad_problem"])
    if filters["outcome"] and filters["outcome"] not in handoff.OUTCOMES:
        errors.append(refusals["bad_outcome"])
    if date_from and date_to and date_from > date_to:
        errors.append(refusals["date_order"])
    results: List[Dict[str, Any]] = []
    with svc.db.session() as session:
        viewer = me(session)
        choice = commune_choice(viewer)
        if not errors:
            results = queue_mod.search(
                session,
                viewer,
                date_from,
                date_to,
                filters["problem"] or None,
                step,
                filters["outcome"] or None,
                only=choice["chosen"],
            )
            found = {
                h.id: h
                for h in session.scalars(select(Handoff).where(Handoff.id.in_([r["handoff_id"] for r in results])))
            }
            for row in results:
                h = found.get(row["handoff_id"])
                row["claimed_by"] = h.claimed_by.display_name if h is not None and h.claimed_by else None
                row["note"] = h.note if h is not None else None
                problem = guide.problem(row["problem"]) if row["problem"] else None
                row["problem_title"] = problem["title"] if problem else row["problem"]
    problems = [(code, guide.problem(code)["title"]) for code in guide.problem_codes()]
    names = {c.id: c.name for c in svc.communes.all()} if viewer.is_province else {}
    for row in results:
        row["commune_name"] = names.get(row.get("commune_id"), "")
    return render_template(
        "console/search.html",
        filters=filters,
        errors=errors,
        results=results,
        problems=problems,
        searched=any(filters.values()),
        communes=choice,
    ), 400 if errors else 200
