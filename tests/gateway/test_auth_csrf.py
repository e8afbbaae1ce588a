"""Every console and staff route needs a login; every form and JSON POST needs the CSRF token; admin pages
need the admin role. Routes are enumerated from the URL map, so a new route is covered automatically."""

import pytest

from tests.support.gateway import PUBLIC_PREFIXES, csrf_header, login


def protected_rules(app):
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.rule in ("/", "/demo") or rule.rule.startswith(PUBLIC_PREFIXES):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x").replace(f"<path:{arg}>", "x")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append((method, url, rule.endpoint))
    return rules


def test_there_are_protected_routes(app):
    endpoints = {endpoint for _, _, endpoint in protected_rules(app)}
    assert {"console.queue", "staff_api.get_queue", "staff_api.claim", "auth.logout"} <= endpoints


def test_every_protected_route_refuses_anonymous(app):
    client = app.test_client()
    for method, url, endpoint in protected_rules(app):
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            # GET: 401; POST: refused by the CSRF check (400) before the login check can say 401
            assert response.status_code == (401 if method == "GET" else 400), (method, url)
        else:
            # pages redirect to the login form; POST forms without a session fail CSRF or redirect
            assert response.status_code in (302, 400), (method, url, response.status_code)
            if response.status_code == 302 and "/auth/login" not in response.headers["Location"]:
                response = client.get(response.headers["Location"])  # e.g. /console -> /console/
            if response.status_code == 302:
                assert "/auth/login" in response.headers["Location"], (method, url)


def test_every_post_refuses_a_logged_in_user_without_csrf(app):
    client = app.test_client()
    assert login(client).status_code == 302
    for method, url, endpoint in protected_rules(app):
        if method != "POST":
            continue
        response = client.post(url, json={})
        assert response.status_code == 400, (url, response.status_code)
        assert b"csrf" in response.data.lower() or "Phiên" in response.get_data(as_text=True)


def test_csrf_token_lets_the_post_through(app):
    client = app.test_client()
    login(client)
    response = client.post("/api/staff/handoffs/999/claim", headers=csrf_header(client))
    assert response.status_code == 404


def test_login_failures(app):
    client = app.test_client()
    response = login(client, password="sai-mat-khau-roi")
    assert response.status_code == 401 and "Sai tên đăng nhập" in response.get_data(as_text=True)
    assert client.get("/api/staff/queue").status_code == 401


@pytest.mark.parametrize("path", ["/console/", "/auth/login", "/healthz"])
def test_security_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_session_cookie_is_httponly(app):
    client = app.test_client()
    response = login(client)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
