"""The staff console (server-rendered, Vietnamese): the queue, one conversation, search.

Every change goes through the handoff service (the same functions as the JSON staff API) inside one database
session; the forms post here, carry the CSRF token and end in a redirect (POST-redirect-GET). console.js keeps the
queue and the transcript up to date by polling the JSON staff API.

A staff member sees only their commune's conversations (gateway/services/scope.py): another commune's ids answer
404 like ids that do not exist, and lists leave them out; a province account sees every commune and may pick one
(`?commune=<id>` on the queue and search pages).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, Dict, List, Optional

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from gateway.blueprints import erased
from gateway.blueprints.common import services
from gateway.models import Conversation, Handoff, Staff
from gateway.rasa_client import RasaUnavailable
from gateway.services import access_log, callbacks, content_edit, handoff, hours, runtime_settings, scope
from gateway.services import queue as queue_mod
from gateway.services.states import ConversationState, HandoffStatus
from gateway.services.texts import Labels

bp = Blueprint("console", __name__, url_prefix="/console")
bp.before_request(erased.guard(as_json=False))  # a deleted conversation's old link says who deleted it, and when

# The console's label groups by the name templates and console.js use (`label.state[...]`), each read from a group
# of content/staff.yml; `sensitive` names the kinds of secret as content/messages.yml does for citizens.
LABEL_GROUPS = {
    "channel": "channels",
    "status": "handoff_statuses",
    "state": "conversation_states",
    "reason": "handoff_reasons",
    "outcome": "outcomes",
    "author": "authors",
    "login_outcome": "login_outcomes",
    "callback": "callback_statuses",
    "delivery": "delivery",
    "callback_words": "callback_words",
    "access_log": "access_log",
    "access_via": "access_via",
    "card_words": "card_words",
}
JS_LABELS = ("channel", "status", "state", "reason", "author", "sensitive", "delivery", "callback_words", "card_words")


# --- helpers shared with the admin pages ---------------------------------------------------------------------------


@bp.app_template_filter("vn_time")
def _vn_time(value: Any, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return hours.local_time(value, fmt)


@bp.app_template_filter("vn_date")
def _vn_date(value: Any) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d/%m/%Y") if value else ""


def label_groups(texts) -> Dict[str, Dict[str, str]]:
    """Every label group of the console pages, read from the content now (a missing label reads as its code)."""
    out: Dict[str, Dict[str, str]] = {name: texts.staff(group) for name, group in LABEL_GROUPS.items()}
    out["sensitive"] = Labels(texts.guide.messages.get("secret_kinds") or {})
    return out


def js_labels() -> Dict[str, Any]:
    """Everything console.js needs to label what it renders (passed in a data-* attribute)."""
    texts = services().texts
    every, guide = label_groups(texts), texts.guide
    return {**{name: every[name] for name in JS_LABELS}, "steps": {code: len(guide.steps(code)) for code in ("A", "B")}}


# Console pages of other blueprints, linked from the header (staff) or the admin menu (admins) when registered;
# their titles are in content/staff.yml `console_pages`.
STAFF_PAGES = ("script_aid.page",)
ADMIN_PAGES = ("content_admin.index", "analytics.page", "admin_sessions.page")


@bp.app_context_processor
def _console_context() -> Dict[str, Any]:
    present = current_app.view_functions
    texts = services().texts
    titles = texts.staff("console_pages")
    viewer = current_user if current_user and current_user.is_authenticated else None
    commune = svc_commune(viewer)
    return {
        "label": label_groups(texts),
        # the header names the commune of commune staff; a province account reads the province's word
        "scope_words": texts.staff("communes_scope"),
        "my_commune": commune.name
        if commune is not None
        else (texts.staff_label("communes_scope", "province") if viewer is not None else None),
        "staff_pages": [(e, titles[e]) for e in STAFF_PAGES if e in present],
        "admin_pages": [(e, titles[e]) for e in ADMIN_PAGES if e in present],
        "admin_sections": {"admin"} | {e.split(".")[0] for e in ADMIN_PAGES},
    }


def svc_commune(staff):
    """The commune of a staff account (None: a province account, or nobody logged in)."""
    commune_id = getattr(staff, "commune_id", None)
    return services().communes.by_id(commune_id) if commune_id is not None else None


def commune_choice(viewer: Staff, args=None) -> Dict[str, Any]:
    """For the list pages: a province account's commune filter (its choice, `?commune=<id>`, and the communes to
    pick from); a commune account has none (it sees its own)."""
    if viewer is None or not viewer.is_province:
        return {"chosen": None, "choices": []}
    chosen = scope.chosen(viewer, (args if args is not None else request.args).get("commune"))
    return {"chosen": chosen, "choices": [(c.id, c.name) for c in services().communes.all()]}


def me(session) -> Staff:
    """The logged-in staff member, attached to this session."""
    staff = session.get(Staff, current_user.id)
    if staff is None:
        abort(403)
    return staff


def _run(action: Callable[[Any, Any, Staff], str], fallback: str, done: Optional[str] = None):
    """Run a staff action in one transaction and redirect; failures become a flashed Vietnamese message."""
    svc = services()
    try:
        with svc.db.session() as session:
            target = action(svc, session, me(session))
    except handoff.HandoffError as exc:
        if exc.status == 404:  # not there, or another commune's (gateway/services/scope.py): the same answer
            abort(404)
        flash(svc.texts.explain(exc), "error")
        return redirect(fallback)
    except RasaUnavailable:
        flash(svc.texts.staff_label("console_errors", "bot_down"), "error")
        return redirect(fallback)
    if done:
        flash(done, "success")
    return redirect(target)


def _done(key: str, **fields: Any) -> str:
    return services().texts.staff_label("handoff_done", key, **fields)


def _conversation_url(conv_id: int, anchor: str = "") -> str:
    return url_for("console.conversation", conv_id=conv_id) + anchor


# --- pages ---------------------------------------------------------------------------------------------------------


@bp.get("")
def root():
    """/console → the queue."""
    return redirect(url_for("console.queue"))


@bp.get("/")
@login_required
def queue():
    """The queue of conversations waiting for a person (updated live by console.js)."""
    svc = services()
    with svc.db.session() as session:
        viewer = me(session)
        choice = commune_choice(viewer)
        cards = queue_mod.open_queue(session, svc.texts, viewer, choice["chosen"])
        access_log.record_openings(session, current_user.id, [c["conversation_id"] for c in cards], "queue")
        # the settings of the viewer's commune (a province account: of the commune it picked, or the province's)
        settings_of = viewer.commune_id if viewer.commune_id is not None else choice["chosen"]
        outage = runtime_settings.get(session, "outage_notice", settings_of) or {}
        is_open = hours.is_open(runtime_settings.get(session, "working_hours", settings_of))
    labels = js_labels()
    commune = svc_commune(viewer)
    review = (
        len(
            content_edit.needing_review(
                svc.settings.content_dir,
                svc.settings.content_overrides,
                svc.texts,
                commune.slug if commune is not None else None,
            )
        )
        if current_user.is_admin
        else 0
    )
    return render_template(
        "console/queue.html",
        cards=cards,
        outage=outage,
        is_open=is_open,
        labels=labels,
        steps=labels["steps"],
        content_review=review,
        communes=choice,
    )


def _step_info(guide, flow: Optional[str], step: Optional[int]) -> Optional[Dict[str, Any]]:
    if flow not in ("A", "B") or not step:
        return None
    steps = guide.steps(flow)
    if not 1 <= step <= len(steps):
        return None
    return {
        "number": step,
        "total": len(steps),
        "text": guide.fill(steps[step - 1]["text"]),
        "check": guide.fill(steps[step - 1].get("check", "")),
    }


def _canned(texts, problem: Optional[str]) -> Dict[str, List[Dict[str, str]]]:
    replies = texts.canned_replies()
    return {"own": [r for r in replies if r["code"] == problem], "others": [r for r in replies if r["code"] != problem]}


def _render_conversation(conv_id: int, draft: str = "", status: int = 200, canned_code: str = ""):
    svc = services()
    with svc.db.session() as session:
        viewer = me(session)
        conv = scope.visible_conversation(session, viewer, conv_id)
        if conv is None:
            abort(404)
        with handoff.speaking_for(svc, conv):  # canned replies and steps in the words of the conversation's commune
            page = _conversation_page(svc, session, conv, viewer, draft, canned_code)
    return render_template("console/conversation.html", **page), status


def _conversation_page(svc, session, conv: Conversation, viewer: Staff, draft: str, canned_code: str):
    """What the conversation page shows (inside the session, speaking for the conversation's commune)."""
    access_log.record_openings(session, viewer.id, [conv.id], "console")
    view = queue_mod.conversation_view(session, svc.texts, conv, viewer)
    openings = access_log.recent(session, viewer, conversation_id=conv.id, limit=50) if viewer.is_admin else None
    open_h = handoff.open_handoff(session, conv)
    current = queue_mod.card(svc.texts, open_h, transcript=0) if open_h is not None else None
    unresolved = next((h for h in reversed(view["handoffs"]) if h["status"] != HandoffStatus.RESOLVED), None)
    assigned = conv.assigned_staff.display_name if conv.assigned_staff else None
    guide = svc.texts.guide
    problem_code = (open_h.problem if open_h is not None else None) or conv.problem
    problem = guide.problem(problem_code) if problem_code else None
    step = _step_info(
        guide,
        (open_h.flow if open_h is not None else None) or conv.flow,
        (open_h.step if open_h is not None else None) or conv.step,
    )
    page = {
        "conv": view,
        "current": current,
        "unresolved": unresolved,
        "assigned_name": assigned,
        "mine": conv.assigned_staff_id == viewer.id,
        "can_act": conv.state == ConversationState.WITH_STAFF
        and (conv.assigned_staff_id == viewer.id or viewer.is_admin),
        # another staff member holds the handoff: only they hand back or close it, or an admin with a reason
        "held_by": _held_by_other(open_h, viewer),
        "override": svc.texts.staff("override_words"),
        "problem": problem,
        "problem_code": problem_code,
        "step": step,
        "flow_title": guide.flow(view["flow"])["short"] if view["flow"] in ("A", "B") else None,
        "canned": _canned(svc.texts, problem_code),
        "draft": draft,
        "canned_code": canned_code,
        "last_id": view["messages"][-1]["id"] if view["messages"] else 0,
        "max_chars": svc.settings.max_message_chars,
        "labels": js_labels(),
        "openings": openings,
        "commune_name": commune_name(conv),
    }
    return page


def commune_name(conv: Conversation) -> Optional[str]:
    """The name of a conversation's commune (None: not said yet)."""
    info = services().communes.by_id(conv.commune_id)
    return info.name if info is not None else None


def _held_by_other(open_h: Optional[Handoff], viewer: Staff) -> Optional[str]:
    """The name of the staff member holding the handoff, when it is not the viewer."""
    holder = handoff.holder_of(open_h) if open_h is not None else None
    return holder.display_name if holder is not None and holder.id != viewer.id else None


@bp.get("/conversations/<int:conv_id>")
@login_required
def conversation(conv_id: int):
    """One conversation: summary card, transcript (live), and the staff actions its state allows."""
    return _render_conversation(conv_id)


@bp.post("/handoffs/<int:handoff_id>/claim")
@login_required
def claim(handoff_id: int):
    """Take a waiting conversation (the bot pauses; the citizen is told a person joined)."""

    def act(svc, session, staff):
        return _conversation_url(handoff.claim(svc, session, handoff_id, staff).conversation_id)

    fallback = url_for("console.queue")
    with services().db.session() as session:
        found = scope.visible_handoff(session, me(session), handoff_id)
        if found is not None:
            fallback = _conversation_url(found.conversation_id)
    return _run(act, fallback, _done("claimed"))


@bp.post("/conversations/<int:conv_id>/reply")
@login_required
def reply(conv_id: int):
    """Send a staff message; or, without JavaScript, put the chosen canned reply into the draft."""
    text = request.form.get("text", "")
    if request.form.get("action") == "insert":
        code = request.form.get("canned", "")
        with services().db.session() as session:
            conv = scope.visible_conversation(session, me(session), conv_id)
            if conv is None:
                abort(404)
            with handoff.speaking_for(services(), conv):  # the canned replies of the conversation's commune
                chosen = next((r for r in services().texts.canned_replies() if r["code"] == code), None)
        if chosen is not None:
            text = (text.rstrip() + "\n" + chosen["text"]).strip()
        return _render_conversation(conv_id, draft=text, canned_code=code)
    svc = services()
    try:
        with svc.db.session() as session:
            conv = scope.visible_conversation(session, me(session), conv_id)
            if conv is None:
                abort(404)
            handoff.reply(svc, session, conv, me(session), text)
    except handoff.HandoffError as exc:
        if exc.reason == "bad_text":
            message = svc.texts.staff_label(
                "console_errors", "reply_too_long", max_chars=svc.settings.max_message_chars
            )
        else:
            message = svc.texts.explain(exc)
        flash(message, "error")
        return _render_conversation(conv_id, draft=text, status=exc.status)
    flash(_done("replied"), "success")
    return redirect(_conversation_url(conv_id))  # no #fragment: it would block autofocus


@bp.post("/conversations/<int:conv_id>/return")
@login_required
def return_to_bot(conv_id: int):
    """Hand the conversation back to the bot at the same step (an admin for another staff member: with a reason)."""
    reason = request.form.get("reason", "")

    def act(svc, session, staff):
        conv = scope.visible_conversation(session, staff, conv_id)
        if conv is None:
            abort(404)
        handoff.return_to_bot(svc, session, conv, staff, reason)
        return _conversation_url(conv_id)

    return _run(act, _conversation_url(conv_id), _done("returned"))


@bp.post("/handoffs/<int:handoff_id>/resolve")
@login_required
def resolve(handoff_id: int):
    """Close a handoff with an outcome and an optional note (an admin for another staff member: with a reason)."""
    outcome = request.form.get("outcome", "")
    note = request.form.get("note", "")
    reason = request.form.get("reason", "")

    def act(svc, session, staff):
        return _conversation_url(
            handoff.resolve(svc, session, handoff_id, staff, outcome, note, reason).conversation_id
        )

    fallback = url_for("console.queue")
    with services().db.session() as session:
        found = scope.visible_handoff(session, me(session), handoff_id)
        if found is None:
            abort(404)
        fallback = _conversation_url(found.conversation_id, "#resolve")
    done = (
        _done("resolved", outcome=services().texts.staff("outcomes")[outcome]) if outcome in handoff.OUTCOMES else None
    )
    return _run(act, fallback, done)


@bp.post("/callbacks/<int:callback_id>/done")
@login_required
def callback_done(callback_id: int):
    """The call back was made: the number is erased (gateway.services.callbacks)."""

    def act(svc, session, staff):
        return _conversation_url(callbacks.mark_done(session, callback_id, staff).conversation_id)

    return _run(act, url_for("console.queue"), _done("callback_done"))


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
