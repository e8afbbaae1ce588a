"""A stranger cannot lock a staff account (issue 17, finding 8): failed logins slow down the account *from that
address*, with growing delays; the owner logs in from another address meanwhile; failures from many addresses slow
the account everywhere except where its owner has logged in before; the admin sees the delays and lifts them; every
failure, refusal and unlock is in the audit log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from gateway.models import AuditLog, Staff, utcnow
from tests.support.gateway import PASSWORD, build_app, make_settings

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


@pytest.fixture
def app(tmp_path):
    """Default limits, switched on (the suites' apps run without them)."""
    settings = make_settings(tmp_path)
    settings.rate_limits_enabled = True
    return build_app(settings)


def attempt(client, username, password, ip):
    page = client.get("/auth/login", environ_base={"REMOTE_ADDR": ip}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
    )


def canbo(app) -> int:
    with app.extensions["vneid"].db.session() as s:
        return s.scalar(select(Staff.id).where(Staff.username == "canbo"))


def test_an_attackers_failures_do_not_lock_the_owner_out_from_another_address(app):
    attacker = app.test_client()
    statuses = [attempt(attacker, "canbo", f"doan-sai-{i}", ATTACKER).status_code for i in range(8)]
    assert statuses[:3] == [401, 401, 401] and set(statuses[3:]) == {429}
    refused = attempt(attacker, "canbo", PASSWORD, ATTACKER)  # from there even the right password waits
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 5
    assert "giây" in refused.get_data(as_text=True)
    assert attempt(app.test_client(), "canbo", PASSWORD, OWNER).status_code == 302  # the owner, elsewhere


def expire_delays(app):
    from gateway.models import LoginThrottle

    with app.extensions["vneid"].db.session() as s:
        s.execute(update(LoginThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))


def test_the_delays_grow_with_each_failure_up_to_a_cap(app):
    client = app.test_client()
    for i in range(3):
        attempt(client, "canbo", f"sai-{i}", ATTACKER)
    waits = []
    for i in range(9):
        waits.append(int(attempt(client, "canbo", "sai", ATTACKER).headers["Retry-After"]))
        expire_delays(app)
        assert attempt(client, "canbo", f"sai-lan-{i}", ATTACKER).status_code == 401
    assert waits == [5, 10, 20, 40, 80, 160, 320, 640, 900]
    expire_delays(app)
    assert attempt(client, "canbo", PASSWORD, ATTACKER).status_code == 302  # a success starts over
    assert attempt(app.test_client(), "canbo", "sai", ATTACKER).status_code == 401


def test_many_addresses_slow_the_account_except_where_its_owner_works(app):
    assert attempt(app.test_client(), "canbo", PASSWORD, OWNER).status_code == 302  # the owner's usual desk
    for n in range(5):  # a guesser spread over five addresses, two tries each (ten: LOGIN_ACCOUNT_FAILURES)
        client = app.test_client()
        assert [attempt(client, "canbo", f"sai-{i}", f"192.0.2.{n + 1}").status_code for i in range(2)] == [401] * 2
    assert attempt(app.test_client(), "canbo", PASSWORD, "192.0.2.200").status_code == 429  # a new address waits
    assert attempt(app.test_client(), "canbo", PASSWORD, OWNER).status_code == 302  # the owner's does not
    assert attempt(app.test_client(), "quantri", PASSWORD, "192.0.2.200").status_code == 302  # other accounts


def test_the_admin_sees_and_lifts_the_delays_and_it_is_all_audited(app):
    attacker = app.test_client()
    for i in range(4):
        attempt(attacker, "canbo", f"sai-{i}", ATTACKER)
    admin = app.test_client()
    assert attempt(admin, "quantri", PASSWORD, OWNER).status_code == 302
    page = admin.get("/console/admin/sessions", environ_base={"REMOTE_ADDR": OWNER}).get_data(as_text=True)
    assert "canbo" in page and ATTACKER in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    lifted = admin.post(
        f"/console/admin/staff/{canbo(app)}/unlock", data={"csrf_token": token}, environ_base={"REMOTE_ADDR": OWNER}
    )
    assert lifted.status_code == 302
    assert (
        "canbo"
        not in admin.get("/console/admin/sessions", environ_base={"REMOTE_ADDR": OWNER})
        .get_data(as_text=True)
        .split("login-delays")[-1]
    )
    assert attempt(attacker, "canbo", PASSWORD, ATTACKER).status_code == 302
    with app.extensions["vneid"].db.session() as s:
        log = [(e.action, e.staff_id, e.target, e.detail) for e in s.scalars(select(AuditLog).order_by(AuditLog.id))]
        admin_id = s.scalar(select(Staff.id).where(Staff.username == "quantri"))
    actions = [action for action, *_ in log]
    assert actions == ["login_failed"] * 3 + ["login_delayed", "login", "login_unlock", "login"]
    failures = [detail for action, _, target, detail in log if action == "login_failed"]
    assert [d["address"] for d in failures] == [ATTACKER] * 3 and [d["wait_s"] for d in failures] == [0, 0, 5]
    assert all(target == f"staff:{canbo(app)}" for action, _, target, _ in log if action.startswith("login_"))
    [(_, who, _, detail)] = [entry for entry in log if entry[0] == "login_unlock"]
    assert who == admin_id and detail["username"] == "canbo"
