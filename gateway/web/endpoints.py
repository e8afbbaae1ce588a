"""What kind of endpoint a request reached, so that the app's hooks (answers, caching, CORS, rate limits, the
staff member's commune) decide by the route a request matched, never by its path.

A blueprint or a view function is marked where it is defined (`@marked(JSON)`, `marked(STAFF)(Blueprint(...))`);
`has_mark` reads the marks of the request's endpoint and of its blueprint. A request that matched no route (a 404,
or a 405 for a method the route lacks) has no endpoint and no mark: `answers_json_when_unmatched` then tells JSON from
a page by the routes the address sits among.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Dict, FrozenSet, Set, TypeVar

from flask import Flask, current_app, request

JSON = "json"  # answers JSON, its errors included (the APIs, the webhooks, the health check)
CITIZEN = "citizen"  # a citizen's endpoint: no login, rate-limited per client address
WIDGET = "widget"  # called by the widget from a commune's own site: CORS for the origins in WIDGET_ORIGINS
STAFF = "staff"  # a staff page or API: speaks for the staff member's commune, never cached
NO_STORE = "no_store"  # never kept in a browser's or a proxy's cache (a conversation, a login form)

_ATTRIBUTE = "vneid_marks"
Target = TypeVar("Target")


def marked(*marks: str) -> Callable[[Target], Target]:
    """Mark a view function (as a decorator) or a blueprint (`marked(JSON)(bp)`); returns it unchanged otherwise."""

    def mark(target: Target) -> Target:
        setattr(target, _ATTRIBUTE, frozenset(getattr(target, _ATTRIBUTE, ())) | frozenset(marks))
        return target

    return mark


def marks_of(app: Flask, endpoint: str) -> FrozenSet[str]:
    """The marks of an endpoint's view function and of the blueprint it belongs to."""
    view = app.view_functions.get(endpoint)
    blueprint = app.blueprints.get(endpoint.rpartition(".")[0]) if "." in endpoint else None
    return frozenset(getattr(view, _ATTRIBUTE, ())) | frozenset(getattr(blueprint, _ATTRIBUTE, ()))


def current_marks() -> FrozenSet[str]:
    """The marks of the endpoint this request reached (none when it matched no route); read once per request (kept
    in the request's environ: `g` can outlive a request when a caller holds an app context around several)."""
    marks = request.environ.get("vneid.marks")
    if marks is None:
        endpoint = request.endpoint
        marks = request.environ["vneid.marks"] = (
            marks_of(current_app, endpoint) if endpoint is not None else frozenset()
        )
    return marks


def has_mark(*marks: str) -> bool:
    """True when the request's endpoint bears any of the marks."""
    return not current_marks().isdisjoint(marks)


def answers_json_when_unmatched() -> bool:
    """For a request that matched no route: True when every route under the same first path segment answers JSON
    (an unknown address under the APIs and webhooks answers JSON; one under the pages, a page)."""
    return _first_segment(request.path) in _json_segments(current_app)


def _first_segment(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


def _json_segments(app: Flask) -> FrozenSet[str]:
    """The first path segments under which every route answers JSON, from the app's routes (computed once, on the
    first request that needs it, when every blueprint is registered)."""
    cached = app.extensions.get("vneid_json_segments")
    if cached is None:
        kinds: Dict[str, Set[bool]] = defaultdict(set)
        for rule in app.url_map.iter_rules():
            kinds[_first_segment(rule.rule)].add(JSON in marks_of(app, rule.endpoint))
        cached = app.extensions["vneid_json_segments"] = frozenset(s for s, k in kinds.items() if k == {True})
    return cached
