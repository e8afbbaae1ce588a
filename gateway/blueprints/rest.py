"""`POST /webhooks/rest/webhook`: Rasa's REST channel protocol, through the privacy filter and handoff logic."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from gateway.blueprints.common import BadBody, error, json_body, services
from gateway.services import inbound

bp = Blueprint("rest", __name__)


@bp.post("/webhooks/rest/webhook")
def webhook():
    """{"sender", "message", "metadata"?} → [{"recipient_id", "text"?, "buttons"?, "image"?, "custom"?}].

    An `Idempotency-Key` header (or `metadata.message_id`) makes a retried request return the same replies
    without a second message. A `Message-Sequence` header (or `metadata.sequence`: 1, 2, 3, … per conversation)
    has messages sent without waiting for answers processed in that order (services/ordering.py).
    """
    try:
        body = json_body()
    except BadBody:
        return error(400, "bad_json", services().texts.rejected("bad_json"))
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    key = request.headers.get("Idempotency-Key") or metadata.get("message_id")
    channel = "widget" if metadata.get("channel") == "widget" else "rest"
    try:
        seq = inbound.sequence_number(services(), request.headers.get("Message-Sequence", metadata.get("sequence")))
        message = inbound.Inbound(channel=channel, sender=body.get("sender"), text=body.get("message"),
                                  key=str(key) if key is not None else None, seq=seq)
        return jsonify(inbound.handle(services(), message))
    except inbound.Rejected as exc:
        return error(exc.status, exc.code, exc.message)
    except inbound.BotUnavailable as exc:  # retryable: the same Idempotency-Key is processed exactly once
        return error(503, exc.code, exc.message, retry_after=exc.retry_after)
