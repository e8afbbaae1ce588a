"""The web widget's side of the gateway: its static files, the step illustrations, the demo page, and the
history endpoint that lets a reloaded page (or a new tab) show the conversation and receive staff messages.

GET /                         demo page: a commune website with the widget embedded
GET /widget.js, /widget.css   the widget: widget.js is made from the modules in web_widget/src/ with its texts
                              from content/messages.yml `widget:` written in (gateway/widget_script.py);
                              widget.css is a static file
GET /illustrations/<name>     step illustrations named in content/guide.yml
GET /api/widget/messages?sender=<id>&after=<message id>
    → {"state": bot|waiting|with_staff|closed, "messages": [{"id", "author", "text", "key", "buttons", "image",
       "staff_name", "at"}]}; `key` is the citizen message's Idempotency-Key; the sender id is the widget's
       random conversation id (unguessable). 410 `conversation_expired` once the id is past WIDGET_IDLE_MINUTES
       without a message (services/widget_sessions.py). `Cache-Control: no-store`.
POST /api/widget/end {"sender": <id>}
    → {"erased": true|false}: "Kết thúc và xóa trên máy này" — the conversation is deleted everywhere
       (services/erasure.py; false: there was nothing to delete). `Cache-Control: no-store`.
Cross-origin use (the widget embedded on the commune's own site) is allowed for the origins in WIDGET_ORIGINS.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from typing import Any, Dict

from flask import Blueprint, abort, current_app, jsonify, render_template_string, request, send_from_directory
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

import content
from gateway import widget_script
from gateway.models import Conversation, Message, as_utc
from gateway.services import erasure, widget_sessions
from gateway.services.inbound import SENDER
from gateway.services.ordering import Busy
from gateway.web.answers import error
from gateway.web.bodies import BadBody, bad_body, json_body
from gateway.web.current import services
from gateway.web.endpoints import CITIZEN, JSON, NO_STORE, WIDGET, marked
from gateway.web.ids import id_arg

bp = Blueprint("widget", __name__)
WIDGET_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "web_widget")


def iso_utc(moment: datetime) -> str:
    """ISO 8601 with the UTC offset (`as_utc`: SQLite gives naive datetimes back; they are stored in UTC)."""
    return as_utc(moment).isoformat()


def _allowed_origins():
    return services().settings.widget_origins


def cors(response):
    """Allow the configured commune sites to call the citizen endpoints."""
    origin = request.headers.get("Origin")
    if origin and origin in _allowed_origins():
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key, Message-Sequence"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    return response


@bp.get("/")
@bp.get("/demo")
def demo():
    """A commune website page with the widget embedded: `?commune=<slug>` (default: the installation's)."""
    svc = services()
    info = svc.communes.resolve(request.args.get("commune") or None)
    if info is None:
        abort(404)
    with open(os.path.join(WIDGET_DIR, "demo.html"), encoding="utf-8") as f:
        page = f.read()
    guide = svc.texts.guide_for(info)
    return render_template_string(page, c=guide.commune, w=demo_words(guide), slug=info.slug)


def demo_words(guide: content.Guide) -> Dict[str, Any]:
    """The demo page's words (content/messages.yml `demo_page:`), the commune's fields filled in; a list stays a
    list of lines."""
    fields = {"commune": guide.commune}

    def fill(value: Any) -> Any:
        return [fill(item) for item in value] if isinstance(value, list) else content.render(str(value), fields)

    return {key: fill(value) for key, value in guide.messages["demo_page"].items()}


@bp.get("/widget.js")
def widget_js():
    """The widget, one script made from its modules, with the texts of this installation (and its edits)."""
    body = widget_script.served(services().texts.widget())
    response = current_app.response_class(body, mimetype="text/javascript")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response.make_conditional(request)


@bp.get("/widget.css")
def widget_css():
    return send_from_directory(WIDGET_DIR, "widget.css", mimetype="text/css", max_age=300)


@bp.get("/illustrations/<path:name>")
def illustration(name: str):
    """A step illustration (SVG or an image the commune put there)."""
    return send_from_directory(os.path.join(WIDGET_DIR, "illustrations"), name, max_age=3600)


# the widget's API: a conversation's messages are never kept in a browser's or a proxy's cache (a shared device)
WIDGET_API = (JSON, CITIZEN, WIDGET, NO_STORE)


@bp.get("/api/widget/messages")
@marked(*WIDGET_API)
def messages():
    """The conversation so far (or after a message id), for reload persistence and live staff messages."""
    sender = request.args.get("sender", "")
    after = id_arg("after")
    if not SENDER.match(sender):
        return error(400, "bad_request", services().texts.rejected("bad_request"))
    if after is None:  # "²", "-1", 2^64: not a message id
        return error(400, "bad_after", services().texts.rejected("bad_after"))
    with services().db.session() as session:
        conv = session.scalar(
            select(Conversation).where(Conversation.channel == "widget", Conversation.external_id == sender)
        )
        if conv is None:
            return jsonify({"state": "bot", "messages": []})
        if widget_sessions.is_expired(services(), conv.last_message_at):
            return error(410, "conversation_expired", services().texts.rejected("conversation_expired"))
        rows = session.scalars(
            select(Message)
            .where(Message.conversation_id == conv.id, Message.id > after)
            .order_by(Message.id)
            .limit(500)
        )
        out = [
            {
                "id": m.id,
                "author": m.author,
                "text": m.text,
                "key": m.idempotency_key,
                "buttons": (m.data or {}).get("buttons", []),
                "image": (m.data or {}).get("image"),
                "staff_name": m.staff.display_name if m.staff else None,
                "at": iso_utc(m.created_at),
            }
            for m in rows
        ]
        return jsonify({"state": conv.state, "messages": out})


@bp.post("/api/widget/end")
@marked(*WIDGET_API)
def end():
    """The widget's "Kết thúc và xóa trên máy này": delete its conversation from every store (the widget then
    forgets its id and history). Whoever holds the id may delete it, even after it expired for reading."""
    svc = services()
    try:
        sender = json_body().get("sender")
    except BadBody as exc:
        return bad_body(exc)
    if not isinstance(sender, str) or not SENDER.match(sender):
        return error(400, "bad_sender", svc.texts.rejected("bad_sender"))
    with svc.db.session() as session:
        conv_id = session.scalar(
            select(Conversation.id).where(Conversation.channel == "widget", Conversation.external_id == sender)
        )
    if conv_id is None:
        return jsonify({"erased": False})
    try:
        done = erasure.erase_conversation(svc, conv_id, by="citizen")
    except SQLAlchemyError:  # a store is down: nothing was lost, the widget can ask again
        return error(503, "bot_unavailable", svc.texts.text("bot_unavailable"), retry_after=30)
    except Busy:
        return error(503, "busy", svc.texts.rejected("busy"), retry_after=5)
    return jsonify({"erased": done is not None})
