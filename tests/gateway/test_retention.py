"""Retention, deletion and the call-back sweep: the gateway database and Rasa's tracker store together."""

import sqlite3
import uuid
from datetime import timedelta

from gateway.models import Conversation, Handoff, Message, utcnow
from gateway.services import handoff
from tests.support.gateway import ALWAYS_OPEN
from tests.support.conversations import say, set_hours


def rows(path, sql, *args):
    with sqlite3.connect(path) as db:
        return db.execute(sql, args).fetchall()


def test_delete_conversation_removes_it_from_both_databases(live_app, bot, tmp_path):
    set_hours(live_app, ALWAYS_OPEN)
    citizen = live_app.test_client()
    keep, gone = f"keep-{uuid.uuid4().hex[:6]}", f"gone-{uuid.uuid4().hex[:6]}"
    for sender in (keep, gone):
        say(citizen, sender, "/choose_password_otp")
    tracker = bot.workdir / "tracker.db"
    assert rows(tracker, "select count(*) from events where sender_id = ?", f"rest:{gone}")[0][0] > 0
    conv_id = rows(tmp_path / "gateway.db", "select id from conversations where external_id = ?", gone)[0][0]

    result = live_app.test_cli_runner().invoke(args=["delete-conversation", str(conv_id)])
    assert result.exit_code == 0, result.output
    assert rows(tmp_path / "gateway.db", "select count(*) from conversations where external_id = ?", gone) == [(0,)]
    assert rows(tmp_path / "gateway.db", "select count(*) from messages where conversation_id = ?", conv_id) == [(0,)]
    assert rows(tracker, "select count(*) from events where sender_id = ?", f"rest:{gone}") == [(0,)]
    assert rows(tracker, "select count(*) from events where sender_id = ?", f"rest:{keep}")[0][0] > 0
    assert live_app.test_cli_runner().invoke(args=["delete-conversation", "999999"]).exit_code != 0


def test_purge_deletes_only_conversations_idle_past_the_retention(live_app, bot, tmp_path):
    set_hours(live_app, ALWAYS_OPEN)
    citizen = live_app.test_client()
    old, new = f"old-{uuid.uuid4().hex[:6]}", f"new-{uuid.uuid4().hex[:6]}"
    for sender in (old, new):
        say(citizen, sender, "/choose_qr")
    svc = live_app.extensions["vneid"]
    with svc.db.session() as session:
        conv = session.query(Conversation).filter_by(external_id=old).one()
        conv.last_message_at = utcnow() - timedelta(days=svc.settings.retention_days + 1)
    result = live_app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "1 conversations" in result.output, result.output
    remaining = {r[0] for r in rows(tmp_path / "gateway.db", "select external_id from conversations")}
    assert new in remaining and old not in remaining
    tracker = bot.workdir / "tracker.db"
    assert rows(tracker, "select count(*) from events where sender_id = ?", f"rest:{old}") == [(0,)]
    assert rows(tracker, "select count(*) from events where sender_id = ?", f"rest:{new}")[0][0] > 0


def test_sweep_offers_a_call_back_once_when_nobody_claims_in_time(app):
    svc = app.extensions["vneid"]
    with svc.db.session() as session:
        conv = Conversation(
            channel="rest",
            external_id="waiting-1",
            rasa_sender_id="rest:waiting-1",
            state="waiting",
            tried=[],
            problems_seen=[],
        )
        session.add(conv)
        session.flush()
        session.add(
            Handoff(
                conversation_id=conv.id,
                status="waiting",
                reason="requested",
                tried=[],
                requested_at=utcnow() - timedelta(minutes=svc.settings.handoff_timeout_min + 1),
            )
        )
        fresh = Conversation(
            channel="rest",
            external_id="waiting-2",
            rasa_sender_id="rest:waiting-2",
            state="waiting",
            tried=[],
            problems_seen=[],
        )
        session.add(fresh)
        session.flush()
        session.add(Handoff(conversation_id=fresh.id, status="waiting", reason="requested", tried=[]))
    with svc.db.session() as session:
        assert handoff.sweep_timeouts(svc, session) == 1
    with svc.db.session() as session:
        assert handoff.sweep_timeouts(svc, session) == 0  # offered once only
        offers = session.query(Message).filter(Message.author == "system").all()
        assert len(offers) == 1 and "gọi điện lại" in offers[0].text
        assert [b["payload"] for b in offers[0].data["buttons"]] == ["/affirm", "/deny"]
        assert session.query(Conversation).filter_by(external_id="waiting-1").one().gateway_prompt == "callback_offer"
        assert session.query(Conversation).filter_by(external_id="waiting-2").one().gateway_prompt is None
