"""The staff JSON API (behind login; POSTs need the CSRF token in the `X-CSRFToken` header).

GET  /api/staff/queue?commune=<id>             waiting and claimed handoffs (summary cards); `commune`: a province
                                               account's choice of one commune
GET  /api/staff/conversations/<id>             one conversation with its messages, handoffs, call-backs
GET  /api/staff/conversations/<id>/messages?after=<message id>   new messages since
POST /api/staff/handoffs/<id>/claim            take it (pauses the bot)
POST /api/staff/conversations/<id>/reply       {"text"}
POST /api/staff/conversations/<id>/return      back to the bot at the same step; {"reason"} when an admin does it
                                               for the staff member holding it (recorded in the audit log)
POST /api/staff/handoffs/<id>/resolve          {"outcome": got_in|needs_police|call_back|no_answer|other, "note",
                                                "reason": needed when an admin closes one another staff member holds}
GET  /api/staff/search?from=YYYY-MM-DD&to=&problem=&step=&outcome=&commune=
GET  /api/staff/canned                         canned replies tied to problem codes
POST /api/staff/callbacks/<id>/done            the call back was made: its number is erased

A staff member sees only their commune's conversations (gateway/services/scope.py): another commune's ids answer
404, as ids that do not exist do; lists leave them out. A province account sees every commune.

Reading a conversation's messages (the queue's cards, a conversation, its messages) is recorded for the admin,
once per staff member and conversation per 10 minutes (gateway.services.access_log).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy import select

from gateway.blueprints import erased
from gateway.models import Message
from gateway.rasa_client import RasaUnavailable
from gateway.services import access_log, callbacks, handoff, queue, scope
from gateway.services.queue import message_view
from gateway.web.answers import error
from gateway.web.bodies import BadBody, bad_body, json_body
from gateway.web.current import services
from gateway.web.endpoints import JSON, STAFF, marked
from gateway.web.ids import MAX_ID, id_arg

bp = marked(JSON, STAFF)(Blueprint("staff_api", __name__, url_prefix="/api/staff"))
bp.before_request(erased.guard(as_json=True))  # 410 with who deleted the conversation, and when


def _staff(session):
    from gateway.models import Staff

    return session.get(Staff, current_user.id)


def _say(key: str) -> str:
    """An answer's message from content/staff.yml `staff_api`."""
    return services().texts.staff_label("staff_api", key)


def _run(action):
    """Run a handoff action in a transaction; map errors to JSON answers."""
    svc = services()
    try:
        with svc.db.session() as session:
            return action(svc, session)
    except handoff.HandoffError as exc:
        return error(exc.status, exc.reason, svc.texts.explain(exc))
    except RasaUnavailable:
        return error(503, "bot_unavailable", _say("bot_unavailable"))


@bp.get("/queue")
@login_required
def get_queue():
    """Summary cards of open handoffs."""
    svc = services()
    with svc.db.session() as session:
        viewer = _staff(session)
        cards = queue.open_queue(session, svc.texts, viewer, scope.chosen(viewer, request.args.get("commune")))
        access_log.record_openings(session, current_user.id, [c["conversation_id"] for c in cards], "queue")
        return jsonify(cards)


@bp.get("/conversations/<int:conv_id>")
@login_required
def get_conversation(conv_id: int):
    """One conversation."""
    svc = services()
    with svc.db.session() as session:
        viewer = _staff(session)
        conv = scope.visible_conversation(session, viewer, conv_id)
        if conv is None:
            return error(404, "not_found", _say("not_found"))
        access_log.record_openings(session, current_user.id, [conv.id], "api")
        return jsonify(queue.conversation_view(session, svc.texts, conv, viewer))


@bp.get("/conversations/<int:conv_id>/messages")
@login_required
def get_messages(conv_id: int):
    """Messages after a given id (for live updates)."""
    after_id = id_arg("after")
    if after_id is None:  # "²", "-1", 2^64: not a message id
        return error(400, "bad_after", services().texts.rejected("bad_after"))
    with services().db.session() as session:
        if scope.visible_conversation(session, _staff(session), conv_id) is None:
            return error(404, "not_found", _say("not_found"))
        access_log.record_openings(session, current_user.id, [conv_id], "api")
        rows = session.scalars(
            select(Message).where(Message.conversation_id == conv_id, Message.id > after_id).order_by(Message.id)
        )
        return jsonify([message_view(m) for m in rows])


@bp.post("/handoffs/<int:handoff_id>/claim")
@login_required
def claim(handoff_id: int):
    """Take a waiting conversation."""
    return _run(lambda svc, s: jsonify(queue.card(svc.texts, handoff.claim(svc, s, handoff_id, _staff(s)))))


@bp.post("/conversations/<int:conv_id>/reply")
@login_required
def reply(conv_id: int):
    """Send a staff message."""
    try:
        text = json_body().get("text")
    except BadBody as exc:
        return bad_body(exc)
    if not isinstance(text, str):
        return error(400, "bad_text", services().texts.explain(handoff.HandoffError(400, "bad_text")))

    def act(svc, s):
        conv = scope.visible_conversation(s, _staff(s), conv_id)
        if conv is None:
            return error(404, "not_found", _say("not_found"))
        return jsonify(message_view(handoff.reply(svc, s, conv, _staff(s), text)))

    return _run(act)


@bp.post("/conversations/<int:conv_id>/return")
@login_required
def return_to_bot(conv_id: int):
    """Back to the bot (an admin for the staff member holding it: with {"reason"})."""
    try:
        body = json_body() if request.get_data(cache=True).strip() else {}
    except BadBody as exc:
        return bad_body(exc)
    reason = body.get("reason") if isinstance(body.get("reason"), str) else None

    def act(svc, s):
        conv = scope.visible_conversation(s, _staff(s), conv_id)
        if conv is None:
            return error(404, "not_found", _say("not_found"))
        return jsonify([message_view(m) for m in handoff.return_to_bot(svc, s, conv, _staff(s), reason)])

    return _run(act)


@bp.post("/handoffs/<int:handoff_id>/resolve")
@login_required
def resolve(handoff_id: int):
    """Close with an outcome."""
    try:
        body = json_body()
    except BadBody as exc:
        return bad_body(exc)
    note = body.get("note") if isinstance(body.get("note"), str) else ""
    reason = body.get("reason") if isinstance(body.get("reason"), str) else None
    return _run(
        lambda svc, s: jsonify(
            queue.card(
                svc.texts,
                handoff.resolve(svc, s, handoff_id, _staff(s), str(body.get("outcome")), note, reason),
                transcript=0,
            )
        )
    )


@bp.post("/callbacks/<int:callback_id>/done")
@login_required
def callback_done(callback_id: int):
    """The call back was made: the number is erased."""

    def act(svc, s):
        done = callbacks.mark_done(s, callback_id, _staff(s))
        return jsonify({"id": done.id, "status": done.status, "phone": done.phone})

    return _run(act)


@bp.get("/search")
@login_required
def search():
    """Search handoffs."""
    args = request.args
    try:
        date_from = date.fromisoformat(args["from"]) if args.get("from") else None
        date_to = date.fromisoformat(args["to"]) if args.get("to") else None
        step = int(args["step"]) if args.get("step") else None
        if step is not None and not 0 <= step <= MAX_ID:
            raise ValueError(step)
    except ValueError:
        return error(400, "bad_filter", _say("bad_filter"))
    with services().db.session() as session:
        viewer = _staff(session)
        return jsonify(
            queue.search(
                session,
                viewer,
                date_from,
                date_to,
                args.get("problem") or None,
                step,
                args.get("outcome") or None,
                only=scope.chosen(viewer, args.get("commune")),
            )
        )


@bp.get("/canned")
@login_required
def canned():
    """Canned replies from the guide's remedies."""
    return jsonify(services().texts.canned_replies())
