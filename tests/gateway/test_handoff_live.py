"""Handoff round trips through the gateway with the real Rasa server and action server."""

import uuid
from datetime import datetime

from gateway.services.hours import TZ
from tests.support.conversations import say, set_hours, steps, texts
from tests.support.gateway import ALWAYS_OPEN, csrf_header, login


def test_full_handoff_round_trip(live_app, bot):
    set_hours(live_app, ALWAYS_OPEN)
    citizen, staff = live_app.test_client(), live_app.test_client()
    sender = f"c-{uuid.uuid4().hex[:8]}"
    say(citizen, sender, "/choose_password_otp")
    for _ in range(3):
        say(citizen, sender, "/step_done")
    replies = say(citizen, sender, "ko nhan dc ma otp")
    assert texts(replies)[0].startswith("Không nhận được mã OTP")

    # bot -> waiting: the bot's payload reaches the gateway, the citizen is told a person is asked
    replies = say(citizen, sender, "cho tôi gặp cán bộ")
    assert any(r.get("custom", {}).get("handoff") for r in replies)
    assert any("Tôi đã nhờ cán bộ" in t for t in texts(replies))

    login(staff)
    queue = staff.get("/api/staff/queue").get_json()
    card = next(c for c in queue if c["status"] == "waiting")
    assert (card["channel"], card["flow"], card["step"], card["problem"]) == ("rest", "A", 4, "otp_not_received")
    assert [t["code"] for t in card["tried"]] == ["otp_not_received"]
    assert card["transcript"]  # a preview in the queue; the conversation view has it all
    full = staff.get(f"/api/staff/conversations/{card['conversation_id']}").get_json()
    assert any(m["text"] == "ko nhan dc ma otp" and m["author"] == "citizen" for m in full["messages"])

    # waiting -> with staff: Rasa is paused, the citizen's messages go to staff only
    claimed = staff.post(f"/api/staff/handoffs/{card['handoff_id']}/claim", headers=csrf_header(staff))
    assert claimed.status_code == 200 and claimed.get_json()["status"] == "claimed"
    assert bot.tracker(f"rest:{sender}")["paused"] is True
    assert say(citizen, sender, "tôi vẫn chưa nhận được tin nhắn") == []

    conv_id = card["conversation_id"]
    reply = staff.post(
        f"/api/staff/conversations/{conv_id}/reply",
        headers=csrf_header(staff),
        json={"text": "Bác kiểm tra giúp cháu SIM có đang trong máy không ạ?"},
    )
    assert reply.status_code == 200 and reply.get_json()["author"] == "staff"
    messages = staff.get(f"/api/staff/conversations/{conv_id}").get_json()["messages"]
    authors = [(m["author"], m["text"]) for m in messages[-3:]]
    assert authors[0][0] == "system" and "đã tham gia" in authors[0][1]
    assert authors[1] == ("citizen", "tôi vẫn chưa nhận được tin nhắn")
    assert authors[2] == ("staff", "Bác kiểm tra giúp cháu SIM có đang trong máy không ạ?")

    # back to the bot, at the same step
    back = staff.post(f"/api/staff/conversations/{conv_id}/return", headers=csrf_header(staff))
    assert back.status_code == 200
    back_texts = [m["text"] or "" for m in back.get_json()]
    assert "đã rời" in back_texts[0]
    assert any(t.startswith("Bước 4/5: ") for t in back_texts)
    assert bot.tracker(f"rest:{sender}")["paused"] is False
    assert steps(say(citizen, sender, "/step_done")) == [(5, 5)]

    resolved = staff.post(
        f"/api/staff/handoffs/{card['handoff_id']}/resolve",
        headers=csrf_header(staff),
        json={"outcome": "got_in", "note": "đã hướng dẫn qua chat"},
    )
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "resolved"
    found = staff.get("/api/staff/search?problem=otp_not_received&outcome=got_in").get_json()
    assert [f["handoff_id"] for f in found] == [card["handoff_id"]]


def test_out_of_hours_callback_needs_consent_and_keeps_the_number_apart(live_app, bot, tmp_path):
    today = datetime.now(TZ).date().isoformat()
    set_hours(live_app, {**ALWAYS_OPEN, "holidays": [today]})
    citizen = live_app.test_client()
    sender = f"c-{uuid.uuid4().hex[:8]}"
    say(citizen, sender, "/choose_qr")
    replies = say(citizen, sender, "/request_human")
    assert any("ngoài giờ làm việc" in t for t in texts(replies))
    assert [b["payload"] for b in replies[-1]["buttons"]] == ["/affirm", "/deny"]
    replies = say(citizen, sender, "có")
    assert "đồng ý" in texts(replies)[0].lower() or "Đồng ý" in str(replies)
    replies = say(citizen, sender, "/affirm")
    assert "nhập số điện thoại" in texts(replies)[0]
    replies = say(citizen, sender, "số tôi là 0912 345 678")
    assert "đuôi 678" in texts(replies)[0]

    import sqlite3

    db = sqlite3.connect(tmp_path / "gateway.db")
    assert db.execute("select phone from callback_requests").fetchall() == [("0912345678",)]
    transcript = " ".join(t or "" for (t,) in db.execute("select text from messages"))
    assert "0912" not in transcript and "[số điện thoại]" in transcript

    staff = live_app.test_client()
    login(staff)
    conv_id = db.execute("select id from conversations where external_id = ?", (sender,)).fetchone()[0]
    callbacks = staff.get(f"/api/staff/conversations/{conv_id}").get_json()["callbacks"]
    assert callbacks[0]["phone"] == "0912345678" and callbacks[0]["masked"] is False  # staff of the commune
    card = next(c for c in staff.get("/api/staff/queue").get_json() if c["conversation_id"] == conv_id)
    assert card["callback"] == "*******678"  # a list shows it masked


def test_idempotent_retry_returns_the_same_replies_once(live_app):
    set_hours(live_app, ALWAYS_OPEN)
    citizen = live_app.test_client()
    sender = f"c-{uuid.uuid4().hex[:8]}"
    first = say(citizen, sender, "/choose_password_otp", headers={"Idempotency-Key": "m-1"})
    again = say(citizen, sender, "/choose_password_otp", headers={"Idempotency-Key": "m-1"})
    assert first == again and steps(first) == [(1, 5)]
    assert steps(say(citizen, sender, "/step_done", headers={"Idempotency-Key": "m-2"})) == [(2, 5)]
