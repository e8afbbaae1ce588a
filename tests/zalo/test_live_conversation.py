"""Zalo conversations end to end: the fake Zalo server, the gateway, the real Rasa server and action server."""

import logging
import re

from sqlalchemy import select

from gateway.models import Conversation, Handoff, Message
from tests.support.gateway import csrf_header, login
from tests.support.zalo import PUBLIC, Citizen, buttons_of, images_of, pump, restart, texts_of
from tools import fake_zalo

STEP = re.compile(r"^Bước (\d+)/(\d+): ")


def steps(messages):
    return [tuple(map(int, m.groups())) for m in (STEP.match(t) for t in texts_of(messages)) if m]


def conversation(app, user):
    with app.extensions["vneid"].db.session() as session:
        conv = session.scalar(
            select(Conversation).where(Conversation.channel == "zalo", Conversation.external_id == user)
        )
        session.expunge(conv)
        return conv


def stored_messages(app, user):
    with app.extensions["vneid"].db.session() as session:
        conv = session.scalar(select(Conversation).where(Conversation.external_id == user))
        return [(m.direction, m.author, m.text, m.delivery) for m in conv.messages]


def test_flow_a_on_zalo_with_buttons(live_zalo_app, fake):
    citizen = Citizen(live_zalo_app, fake)
    citizen.post(fake_zalo.follow(fake.app_id, fake.oa_id, citizen.user_id))
    pump(live_zalo_app)
    assert "Trợ lý VNeID" in citizen.new()[0]["text"]

    replies = citizen.say("xin chào")
    assert any("trợ lý tự động" in t for t in texts_of(replies))
    assert any(b["payload"] == "/choose_password_otp" for r in replies for b in buttons_of(r))

    replies = citizen.say("/choose_password_otp")  # the button's payload comes back as the citizen's text
    assert images_of(replies) == [f"{PUBLIC}/illustrations/a1-nut-dang-nhap.png"]  # the PNG render, for Zalo
    image_at = next(i for i, r in enumerate(replies) if images_of([r]))
    step_at = next(i for i, r in enumerate(replies) if STEP.match(r.get("text", "")))
    assert image_at == step_at - 1  # the illustration just before its step
    step_buttons = buttons_of(replies[step_at])
    assert [(b["title"], b["type"], b["payload"]) for b in step_buttons] == [
        ("Xong rồi", "oa.query.hide", "/step_done"),
        ("Bị lỗi", "oa.query.hide", "/step_failed"),
        ("Gặp cán bộ", "oa.query.hide", "/request_human"),
    ]
    seen = steps(replies)
    for pressed in ["/step_done", "xong rồi", "/step_done", "/step_done"]:
        seen += steps(citizen.say(pressed))
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]

    replies = citizen.say("/step_done")
    assert any("đăng nhập được" in t for t in texts_of(replies))
    assert [b["payload"] for r in replies for b in buttons_of(r)] == ["/affirm", "/deny"]
    replies = citizen.say("/affirm")
    assert any("thành công" in t for t in texts_of(replies))

    every = citizen.received()
    assert all(len(b["title"]) <= 20 for m in every for b in buttons_of(m))
    assert all(len(buttons_of(m)) <= 5 for m in every)
    assert all(len(m.get("text", "")) <= 2000 for m in every)
    conv = conversation(live_zalo_app, citizen.user_id)
    assert (conv.flow, conv.step, conv.login_outcome) == ("A", 5, "got_in")
    assert {d for (direction, _, _, d) in stored_messages(live_zalo_app, citizen.user_id) if direction == "out"} == {
        "sent"
    }
    assert fake.refreshes == []


def test_a_replayed_message_is_answered_once(live_zalo_app, fake):
    citizen = Citizen(live_zalo_app, fake)
    event = citizen.send("/choose_qr")
    assert citizen.post(event).status_code == 200  # Zalo's retry before we processed it
    pump(live_zalo_app)
    first = citizen.new()
    assert steps(first) == [(1, 8)]
    assert citizen.post(event).status_code == 200  # and after
    pump(live_zalo_app)
    assert citizen.new() == []
    inbound = [m for m in stored_messages(live_zalo_app, citizen.user_id) if m[0] == "in"]
    assert len(inbound) == 1


def test_handoff_with_a_staff_reply_delivered_on_zalo(live_zalo_app, fake):
    app = live_zalo_app
    citizen = Citizen(app, fake)
    citizen.say("/choose_password_otp")
    for _ in range(3):
        citizen.say("/step_done")
    assert texts_of(citizen.say("ko nhan dc ma otp"))[0].startswith("Không nhận được mã OTP")
    replies = citizen.say("cho tôi gặp cán bộ")
    assert any("Tôi đã nhờ cán bộ" in t for t in texts_of(replies))

    staff = app.test_client()
    login(staff)
    card = next(c for c in staff.get("/api/staff/queue").get_json() if c["channel"] == "zalo")
    assert (card["status"], card["flow"], card["step"], card["problem"]) == ("waiting", "A", 4, "otp_not_received")
    claimed = staff.post(f"/api/staff/handoffs/{card['handoff_id']}/claim", headers=csrf_header(staff))
    assert claimed.status_code == 200
    pump(app)
    assert any("Nguyễn Văn Cán đã tham gia" in t for t in texts_of(citizen.new()))

    # with staff: the citizen's text and photo go to staff only
    assert citizen.say("tôi vẫn chưa nhận được tin nhắn") == []
    photo = fake_zalo.user_image(fake.app_id, fake.oa_id, citizen.user_id, "https://photo.zalo.example/loi.jpg")
    assert citizen.post(photo).status_code == 200
    pump(app)
    assert citizen.new() == []
    view = staff.get(f"/api/staff/conversations/{card['conversation_id']}").get_json()
    citizen_texts = [m["text"] for m in view["messages"] if m["author"] == "citizen"]
    assert citizen_texts[-2:] == ["tôi vẫn chưa nhận được tin nhắn", "[Hình ảnh]\nhttps://photo.zalo.example/loi.jpg"]

    reply = staff.post(
        f"/api/staff/conversations/{card['conversation_id']}/reply",
        headers=csrf_header(staff),
        json={"text": "Bác kiểm tra giúp cháu SIM có đang trong máy không ạ?"},
    )
    assert reply.status_code == 200
    pump(app)
    assert texts_of(citizen.new()) == ["Cán bộ Nguyễn Văn Cán: Bác kiểm tra giúp cháu SIM có đang trong máy không ạ?"]
    view = staff.get(f"/api/staff/conversations/{card['conversation_id']}").get_json()
    assert view["messages"][-1]["author"] == "staff" and view["messages"][-1]["delivery"] == "sent"

    resolved = staff.post(
        f"/api/staff/handoffs/{card['handoff_id']}/resolve",
        headers=csrf_header(staff),
        json={"outcome": "got_in", "note": "đã hướng dẫn qua Zalo"},
    )
    assert resolved.status_code == 200
    pump(app)
    after = citizen.new()
    assert any("kết thúc hỗ trợ" in t for t in texts_of(after))
    # asked once, with one-tap buttons (their payload comes back as the citizen's text)
    question = next(m for m in after if m.get("text") == "Vấn đề đăng nhập của bạn đã được giải quyết chưa?")
    assert [(b["title"], b["payload"]) for b in buttons_of(question)] == [
        ("Đã xong", "/satisfied"),
        ("Chưa được", "/not_satisfied"),
    ]
    assert any("Cảm ơn bạn đã cho biết" in t for t in texts_of(citizen.say("/satisfied")))
    admin = app.test_client()
    login(admin, "quantri")
    report = admin.get("/api/staff/analytics/satisfaction.json").get_json()
    assert (report["resolved"], report["answered"], report["solved"]) == (1, 1, 1)
    assert citizen.say("xin chào") != []  # the bot answers again


def test_an_answer_from_the_zalo_admin_page_pauses_the_bot(live_zalo_app, fake, bot):
    app = live_zalo_app
    citizen = Citizen(app, fake)
    citizen.say("/choose_qr")
    ours = fake.sent_to(citizen.user_id)[-1]
    own_echo = fake_zalo.oa_text(
        fake.app_id, fake.oa_id, citizen.user_id, ours["message"].get("text", ""), msg_id=ours["message_id"]
    )
    text_only_echo = fake_zalo.oa_text(fake.app_id, fake.oa_id, citizen.user_id, ours["message"].get("text", ""))
    for echo in (own_echo, text_only_echo):  # by msg id, and by text when the id was lost (e.g. a crash)
        assert citizen.post(echo).status_code == 200
    pump(app)
    assert conversation(app, citizen.user_id).state == "bot"

    person = fake_zalo.oa_text(fake.app_id, fake.oa_id, citizen.user_id, "Chào bác, cháu là cán bộ xã ạ.")
    assert citizen.post(person).status_code == 200
    pump(app)
    conv = conversation(app, citizen.user_id)
    assert (conv.state, conv.assigned_staff_id) == ("with_staff", None)
    assert bot.tracker(f"zalo:{citizen.user_id}")["paused"] is True
    with app.extensions["vneid"].db.session() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.conversation_id == conv.id))
        assert (handoff.status, handoff.reason, handoff.claimed_by_id) == ("claimed", "zalo_admin", None)
        last = session.scalar(select(Message).where(Message.conversation_id == conv.id).order_by(Message.id.desc()))
        assert (last.author, last.text, last.delivery) == ("staff", "Chào bác, cháu là cán bộ xã ạ.", "sent")
    assert citizen.say("/step_done") == []  # the bot stays quiet: a person is answering

    staff = app.test_client()
    login(staff, "quantri")  # an admin closes it from the console; the bot answers again
    resolved = staff.post(
        f"/api/staff/handoffs/{handoff.id}/resolve", headers=csrf_header(staff), json={"outcome": "other"}
    )
    assert resolved.status_code == 200
    assert bot.tracker(f"zalo:{citizen.user_id}")["paused"] is False


def test_token_expiry_in_the_middle_of_a_conversation(live_zalo_app, fake):
    citizen = Citizen(live_zalo_app, fake)
    assert steps(citizen.say("/choose_password_otp")) == [(1, 5)]
    fake.expire_access_tokens(-216)
    assert steps(citizen.say("/step_done")) == [(2, 5)]
    fake.expire_access_tokens(-220)
    assert steps(citizen.say("/step_done")) == [(3, 5)]
    assert [r["ok"] for r in fake.refreshes] == [True, True]
    assert fake.spent_refresh[0] == "initial-refresh-token"


def test_the_reply_window_error_reaches_staff(live_zalo_app, fake):
    app = live_zalo_app
    citizen = Citizen(app, fake)
    citizen.say("/choose_qr")
    citizen.say("cho tôi gặp cán bộ")
    staff = app.test_client()
    login(staff)
    card = next(c for c in staff.get("/api/staff/queue").get_json() if c["channel"] == "zalo")
    staff.post(f"/api/staff/handoffs/{card['handoff_id']}/claim", headers=csrf_header(staff))
    pump(app)
    citizen.new()
    fake.block_user(citizen.user_id)  # eight days later, the citizen has not written again
    reply = staff.post(
        f"/api/staff/conversations/{card['conversation_id']}/reply",
        headers=csrf_header(staff),
        json={"text": "Bác còn cần hỗ trợ không ạ?"},
    )
    assert reply.status_code == 200
    pump(app)
    pump(app)
    assert citizen.new() == []
    assert [c["error"] for c in fake.calls if c["user_id"] == citizen.user_id][-1] == -230
    assert sum(1 for c in fake.calls if c["error"] == -230) == 1  # not retried
    last = staff.get(f"/api/staff/conversations/{card['conversation_id']}").get_json()["messages"][-1]
    assert last["author"] == "staff" and last["delivery"] == "blocked"
    assert "người dân phải nhắn trước" in last["delivery_error"]

    fake.unblock_user(citizen.user_id)  # the citizen writes again: sending works again
    assert citizen.say("tôi đây") == []  # with staff: no bot answer
    staff.post(
        f"/api/staff/conversations/{card['conversation_id']}/reply",
        headers=csrf_header(staff),
        json={"text": "Dạ, bác gửi giúp cháu lỗi ạ."},
    )
    pump(app)
    assert texts_of(citizen.new()) == ["Cán bộ Nguyễn Văn Cán: Dạ, bác gửi giúp cháu lỗi ạ."]


def test_a_restart_between_ack_and_processing_answers_the_message(live_zalo_app, fake):
    citizen = Citizen(live_zalo_app, fake)
    event = citizen.send("/choose_qr")  # acknowledged; the process stops before its worker ran
    again = restart(live_zalo_app)
    citizen.app = again
    citizen.client = again.test_client()
    assert citizen.post(event).status_code == 200  # Zalo retries meanwhile: still one message
    pump(again)
    assert steps(citizen.new()) == [(1, 8)]
    assert steps(citizen.say("/step_done")) == [(2, 8)]


def test_secrets_never_leave_the_gateway_or_stay_in_the_queue(live_zalo_app, fake, caplog):
    caplog.set_level(logging.DEBUG)
    citizen = Citizen(live_zalo_app, fake)
    citizen.say("/choose_password_otp")
    replies = citizen.say("mã otp của tôi là 482913")
    assert any("đừng gửi" in t for t in texts_of(replies))
    with live_zalo_app.extensions["vneid"].db.engine.connect() as connection:
        dump = "\n".join(
            str(row)
            for table in ("zalo_events", "messages", "zalo_sent")
            for row in connection.exec_driver_sql(f"select * from {table}")
        )
    assert "482913" not in dump
    assert "482913" not in str(fake.sent) and "482913" not in caplog.text
    assert "initial-access-token" not in caplog.text
