"""Issue 17, finding 9: one client address cannot flood the staff's queue. Limits per address on new conversations
(RATE_LIMIT_NEW_CONVERSATION) and on handoff requests (RATE_LIMIT_HANDOFF), counted by gateway.rate_limits
(gateway/services/admission.py); one conversation asking again and again makes one queue entry.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gateway.config import ConfigError, Settings
from gateway.models import Conversation, Handoff
from tests.support.gateway import ALWAYS_OPEN, build_app, make_settings
from tests.support.fake_rasa import FakeRasa

KIOSK, NEIGHBOUR = "203.0.113.7", "198.51.100.20"


def limited_app(tmp_path, **limits):
    settings = make_settings(tmp_path)
    settings.rate_limits_enabled = True
    for name, value in limits.items():
        setattr(settings, f"rate_limit_{name}", value)
    app = build_app(settings)
    svc = app.extensions["vneid"]
    svc.rasa = FakeRasa()
    from gateway.services import runtime_settings

    with svc.db.session() as session:
        runtime_settings.put(session, "working_hours", ALWAYS_OPEN)  # a handoff waits in the queue
    return app


def say(client, sender, text="xin chào", ip=KIOSK, channel=None):
    body = {"sender": sender, "message": text, **({"metadata": {"channel": channel}} if channel else {})}
    return client.post("/webhooks/rest/webhook", json=body, environ_base={"REMOTE_ADDR": ip})


def count(app, model, *where):
    with app.extensions["vneid"].db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def queue_entries(app):
    return count(app, Handoff, Handoff.status.in_(("waiting", "claimed")))


def test_new_conversations_are_limited_per_address(tmp_path):
    app = limited_app(tmp_path, new_conversation="3 per minute")
    client = app.test_client()
    assert [say(client, f"c-{i}").status_code for i in range(2)] == [200, 200]
    assert say(client, "w-1", channel="widget").status_code == 200  # the widget's conversations count too
    refused = say(client, "c-3")
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"] == "too_many_conversations" and "cuộc trò chuyện mới" in body["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60 and body["retry_after"] == int(refused.headers["Retry-After"])
    assert count(app, Conversation) == 3  # the refused one was not kept: sent again later, it starts then
    # conversations already open go on; another address is not affected
    assert [say(client, "c-0", "tiếp").status_code, say(client, "w-1", "tiếp", channel="widget").status_code] == [
        200,
        200,
    ]
    assert say(client, "c-9", ip=NEIGHBOUR).status_code == 200


def test_the_default_limits_let_a_commune_kiosk_work(tmp_path):
    """A kiosk behind one address: a citizen every few minutes, each ending their conversation (a new id each
    time) and some asking for a person; a busy morning's worth in a row is not refused."""
    defaults = Settings()
    app = limited_app(
        tmp_path, new_conversation=defaults.rate_limit_new_conversation, handoff=defaults.rate_limit_handoff
    )
    client = app.test_client()
    assert [say(client, f"kiosk-{i}").status_code for i in range(30)] == [200] * 30
    assert [say(client, f"kiosk-{i}", "cho tôi gặp cán bộ").status_code for i in range(10)] == [200] * 10
    assert queue_entries(app) == 10


def test_handoff_requests_are_limited_per_address(tmp_path):
    app = limited_app(tmp_path, handoff="2 per minute")
    client = app.test_client()
    for i in range(2):
        assert say(client, f"h-{i}", "cho tôi gặp cán bộ").status_code == 200
    assert queue_entries(app) == 2
    over = say(client, "h-2", "cho tôi gặp cán bộ")
    assert over.status_code == 200  # the bot's answer (with the hotline) still comes
    texts = [m.get("text") or "" for m in over.get_json()]
    assert any("quá nhiều yêu cầu gặp cán bộ" in t for t in texts), texts
    assert queue_entries(app) == 2  # no third entry
    with app.extensions["vneid"].db.session() as session:
        assert session.scalar(select(Conversation.state).where(Conversation.external_id == "h-2")) == "bot"
    assert say(client, "h-3", "cho tôi gặp cán bộ", ip=NEIGHBOUR).status_code == 200
    assert queue_entries(app) == 3


def test_one_conversation_asking_again_and_again_is_one_queue_entry(tmp_path):
    app = limited_app(tmp_path, handoff="2 per minute")
    client = app.test_client()
    for _ in range(6):
        assert say(client, "again", "cho tôi gặp cán bộ").status_code == 200
    assert queue_entries(app) == 1
    # and it counted once against the address: another conversation from there still reaches the queue
    assert say(client, "other", "cho tôi gặp cán bộ").status_code == 200
    assert queue_entries(app) == 2


def test_the_limits_are_settings(tmp_path, monkeypatch):
    settings = Settings.from_env({"RATE_LIMIT_NEW_CONVERSATION": "5 per hour", "RATE_LIMIT_HANDOFF": ""})
    assert (settings.rate_limit_new_conversation, settings.rate_limit_handoff) == ("5 per hour", "")
    app = limited_app(tmp_path / "off", new_conversation="", handoff="")  # empty: that limit is off
    client = app.test_client()
    assert [say(client, f"o-{i}", "cho tôi gặp cán bộ").status_code for i in range(40)] == [200] * 40
    assert queue_entries(app) == 40
    with pytest.raises(ConfigError, match="RATE_LIMIT_HANDOFF"):
        limited_app(tmp_path / "bad", handoff="lots")
