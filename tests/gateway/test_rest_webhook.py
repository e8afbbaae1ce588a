"""The REST webhook's validation and failure answers (no Rasa behind the app: port 9 refuses)."""

import sqlite3

import pytest


def post(client, body, **kwargs):
    return client.post("/webhooks/rest/webhook", data=body, content_type="application/json", **kwargs)


@pytest.mark.parametrize(
    "body, status, code",
    [
        (b"not json", 400, "bad_json"),
        (b"\xff\xfe{\"sender\": \"a\"}", 400, "bad_json"),
        (b"[1, 2]", 400, "bad_json"),
        (b'{"sender": "a b c", "message": "hi"}', 400, "bad_sender"),
        (b'{"sender": "abc", "message": 42}', 400, "bad_message"),
        (b'{"sender": "abc", "message": "   \\u0000  "}', 400, "empty"),
        (b'{"message": "hi"}', 400, "bad_sender"),
    ],
)
def test_bad_input_gets_a_clear_4xx(client, body, status, code):
    response = post(client, body)
    assert response.status_code == status
    assert response.get_json()["error"] == code
    assert response.get_json()["message"]


def post_numbered(client, header, metadata):
    """A message numbered by the Message-Sequence header or by metadata.sequence (None: not that way)."""
    body = {"sender": "abc", "message": "xin chào"}
    if metadata is not None:
        body["metadata"] = {"sequence": metadata}
    return client.post(
        "/webhooks/rest/webhook", json=body, headers={"Message-Sequence": header} if header is not None else {}
    )


@pytest.mark.parametrize(
    "header, metadata",
    [
        ("abc", None),
        ("0", None),
        ("-1", None),
        ("1.5", None),
        ("9" * 17, None),
        ("٣", None),
        (None, True),
        (None, 0),
        (None, 2**53),
        (None, "x"),
        (None, 2.0),
        (None, [1]),
    ],
)
def test_a_malformed_message_number_gets_a_clear_400(client, header, metadata):
    response = post_numbered(client, header, metadata)
    assert response.status_code == 400 and response.get_json()["error"] == "bad_sequence"
    assert response.get_json()["message"]


@pytest.mark.parametrize("header, metadata", [("1", None), ("9007199254740991", None), (None, 42), (None, "7")])
def test_a_well_formed_message_number_is_accepted(client, header, metadata):
    response = post_numbered(client, header, metadata)
    assert response.get_json()["error"] == "bot_unavailable"  # past validation: no Rasa behind this app


def test_too_long_text_and_huge_body(client):
    response = post(client, '{"sender": "abc", "message": "%s"}' % ("a" * 2500))
    assert response.status_code == 413 and response.get_json()["error"] == "too_long"
    response = post(client, '{"sender": "abc", "message": "%s"}' % ("a" * 70000))
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"


def test_bot_down_gives_an_honest_retryable_answer_and_keeps_the_message_redacted(app, client, tmp_path):
    response = post(
        client, '{"sender": "abc", "message": "mã otp của tôi là 482913"}', headers={"Idempotency-Key": "k1"}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    body = response.get_json()
    assert body["error"] == "bot_unavailable" and "024.38541051" in body["message"]
    rows = (
        sqlite3.connect(tmp_path / "gateway.db")
        .execute("select text, status, idempotency_key from messages")
        .fetchall()
    )
    assert rows == [("mã otp của tôi là [mã OTP]", "failed", "k1")]


def test_health_is_503_when_rasa_is_down(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "database": True,
        "rasa": False,
        "action_server": False,
        "tracker_store": False,
    }


def test_parse_validates_and_needs_rasa(client):
    assert client.post("/api/parse", data=b"{", content_type="application/json").status_code == 400
    response = client.post("/api/parse", json={"text": "quên mật khẩu"})
    assert response.status_code == 503


def test_generic_http_errors_speak_from_the_content(client, app):
    """404/405/413 answers take their Vietnamese wording from content/messages.yml (`rejected:`)."""
    texts = app.extensions["vneid"].texts
    missing = client.get("/api/khong-co")
    assert missing.status_code == 404
    assert missing.get_json() == {"error": "not_found", "message": texts.rejected("not_found")}
    page = client.get("/khong-co")
    assert page.status_code == 404 and 'lang=vi' in page.get_data(as_text=True)
    assert texts.rejected("not_found") in page.get_data(as_text=True)
    wrong = client.put("/webhooks/rest/webhook", json={})
    assert wrong.status_code == 405 and wrong.get_json()["message"] == texts.rejected("method_not_allowed")
    assert "024.38541051" in texts.rejected("internal")  # the commune's hotline filled in
    poll = client.get("/api/widget/messages?sender=bad%20sender")
    assert poll.status_code == 400 and poll.get_json()["message"] == texts.rejected("bad_request")
    parse = client.post("/api/parse", json={"text": "xin chào"})  # no Rasa at this address
    assert parse.status_code == 503 and parse.get_json()["message"] == texts.rejected("nlu_unavailable")


def test_a_commune_site_may_send_the_idempotency_and_sequence_headers(app, client, monkeypatch):
    monkeypatch.setattr(app.extensions["vneid"].settings, "widget_origins", frozenset({"https://xa.example.vn"}))
    response = client.options(
        "/webhooks/rest/webhook",
        headers={
            "Origin": "https://xa.example.vn",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, idempotency-key, message-sequence",
        },
    )
    assert response.headers["Access-Control-Allow-Origin"] == "https://xa.example.vn"
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "idempotency-key", "message-sequence"} <= allowed
    other = client.options("/webhooks/rest/webhook", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
