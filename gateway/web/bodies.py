"""Request bodies: the one bounded, strict JSON reader every JSON endpoint (and the rate limiter) reads through."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Dict

from flask import Response, g, request

from gateway.web.answers import error, safe_text


class BadBody(Exception):
    """The request body is not a JSON object in UTF-8 within the bounds below; `code` names why, and
    content/messages.yml `rejected:` says it in Vietnamese (`bad_body`)."""

    def __init__(self, code: str = "bad_json") -> None:
        super().__init__(code)
        self.code = code


# Bounds checked before the parser builds anything: Python's parser recurses once per level (10,000 levels raise
# RecursionError, a 500) and turns any digit string into an int (2^70 overflows a database column later). No body
# the gateway reads comes near them: Zalo's events nest 4 deep; its ids, the longest numbers, have 19 digits.
MAX_JSON_DEPTH = 32
MAX_NUMBER_CHARS = 40

# JSON may carry "\ud800"-style escapes of lone surrogates: not text, and no database can store them
_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F][0-9a-fA-F]{2}")
# a JSON string, closed or not (possessive: one pass over the body whatever it holds)
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_body() -> Dict[str, Any]:
    """The request's JSON object, decoded strictly as UTF-8, without lone surrogates, at most MAX_JSON_DEPTH deep,
    numbers of at most MAX_NUMBER_CHARS characters and no NaN or Infinity; BadBody otherwise.

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
    _check_depth(raw)
    try:
        data = json.loads(raw.decode("utf-8"), parse_int=_int, parse_float=_float, parse_constant=_no_constant)
        if _SURROGATE_ESCAPE.search(raw):
            json.dumps(data, ensure_ascii=False).encode("utf-8")
    except BadBody:
        raise
    except (UnicodeError, ValueError, RecursionError) as exc:
        raise BadBody("bad_json") from exc
    if not isinstance(data, dict):
        raise BadBody("bad_json")
    return data


def _check_depth(raw: bytes) -> None:
    """BadBody("too_deep") when arrays and objects nest deeper than MAX_JSON_DEPTH (brackets in strings are text).
    A body with few brackets is let through at once; the scan runs only when there are more than the bound."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return
    depth = 0
    for byte in _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        depth += 1 if byte in (0x5B, 0x7B) else -1
        if depth > MAX_JSON_DEPTH:
            raise BadBody("too_deep")


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise BadBody("bad_number")
    return int(text)


def _float(text: str) -> float:
    value = float(text) if len(text) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise BadBody("bad_number")
    return value


def _no_constant(name: str):
    raise BadBody("bad_number")  # NaN, Infinity, -Infinity: not JSON


def bad_body(exc: BadBody) -> Response:
    """The 400 answer to a body json_body refused, in Vietnamese."""
    return error(400, exc.code, safe_text(lambda t: t.rejected(exc.code)))
