"""The staff actions on a conversation, from the console's forms: claim, reply, hand back to the bot, resolve, and
mark a call back done. Each goes through the handoff service (the same functions as the JSON staff API) in one
database session and ends in a redirect (POST-redirect-GET); a failure is a flashed Vietnamese message."""

from __future__ import annotations

from typing import Any, Callable, Optional

from flask import abort, flash, redirect, request, url_for
from flask_login import login_required

from gateway.blueprints.console.blueprint import bp
from gateway.blueprints.console.conversation import conversation_url, render_conversation
from gateway.blueprints.console.viewer import me
from gateway.models import Staff
from gateway.rasa_client import RasaUnavailable
from gateway.services import callbacks, handoff, scope
from gateway.web.current import services


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


@bp.post("/handoffs/<int:handoff_id>/claim")
@login_required
def claim(handoff_id: int):
    """Take a waiting conversation (the bot pauses; the citizen is told a person joined)."""

    def act(svc, session, staff):
        return conversation_url(handoff.claim(svc, session, handoff_id, staff).conversation_id)

    fallback = url_for("console.queue")
    with services().db.session() as session:
        found = scope.visible_handoff(session, me(session), handoff_id)
        if found is not None:
            fallback = conversation_url(found.conversation_id)
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
        return render_conversation(conv_id, draft=text, canned_code=code)
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
        return render_conversation(conv_id, draft=text, status=exc.status)
    flash(_done("replied"), "success")
    return redirect(conversation_url(conv_id))  # no #fragment: it would block autofocus


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
        return conversation_url(conv_id)

    return _run(act, conversation_url(conv_id), _done("returned"))


@bp.post("/handoffs/<int:handoff_id>/resolve")
@login_required
def resolve(handoff_id: int):
    """Close a handoff with an outcome and an optional note (an admin for another staff member: with a reason)."""
    outcome = request.form.get("outcome", "")
    note = request.form.get("note", "")
    reason = request.form.get("reason", "")

    def act(svc, session, staff):
        return conversation_url(handoff.resolve(svc, session, handoff_id, staff, outcome, note, reason).conversation_id)

    fallback = url_for("console.queue")
    with services().db.session() as session:
        found = scope.visible_handoff(session, me(session), handoff_id)
        if found is None:
            abort(404)
        fallback = conversation_url(found.conversation_id, "#resolve")
    done = (
        _done("resolved", outcome=services().texts.staff("outcomes")[outcome]) if outcome in handoff.OUTCOMES else None
    )
    return _run(act, fallback, done)


@bp.post("/callbacks/<int:callback_id>/done")
@login_required
def callback_done(callback_id: int):
    """The call back was made: the number is erased (gateway.services.callbacks)."""

    def act(svc, session, staff):
        return conversation_url(callbacks.mark_done(session, callback_id, staff).conversation_id)

    return _run(act, url_for("console.queue"), _done("callback_done"))
