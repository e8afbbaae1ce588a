"""gateway.services.inbound_store: what one transaction reads and writes for a citizen's message, on SQLite and on
PostgreSQL — the conversation created on first contact, the previous citizen message read with the conversation
(a retry of a message is not its own previous one), `last_message_at` moved on arrival only for a conversation
idle for a while, and the privacy notice recorded with the replies that carried it."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from gateway.models import Conversation, Message, utcnow
from gateway.services import inbound_store
from gateway.services.inbound_message import Inbound
from tests.support.gateway import DEFAULT_COMMUNE_ID, build_app, make_settings


@pytest.fixture
def svc(tmp_path, gateway_database):
    settings = make_settings(tmp_path)
    settings.database_url = gateway_database
    return build_app(settings).extensions["vneid"]


def receive(svc, text, key=None, sender="citizen-1", now=None):
    inbound = Inbound(channel="widget", sender=sender, text=text, key=key)
    return inbound_store.receive(svc, inbound, text, now or utcnow())


def conversation(svc, sender="citizen-1"):
    with svc.db.session() as session:
        return session.scalar(select(Conversation).where(Conversation.external_id == sender))


def test_first_contact_creates_the_conversation_in_the_default_commune(svc):
    row, message_id, _ = receive(svc, "xin chào", key="k1")
    conv = conversation(svc)
    assert (conv.id, conv.channel, conv.rasa_sender_id) == (row.id, "widget", "widget:citizen-1")
    assert (conv.commune_id, conv.state, conv.tried, conv.problems_seen) == (DEFAULT_COMMUNE_ID, "bot", [], [])
    assert row.found_id is None and row.previous_id is None
    with svc.db.session() as session:
        assert session.get(Message, message_id).status == "received"


def test_the_previous_message_is_the_one_before_not_a_retry_of_this_one(svc):
    _, first, _ = receive(svc, "mật khẩu của tôi là", key="k1")
    row, second, _ = receive(svc, "hôm nay trời đẹp", key="k2")
    assert row.previous_id == first
    retry, again, _ = receive(svc, "hôm nay trời đẹp", key="k2")  # the client's retry of the second message
    assert (again, retry.found_id, retry.previous_id) == (second, second, first)
    keyless, _, _ = receive(svc, "cảm ơn")  # no Idempotency-Key: the latest citizen message is the previous one
    assert keyless.previous_id == second


def test_a_secret_split_over_two_messages_is_masked_in_both(svc):
    _, first, _ = receive(svc, "số cccd của tôi là 0381", key="k1")
    _, second, redaction = receive(svc, "23456789", key="k2")
    with svc.db.session() as session:
        texts = [session.get(Message, m).text for m in (first, second)]
    assert not any("0381" in t or "23456789" in t for t in texts), texts
    assert redaction.kinds


def test_last_message_at_moves_on_arrival_only_after_a_pause(svc):
    receive(svc, "xin chào", key="k1")
    conv_id = conversation(svc).id

    def set_last(value):
        with svc.db.session() as session:
            session.execute(update(Conversation).where(Conversation.id == conv_id).values(last_message_at=value))

    def last():
        value = conversation(svc).last_message_at
        return value.replace(tzinfo=None) if value.tzinfo else value

    now = utcnow()
    a_while_ago = now - timedelta(hours=2)
    set_last(a_while_ago)
    receive(svc, "tôi quay lại rồi", key="k2", now=now)
    assert last() == now.replace(tzinfo=None)  # idle for two hours: moved before anyone answers

    moments_ago = now - timedelta(seconds=10)
    set_last(moments_ago)
    receive(svc, "/step_done", key="k3", now=now)
    assert last() == moments_ago.replace(tzinfo=None)  # the answer's transaction moves it


def test_the_privacy_notice_is_recorded_with_the_replies_that_carried_it(svc):
    row, message_id, _ = receive(svc, "xin chào", key="k1")
    conv = SimpleNamespace(**{c: getattr(row, c) for c in inbound_store.CONVERSATION_COLUMNS})
    inbound = Inbound(channel="widget", sender="citizen-1", text="xin chào", key="k1")
    reply = [{"recipient_id": "citizen-1", "text": "Chào bạn"}]
    inbound_store.store_bot_replies(svc, conv, message_id, inbound, reply, {}, notice=False)
    assert conversation(svc).privacy_notice_at is None

    row, message_id, _ = receive(svc, "/step_done", key="k2")
    inbound_store.store_bot_replies(svc, conv, message_id, inbound, reply, {}, notice=True)
    given = conversation(svc).privacy_notice_at
    assert given is not None and abs(given.replace(tzinfo=None) - utcnow().replace(tzinfo=None)) < timedelta(minutes=1)
    with svc.db.engine.connect() as connection:  # stored as the ORM stores it (SQLite: its DATETIME text)
        assert connection.execute(
            select(Conversation.privacy_notice_at).where(Conversation.privacy_notice_at == given)
        ).first()
    with svc.db.session() as session:
        assert session.get(Message, message_id).status == "answered"

    row, message_id, _ = receive(svc, "cảm ơn", key="k3")
    inbound_store.store_bot_replies(svc, conv, message_id, inbound, reply, {}, notice=True)
    assert conversation(svc).privacy_notice_at == given  # recorded once: the first time stays
