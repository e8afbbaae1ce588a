"""The hotline script aid: the guide seen from the phone (what to say, what to check, the problem scripts) and the
record of a call's outcome. A call record holds only codes and numbers (flow, last step, problem, outcome): no
name, no phone number, no free text. Codes only here: their words for staff are in content/staff.yml.
"""

from __future__ import annotations

from datetime import datetime, time, timezone
from typing import Any, Dict, List, Mapping, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content import Guide
from gateway.models import HotlineCall, Staff
from gateway.services import audit
from gateway.services.handoff import OUTCOMES
from gateway.services.hours import TZ
from gateway.services.texts import StaffError

FLOWS = ("A", "B")
MAX_PROBLEM_KEYS = 9  # number keys 1–9 pick a problem of the current step


class HotlineError(StaffError):
    """A call record that cannot be stored: `code` for the API, its words in content/staff.yml `hotline_errors`."""

    group = "hotline_errors"

    @property
    def code(self) -> str:
        return self.key


def problem_script(guide: Guide, code: str) -> Dict[str, Any]:
    """What staff say for a problem: the remedy lines, filled in, and whether the caller must go in person
    (`in_person`: yes | maybe | no)."""
    problem = guide.problem(code) or {}
    in_person = str(problem.get("in_person", "no")).lower()
    if in_person in ("true", "yes"):
        in_person = "yes"
    elif in_person in ("false", "no"):
        in_person = "no"
    return {
        "code": code,
        "title": problem.get("title", code),
        "short": problem.get("short", code),
        "say": [guide.fill(line) for line in problem.get("remedy", [])],
        "in_person": in_person,
        "bring": guide.fill(problem["bring"]) if problem.get("bring") else None,
        "last_checked": problem.get("last_checked"),
        "where": [
            [flow, n]
            for flow in FLOWS
            for n, step in enumerate(guide.steps(flow), start=1)
            if code in (step.get("problems") or [])
        ],
    }


def script_view(guide: Guide) -> Dict[str, Any]:
    """Both flows step by step, every problem script and the outcome codes, for the page and its script (plain
    data)."""
    flows = {}
    for flow in FLOWS:
        data = guide.flow(flow)
        steps = guide.steps(flow)
        flows[flow] = {
            "code": flow,
            "title": data["title"],
            "short": data["short"],
            "intro": guide.fill(data.get("intro", "")),
            "total": len(steps),
            "steps": [
                {
                    "n": n,
                    "say": guide.fill(step["text"]),
                    "check": guide.fill(step.get("check", "")),
                    "illustration": guide.illustration_url(step.get("illustration")),
                    "problems": list(step.get("problems") or [])[:MAX_PROBLEM_KEYS],
                }
                for n, step in enumerate(steps, start=1)
            ],
        }
    problems = {code: problem_script(guide, code) for code in guide.problem_codes()}
    commune = guide.commune
    return {
        "flows": flows,
        "problems": problems,
        "outcomes": list(OUTCOMES),
        "commune": {
            "name": commune.get("name"),
            "hotline": commune.get("hotline"),
            "working_hours": commune.get("working_hours"),
            "portal_host": commune.get("portal_host"),
        },
        "scam": guide.text("scam") if "scam" in guide.messages.get("text", {}) else "",
        "secret_kinds": dict(guide.messages.get("secret_kinds", {})),
    }


def _int_or_none(value: Any) -> Optional[int]:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError("bool")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError("not an integer")


def clean_call(guide: Guide, flow: Any, last_step: Any, problem: Any, outcome: Any) -> Dict[str, Any]:
    """Validated fields of a call record; HotlineError otherwise. Only known codes and numbers get through."""
    flow = flow or None
    if flow is not None and flow not in FLOWS:
        raise HotlineError("bad_flow")
    try:
        step = _int_or_none(last_step)
    except ValueError as exc:
        raise HotlineError("bad_step") from exc
    if step is not None:
        if flow is None or not 1 <= step <= len(guide.steps(flow)):
            raise HotlineError("bad_step")
    problem = problem or None
    if problem is not None and (not isinstance(problem, str) or guide.problem(problem) is None):
        raise HotlineError("bad_problem")
    if outcome not in OUTCOMES:
        raise HotlineError("bad_outcome")
    return {"flow": flow, "last_step": step, "problem": problem, "outcome": outcome}


def record_call(
    session: Session, guide: Guide, staff: Staff, flow: Any, last_step: Any, problem: Any, outcome: Any
) -> HotlineCall:
    """Store a call's outcome (and an audit entry with the same codes)."""
    fields = clean_call(guide, flow, last_step, problem, outcome)
    call = HotlineCall(staff_id=staff.id, commune_id=staff.commune_id, **fields)  # the staff member's commune
    session.add(call)
    session.flush()
    audit.record(session, staff.id, "hotline_call", f"hotline_call:{call.id}", dict(fields))
    return call


def calls_today(session: Session, staff: Staff, now: Optional[datetime] = None) -> int:
    """How many calls this staff member recorded today (Vietnam time)."""
    local = (now or datetime.now(TZ)).astimezone(TZ)
    start = datetime.combine(local.date(), time.min, TZ).astimezone(timezone.utc)
    return (
        session.scalar(
            select(func.count())
            .select_from(HotlineCall)
            .where(HotlineCall.staff_id == staff.id, HotlineCall.created_at >= start)
        )
        or 0
    )


def call_view(guide: Guide, call: HotlineCall, outcomes: Mapping[str, str]) -> Dict[str, Any]:
    """A stored call as plain data; `outcomes` names the outcome codes (content/staff.yml `outcomes`)."""
    return {
        "id": call.id,
        "flow": call.flow,
        "last_step": call.last_step,
        "problem": call.problem,
        "problem_title": (guide.problem(call.problem) or {}).get("title") if call.problem else None,
        "outcome": call.outcome,
        "outcome_label": outcomes.get(call.outcome, call.outcome),
        "at": call.created_at.isoformat() if call.created_at else None,
    }


def recent_calls(
    session: Session, guide: Guide, staff: Staff, outcomes: Mapping[str, str], limit: int = 5
) -> List[Dict[str, Any]]:
    """This staff member's latest call records (`outcomes` as for call_view)."""
    rows = session.scalars(
        select(HotlineCall).where(HotlineCall.staff_id == staff.id).order_by(HotlineCall.id.desc()).limit(limit)
    )
    return [call_view(guide, c, outcomes) for c in rows]
