"""The body of a webhook event as it waits in the queue: what the citizen typed or submitted is redacted before it
is stored, read with the citizen's previous message (the one still queued, whose body is masked too when the two
hold one secret, else the last one stored).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from sqlalchemy import select

from gateway.channels.zalo.event_fields import citizen_of
from gateway.zalo_models import ZaloEvent
from gateway.services import inbound
from gateway.services.container import Services


def _queued_text(session, user: Optional[str]) -> Optional[ZaloEvent]:
    """The citizen's latest text event still waiting in the queue (its body not yet cleared), if any."""
    if not user:
        return None
    return session.scalars(
        select(ZaloEvent)
        .where(
            ZaloEvent.user_id == user,
            ZaloEvent.event_name == "user_send_text",
            ZaloEvent.status == "queued",
            ZaloEvent.body.is_not(None),
        )
        .order_by(ZaloEvent.sent_at_ms.desc(), ZaloEvent.id.desc())
        .limit(1)
    ).first()


def _with_text(body: Dict[str, Any], text: str) -> str:
    return json.dumps({**body, "message": {**body["message"], "text": text}}, ensure_ascii=False)


def masked_body(svc: Services, session, raw: bytes, body: Dict[str, Any]) -> str:
    """The body as it is queued, with what the citizen typed or submitted redacted (no secret waits in the queue):
    the message's text read with the citizen's previous message — the one still queued if there is one (its body
    is masked too when the two are one secret: "306" then "857"), else the last one stored; the fields of a
    submitted form (`info`: phone, name, address) and attachment captions on their own."""
    masked_body = dict(body)
    message = body.get("message")
    user = citizen_of(body)
    if isinstance(message, dict):
        message = masked_body["message"] = dict(message)
        if isinstance(message.get("text"), str) and message["text"]:
            message["text"] = _masked_text(svc, session, user, inbound.clean_text(message["text"]))
        if isinstance(message.get("attachments"), list):
            message["attachments"] = [
                _masked_strings(svc, a, ("description", "caption", "text", "title")) for a in message["attachments"]
            ]
    if "info" in body:
        masked_body["info"] = _masked_strings(svc, body["info"], None)
    if _same(masked_body, body):
        return raw.decode("utf-8")  # nothing to mask: the exact bytes Zalo sent
    return json.dumps(masked_body, ensure_ascii=False)


def _same(masked: Any, original: Any) -> bool:
    if isinstance(masked, dict) and isinstance(original, dict):
        return masked.keys() == original.keys() and all(_same(masked[k], original[k]) for k in masked)
    if isinstance(masked, list) and isinstance(original, list):
        return len(masked) == len(original) and all(_same(a, b) for a, b in zip(masked, original))
    if isinstance(masked, str) and isinstance(original, str):
        return masked == inbound.clean_text(original) or masked == original
    return masked == original


def _masked_strings(svc: Services, value: Any, keys: Optional[tuple], depth: int = 0) -> Any:
    """Every string in `value` (only under `keys`, if given, at any depth) redacted on its own."""
    if depth > 8:
        return value
    if isinstance(value, dict):
        return {
            k: (
                svc.redactor.redact(v).text
                if isinstance(v, str) and (keys is None or k in keys)
                else _masked_strings(svc, v, keys, depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked_strings(svc, v, keys, depth + 1) for v in value]
    if isinstance(value, str) and keys is None:
        return svc.redactor.redact(value).text
    return value


def _masked_text(svc: Services, session, user: Optional[str], text: str) -> str:
    if not (user and inbound.SENDER.match(user)):
        return svc.redactor.redact(text).text
    queued = _queued_text(session, user)
    queued_body = json.loads(queued.body) if queued is not None else None
    queued_message = queued_body.get("message") if isinstance(queued_body, dict) else None
    if isinstance(queued_message, dict) and isinstance(queued_message.get("text"), str):
        redaction = svc.redactor.redact(text, inbound.clean_text(queued_message["text"]))
        if redaction.previous_text is not None:
            queued.body = _with_text(queued_body, redaction.previous_text)
        return redaction.text
    return inbound.masked_for_queue(svc, "zalo", user, text)
