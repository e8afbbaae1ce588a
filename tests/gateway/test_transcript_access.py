"""Staff access to a transcript is recorded (who opened which conversation, when) and visible to the admin
(issue #16), on SQLite and on PostgreSQL: every way staff read messages (console page, queue cards, staff API
conversation and messages) is recorded once per staff member and conversation per 10 minutes; the admin has a page
with filters and sees the list on a conversation's page; staff who are not admins see neither.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.models import AuditLog, Staff
from gateway.services import access_log
from tests.support.gateway import build_app, login, make_settings
from tests.support.conversations import make_handoff

ROW = re.compile(r'<tr class="opening">(.*?)</tr>', re.S)


@pytest.fixture
def app(gateway_database, tmp_path):
    settings = make_settings(tmp_path)
    settings.database_url = gateway_database
    return build_app(settings)


def openings(app):
    """(username, conversation id, via) of every recorded opening, oldest first."""
    with app.extensions["vneid"].db.session() as s:
        return [
            (e.staff.username, int(e.target.split(":")[1]), e.detail["via"])
            for e in s.scalars(select(AuditLog).where(AuditLog.action == "transcript_open").order_by(AuditLog.id))
        ]


def staff_id(app, username):
    with app.extensions["vneid"].db.session() as s:
        return s.scalar(select(Staff.id).where(Staff.username == username))


def test_every_way_of_reading_a_transcript_is_recorded_once_per_ten_minutes(app):
    a, _ = make_handoff(app)
    b, _ = make_handoff(app, status="resolved")
    staff = app.test_client()
    assert login(staff).status_code == 302
    assert openings(app) == []

    assert staff.get("/console/").status_code == 200  # the queue's cards show the latest messages of `a`
    assert openings(app) == [("canbo", a, "queue")]
    assert staff.get(f"/console/conversations/{b}").status_code == 200
    assert openings(app) == [("canbo", a, "queue"), ("canbo", b, "console")]
    for _ in range(3):  # the console's polling within the window adds nothing, whatever the way
        for url in (
            "/api/staff/queue",
            f"/api/staff/conversations/{a}",
            f"/api/staff/conversations/{b}",
            f"/api/staff/conversations/{a}/messages?after=0",
            f"/console/conversations/{a}",
        ):
            assert staff.get(url).status_code == 200, url
    assert len(openings(app)) == 2

    with app.extensions["vneid"].db.session() as s:  # ten minutes later the next read counts again
        for entry in s.scalars(select(AuditLog).where(AuditLog.action == "transcript_open")):
            entry.at -= access_log.WINDOW + timedelta(seconds=1)
    assert staff.get("/api/staff/queue").status_code == 200
    assert staff.get(f"/api/staff/conversations/{b}/messages?after=0").status_code == 200
    assert openings(app)[2:] == [("canbo", a, "queue"), ("canbo", b, "api")]

    admin = app.test_client()  # another staff member is recorded on their own
    assert login(admin, "quantri").status_code == 302
    assert admin.get(f"/api/staff/conversations/{a}").status_code == 200
    assert openings(app)[4:] == [("quantri", a, "api")]
    assert staff.get("/api/staff/conversations/999999/messages").status_code == 404  # no such conversation
    assert len(openings(app)) == 5


def test_the_admin_sees_who_opened_which_conversation_and_staff_do_not(app):
    a, _ = make_handoff(app, status="resolved")
    b, _ = make_handoff(app, status="resolved")
    staff, admin = app.test_client(), app.test_client()
    assert login(staff).status_code == 302 and login(admin, "quantri").status_code == 302
    assert staff.get(f"/console/conversations/{a}").status_code == 200
    assert admin.get(f"/api/staff/conversations/{b}").status_code == 200

    page = admin.get("/console/admin/access")
    assert page.status_code == 200
    rows = ROW.findall(page.get_data(as_text=True))
    assert len(rows) == 2
    assert "Lê Thị Quản" in rows[0] and f"#{b}<" in rows[0] and "API cán bộ" in rows[0]
    assert "Nguyễn Văn Cán" in rows[1] and f"#{a}<" in rows[1] and "Trang cuộc trò chuyện" in rows[1]

    by_staff = ROW.findall(admin.get(f"/console/admin/access?staff={staff_id(app, 'canbo')}").get_data(as_text=True))
    assert len(by_staff) == 1 and "Nguyễn Văn Cán" in by_staff[0] and f"#{a}<" in by_staff[0]
    by_conversation = ROW.findall(admin.get(f"/console/admin/access?conversation={b}").get_data(as_text=True))
    assert len(by_conversation) == 1 and "Lê Thị Quản" in by_conversation[0]
    refused = admin.get("/console/admin/access?conversation=abc")
    assert refused.status_code == 400 and "Số cuộc trò chuyện không hợp lệ." in refused.get_data(as_text=True)
    assert 'href="/console/admin/access"' in admin.get("/console/admin/audit").get_data(as_text=True)  # in the menu

    # the conversation's page lists its readers for an admin (the admin's own opening included), not for staff
    own = admin.get(f"/console/conversations/{a}").get_data(as_text=True)
    assert "Ai đã xem cuộc trò chuyện này" in own
    section = own.split("Ai đã xem cuộc trò chuyện này", 1)[1].split("</section>", 1)[0]
    assert "Nguyễn Văn Cán" in section and "Lê Thị Quản" in section
    assert "Ai đã xem cuộc trò chuyện này" not in staff.get(f"/console/conversations/{a}").get_data(as_text=True)

    denied = staff.get("/console/admin/access")
    assert denied.status_code == 403 and "Nguyễn Văn Cán" not in denied.get_data(as_text=True).split("</header>")[1]
