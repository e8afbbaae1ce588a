"""Error answers: JSON for the APIs, webhooks and health check, a short Vietnamese page for the rest."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from markupsafe import escape

from gateway.web.current import services
from gateway.web.endpoints import JSON, answers_json_when_unmatched, has_mark

# The one text that cannot live in content/ (so it stays here): what to say when the content itself cannot be read.
LAST_RESORT = "Xin lỗi, hệ thống đang gặp sự cố. Bạn thử lại sau ít phút."


def safe_text(read) -> str:
    """`read(texts)` from the content (e.g. `lambda t: t.rejected("not_found")`), or LAST_RESORT if it fails."""
    try:
        return read(services().texts)
    except Exception:  # noqa: BLE001 - an error answer must never fail itself
        return LAST_RESORT


def error(status: int, code: str, message: str, retry_after: int = 0, **extra: Any) -> Response:
    """A JSON error answer `{"error", "message", "retry_after"?, **extra}`; with `retry_after` (seconds) also the
    Retry-After header."""
    response = jsonify(
        {"error": code, "message": message, **({"retry_after": retry_after} if retry_after else {}), **extra}
    )
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def wants_json() -> bool:
    """The APIs, webhooks and health check (endpoints marked JSON) answer JSON, and so does any request that sent
    JSON; pages answer a short HTML page. A request that matched no route answers like the routes around it."""
    if request.is_json:
        return True
    if request.endpoint is None:
        return answers_json_when_unmatched()
    return has_mark(JSON)


def error_answer(status: int, code: str, message: str, retry_after: int = 0, **extra: Any) -> Response:
    """`error` for the API, webhooks and health; a short Vietnamese page (same status and Retry-After) otherwise."""
    if wants_json():
        return error(status, code, message, retry_after, **extra)
    response = Response(
        f"<!doctype html><html lang=vi><meta charset=utf-8><title>{status}</title><p>{escape(message)}</p>",
        mimetype="text/html",
        status=status,
    )
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response
