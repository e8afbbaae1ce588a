"""The citizen's rights (Law 91/2025) on the REST channel and the widget's API, through the gateway with the real
Rasa server and action server: the privacy notice in the first message; "xóa cuộc trò chuyện" (typed, with or
without diacritics) asks, then deletes the conversation from the gateway database and Rasa's tracker store, closes
an open handoff and leaves only the fact in the audit log; the widget's conversation id expires; its history is
never cached."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import timedelta

import pytest
import yaml

from gateway.models import Conversation, utcnow
from gateway.rasa_client import RasaUnavailable
from gateway.services import erase_command
from tests.support.gateway import ALWAYS_OPEN, csrf_header, login
from tests.support.conversations import say, set_hours, texts

MESSAGES = yaml.safe_load(open("content/messages.yml", encoding="utf-8"))
NOTICE_HEAD = "Về dữ liệu của bạn:"
CONFIRM = MESSAGES["gateway"]["erase_confirm"]
DONE = MESSAGES["gateway"]["erase_done"]


def _post(client, sender, text, channel, **kwargs):
    response = client.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": text, "metadata": {"channel": channel}}, **kwargs
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def tracker_rows(bot, sender_id):
    with sqlite3.connect(bot.workdir / "tracker.db") as db:
        return db.execute("select type_name, data from events where sender_id = ?", (sender_id,)).fetchall()


def gateway_rows(app, sql, *args):
    path = app.extensions["vneid"].settings.database_url[len("sqlite:///") :]
    with sqlite3.connect(path) as db:
        return db.execute(sql, args).fetchall()


def user_texts(bot, sender_id):
    return [json.loads(data).get("text") for kind, data in tracker_rows(bot, sender_id) if kind == "user"]


# ---- the command itself --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "xóa cuộc trò chuyện",
        "xoa cuoc tro chuyen",
        "xoá cuộc trò chuyện",
        "Xóa hội thoại",
        "XOÁ HỘI THOẠI!",
        "xóa cuộc hội thoại này",
        "cho tôi xoá hết cuộc trò chuyện",
        "xoa lich su tro chuyen",
        "/erase_conversation",
        "xo\u0301a cuo\u0323c tro\u0300 chuye\u0323\u0302n",
    ],
)  # NFD as some phones send
def test_the_command_is_recognised_however_it_is_typed(text):
    assert erase_command.is_command(text)


@pytest.mark.parametrize(
    "text",
    [
        "không nhận được mã otp",
        "xóa ứng dụng VNeID rồi cài lại được không",
        "đừng xóa cuộc trò chuyện",
        "không xoá cuộc trò chuyện nhé",
        "trò chuyện với cán bộ",
        "tôi lỡ xóa tin nhắn otp " + "rồi giờ làm sao " * 8 + "xóa cuộc trò chuyện",
    ],
)
def test_other_messages_are_not_the_command(text):
    assert not erase_command.is_command(text)


@pytest.mark.parametrize(
    "text,answer",
    [
        ("/affirm", "yes"),
        ("có", "yes"),
        ("Co", "yes"),
        ("có ạ", "yes"),
        ("đồng ý", "yes"),
        ("xóa đi", "yes"),
        ("/deny", "no"),
        ("không", "no"),
        ("ko", "no"),
        ("thôi", "no"),
        ("không xóa", "no"),
        ("cho tôi gặp cán bộ", None),
        ("bước 3 bị lỗi", None),
    ],
)
def test_the_answers_to_the_question(text, answer):
    assert erase_command.answer_of(text) == answer


# ---- the notice ------------------------------------------------------------------------------------------------


def test_the_first_answer_carries_the_notice_once_per_conversation(live_app):
    citizen = live_app.test_client()
    widget, rest = f"w-{uuid.uuid4().hex[:8]}", f"r-{uuid.uuid4().hex[:8]}"
    first = _post(citizen, widget, "/greet", "widget")
    assert len(first) == 2  # the greeting and the choice: the notice is in the first message, not an extra one
    greeting = first[0]["text"]
    assert greeting.startswith("Xin chào!") and NOTICE_HEAD in greeting
    assert "180 ngày" in greeting and "UBND xã Quảng Yên" in greeting and "“xóa cuộc trò chuyện”" in greeting
    assert "Kết thúc và xóa" in greeting  # the widget's own control is named
    assert [b["payload"] for b in first[1]["buttons"]][:2] == ["/choose_password_otp", "/choose_qr"]
    assert not any(NOTICE_HEAD in t for t in texts(_post(citizen, widget, "/choose_qr", "widget")))

    replies = say(citizen, rest, "ko nhan dc ma otp")  # a conversation that starts with a problem
    assert NOTICE_HEAD in replies[0]["text"] and "Kết thúc và xóa" not in replies[0]["text"]
    assert sum(NOTICE_HEAD in t for t in texts(replies)) == 1
    assert not any(NOTICE_HEAD in t for t in texts(say(citizen, rest, "/affirm")))
    stored = gateway_rows(
        live_app,
        "select text from messages m join conversations c on c.id = m.conversation_id "
        "where c.external_id = ? and m.direction = 'out'",
        rest,
    )
    assert sum(NOTICE_HEAD in (t or "") for (t,) in stored) == 1


def test_the_notice_wording_is_the_communes(live_app):
    overrides = live_app.extensions["vneid"].settings.content_overrides
    overrides.write_text(
        yaml.safe_dump(
            {"messages": {"gateway.privacy_notice_chat": "Xã giữ tin nhắn {days} ngày; gọi {commune.hotline} để xóa."}},
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    replies = say(live_app.test_client(), f"r-{uuid.uuid4().hex[:8]}", "xin chào")
    assert replies[0]["text"].endswith("Xã giữ tin nhắn 180 ngày; gọi 024.38541051 để xóa.")


def test_a_first_message_answered_only_on_its_retry_still_gets_the_notice(live_app, monkeypatch):
    """Rasa down: the citizen is told so (503) and nothing is recorded as given; the retry carries the notice, and
    a retry of that answered message returns the same answer, notice included."""
    svc = live_app.extensions["vneid"]
    client = live_app.test_client()
    sender = f"r-{uuid.uuid4().hex[:8]}"

    def down(*_args, **_kwargs):
        raise RasaUnavailable("down")

    with monkeypatch.context() as patch:
        patch.setattr(svc.rasa, "send", down)
        response = client.post(
            "/webhooks/rest/webhook", json={"sender": sender, "message": "xin chào"}, headers={"Idempotency-Key": "k1"}
        )
    assert response.status_code == 503
    assert gateway_rows(live_app, "select privacy_notice_at from conversations where external_id = ?", sender) == [
        (None,)
    ]
    answered = say(client, sender, "xin chào", headers={"Idempotency-Key": "k1"})
    assert NOTICE_HEAD in answered[0]["text"]
    assert say(client, sender, "xin chào", headers={"Idempotency-Key": "k1"}) == answered
    assert gateway_rows(
        live_app, "select privacy_notice_at is not null from conversations where external_id = ?", sender
    ) == [(1,)]
    assert not any(NOTICE_HEAD in t for t in texts(say(client, sender, "/choose_qr")))


# ---- deleting a conversation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command,yes", [("xóa cuộc trò chuyện", "/affirm"), ("xoa cuoc tro chuyen", "co"), ("Xoá hội thoại", "có ạ")]
)
def test_the_citizen_deletes_the_conversation_from_both_databases(live_app, bot, command, yes):
    set_hours(live_app, ALWAYS_OPEN)
    citizen, staff = live_app.test_client(), live_app.test_client()
    sender, other = f"w-{uuid.uuid4().hex[:8]}", f"w-{uuid.uuid4().hex[:8]}"
    for who in (sender, other):
        _post(citizen, who, "/greet", "widget")
        _post(citizen, who, "/choose_password_otp", "widget")
    _post(citizen, sender, "mật khẩu của tôi là Hoang@Anh1979", "widget")
    handoff_replies = _post(citizen, sender, "cho tôi gặp cán bộ", "widget")
    assert any(r.get("custom", {}).get("handoff") for r in handoff_replies)
    conv_id = gateway_rows(live_app, "select id from conversations where external_id = ?", sender)[0][0]
    assert tracker_rows(bot, f"widget:{sender}")
    login(staff)
    card = next(c for c in staff.get("/api/staff/queue").get_json() if c["conversation_id"] == conv_id)
    assert staff.post(f"/api/staff/handoffs/{card['handoff_id']}/claim", headers=csrf_header(staff)).status_code == 200
    assert staff.get(f"/console/conversations/{conv_id}").status_code == 200

    asked = _post(citizen, sender, command, "widget")
    assert texts(asked) == [CONFIRM]
    assert [(b["title"], b["payload"]) for b in asked[0]["buttons"]] == [("Có", "/affirm"), ("Không", "/deny")]
    assert command not in user_texts(bot, f"widget:{sender}")  # the gateway answered it: Rasa never saw it

    done = _post(citizen, sender, yes, "widget")
    assert done == [{"recipient_id": sender, "text": DONE, "custom": {"conversation_erased": True}}]
    assert yes not in user_texts(bot, f"widget:{sender}")

    # nothing of it in the gateway database, nothing in Rasa's tracker store; the other conversation is whole
    assert gateway_rows(live_app, "select count(*) from conversations where external_id = ?", sender) == [(0,)]
    for table in ("messages", "handoffs", "callback_requests"):
        assert gateway_rows(live_app, f"select count(*) from {table} where conversation_id = ?", conv_id) == [(0,)]
    assert gateway_rows(live_app, "select count(*) from handoff_events where handoff_id = ?", card["handoff_id"]) == [
        (0,)
    ]
    assert tracker_rows(bot, f"widget:{sender}") == []
    assert tracker_rows(bot, f"widget:{other}") and gateway_rows(
        live_app, "select count(*) from conversations where external_id = ?", other
    ) == [(1,)]

    # only the fact remains: when, which channel, who asked — no content, no sender id
    erased = gateway_rows(
        live_app, "select staff_id, target, detail, at from audit_log where action = 'conversation_erased'"
    )
    assert [(s, t, json.loads(d)) for s, t, d, _ in erased] == [
        (None, f"conversation:{conv_id}", {"channel": "widget", "by": "citizen"})
    ]
    every_audit = json.dumps(gateway_rows(live_app, "select * from audit_log"), ensure_ascii=False)
    for trace in (sender, "Hoang@Anh1979", "gặp cán bộ", command, "[mật khẩu]"):
        assert trace not in every_audit

    # staff: the queue no longer lists it; its page and the API say the citizen deleted it
    assert all(c["conversation_id"] != conv_id for c in staff.get("/api/staff/queue").get_json())
    page = staff.get(f"/console/conversations/{conv_id}")
    assert page.status_code == 410 and "Người dân đã xóa cuộc trò chuyện này lúc" in page.get_data(as_text=True)
    api = staff.get(f"/api/staff/conversations/{conv_id}/messages?after=0")
    assert api.status_code == 410 and api.get_json()["error"] == "conversation_erased"
    assert api.get_json()["message"].startswith("Người dân đã xóa cuộc trò chuyện này lúc")
    assert staff.get("/api/staff/conversations/999999").status_code == 404  # never existed: simply not found
    assert live_app.test_client().get(f"/api/staff/conversations/{conv_id}").status_code == 401  # login first

    # the id now starts a new conversation, which gets the notice again
    again = _post(citizen, sender, "/greet", "widget")
    assert NOTICE_HEAD in again[0]["text"]


def test_no_keeps_the_conversation_and_anything_else_goes_to_the_bot(live_app, bot):
    citizen = live_app.test_client()
    sender = f"r-{uuid.uuid4().hex[:8]}"
    say(citizen, sender, "/choose_qr")
    assert texts(say(citizen, sender, "xoa cuoc tro chuyen")) == [CONFIRM]
    kept = say(citizen, sender, "không")
    assert texts(kept) == [MESSAGES["gateway"]["erase_cancelled"]]
    assert gateway_rows(live_app, "select gateway_prompt from conversations where external_id = ?", sender) == [(None,)]
    assert texts(say(citizen, sender, "xóa hội thoại")) == [CONFIRM]
    onward = say(citizen, sender, "/step_done")  # not an answer: the question is dropped, the bot goes on
    assert any(t.startswith("Bước 2/8") for t in texts(onward))
    assert tracker_rows(bot, f"rest:{sender}")
    assert gateway_rows(live_app, "select count(*) from audit_log where action = 'conversation_erased'") == [(0,)]
    assert "xoa cuoc tro chuyen" not in user_texts(bot, f"rest:{sender}")


def test_the_operator_command_deletes_the_same_way(live_app, bot):
    citizen = live_app.test_client()
    sender = f"r-{uuid.uuid4().hex[:8]}"
    say(citizen, sender, "/choose_qr")
    conv_id = gateway_rows(live_app, "select id from conversations where external_id = ?", sender)[0][0]
    result = live_app.test_cli_runner().invoke(args=["delete-conversation", str(conv_id)])
    assert result.exit_code == 0, result.output
    assert tracker_rows(bot, f"rest:{sender}") == []
    assert gateway_rows(live_app, "select count(*) from messages where conversation_id = ?", conv_id) == [(0,)]
    [(detail,)] = gateway_rows(live_app, "select detail from audit_log where action = 'conversation_erased'")
    assert json.loads(detail) == {"channel": "rest", "by": "operator"}
    staff = live_app.test_client()
    login(staff)
    page = staff.get(f"/console/conversations/{conv_id}").get_data(as_text=True)
    assert "đã được xóa theo yêu cầu lúc" in page


# ---- the widget's conversation id ---------------------------------------------------------------------------------


def age(app, sender, minutes):
    with app.extensions["vneid"].db.session() as session:
        conv = session.query(Conversation).filter_by(channel="widget", external_id=sender).one()
        conv.last_message_at = utcnow() - timedelta(minutes=minutes)


def test_an_idle_widget_id_reads_nothing_and_a_new_one_starts_afresh(live_app):
    citizen = live_app.test_client()
    sender = f"w-{uuid.uuid4().hex[:8]}"
    _post(citizen, sender, "/greet", "widget")
    history = citizen.get(f"/api/widget/messages?sender={sender}&after=0")
    assert history.status_code == 200 and history.headers["Cache-Control"] == "no-store"
    assert len(history.get_json()["messages"]) == 3

    limit = live_app.extensions["vneid"].settings.widget_idle_minutes
    assert 30 <= limit <= 60
    age(live_app, sender, limit - 1)
    assert citizen.get(f"/api/widget/messages?sender={sender}&after=0").status_code == 200  # polls do not count
    age(live_app, sender, limit + 1)
    expired = citizen.get(f"/api/widget/messages?sender={sender}&after=0")
    assert expired.status_code == 410 and expired.headers["Cache-Control"] == "no-store"
    assert expired.get_json() == {
        "error": "conversation_expired",
        "message": MESSAGES["rejected"]["conversation_expired"],
    }
    sent = citizen.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": "/choose_qr", "metadata": {"channel": "widget"}}
    )
    assert sent.status_code == 410  # no message joins the old conversation (it would read it again)
    assert gateway_rows(
        live_app,
        "select count(*) from messages m join conversations c on c.id = m.conversation_id where c.external_id = ?",
        sender,
    ) == [(3,)]
    fresh = f"w-{uuid.uuid4().hex[:8]}"
    assert NOTICE_HEAD in _post(citizen, fresh, "/greet", "widget")[0]["text"]
    # the REST channel's senders are not widget ids
    rest = f"r-{uuid.uuid4().hex[:8]}"
    say(citizen, rest, "/choose_qr")
    with live_app.extensions["vneid"].db.session() as session:
        session.query(Conversation).filter_by(channel="rest", external_id=rest).one().last_message_at = (
            utcnow() - timedelta(days=2)
        )
    assert citizen.post("/webhooks/rest/webhook", json={"sender": rest, "message": "/step_done"}).status_code == 200


def test_the_idle_limit_is_a_setting(live_app):
    settings = live_app.extensions["vneid"].settings
    citizen = live_app.test_client()
    sender = f"w-{uuid.uuid4().hex[:8]}"
    _post(citizen, sender, "/greet", "widget")
    age(live_app, sender, 10)
    settings.widget_idle_minutes = 5
    try:
        assert citizen.get(f"/api/widget/messages?sender={sender}").status_code == 410
        settings.widget_idle_minutes = 0  # never expires
        assert citizen.get(f"/api/widget/messages?sender={sender}").status_code == 200
    finally:
        settings.widget_idle_minutes = 60
    from gateway.config import Settings

    assert Settings.from_env({"WIDGET_IDLE_MINUTES": "30"}).widget_idle_minutes == 30
    assert Settings.from_env({}).widget_idle_minutes == 60


def test_ending_on_the_widget_deletes_everything(live_app, bot):
    citizen = live_app.test_client()
    sender = f"w-{uuid.uuid4().hex[:8]}"
    _post(citizen, sender, "/greet", "widget")
    _post(citizen, sender, "/choose_password_otp", "widget")
    conv_id = gateway_rows(live_app, "select id from conversations where external_id = ?", sender)[0][0]
    ended = citizen.post("/api/widget/end", json={"sender": sender})
    assert ended.status_code == 200 and ended.get_json() == {"erased": True}
    assert ended.headers["Cache-Control"] == "no-store"
    assert tracker_rows(bot, f"widget:{sender}") == []
    assert gateway_rows(live_app, "select count(*) from messages where conversation_id = ?", conv_id) == [(0,)]
    assert citizen.get(f"/api/widget/messages?sender={sender}").get_json() == {"state": "bot", "messages": []}
    assert citizen.post("/api/widget/end", json={"sender": sender}).get_json() == {"erased": False}
    assert citizen.post("/api/widget/end", json={"sender": "../x"}).status_code == 400
    assert citizen.post("/api/widget/end", data="{", content_type="application/json").status_code == 400
    [(detail,)] = gateway_rows(live_app, "select detail from audit_log where action = 'conversation_erased'")
    assert json.loads(detail) == {"channel": "widget", "by": "citizen"}
