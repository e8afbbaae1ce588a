"""The call-back phone (issue #16), through the gateway with the real Rasa server and action server, on SQLite and on
PostgreSQL: given after consent, it is stored apart (never in a message's text, Rasa's events or the log), readable
in full only by staff of the commune on the conversation, masked in lists, and erased once the call back is done —
marked done by staff, or the handoff resolved with an outcome that needs no call.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import select

from gateway.models import AuditLog, CallbackRequest, Conversation, Handoff, Message
from gateway.services.hours import TZ
from tests.support.gateway import ALWAYS_OPEN, build_app, csrf_header, login
from tests.support.databases import query, settings_for
from tests.support.conversations import ask_for_a_call_back, set_hours

PHONE = "0912345678"


def callback_conversation(backend, tmp_path):
    """An app, and a conversation whose citizen asked for a call back out of hours: (app, conversation, handoff)."""
    app = build_app(settings_for(backend, tmp_path))
    set_hours(app, {**ALWAYS_OPEN, "holidays": [datetime.now(TZ).date().isoformat()]})
    sender = f"cb-{uuid.uuid4().hex[:8]}"
    ask_for_a_call_back(app.test_client(), sender, PHONE)
    with app.extensions["vneid"].db.session() as s:
        conv = s.scalar(select(Conversation).where(Conversation.external_id == sender))
        handoff = s.scalar(select(Handoff.id).where(Handoff.conversation_id == conv.id))
        return app, conv, handoff


def phones(app):
    with app.extensions["vneid"].db.session() as s:
        return [(c.phone, c.status) for c in s.scalars(select(CallbackRequest))]


def test_the_number_is_apart_read_by_commune_staff_masked_in_lists_and_erased_once_called(backend, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    app, conv, handoff_id = callback_conversation(backend, tmp_path)
    assert phones(app) == [(PHONE, "open")]
    # never in a message's text, Rasa's events or the log
    with app.extensions["vneid"].db.session() as s:
        stored = " ".join(t or "" for t in s.scalars(select(Message.text).where(Message.conversation_id == conv.id)))
    assert "[số điện thoại]" in stored
    events = " ".join(
        d
        for (d,) in query(backend.tracker_db_url, "SELECT data FROM events WHERE sender_id = :s", s=conv.rasa_sender_id)
    )
    for form in (PHONE, "0912 345 678", "345 678"):
        assert form not in stored and form not in events and form not in caplog.text

    anonymous = app.test_client()
    assert PHONE not in anonymous.get(f"/api/staff/conversations/{conv.id}").get_data(as_text=True)
    staff, admin = app.test_client(), app.test_client()
    assert login(staff).status_code == 302 and login(admin, "quantri").status_code == 302
    for client in (staff, admin):  # nobody has claimed it: staff of the commune read it on the conversation
        detail = client.get(f"/api/staff/conversations/{conv.id}").get_json()["callbacks"]
        assert [(c["phone"], c["masked"]) for c in detail] == [(PHONE, False)]
        assert PHONE in client.get(f"/console/conversations/{conv.id}").get_data(as_text=True)
        # lists show it masked
        queue = client.get("/api/staff/queue")
        assert PHONE not in queue.get_data(as_text=True)
        assert [c["callback"] for c in queue.get_json() if c["conversation_id"] == conv.id] == ["*******678"]
        page = client.get("/console/").get_data(as_text=True)
        assert PHONE not in page and "*******678" in page

    # resolved as "needs a call back": the number stays for the call
    resolved = staff.post(
        f"/api/staff/handoffs/{handoff_id}/resolve", headers=csrf_header(staff), json={"outcome": "call_back"}
    )
    assert resolved.status_code == 200 and phones(app) == [(PHONE, "open")]
    detail = staff.get(f"/api/staff/conversations/{conv.id}").get_json()["callbacks"]
    assert detail[0]["phone"] == PHONE  # readable after the handoff ended: someone has to call

    # the call is made: the number is erased, the request says who and that it was called
    done = staff.post(f"/api/staff/callbacks/{detail[0]['id']}/done", headers=csrf_header(staff))
    assert done.status_code == 200 and done.get_json()["phone"] == "" and phones(app) == [("", "called")]
    page = staff.get(f"/console/conversations/{conv.id}").get_data(as_text=True)
    assert PHONE not in page and "*******678" not in page and "Số đã xóa" in page
    again = staff.post(f"/api/staff/callbacks/{detail[0]['id']}/done", headers=csrf_header(staff))
    assert again.status_code == 409 and again.get_json()["error"] == "callback_already_done"
    with app.extensions["vneid"].db.session() as s:
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "callback_done"))
        assert entry.target == f"conversation:{conv.id}" and entry.detail is None
    assert PHONE not in caplog.text


def test_a_handoff_resolved_with_no_call_to_make_erases_the_number(backend, tmp_path):
    app, conv, handoff_id = callback_conversation(backend, tmp_path)
    staff = app.test_client()
    assert login(staff).status_code == 302
    assert phones(app) == [(PHONE, "open")]
    page = staff.get(f"/console/conversations/{conv.id}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert (
        staff.post(
            f"/console/handoffs/{handoff_id}/resolve", data={"outcome": "got_in", "csrf_token": token}
        ).status_code
        == 302
    )
    assert phones(app) == [("", "closed")]
    assert PHONE not in staff.get(f"/console/conversations/{conv.id}").get_data(as_text=True)


def test_the_console_marks_a_call_back_done(backend, tmp_path):
    app, conv, _ = callback_conversation(backend, tmp_path)
    staff = app.test_client()
    assert login(staff).status_code == 302
    page = staff.get(f"/console/conversations/{conv.id}").get_data(as_text=True)
    action = page.split('action="/console/callbacks/', 1)[1].split('"', 1)[0]
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = staff.post(f"/console/callbacks/{action}", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/console/conversations/{conv.id}")
    assert phones(app) == [("", "called")]
    assert "Đã ghi nhận cuộc gọi lại" in staff.get(answer.headers["Location"]).get_data(as_text=True)


def test_a_number_typed_in_words_or_full_width_is_stored_as_digits(backend, tmp_path):
    """ "không chín một hai …" at the phone prompt is the number 0912…, not an empty string."""
    from tests.support.conversations import say, texts

    for n, typed in enumerate(("không chín một hai ba bốn năm sáu bảy tám", "０９１２３４５６７８")):
        app = build_app(settings_for(backend, tmp_path / str(n)))
        set_hours(app, {**ALWAYS_OPEN, "holidays": [datetime.now(TZ).date().isoformat()]})
        citizen, sender = app.test_client(), f"cb-{uuid.uuid4().hex[:8]}"
        for step in ("/choose_qr", "/request_human", "/affirm", "/affirm"):
            say(citizen, sender, step)
        assert "đuôi 678" in texts(say(citizen, sender, f"số tôi là {typed}"))[0], typed
        assert phones(app) == [(PHONE, "open")], typed
