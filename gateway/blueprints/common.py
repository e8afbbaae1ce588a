"""Helpers shared by the blueprints."""
from __future__ import annotations

from typing import Any, Dict

from flask import current_app, jsonify, request

from gateway.services.container import Services


def services() -> Services:
    """The app's services."""
    return current_app.extensions["vneid"]


class BadBody(Exception):
    """The request body is not a JSON object in UTF-8."""


def json_body() -> Dict[str, Any]:
    """The request's JSON object, decoded strictly as UTF-8; BadBody otherwise."""
    raw = request.get_data(cache=True)
    try:
        import json

        data = json.loads(raw.decode("utf-8"))
        # "\ud800"-style escapes can smuggle lone surrogates, which are not text (no database can store them)
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError) as exc:
        raise BadBody("not JSON in UTF-8") from exc
    if not isinstance(data, dict):
        raise BadBody("not a JSON object")
    return data


def error(status: int, code: str, message: str):
    """A JSON error answer."""
    return jsonify({"error": code, "message": message}), status
