"""Issue 17, finding 4: a handoff another staff member holds is handed back or closed only by its holder, or by an
admin who gives a reason (kept, redacted, in the handoff's events and the audit log); every refusal is explained
in Vietnamese from content/staff.yml `handoff_errors`. Console forms and the staff JSON API alike.

The app has an instant stand-in for Rasa (pause/resume/execute answer at once): the check itself is the
gateway's, before Rasa is asked anything.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.models import AuditLog, Handoff, HandoffEvent
from gateway.services import staff_accounts
from tests.support.gateway import PASSWORD, csrf_header, login
from tests.support.fake_rasa import FakeRasa
from tests.support.conversations import make_handoff
from tests.support.gateway import form_token, staff_id, svc


@pytest.fixture
def app(app):
    app.extensions["vneid"].rasa = FakeRasa()
    with svc(app).db.session() as s:
        staff_accounts.create(s, "canbo2", "Trần Thị Hai", PASSWORD)
    return app


def client_of(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def state(app, handoff_id):
    with svc(app).db.session() as s:
        h = s.get(Handoff, handoff_id)
        return h.status, h.conversation.state


def overrides(app):
    with svc(app).db.session() as s:
        return [
            (e.staff_id, e.target, e.detail)
            for e in s.scalars(select(AuditLog).where(AuditLog.action == "handoff_override"))
        ]


def console_post(client, url, data):
    return client.post(url, data={**data, "csrf_token": form_token(client)})


# --- the staff API -------------------------------------------------------------------------------------------------


def test_api_another_staff_member_cannot_resolve_or_return(app):
    conv_id, handoff_id = make_handoff(app, staff_username="canbo2")
    other = client_of(app, "canbo")
    headers = csrf_header(other)
    refused = other.post(f"/api/staff/handoffs/{handoff_id}/resolve", json={"outcome": "other"}, headers=headers)
    assert refused.status_code == 403
    assert refused.get_json() == {
        "error": "held_by_other",
        "message": svc(app).texts.staff_label("handoff_errors", "held_by_other", name="Trần Thị Hai"),
    }
    assert "Trần Thị Hai đang giữ" in refused.get_json()["message"]
    back = other.post(f"/api/staff/conversations/{conv_id}/return", headers=headers)
    assert back.status_code == 403 and back.get_json()["error"] == "held_by_other"
    # a reason does not help someone who is not an admin
    again = other.post(
        f"/api/staff/handoffs/{handoff_id}/resolve", json={"outcome": "other", "reason": "vắng"}, headers=headers
    )
    assert again.status_code == 403 and again.get_json()["error"] == "held_by_other"
    assert state(app, handoff_id) == ("claimed", "with_staff") and overrides(app) == []


def test_api_the_holder_needs_no_reason(app):
    conv_id, handoff_id = make_handoff(app, staff_username="canbo2")
    holder = client_of(app, "canbo2")
    done = holder.post(
        f"/api/staff/handoffs/{handoff_id}/resolve", json={"outcome": "got_in"}, headers=csrf_header(holder)
    )
    assert done.status_code == 200 and state(app, handoff_id) == ("resolved", "closed")
    conv2, handoff2 = make_handoff(app, staff_username="canbo2")
    back = holder.post(f"/api/staff/conversations/{conv2}/return", headers=csrf_header(holder))
    assert back.status_code == 200 and state(app, handoff2) == ("returned", "bot")
    assert overrides(app) == []


def test_api_an_admin_acts_for_the_holder_only_with_a_reason_which_is_recorded(app):
    conv_id, handoff_id = make_handoff(app, staff_username="canbo2")
    admin = client_of(app, "quantri")
    headers = csrf_header(admin)
    for body in ({"outcome": "other"}, {"outcome": "other", "reason": "   "}):
        refused = admin.post(f"/api/staff/handoffs/{handoff_id}/resolve", json=body, headers=headers)
        assert refused.status_code == 403 and refused.get_json()["error"] == "override_needs_reason"
        assert "ghi lý do" in refused.get_json()["message"]
    too_long = admin.post(
        f"/api/staff/handoffs/{handoff_id}/resolve", json={"outcome": "other", "reason": "x" * 501}, headers=headers
    )
    assert too_long.status_code == 400 and "500" in too_long.get_json()["message"]
    assert state(app, handoff_id) == ("claimed", "with_staff")

    reason = "Chị Hai nghỉ ốm, người dân gọi 0912 345 678 báo đã xong"
    done = admin.post(
        f"/api/staff/handoffs/{handoff_id}/resolve", json={"outcome": "got_in", "reason": reason}, headers=headers
    )
    assert done.status_code == 200 and state(app, handoff_id) == ("resolved", "closed")
    [(who, target, detail)] = overrides(app)
    assert (who, target) == (staff_id(app, "quantri"), f"handoff:{handoff_id}")
    assert detail["action"] == "resolve" and detail["holder_id"] == staff_id(app, "canbo2")
    assert "nghỉ ốm" in detail["reason"] and "0912" not in detail["reason"]  # redacted like every stored text
    with svc(app).db.session() as s:
        kinds = [e.kind for e in s.scalars(select(HandoffEvent).where(HandoffEvent.handoff_id == handoff_id))]
    assert kinds[-2:] == ["override", "resolved"]

    conv2, handoff2 = make_handoff(app, staff_username="canbo2")
    refused = admin.post(f"/api/staff/conversations/{conv2}/return", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"] == "override_needs_reason"
    back = admin.post(f"/api/staff/conversations/{conv2}/return", json={"reason": "Chị Hai hết ca"}, headers=headers)
    assert back.status_code == 200 and state(app, handoff2) == ("returned", "bot")
    assert [d["action"] for _, _, d in overrides(app)] == ["resolve", "return_to_bot"]


def test_api_a_handoff_nobody_holds_is_anyones(app):
    _conv, waiting = make_handoff(app)
    staff = client_of(app, "canbo")
    done = staff.post(
        f"/api/staff/handoffs/{waiting}/resolve", json={"outcome": "no_answer"}, headers=csrf_header(staff)
    )
    assert done.status_code == 200 and state(app, waiting)[0] == "resolved" and overrides(app) == []


# --- the console ---------------------------------------------------------------------------------------------------


def test_console_another_staff_member_cannot_resolve_or_return(app):
    conv_id, handoff_id = make_handoff(app, staff_username="canbo2")
    other = client_of(app, "canbo")
    page = other.get(f"/console/conversations/{conv_id}").get_data(as_text=True)
    assert 'id="resolve-button"' not in page and "Trần Thị Hai đang giữ" in page  # no form, the reason why
    refused = console_post(other, f"/console/handoffs/{handoff_id}/resolve", {"outcome": "other"})
    assert refused.status_code == 302
    shown = other.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Cán bộ Trần Thị Hai đang giữ cuộc trò chuyện này" in shown
    back = console_post(other, f"/console/conversations/{conv_id}/return", {})
    assert "Cán bộ Trần Thị Hai đang giữ" in other.get(back.headers["Location"]).get_data(as_text=True)
    assert state(app, handoff_id) == ("claimed", "with_staff") and overrides(app) == []


def test_console_an_admin_gives_a_reason(app):
    conv_id, handoff_id = make_handoff(app, staff_username="canbo2")
    admin = client_of(app, "quantri")
    page = admin.get(f"/console/conversations/{conv_id}").get_data(as_text=True)
    assert page.count('name="reason"') == 2 and "Lý do làm thay cán bộ Trần Thị Hai" in page  # return, resolve
    refused = console_post(admin, f"/console/handoffs/{handoff_id}/resolve", {"outcome": "other", "reason": ""})
    assert "ghi lý do" in admin.get(refused.headers["Location"]).get_data(as_text=True)
    assert state(app, handoff_id) == ("claimed", "with_staff")
    done = console_post(
        admin, f"/console/handoffs/{handoff_id}/resolve", {"outcome": "other", "reason": "Cán bộ Hai đã về"}
    )
    assert "Đã kết thúc hỗ trợ" in admin.get(done.headers["Location"]).get_data(as_text=True)
    assert state(app, handoff_id) == ("resolved", "closed")
    assert [(d["action"], d["reason"]) for _, _, d in overrides(app)] == [("resolve", "Cán bộ Hai đã về")]

    conv2, handoff2 = make_handoff(app, staff_username="canbo2")
    back = console_post(admin, f"/console/conversations/{conv2}/return", {"reason": "Hết ca"})
    assert "Đã trả cuộc trò chuyện" in admin.get(back.headers["Location"]).get_data(as_text=True)
    assert state(app, handoff2) == ("returned", "bot")


def test_console_the_holder_sees_no_reason_field(app):
    conv_id, handoff_id = make_handoff(app, staff_username="canbo2")
    holder = client_of(app, "canbo2")
    page = holder.get(f"/console/conversations/{conv_id}").get_data(as_text=True)
    assert 'name="reason"' not in page and 'id="resolve-button"' in page
    done = console_post(holder, f"/console/handoffs/{handoff_id}/resolve", {"outcome": "got_in"})
    assert done.status_code == 302 and state(app, handoff_id) == ("resolved", "closed")
