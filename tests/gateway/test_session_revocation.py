"""Staff sessions end on the server (issue 17, findings 2 and 3): a session cookie copied before a logout, a password
reset, a role change or the account being disabled no longer works afterwards (even once the account is enabled
again); idle and absolute timeouts; the admin sees the active sessions and ends them; every login and logout starts
a new session with a new CSRF secret."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from gateway.models import AuditLog, Staff, utcnow
from tests.support.gateway import PASSWORD, csrf_header, login


def staff_id(app, username):
    with app.extensions["vneid"].db.session() as s:
        return s.scalar(select(Staff.id).where(Staff.username == username))


def form_token(client, url="/auth/login"):
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def post(client, url, data=None):
    return client.post(url, data={**(data or {}), "csrf_token": form_token(client, "/console/")})


def cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, value: str):
    """Another browser holding a copy of the cookie."""
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def signed_in(client) -> bool:
    return client.get("/api/staff/queue").status_code == 200


def session_data(app, client) -> dict:
    return app.session_interface.get_signing_serializer(app).loads(cookie(client))


def logged_in(app, username="canbo", password=PASSWORD):
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    return client


def test_a_cookie_copied_before_logout_no_longer_works(app):
    client = logged_in(app)
    stolen = cookie(client)
    assert signed_in(replay(app, stolen))
    assert post(client, "/auth/logout").status_code == 302
    assert not signed_in(client)
    assert not signed_in(replay(app, stolen))


def test_logout_ends_every_session_of_the_account(app):
    office, phone, colleague = logged_in(app), logged_in(app), logged_in(app, "quantri")
    assert post(office, "/auth/logout").status_code == 302
    assert not signed_in(phone) and signed_in(colleague)


def test_a_password_reset_ends_the_accounts_sessions(app):
    user, admin = logged_in(app), logged_in(app, "quantri")
    stolen = cookie(user)
    done = post(admin, f"/console/admin/staff/{staff_id(app, 'canbo')}/password", {"password": "mat-khau-moi-456"})
    assert done.status_code == 302
    assert not signed_in(user) and not signed_in(replay(app, stolen)) and signed_in(admin)
    assert login(app.test_client(), "canbo", "mat-khau-moi-456").status_code == 302


def test_disabling_an_account_ends_its_sessions_for_good(app):
    user, admin = logged_in(app), logged_in(app, "quantri")
    stolen, canbo = cookie(user), staff_id(app, "canbo")
    assert post(admin, f"/console/admin/staff/{canbo}/active", {"active": "0"}).status_code == 302
    assert not signed_in(replay(app, stolen))
    assert post(admin, f"/console/admin/staff/{canbo}/active", {"active": "1"}).status_code == 302
    assert not signed_in(replay(app, stolen))  # enabled again: the old cookie stays dead
    assert signed_in(logged_in(app))


def test_a_role_change_ends_the_accounts_sessions(app):
    user, admin = logged_in(app), logged_in(app, "quantri")
    stolen = cookie(user)
    assert post(admin, f"/console/admin/staff/{staff_id(app, 'canbo')}/role", {"role": "admin"}).status_code == 302
    assert not signed_in(replay(app, stolen))
    with app.extensions["vneid"].db.session() as s:
        assert s.scalar(select(Staff.role).where(Staff.username == "canbo")) == "admin"
        assert s.scalar(select(AuditLog.detail).where(AuditLog.action == "staff_role")) == {
            "username": "canbo",
            "role": "admin",
            "was": "staff",
        }


def test_a_password_or_role_changed_elsewhere_also_ends_the_sessions(app):
    """Sessions remember the account as it was at login: a change made outside the console (a command, the
    database) ends them too."""
    user = logged_in(app)
    with app.extensions["vneid"].db.session() as s:
        s.execute(update(Staff).where(Staff.username == "canbo").values(role="admin"))
    assert not signed_in(user)


def age(app, **columns):
    from gateway.models import StaffSession

    with app.extensions["vneid"].db.session() as s:
        s.execute(update(StaffSession).values(**columns))


def test_idle_and_absolute_timeouts(app):
    settings = app.extensions["vneid"].settings
    assert settings.staff_session_idle_minutes == 60 and settings.staff_session_max_hours == 12  # the defaults
    user = logged_in(app)
    age(app, last_seen_at=utcnow() - timedelta(minutes=59))
    assert signed_in(user)  # and this request counts as activity
    age(app, last_seen_at=utcnow() - timedelta(minutes=61))
    assert not signed_in(user)
    user = logged_in(app)
    age(app, created_at=utcnow() - timedelta(hours=12, minutes=1), last_seen_at=utcnow())
    assert not signed_in(user)


def test_the_admin_sees_the_active_sessions_and_ends_them(app):
    user, admin = logged_in(app), logged_in(app, "quantri")
    from gateway.models import StaffSession

    logged_in(app).get("/console/")
    page = admin.get("/console/admin/sessions").get_data(as_text=True)
    assert "Phiên đăng nhập" in page and page.count("canbo") >= 2 and "quantri" in page
    with app.extensions["vneid"].db.session() as s:
        first = s.scalar(
            select(StaffSession.id)
            .where(StaffSession.staff_id == staff_id(app, "canbo"), StaffSession.ended_at.is_(None))
            .order_by(StaffSession.id)
        )
    assert post(admin, "/console/admin/sessions/end", {"session": str(first)}).status_code == 302
    assert not signed_in(user)
    second = logged_in(app)
    assert post(admin, f"/console/admin/staff/{staff_id(app, 'canbo')}/sessions/end").status_code == 302
    assert not signed_in(second) and signed_in(admin)
    with app.extensions["vneid"].db.session() as s:
        ended = [e.detail for e in s.scalars(select(AuditLog).where(AuditLog.action == "sessions_end"))]
    assert [d["sessions"] for d in ended] == [1, 2]
    assert "Đã kết thúc mọi phiên của canbo" in admin.get("/console/admin/sessions").get_data(as_text=True)
    assert "canbo" not in admin.get("/console/admin/sessions").get_data(as_text=True)  # no session left


def test_every_login_and_logout_renews_the_session_and_the_csrf_secret(app):
    client = app.test_client()
    before_token = form_token(client)
    before = session_data(app, client)
    assert login(client).status_code == 302
    # the token of the anonymous page (which a planted cookie would have given an attacker) is refused now
    assert client.post("/api/staff/handoffs/999/claim", headers={"X-CSRFToken": before_token}).status_code == 400
    fresh = csrf_header(client)
    assert fresh["X-CSRFToken"] != before_token
    assert client.post("/api/staff/handoffs/999/claim", headers=fresh).status_code == 404  # passes CSRF
    during = session_data(app, client)
    assert during["csrf_token"] != before["csrf_token"] and during.get("_sid")
    assert client.post("/auth/logout", data={"csrf_token": fresh["X-CSRFToken"]}).status_code == 302
    after = session_data(app, client) if client.get_cookie("session") else {}
    assert "_sid" not in after and after.get("csrf_token") != during["csrf_token"]
    # the logged-in page's token does not carry over to the next login form
    refused = client.post(
        "/auth/login", data={"username": "canbo", "password": PASSWORD, "csrf_token": fresh["X-CSRFToken"]}
    )
    assert refused.status_code == 400
    assert login(client).status_code == 302
    assert session_data(app, client)["_sid"] != during["_sid"]  # a new session id at every login


def test_an_admin_changing_their_own_password_keeps_the_session_they_did_it_from(app):
    admin, elsewhere = logged_in(app, "quantri"), logged_in(app, "quantri")
    done = post(admin, f"/console/admin/staff/{staff_id(app, 'quantri')}/password", {"password": "mat-khau-moi-789"})
    assert done.status_code == 302
    assert signed_in(admin) and not signed_in(elsewhere)
