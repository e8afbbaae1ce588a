"""`POST /api/parse` (understanding with redaction) and `GET /healthz`."""

from __future__ import annotations

from flask import Blueprint, jsonify

from gateway.rasa_client import RasaUnavailable
from gateway.services import health, inbound
from gateway.web.answers import error
from gateway.web.bodies import BadBody, bad_body, json_body
from gateway.web.current import services
from gateway.web.endpoints import CITIZEN, JSON, marked

bp = marked(JSON)(Blueprint("public_api", __name__))


@bp.post("/api/parse")
@marked(CITIZEN)
def parse():
    """{"text"} → {"text": redacted, "intent": {"name", "confidence"}, "problem": code|null, "sensitive": [...]}"""
    svc = services()
    try:
        body = json_body()
        text = inbound.validate(svc, inbound.Inbound(channel="rest", sender="parse", text=body.get("text")))
    except BadBody as exc:
        return bad_body(exc)
    except inbound.Rejected as exc:
        return error(exc.status, exc.code, exc.message)
    redaction = svc.redactor.redact(text)
    try:
        parsed = svc.rasa.parse(redaction.text)
    except RasaUnavailable:
        return error(503, "bot_unavailable", svc.texts.rejected("nlu_unavailable"))
    intent = parsed.get("intent") or {}
    name = intent.get("name") or "nlu_fallback"
    bot_kinds = {e.get("value") for e in parsed.get("entities", []) if e.get("entity") == "sensitive"}
    kinds = [k for k in ("otp", "password", "id_number", "phone") if k in set(redaction.kinds) | bot_kinds]
    return jsonify(
        {
            "text": redaction.text,
            "intent": {"name": name, "confidence": float(intent.get("confidence") or 0.0)},
            "problem": name[len("problem_") :] if name.startswith("problem_") else None,
            "sensitive": kinds,
        }
    )


@bp.get("/healthz")
def healthz():
    """200 only when the database, every Rasa server (storing to its SQL tracker store, not an in-memory
    fallback) and every action server answer; 503 otherwise, with which failed (gateway/services/health.py)."""
    checks = health.check(services())
    ok = all(checks.get(name) for name in health.REQUIRED)
    status = "ok" if ok and all(checks.values()) else ("degraded" if ok else "unavailable")
    response = jsonify({"status": status, **checks})
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ok else 503
