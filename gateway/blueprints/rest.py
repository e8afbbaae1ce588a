"""`POST /webhooks/rest/webhook`: Rasa's REST channel protocol, through the privacy filter and handoff logic."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from gateway.services import inbound, widget_sessions
from gateway.web.answers import error
from gateway.web.bodies import BadBody, bad_body, json_body
from gateway.web.current import services
from gateway.web.endpoints import CITIZEN, JSON, WIDGET, marked

bp = marked(JSON, CITIZEN, WIDGET)(Blueprint("rest", __name__))


@bp.post("/webhooks/rest/webhook")
def webhook():
    """{"sender", "message", "metadata"?} → [{"recipient_id", "text"?, "buttons"?, "image"?, "custom"?}].

    `metadata.commune` (a slug, e.g. "quang-yen") names the commune the citizen writes to; without it, the
    installation's default (DEFAULT_COMMUNE). An unknown one is answered 400 `unknown_commune`; a conversation
    keeps the commune it started in (another one: 409 `other_commune`).

    An `Idempotency-Key` header (or `metadata.message_id`) makes a retried request return the same replies
    without a second message. A `Message-Sequence` header (or `metadata.sequence`: 1, 2, 3, … per conversation)
    has messages sent without waiting for answers processed in that order (services/ordering.py): one that
    comes before its predecessor is answered 409 `sequence_gap` (Retry-After, nothing stored) and is sent again,
    with the same key and number, once its predecessor was answered or after Retry-After.
    """
    try:
        body = json_body()
    except BadBody as exc:  # not JSON, nested too deep, a number too long
        return bad_body(exc)
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    key = request.headers.get("Idempotency-Key") or metadata.get("message_id")
    channel = "widget" if metadata.get("channel") == "widget" else "rest"
    commune = services().communes.resolve(metadata.get("commune"))  # none named: the installation's default
    if commune is None:  # never another commune's answers
        return error(400, "unknown_commune", services().texts.rejected("unknown_commune"))
    if channel == "widget" and widget_sessions.expired(services(), body.get("sender")):
        # an old widget id is not a key to its conversation any more: the widget starts a new one and resends
        return error(410, "conversation_expired", services().texts.rejected("conversation_expired"))
    try:
        seq = inbound.sequence_number(services(), request.headers.get("Message-Sequence", metadata.get("sequence")))
        message = inbound.Inbound(
            channel=channel,
            sender=body.get("sender"),
            text=body.get("message"),
            key=str(key) if key is not None else None,
            seq=seq,
            client=request.remote_addr,
            commune=commune,
        )
        return jsonify(inbound.handle(services(), message))
    except inbound.Rejected as exc:  # 409 sequence_gap, 429 too_many_conversations: with Retry-After
        return error(exc.status, exc.code, exc.message, retry_after=exc.retry_after)
    except inbound.BotUnavailable as exc:  # retryable: the same Idempotency-Key is processed exactly once
        return error(503, exc.code, exc.message, retry_after=exc.retry_after)
