"""Row ids in routes and query strings: ASCII digits up to SQL's BIGINT, never an overflow in the database."""

from __future__ import annotations

from typing import Any, Optional

from flask import request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1  # the largest row id (or message number) a query parameter may name: SQL's BIGINT


class BoundedInt(IntegerConverter):
    """`<int:…>` in routes: ASCII digits up to MAX_ID; a larger id is a 404 instead of an overflow in the database."""

    regex = r"[0-9]{1,19}"

    def __init__(self, url_map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def id_arg(name: str, default: int = 0) -> Optional[int]:
    """A row id from the query string (`after=`): ASCII digits up to MAX_ID, the default when absent, None when
    malformed ("²" is a digit to str.isdigit but not to int; 2^64 is a number no database column holds)."""
    value = request.args.get(name)
    if value is None or value == "":
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or int(value) > MAX_ID:
        return None
    return int(value)
