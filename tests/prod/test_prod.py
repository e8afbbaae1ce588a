"""The production shape, tested here: PostgreSQL, Redis, two gunicorn workers, two Rasa instances with each
conversation always on the same one; the handoff round trip and the fault tests pass on it."""

from __future__ import annotations

import os
import re
import signal
import time
import uuid

import pytest
import requests

from gateway.db import Database
from gateway.services import staff_accounts
from tests.support.citizens import FLOW_B, Citizen, audit, check_numbered_order, steps
from tests.support.servers import wait_for

STAFF_PASSWORD = "mat-khau-can-bo-prod-1"
EXPECTED_B = [(n, 8) for n in range(1, 9)]


@pytest.fixture(scope="module")
def staff_account(prod):
    db = Database(prod.database_url)
    with db.session() as session:
        staff_accounts.create(session, "canbo.prod", "Trần Thị Cán Bộ", STAFF_PASSWORD, "staff")
    db.engine.dispose()
    return "canbo.prod"


def say(prod, sender, text, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    response = requests.post(
        f"{prod.gateway.url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers=headers,
        timeout=40,
    )
    assert response.status_code == 200, response.text
    return response.json()


def texts(replies):
    return [r.get("text") or "" for r in replies]


class Staff:
    """A staff member's browser session (cookies, CSRF) against the gateway, over HTTP."""

    def __init__(self, prod, username):
        self.base = prod.gateway.url
        self.http = requests.Session()
        page = self.http.get(f"{self.base}/auth/login", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = self.http.post(
            f"{self.base}/auth/login",
            timeout=20,
            allow_redirects=False,
            data={"username": username, "password": STAFF_PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302, response.text[:300]
        page = self.http.get(f"{self.base}/console/", timeout=10).text
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def get(self, path):
        response = self.http.get(self.base + path, timeout=20)
        assert response.status_code == 200, response.text[:300]
        return response.json()

    def post(self, path, json=None):
        return self.http.post(self.base + path, json=json, headers={"X-CSRFToken": self.csrf}, timeout=40)


def test_health_covers_every_part(live):
    response = live.healthz()
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": True,
        "rasa": True,
        "action_server": True,
        "tracker_store": True,
        "redis": True,
    }


def test_handoff_round_trip(live, staff_account):
    sender = f"p-{uuid.uuid4().hex[:8]}"
    say(live, sender, "/choose_password_otp")
    for _ in range(3):
        say(live, sender, "/step_done")
    assert texts(say(live, sender, "ko nhan dc ma otp"))[0].startswith("Không nhận được mã OTP")
    replies = say(live, sender, "cho tôi gặp cán bộ")
    assert any(r.get("custom", {}).get("handoff") for r in replies)
    assert any("Tôi đã nhờ cán bộ" in t for t in texts(replies))

    staff = Staff(live, staff_account)
    card = next(
        c
        for c in staff.get("/api/staff/queue")
        if c["status"] == "waiting"
        and any(
            m["text"] == "ko nhan dc ma otp"
            for m in staff.get(f"/api/staff/conversations/{c['conversation_id']}")["messages"]
        )
    )
    assert (card["channel"], card["flow"], card["step"], card["problem"]) == ("rest", "A", 4, "otp_not_received")
    claimed = staff.post(f"/api/staff/handoffs/{card['handoff_id']}/claim")
    assert claimed.status_code == 200 and claimed.json()["status"] == "claimed"
    bot = live.bot_of(sender)
    assert bot.tracker(f"rest:{sender}")["paused"] is True  # on the conversation's own Rasa instance
    assert say(live, sender, "tôi vẫn chưa nhận được tin nhắn") == []

    conv = card["conversation_id"]
    reply = staff.post(f"/api/staff/conversations/{conv}/reply", {"text": "Bác kiểm tra SIM trong máy giúp cháu ạ."})
    assert reply.status_code == 200 and reply.json()["author"] == "staff"
    messages = staff.get(f"/api/staff/conversations/{conv}")["messages"]
    assert [(m["author"], m["text"]) for m in messages[-2:]] == [
        ("citizen", "tôi vẫn chưa nhận được tin nhắn"),
        ("staff", "Bác kiểm tra SIM trong máy giúp cháu ạ."),
    ]

    back = staff.post(f"/api/staff/conversations/{conv}/return")
    assert back.status_code == 200 and any(t.startswith("Bước 4/5: ") for t in texts(back.json()))
    assert bot.tracker(f"rest:{sender}")["paused"] is False
    assert steps(say(live, sender, "/step_done")) == [(5, 5)]
    resolved = staff.post(f"/api/staff/handoffs/{card['handoff_id']}/resolve", {"outcome": "got_in"})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"


def test_conversations_stay_on_their_instance_and_survive_one_instance_dying(live):
    """kill -9 one Rasa instance during a run: its conversations get retryable errors and resume exactly once
    after it restarts; the other instance's conversations never notice."""
    deadline = time.monotonic() + 200
    citizens = [Citizen(live.gateway.url, FLOW_B, deadline, pause=0.05, retry_every=0.3) for _ in range(8)]
    by_bot = {id(b): [c for c in citizens if live.bot_of(c.sender) is b] for b in live.bots}
    assert all(by_bot.values()), "the conversations should land on both instances"
    for c in citizens:
        c.start()
    wait_for(lambda: sum(c.acknowledged for c in citizens) >= 12, 90, "conversations under way")
    victim, survivor = live.bots[1], live.bots[0]
    victim.kill("rasa")
    wait_for(lambda: live.healthz().status_code == 503, 10, "/healthz 503")
    wait_for(
        lambda: any("503:bot_unavailable" in e for c in by_bot[id(victim)] for s in c.sent for e in s.errors),
        30,
        "the victim's citizens told to retry",
    )
    victim.restart("rasa")
    for c in citizens:
        c.join(max(0.0, deadline - time.monotonic()) + 5)
    problems = [p for c in citizens for p in audit(c, live.database_url, live.tracker_db_url, EXPECTED_B)]
    assert problems == [], "\n".join(problems)
    assert not [e for c in by_bot[id(survivor)] for s in c.sent for e in s.errors]  # never noticed


def test_a_gateway_worker_killed_mid_run(live):
    deadline = time.monotonic() + 200
    citizens = [Citizen(live.gateway.url, FLOW_B, deadline, pause=0.05, retry_every=0.3) for _ in range(6)]
    for c in citizens:
        c.start()
    wait_for(lambda: sum(c.acknowledged for c in citizens) >= 10, 90, "conversations under way")
    workers = live.gateway.worker_pids()
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)  # gunicorn's master starts a new worker
    wait_for(
        lambda: len(live.gateway.worker_pids()) == 2 and workers[0] not in live.gateway.worker_pids(),
        60,
        "a new worker",
    )
    for c in citizens:
        c.join(max(0.0, deadline - time.monotonic()) + 5)
    problems = [p for c in citizens for p in audit(c, live.database_url, live.tracker_db_url, EXPECTED_B)]
    assert problems == [], "\n".join(problems)


def test_order_holds_across_workers(live):
    """Seven numbered messages of one conversation sent out of order (3, 2, 5, 4, …), all in flight at once, each
    on its own connection (the two workers share them): answered in the order of their numbers, one step each."""
    check_numbered_order(live.gateway.url, live.database_url, 0.03)


def test_rate_limits_are_shared_by_the_workers(live, staff_account):
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import MovingWindowRateLimiter

    name = f"khong.ton.tai.{uuid.uuid4().hex[:6]}"

    def attempt():
        http = requests.Session()  # a new connection each time: either worker may answer
        page = http.get(f"{live.gateway.url}/auth/login", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return http.post(
            f"{live.gateway.url}/auth/login",
            allow_redirects=False,
            timeout=20,
            data={"username": name, "password": "sai", "csrf_token": token},
            headers={"Connection": "close"},
        )

    counter = MovingWindowRateLimiter(storage_from_string(live.redis.url, key_prefix="vneid"))
    budget = parse("30 per 10 minutes")  # RATE_LIMIT_LOGIN_IP's default
    before = counter.get_window_stats(budget, "login-ip", "127.0.0.1").remaining
    statuses = [attempt().status_code for _ in range(6)]
    # the waits live in the database: three failures from this address, then it waits, whichever worker answers
    assert statuses == [401, 401, 401, 429, 429, 429]
    # the per-address budget counts in Redis, shared by both workers: every failed or refused attempt
    assert counter.get_window_stats(budget, "login-ip", "127.0.0.1").remaining == before - 6


def test_redis_down_degrades_but_serves(live):
    live.redis.stop()
    try:
        response = live.healthz()
        assert response.status_code == 200 and response.json()["redis"] is False
        assert response.json()["status"] == "degraded"
        sender = f"r-{uuid.uuid4().hex[:8]}"
        assert steps(say(live, sender, "/choose_qr", "k0")) == [(1, 8)]
        assert steps(say(live, sender, "/step_done", "k1")) == [(2, 8)]
    finally:
        live.redis.start()
    wait_for(lambda: live.healthz().json().get("redis") is True, 30, "redis back")


def test_database_down_then_back(live):
    sender = f"d-{uuid.uuid4().hex[:8]}"
    assert steps(say(live, sender, "/choose_qr", "k0")) == [(1, 8)]
    live.pg.stop()
    try:
        started = time.monotonic()
        wait_for(lambda: live.healthz().status_code == 503, 10, "/healthz 503")
        assert time.monotonic() - started < 10
        response = requests.post(
            f"{live.gateway.url}/webhooks/rest/webhook",
            timeout=40,
            json={"sender": sender, "message": "/step_done"},
            headers={"Idempotency-Key": "k1"},
        )
        assert response.status_code == 503 and "024.38541051" in response.json()["message"]
        assert int(response.headers["Retry-After"]) > 0
    finally:
        live.pg.start()
    wait_for(lambda: live.healthz().status_code == 200, 90, "/healthz 200 again", interval=0.5)
    deadline = time.monotonic() + 60
    while True:
        response = requests.post(
            f"{live.gateway.url}/webhooks/rest/webhook",
            timeout=40,
            json={"sender": sender, "message": "/step_done"},
            headers={"Idempotency-Key": "k1"},
        )
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert response.status_code == 200 and steps(response.json()) == [(2, 8)]
