"""Rasa down or hung, the action server down, Rasa storing nowhere: /healthz turns 503 within 10 s, the citizen
gets an honest 'try again / call the hotline' answer, nothing is dropped, and a retry after recovery works."""

from __future__ import annotations

import os
import signal
import time
import uuid

import requests

from tests.support.citizens import gateway_rows, rasa_applied_events, rasa_turns, steps
from tests.support.servers import wait_for
from tests.support.gateway import build_app, make_settings

HOTLINE = "024.38541051"


def post(live, sender, text, key):
    return requests.post(
        f"{live.gateway.url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers={"Idempotency-Key": key},
        timeout=40,
    )


def healthz(live, timeout=12):
    return requests.get(f"{live.gateway.url}/healthz", timeout=timeout)


def assert_honest_retryable(response):
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["error"] == "bot_unavailable" and HOTLINE in body["message"] and "thử lại" in body["message"]
    assert int(response.headers["Retry-After"]) > 0


def test_rasa_down_health_and_an_honest_answer_then_the_retry_works(live):
    sender = f"o-{uuid.uuid4().hex[:8]}"
    assert post(live, sender, "/choose_password_otp", "k0").status_code == 200
    live.bot.kill("rasa")
    started = time.monotonic()
    wait_for(lambda: healthz(live).status_code == 503, 10, "/healthz 503", interval=0.2)
    assert time.monotonic() - started < 10
    body = healthz(live).json()
    assert body["rasa"] is False and body["database"] is True and body["status"] == "unavailable"

    response = post(live, sender, "/step_done", "k1")
    assert_honest_retryable(response)
    stored = gateway_rows(live.database_url, sender)
    assert [(r["key"], r["status"]) for r in stored] == [("k0", "answered"), ("k1", "failed")]  # kept, not dropped

    live.bot.restart("rasa")
    wait_for(lambda: healthz(live).status_code == 200, 30, "/healthz 200 again", interval=0.5)
    response = post(live, sender, "/step_done", "k1")
    assert response.status_code == 200 and steps(response.json()) == [(2, 5)]
    assert [r["status"] for r in gateway_rows(live.database_url, sender)] == ["answered", "answered"]


def test_hung_rasa_is_reported_within_10_seconds(live):
    pid = live.bot.procs["rasa"].pid
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = healthz(live)
        took = time.monotonic() - started
        assert response.status_code == 503 and response.json()["rasa"] is False
        assert took < 10, f"/healthz took {took:.1f}s"
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_for(lambda: healthz(live).status_code == 200, 30, "/healthz 200 again", interval=0.5)


def test_action_server_down_gives_an_honest_answer_not_silence(live):
    sender = f"o-{uuid.uuid4().hex[:8]}"
    assert post(live, sender, "/choose_password_otp", "k0").status_code == 200
    live.bot.kill("actions")
    started = time.monotonic()
    wait_for(lambda: healthz(live).status_code == 503, 10, "/healthz 503", interval=0.2)
    assert time.monotonic() - started < 10 and healthz(live).json()["action_server"] is False

    response = post(live, sender, "/step_done", "k1")  # Rasa itself answers [] here
    assert_honest_retryable(response)
    live.bot.restart("actions")
    response = post(live, sender, "/step_done", "k1")
    assert response.status_code == 200 and steps(response.json()) == [(2, 5)]
    # Rasa stored the failed attempt (no answer); the retry undid it (`rewind`) before sending the message again:
    # Rasa's dialogue history holds the message once, answered
    stored = {r["key"]: r["id"] for r in gateway_rows(live.database_url, sender)}
    assert rasa_turns(live.tracker_db_url, f"rest:{sender}", applied=False)[stored["k1"]] == [0, 2]
    assert rasa_turns(live.tracker_db_url, f"rest:{sender}")[stored["k1"]] == [2]
    response = post(live, sender, "/step_done", "k2")
    assert response.status_code == 200 and steps(response.json()) == [(3, 5)]  # and the dialogue goes on

    # what Rasa's policies see, computed by Rasa, is the history of the same conversation without the failure
    calm = f"o-{uuid.uuid4().hex[:8]}"
    for i, text in enumerate(["/choose_password_otp", "/step_done", "/step_done"]):
        assert post(live, calm, text, f"k{i}").status_code == 200
    histories = [
        [
            (e["event"], e.get("name"), e.get("text"), e.get("value"))
            for e in rasa_applied_events(live.bot.rasa_url, live.bot.token, f"rest:{who}")
            if e.get("name") != "session_started_metadata"
        ]  # the first message's metadata (its id)
        for who in (sender, calm)
    ]
    assert histories[0] == histories[1]
    assert [e for e in histories[0] if e[0] == "user"] == [
        ("user", None, t, None) for t in ("/choose_password_otp", "/step_done", "/step_done")
    ]


def test_rasa_not_storing_where_the_gateway_looks_is_refused_and_reported(live, tmp_path):
    """Rasa's silent in-memory fallback, as the gateway sees it: the turn is not in TRACKER_DB_URL."""
    import sqlite3

    elsewhere = tmp_path / "other-tracker.db"  # a tracker store Rasa does not write to
    with sqlite3.connect(elsewhere) as db:
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        )
    settings = make_settings(tmp_path, live.bot.rasa_url, live.bot.token, live.bot.action_url, f"sqlite:///{elsewhere}")
    app = build_app(settings)
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["tracker_store"] is False
    assert health.get_json()["rasa"] is True and health.get_json()["action_server"] is True
    response = client.post(
        "/webhooks/rest/webhook", json={"sender": "lost-1", "message": "xin chào"}, headers={"Idempotency-Key": "k0"}
    )
    assert response.status_code == 503 and HOTLINE in response.get_json()["message"]


def test_health_is_green_when_everything_answers(live):
    response = healthz(live)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": True,
        "rasa": True,
        "action_server": True,
        "tracker_store": True,
    }
