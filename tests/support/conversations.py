"""Conversations for the gateway's tests: a citizen's message through the REST webhook of a test client (`say`), the
reply texts and guided-flow steps of an answer, working hours, a handoff made directly in the database for pages
that only read, and the out-of-hours call back asked for through the bot."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from gateway.models import Conversation, Handoff, Message, Staff, utcnow
from gateway.services import runtime_settings

STEP = re.compile(r"^Bước (\d+)/(\d+): ")


def set_hours(app, schedule) -> None:
    """The app's working hours (tests.support.gateway.ALWAYS_OPEN: a handoff waits for staff)."""
    with app.extensions["vneid"].db.session() as session:
        runtime_settings.put(session, "working_hours", schedule)


def say(client, sender, text, **kwargs):
    """A citizen's message through the REST webhook (must be answered 200); the replies."""
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text}, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def texts(replies):
    """The texts of the replies ("" for a reply without text)."""
    return [r.get("text", "") for r in replies]


def steps(replies):
    """The guided flow's (step, total) of each "Bước n/N: " reply."""
    return [tuple(map(int, m.groups())) for m in (STEP.match(t) for t in texts(replies)) if m]


def make_handoff(
    app,
    citizen_text="ko nhan dc ma otp",
    status="waiting",
    staff_username=None,
    channel="widget",
    problem="otp_not_received",
    step=4,
    outcome=None,
    note=None,
    flow="A",
    commune_id=1,
):
    """A conversation of the default commune (`commune_id`) with a few messages and a handoff; claimed by
    `staff_username` if given."""
    with app.extensions["vneid"].db.session() as s:
        external = uuid.uuid4().hex[:10]
        conv = Conversation(
            channel=channel,
            external_id=external,
            rasa_sender_id=f"{channel}:{external}",
            state="waiting",
            flow=flow,
            step=step,
            problem=problem,
            tried=[problem],
            commune_id=commune_id,
        )
        s.add(conv)
        total = 5 if flow == "A" else 8
        s.add(
            Message(conversation=conv, direction="out", author="bot", text=f"Bước {step}/{total}: Làm theo hướng dẫn.")
        )
        s.add(Message(conversation=conv, direction="in", author="citizen", text=citizen_text, status="answered"))
        h = Handoff(
            conversation=conv,
            status=status,
            reason="requested",
            flow=flow,
            step=step,
            problem=problem,
            tried=[problem],
            outcome=outcome,
            note=note,
        )
        s.add(h)
        if staff_username:
            staff = s.scalar(select(Staff).where(Staff.username == staff_username))
            h.status, h.claimed_by_id, h.claimed_at = "claimed" if status == "waiting" else status, staff.id, utcnow()
            if h.status == "claimed":
                conv.state, conv.assigned_staff_id = "with_staff", staff.id
            s.add(
                Message(
                    conversation=conv,
                    direction="out",
                    author="system",
                    text=f"Cán bộ {staff.display_name} đã tham gia cuộc trò chuyện.",
                )
            )
            s.add(
                Message(
                    conversation=conv,
                    direction="out",
                    author="staff",
                    staff_id=staff.id,
                    text="Bác kiểm tra SIM giúp cháu ạ.",
                )
            )
        if status == "resolved":
            conv.state = "closed"
        s.flush()
        return conv.id, h.id


def ask_for_a_call_back(citizen, sender: str, phone: str) -> None:
    """Out of hours: the handoff offers a call back, the citizen agrees twice and types the number."""
    say(citizen, sender, "/choose_qr")
    assert any("ngoài giờ làm việc" in t for t in texts(say(citizen, sender, "/request_human")))
    say(citizen, sender, "/affirm")
    assert "nhập số điện thoại" in texts(say(citizen, sender, "/affirm"))[0]
    spaced = f"{phone[:4]} {phone[4:7]} {phone[7:]}"
    assert f"đuôi {phone[-3:]}" in texts(say(citizen, sender, f"số tôi là {spaced}"))[0]
