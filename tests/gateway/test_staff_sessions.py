"""Sessions exist for the staff pages only: the citizens' stateless endpoints never open, read or set one."""

from __future__ import annotations

from flask import session


def test_stateless_paths_get_the_null_session_and_staff_paths_a_real_one(app):
    for path in ("/webhooks/rest/webhook", "/api/widget/messages", "/healthz"):
        with app.test_request_context(path, headers={"Cookie": "session=anything"}):
            app.preprocess_request()
            assert app.session_interface.is_null_session(session), path
    with app.test_request_context("/auth/login"):
        assert not app.session_interface.is_null_session(session)
        session["x"] = 1  # staff pages can write theirs


def test_a_citizen_message_never_sets_a_cookie(client):
    response = client.post(
        "/webhooks/rest/webhook",
        json={"sender": "s1", "message": "/greet"},
        headers={"Cookie": "session=eyJ4IjoxfQ.garbage"},
    )
    assert response.status_code in (200, 503)
    assert "Set-Cookie" not in response.headers
