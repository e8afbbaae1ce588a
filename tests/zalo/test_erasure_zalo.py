"""The citizen's rights on Zalo, end to end: the fake Zalo server, the gateway, the real Rasa server and action server.
The privacy notice comes in the first message (the welcome, or the first answer); "xóa cuộc trò chuyện" typed on
Zalo asks with buttons, and "Có" (the button's payload, or typed) deletes the conversation from the gateway
database and Rasa's tracker store, with the citizen's raw Zalo events; the confirmation still reaches Zalo."""

from __future__ import annotations

import json
import sqlite3

import yaml

from gateway.models import AuditLog, Conversation
from tests.support.zalo import Citizen, buttons_of, pump, texts_of
from tools import fake_zalo

MESSAGES = yaml.safe_load(open("content/messages.yml", encoding="utf-8"))
NOTICE_HEAD = "Về dữ liệu của bạn:"
CONFIRM = MESSAGES["gateway"]["erase_confirm"]
DONE = MESSAGES["gateway"]["erase_done"]


def tracker_count(bot, user):
    with sqlite3.connect(bot.workdir / "tracker.db") as db:
        return db.execute("select count(*) from events where sender_id = ?", (f"zalo:{user}",)).fetchone()[0]


def gateway(app, sql, *args):
    path = app.extensions["vneid"].settings.database_url[len("sqlite:///") :]
    with sqlite3.connect(path) as db:
        return db.execute(sql, args).fetchall()


def test_the_welcome_carries_the_notice_once(live_zalo_app, fake):
    citizen = Citizen(live_zalo_app, fake)
    citizen.post(fake_zalo.follow(fake.app_id, fake.oa_id, citizen.user_id))
    pump(live_zalo_app)
    [welcome] = citizen.new()
    assert welcome["text"].startswith("Cảm ơn bạn đã quan tâm") and NOTICE_HEAD in welcome["text"]
    assert "“xóa cuộc trò chuyện”" in welcome["text"] and "Kết thúc và xóa" not in welcome["text"]
    assert len(buttons_of(welcome)) == 2  # the welcome's own buttons, nothing added
    assert not any(NOTICE_HEAD in t for t in texts_of(citizen.say("xin chào")))


def test_deleting_on_zalo_with_the_button(live_zalo_app, fake, bot):
    app = live_zalo_app
    citizen = Citizen(app, fake)
    first = citizen.say("/choose_password_otp")
    assert sum(NOTICE_HEAD in t for t in texts_of(first)) == 1  # a conversation begun by text: its first answer
    citizen.say("/step_done")
    citizen.say("mã otp là 482913")
    conv_id = gateway(app, "select id from conversations where external_id = ?", citizen.user_id)[0][0]
    assert tracker_count(bot, citizen.user_id) > 0
    assert gateway(app, "select count(*) from zalo_events where user_id = ?", citizen.user_id)[0][0] == 3

    asked = citizen.say("xoa cuoc tro chuyen")
    assert texts_of(asked) == [CONFIRM]
    assert [(b["title"], b["payload"]) for b in buttons_of(asked[0])] == [("Có", "/affirm"), ("Không", "/deny")]
    assert citizen.say("/affirm") == [{"text": DONE}]  # sent at once, though the conversation is gone

    assert gateway(app, "select count(*) from conversations where external_id = ?", citizen.user_id) == [(0,)]
    assert gateway(app, "select count(*) from messages where conversation_id = ?", conv_id) == [(0,)]
    assert tracker_count(bot, citizen.user_id) == 0
    # the citizen's webhook events: no raw body, no Zalo id left (the bare rows recognise Zalo's retries)
    assert gateway(app, "select count(*) from zalo_events where user_id = ?", citizen.user_id) == [(0,)]
    assert gateway(
        app, "select count(*) from zalo_events where body like ? or body like ?", f"%{citizen.user_id}%", "%482913%"
    ) == [(0,)]
    assert gateway(app, "select count(*) from zalo_sent where user_id = ?", citizen.user_id) == [(0,)]
    with app.extensions["vneid"].db.session() as session:
        [entry] = session.query(AuditLog).filter_by(action="conversation_erased").all()
        assert (entry.target, entry.detail) == (f"conversation:{conv_id}", {"channel": "zalo", "by": "citizen"})
        assert citizen.user_id not in json.dumps([(a.target, a.detail) for a in session.query(AuditLog).all()])

    # a retry of Zalo's webhook for the "Có" is recognised and not processed again
    stored = gateway(app, "select msg_id from zalo_events order by id desc limit 1")[0][0]
    retry = fake_zalo.user_text(fake.app_id, fake.oa_id, citizen.user_id, "/affirm", msg_id=stored)
    assert citizen.post(retry).get_json()["message"] == "duplicate"
    # the next message starts a new conversation, with the notice again
    again = citizen.say("xin chào")
    assert sum(NOTICE_HEAD in t for t in texts_of(again)) == 1
    with app.extensions["vneid"].db.session() as session:
        assert session.query(Conversation).filter_by(external_id=citizen.user_id).count() == 1


def test_deleting_on_zalo_by_typing_yes(live_zalo_app, fake, bot):
    app = live_zalo_app
    citizen = Citizen(app, fake)
    citizen.say("/choose_qr")
    assert texts_of(citizen.say("Xoá hội thoại")) == [CONFIRM]
    assert texts_of(citizen.say("có")) == [DONE]
    assert tracker_count(bot, citizen.user_id) == 0
    assert gateway(app, "select count(*) from conversations where external_id = ?", citizen.user_id) == [(0,)]


def test_no_on_zalo_keeps_everything(live_zalo_app, fake, bot):
    citizen = Citizen(live_zalo_app, fake)
    citizen.say("/choose_qr")
    assert texts_of(citizen.say("xóa cuộc trò chuyện")) == [CONFIRM]
    assert texts_of(citizen.say("/deny")) == [MESSAGES["gateway"]["erase_cancelled"]]
    assert tracker_count(bot, citizen.user_id) > 0
    assert gateway(live_zalo_app, "select count(*) from conversations where external_id = ?", citizen.user_id) == [(1,)]


def test_the_echo_of_the_confirmation_is_not_a_person_answering(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    assert texts_of(citizen.say("xóa cuộc trò chuyện")) == [CONFIRM]
    assert texts_of(citizen.say("có")) == [DONE]
    citizen.post(fake_zalo.oa_text(fake.app_id, fake.oa_id, citizen.user_id, DONE))
    pump(zalo_app)
    assert gateway(zalo_app, "select count(*) from conversations where external_id = ?", citizen.user_id) == [(0,)]
    assert gateway(zalo_app, "select count(*) from handoffs") == [(0,)]
    assert gateway(zalo_app, "select error from zalo_events where event_name = 'oa_send_text'") == [("own echo",)]
