"""`POST /webhooks/zalo/webhook`: verify the signature over the exact bytes, store the event, answer 200.

Nothing else happens in the request (the worker processes the event), so the answer comes in milliseconds,
well within Zalo's 2 seconds. Refusals: 401 no signature, 403 wrong signature or another app's event, 400 not
a JSON event. A retried event (same key) is answered 200 and not stored again; an event older than two days (or
an hour ahead) is answered 200 and not stored (a replay of a captured event).
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request

from gateway.channels.zalo import events, signature
from gateway.channels.zalo.settings import SIGNATURE_HEADER, WEBHOOK_PATH
from gateway.web.answers import error
from gateway.web.bodies import BadBody, bad_body, json_body
from gateway.web.current import services
from gateway.web.endpoints import CITIZEN, JSON, marked

log = logging.getLogger(__name__)
bp = marked(JSON, CITIZEN)(Blueprint("zalo", __name__))


@bp.post(WEBHOOK_PATH)
def webhook():
    """A Zalo OA event."""
    svc = services()
    settings = svc.settings
    raw = request.get_data(cache=True)
    header = request.headers.get(SIGNATURE_HEADER)
    if signature.parse(header) is None:
        log.warning("zalo webhook refused: no valid %s header", SIGNATURE_HEADER)
        return error(401, "no_signature", "Missing signature.")
    try:
        body = json_body()
    except BadBody as exc:  # read before the signature (its timestamp is in the body): bounded like every body
        return bad_body(exc)
    timestamp = body.get("timestamp")
    if isinstance(timestamp, int) and not isinstance(timestamp, bool):
        timestamp = str(timestamp)
    if not isinstance(timestamp, str) or not timestamp:
        return error(400, "no_timestamp", "The event has no timestamp.")
    if not signature.verify(header, settings.zalo_app_id, raw, timestamp, settings.zalo_oa_secret_key):
        log.warning("zalo webhook refused: wrong signature")
        return error(403, "bad_signature", "Wrong signature.")
    if str(body.get("app_id") or settings.zalo_app_id) != settings.zalo_app_id:
        log.warning("zalo webhook refused: event of another app")
        return error(403, "wrong_app", "Event of another app.")
    if not isinstance(body.get("event_name"), str):
        return error(400, "no_event_name", "The event has no name.")
    if events.stale(timestamp):  # a captured event replayed days later: acknowledged, not processed
        log.warning("zalo webhook: stale event ignored")
        return jsonify({"error": 0, "message": "stale"})
    created = events.store(svc, raw, body)
    return jsonify({"error": 0, "message": "ok" if created else "duplicate"})
