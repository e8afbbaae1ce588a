"""Helpers shared by the blueprints."""
from __future__ import annotations

import json
import re
from typing import Any, Dict

from flask import Response, current_app, g, jsonify, render_template, request
from markupsafe import escape

from gateway.services.container import Services


# the citizens' endpoints (webhooks, the widget's API): no login, no cookie session, rate-limited per address
CITIZEN_PREFIXES = ("/webhooks/", "/api/widget/")


def services() -> Services:
    """The app's services."""
    return current_app.extensions["vneid"]


class BadBody(Exception):
    """The request body is not a JSON object in UTF-8."""


# JSON may carry "\ud800"-style escapes of lone surrogates: not text, and no database can store them
_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F][0-9a-fA-F]{2}")


def json_body() -> Dict[str, Any]:
    """The request's JSON object, decoded strictly as UTF-8 and without lone surrogates; BadBody otherwise.

    Parsed once per request: the rate limiter (which keys on the sender) and the view share it. Every JSON
    endpoint reads its body through here."""
    if "vneid_json" not in g:
        try:
            g.vneid_json = _parse(request.get_data(cache=True))
        except BadBody as exc:
            g.vneid_json = exc
    if isinstance(g.vneid_json, BadBody):
        raise g.vneid_json
    return g.vneid_json


def _parse(raw: bytes) -> Dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
        if _SURROGATE_ESCAPE.search(raw):
            json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError) as exc:
        raise BadBody("not JSON in UTF-8") from exc
    if not isinstance(data, dict):
        raise BadBody("not a JSON object")
    return data


def error(status: int, code: str, message: str, retry_after: int = 0, **extra: Any) -> Response:
    """A JSON error answer `{"error", "message", "retry_after"?, **extra}`; with `retry_after` (seconds) also the
    Retry-After header."""
    response = jsonify({"error": code, "message": message, **({"retry_after": retry_after} if retry_after else {}),
                        **extra})
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def access_refused(key: str):
    """The console's 403 page: content/staff.yml `access` gives the title and the sentence `key`."""
    texts = services().texts
    return render_template("console/error.html", title=texts.staff_label("access", "title"),
                           message=texts.staff_label("access", key)), 403


# The one text that cannot live in content/ (so it stays here): what to say when the content itself cannot be read.
LAST_RESORT = "Xin lỗi, hệ thống đang gặp sự cố. Bạn thử lại sau ít phút."


def safe_text(read) -> str:
    """`read(texts)` from the content (e.g. `lambda t: t.rejected("not_found")`), or LAST_RESORT if it fails."""
    try:
        return read(services().texts)
    except Exception:  # noqa: BLE001 - an error answer must never fail itself
        return LAST_RESORT


def wants_json() -> bool:
    """API, webhooks and health answer JSON; pages answer a short HTML page."""
    return request.path.startswith(("/api", "/webhooks", "/healthz")) or request.is_json


def error_answer(status: int, code: str, message: str, retry_after: int = 0, **extra: Any) -> Response:
    """`error` for the API, webhooks and health; a short Vietnamese page (same status and Retry-After) otherwise."""
    if wants_json():
        return error(status, code, message, retry_after, **extra)
    response = Response(f"<!doctype html><html lang=vi><meta charset=utf-8><title>{status}</title>"
                        f"<p>{escape(message)}</p>", mimetype="text/html", status=status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response
