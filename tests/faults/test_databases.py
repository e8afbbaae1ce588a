"""Database faults on PostgreSQL (Debian's package, a throw-away cluster on a free loopback port): the gateway's
database down, and Rasa's tracker store down while Rasa itself keeps answering (its silent in-memory fallback).
"""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.support.citizens import steps
from tests.support.servers import GatewayServer, Postgres, need, open_hours, postgres_available, start_bots, wait_for

HOTLINE = "024.38541051"


@pytest.fixture(scope="module")
def pg_stack(tmp_path_factory):
    need(postgres_available(), "PostgreSQL is not installed (apt-get install -y postgresql)")
    workdir = tmp_path_factory.mktemp("pg-faults")
    pg = Postgres().start()
    bots, gateway = [], None
    try:
        bots = start_bots(workdir, 1, tracker_db_url=pg.url("rasa"))
        bot = bots[0]
        gateway = GatewayServer.for_bots(
            workdir,
            [bot],
            tracker_db_url=pg.url("rasa"),
            database_url=pg.url("gateway"),
            threads=8,
            extra_env={"RATE_LIMITS": "off"},
        )
        gateway.migrate()
        open_hours(gateway.db_url)
        gateway.start()
        gateway.wait_ready(120)
        yield pg, bot, gateway
    finally:
        if gateway is not None:
            gateway.stop()
        for bot in bots:
            bot.stop()
        pg.cleanup()


def post(gateway, sender, text, key):
    return requests.post(
        f"{gateway.url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers={"Idempotency-Key": key},
        timeout=40,
    )


def health(gateway):
    return requests.get(f"{gateway.url}/healthz", timeout=12)


def retry_until_answered(gateway, sender, text, key, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        response = post(gateway, sender, text, key)
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        assert response.status_code == 503 and response.headers.get("Retry-After"), response.text
        time.sleep(0.5)


def test_database_down_is_reported_and_the_citizen_told_then_nothing_is_lost(pg_stack):
    pg, _bot, gateway = pg_stack
    sender = f"db-{uuid.uuid4().hex[:8]}"
    assert steps(post(gateway, sender, "/choose_password_otp", "k0").json()) == [(1, 5)]
    pg.stop()
    try:
        started = time.monotonic()
        wait_for(lambda: health(gateway).status_code == 503, 10, "/healthz 503", interval=0.2)
        assert time.monotonic() - started < 10
        assert health(gateway).json()["database"] is False
        response = post(gateway, sender, "/step_done", "k1")
        assert response.status_code == 503, response.text
        assert HOTLINE in response.json()["message"] and int(response.headers["Retry-After"]) > 0
    finally:
        pg.start()
    wait_for(lambda: health(gateway).status_code == 200, 60, "/healthz 200 again", interval=0.5)
    response = retry_until_answered(gateway, sender, "/step_done", "k1")
    assert response.status_code == 200 and steps(response.json()) == [(2, 5)]


def test_tracker_store_outage_is_noticed_not_answered_from_an_empty_memory(pg_stack):
    pg, bot, gateway = pg_stack
    sender = f"ts-{uuid.uuid4().hex[:8]}"
    assert steps(post(gateway, sender, "/choose_password_otp", "k0").json()) == [(1, 5)]
    assert steps(post(gateway, sender, "/step_done", "k1").json()) == [(2, 5)]
    pg._query("ALTER DATABASE rasa ALLOW_CONNECTIONS false")
    pg._query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'rasa'")
    try:
        response = post(gateway, sender, "/step_done", "k2")
        # Rasa answered from a fresh in-memory tracker; the gateway noticed the turn is not stored
        assert response.status_code == 503 and HOTLINE in response.json()["message"], response.text
        assert "Falling back to use the 'InMemoryTrackerStore'" in bot.log("rasa")
        started = time.monotonic()
        wait_for(lambda: health(gateway).status_code == 503, 10, "/healthz 503", interval=0.2)
        assert time.monotonic() - started < 10
        body = health(gateway).json()
        assert body["tracker_store"] is False and body["database"] is True and body["rasa"] is True
    finally:
        pg._query("ALTER DATABASE rasa ALLOW_CONNECTIONS true")
    wait_for(lambda: health(gateway).status_code == 200, 60, "/healthz 200 again", interval=0.5)
    response = retry_until_answered(gateway, sender, "/step_done", "k2")
    assert response.status_code == 200 and steps(response.json()) == [(3, 5)]  # the same conversation, step 3
