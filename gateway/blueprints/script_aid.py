"""The hotline script aid (staff and admins): the guide step by step during a phone call, the problem scripts, a
box that runs the caller's words through /api/parse (the page keeps only the redacted text), and the call's
outcome recorded as codes (no personal data, no free text).

GET  /console/script/?flow=A&step=2&problem=otp_invalid   the page (works without JavaScript; script_aid.js adds
                                                          the keyboard, the parse box and recording without reload)
POST /console/script/calls   form fields or JSON {"flow", "last_step", "problem", "outcome"} (CSRF token in the form
                             or the X-CSRFToken header) → 201 JSON {"call", "today"} or a redirect back to the page
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from gateway.blueprints.console.layout import access_refused
from gateway.models import Staff
from gateway.services import hotline
from gateway.web.answers import error
from gateway.web.bodies import BadBody, bad_body, json_body
from gateway.web.current import services
from gateway.web.endpoints import STAFF, marked

bp = marked(STAFF)(Blueprint("script_aid", __name__, url_prefix="/console/script"))


def me(session) -> Staff:
    """The logged-in staff member, attached to this session."""
    staff = session.get(Staff, current_user.id)
    if staff is None:
        abort(403)
    return staff


@bp.errorhandler(403)
def forbidden(_error):
    return access_refused("script_aid_only")


def _labelled(view, texts):
    """The script view with the words of content/staff.yml: outcome names, and when a problem needs the police."""
    outcomes, in_person = texts.staff("outcomes"), texts.staff("in_person")
    view["outcomes"] = {code: outcomes[code] for code in view["outcomes"]}
    for problem in view["problems"].values():
        problem["in_person_label"] = in_person.get(problem["in_person"], "")
    return view


def _state(view):
    """The flow, step and problem asked for in the query (for links and the page without JavaScript)."""
    flow = request.args.get("flow") if request.args.get("flow") in view["flows"] else None
    step = request.args.get("step", "1")
    step = int(step) if step.isascii() and step.isdigit() and len(step) <= 3 else 1
    if flow:
        step = min(max(step, 1), view["flows"][flow]["total"])
    else:
        step = 1
    problem = request.args.get("problem") if request.args.get("problem") in view["problems"] else None
    return flow, step, problem


@bp.get("/")
@login_required
def page():
    """The script aid page."""
    svc = services()
    guide = svc.texts.guide
    view = _labelled(hotline.script_view(guide), svc.texts)
    flow, step, problem = _state(view)
    with svc.db.session() as session:
        staff = me(session)
        today = hotline.calls_today(session, staff)
        recent = hotline.recent_calls(session, guide, staff, view["outcomes"])
    keys = list(svc.texts.staff("script_aid_keys").items())  # (keys to press, what they do)
    return render_template(
        "script_aid/page.html",
        view=view,
        flow=flow,
        step=step,
        problem=problem,
        keys=keys,
        today=today,
        recent=recent,
        data={
            "flows": {
                code: {"total": f["total"], "steps": [s["problems"] for s in f["steps"]]}
                for code, f in view["flows"].items()
            },
            "problems": {code: {"title": p["title"], "where": p["where"]} for code, p in view["problems"].items()},
            "outcomes": view["outcomes"],
            "scam": view["scam"],
            "secret_kinds": view["secret_kinds"],
        },
    )


@bp.post("/calls")
@login_required
def record():
    """Record the outcome of a call: flow, last step, problem, outcome (codes only)."""
    svc = services()
    wants_json = request.is_json
    if wants_json:
        try:
            body = json_body()
        except BadBody as exc:
            return bad_body(exc)
    else:
        body = request.form
    guide = svc.texts.guide
    try:
        with svc.db.session() as session:
            staff = me(session)
            call = hotline.record_call(
                session, guide, staff, body.get("flow"), body.get("last_step"), body.get("problem"), body.get("outcome")
            )
            view = hotline.call_view(guide, call, svc.texts.staff("outcomes"))
            today = hotline.calls_today(session, staff)
    except hotline.HotlineError as exc:
        reason = svc.texts.explain(exc)
        if wants_json:
            return error(400, exc.code, reason)
        flash(svc.texts.staff_label("hotline_done", "not_recorded", reason=reason), "error")
        return redirect(
            url_for(
                "script_aid.page",
                flow=body.get("flow") or None,
                step=body.get("last_step") or None,
                problem=body.get("problem") or None,
            )
        )
    if wants_json:
        return jsonify({"call": view, "today": today}), 201
    flash(svc.texts.staff_label("hotline_done", "recorded", outcome=view["outcome_label"]), "success")
    return redirect(url_for("script_aid.page"))
