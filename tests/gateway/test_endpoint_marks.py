"""The app's hooks decide by the endpoint a request reached (gateway/web/endpoints.py), not by its path: JSON or a
page, the per-address limit, no-store and CORS. A request that matched no route (404, 405) still gets the right
kind of answer and still counts against its address's limit."""

from __future__ import annotations

import pytest

from gateway.web.endpoints import CITIZEN, JSON, NO_STORE, STAFF, WIDGET, marks_of
from tests.support.fake_rasa import FakeRasa
from tests.support.gateway import build_app, make_settings

SITE = "https://xa.example.vn"


@pytest.fixture
def limited(tmp_path):
    settings = make_settings(tmp_path)
    settings.rate_limits_enabled, settings.rate_limit_ip = True, "3 per minute"
    app = build_app(settings)
    app.extensions["vneid"].rasa = FakeRasa()
    return app


def _kind(response) -> str:
    return "json" if response.is_json else ("page" if "lang=vi" in response.get_data(as_text=True) else "other")


@pytest.mark.parametrize(
    "method, path, status, kind",
    [
        ("GET", "/api/khong-co", 404, "json"),
        ("GET", "/api/widget/khong-co", 404, "json"),
        ("GET", "/api/staff/khong-co", 404, "json"),
        ("POST", "/webhooks/khong-co/webhook", 404, "json"),
        ("PUT", "/webhooks/rest/webhook", 405, "json"),
        ("DELETE", "/api/parse", 405, "json"),
        ("GET", "/healthz/khong-co", 404, "json"),
        ("GET", "/khong-co", 404, "page"),
        ("GET", "/console/khong-co", 404, "page"),
        ("GET", "/auth/khong-co", 404, "page"),
        ("PUT", "/console/", 405, "page"),
    ],
)
def test_an_unmatched_request_answers_like_the_routes_around_it(app, method, path, status, kind):
    response = app.test_client().open(path, method=method)
    assert response.status_code == status and _kind(response) == kind, response.get_data(as_text=True)


def test_unmatched_requests_count_against_their_address(limited):
    client = limited.test_client()
    here = {"REMOTE_ADDR": "203.0.113.7"}
    assert [client.get("/webhooks/khong-co", environ_base=here).status_code for _ in range(2)] == [404, 404]
    assert client.get("/trang-khong-co", environ_base=here).status_code == 404  # the third request of this address
    refused = client.get("/api/khong-co", environ_base=here)
    assert (
        refused.status_code == 429 and refused.get_json()["error"] == "rate_limited" and refused.headers["Retry-After"]
    )
    page = client.get("/trang-khong-co", environ_base=here)
    assert page.status_code == 429 and _kind(page) == "page"
    blocked = client.post("/webhooks/rest/webhook", json={"sender": "s-1", "message": "xin chào"}, environ_base=here)
    assert blocked.status_code == 429  # the citizens' endpoints share the address's budget
    elsewhere = {"REMOTE_ADDR": "198.51.100.20"}
    assert client.get("/webhooks/khong-co", environ_base=elsewhere).status_code == 404


def test_pages_and_assets_do_not_count_against_the_address(limited):
    client = limited.test_client()
    for _ in range(5):
        assert client.get("/widget.css").status_code == 200
        assert client.get("/auth/login").status_code == 200
    assert client.get("/api/widget/messages?sender=w-1").status_code == 200


def test_no_store_and_cors_follow_the_endpoint(app, monkeypatch):
    monkeypatch.setattr(app.extensions["vneid"].settings, "widget_origins", frozenset({SITE}))
    client = app.test_client()
    origin = {"Origin": SITE}
    poll = client.get("/api/widget/messages?sender=w-1", headers=origin)
    assert poll.headers["Cache-Control"] == "no-store" and poll.headers["Access-Control-Allow-Origin"] == SITE
    preflight = client.options("/webhooks/rest/webhook", headers=origin)
    assert preflight.headers["Access-Control-Allow-Origin"] == SITE
    assert "Access-Control-Allow-Origin" not in client.post("/api/parse", json={"text": "x"}, headers=origin).headers
    assert client.get("/auth/login").headers["Cache-Control"] == "no-store"
    assert client.get("/console/").headers["Cache-Control"] == "no-store"  # the login redirect of a staff page
    assert client.get("/api/staff/queue").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/widget.css").headers.get("Cache-Control", "")


def test_every_route_bears_the_marks_of_what_it_is(app):
    """A new view under the APIs or webhooks answers JSON; one under the staff console or API speaks for the staff
    member and is never cached; the citizens' endpoints are limited per address (a guard for views added later)."""
    for rule in app.url_map.iter_rules():
        marks = marks_of(app, rule.endpoint)
        if rule.rule.startswith(("/api/", "/webhooks/", "/healthz")):
            assert JSON in marks, rule
        if rule.rule.startswith(("/console", "/api/staff")):
            assert STAFF in marks, rule
        if rule.rule.startswith(("/webhooks/", "/api/widget/", "/api/parse")):
            assert CITIZEN in marks, rule
        if rule.rule.startswith("/api/widget/"):
            assert {WIDGET, NO_STORE} <= marks, rule
