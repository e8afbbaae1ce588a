"""One conversation's page: its summary card, the transcript, the step and problem it is at, canned replies, and
the staff actions its state allows."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from flask import abort, render_template, url_for
from flask_login import login_required

from gateway.blueprints.console.blueprint import bp
from gateway.blueprints.console.layout import js_labels
from gateway.blueprints.console.viewer import me
from gateway.models import Conversation, Handoff, Staff
from gateway.services import access_log, handoff, scope
from gateway.services import queue as queue_mod
from gateway.services.states import ConversationState, HandoffStatus
from gateway.web.current import services


def conversation_url(conv_id: int, anchor: str = "") -> str:
    """The conversation's page (with an optional #anchor)."""
    return url_for("console.conversation", conv_id=conv_id) + anchor


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


def render_conversation(conv_id: int, draft: str = "", status: int = 200, canned_code: str = ""):
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
    return render_conversation(conv_id)
