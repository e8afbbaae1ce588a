"""The console's blueprint (`console.*` endpoints under /console): the view modules beside this one add to it."""

from __future__ import annotations

from flask import Blueprint

from gateway.blueprints import erased
from gateway.web.endpoints import STAFF, marked

bp = marked(STAFF)(Blueprint("console", __name__, url_prefix="/console"))
bp.before_request(erased.guard(as_json=False))  # a deleted conversation's old link says who deleted it, and when
