"""Rate limits (`limits`, moving window): per conversation, per IP, on the widget's poll and on staff login; 429
JSON (or page) with Retry-After and a Vietnamese message; configurable; harmless when their storage is down."""

from __future__ import annotations

import re

import pytest

from gateway.config import ConfigError
from tests.support.gateway import PASSWORD, build_app, make_settings
from tests.support.fake_rasa import FakeRasa


def limited_app(tmp_path, **limits):
    settings = make_settings(tmp_path)
    settings.rate_limits_enabled = True
    for name, value in limits.items():
        setattr(settings, f"rate_limit_{name}", value)
    app = build_app(settings)
    app.extensions["vneid"].rasa = FakeRasa()
    return app


def say(client, sender, text="xin chào", ip="203.0.113.7", **kwargs):
    return client.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": text}, environ_base={"REMOTE_ADDR": ip}, **kwargs
    )


def assert_429(response, json_body=True):
    assert response.status_code == 429, response.get_data(as_text=True)
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 3600
    if json_body:
        body = response.get_json()
        assert body["error"] == "rate_limited" and f"{body['retry_after']} giây" in body["message"]
        assert "Vui lòng đợi" in body["message"]
    return wait


def test_per_conversation_limit(tmp_path):
    app = limited_app(tmp_path, conversation="3 per 10 seconds")
    client = app.test_client()
    assert [say(client, "c-1").status_code for _ in range(3)] == [200, 200, 200]
    wait = assert_429(say(client, "c-1"))
    assert wait <= 10
    assert say(client, "c-2").status_code == 200  # another conversation is not affected
    # a refused message was not stored: the citizen simply sends it again later
    with app.extensions["vneid"].db.session() as session:
        from sqlalchemy import func, select

        from gateway.models import Message

        assert session.scalar(select(func.count()).select_from(Message).where(Message.direction == "in")) == 4


def test_per_ip_limit_across_conversations_and_endpoints(tmp_path):
    app = limited_app(tmp_path, ip="4 per minute")
    client = app.test_client()
    assert [say(client, f"c-{i}").status_code for i in range(3)] == [200, 200, 200]
    assert (
        client.post("/api/parse", json={"text": "xin chào"}, environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code
        == 200
    )
    assert_429(say(client, "c-9"))
    assert_429(client.get("/api/widget/messages?sender=c-1", environ_base={"REMOTE_ADDR": "203.0.113.7"}))
    assert say(client, "c-9", ip="198.51.100.20").status_code == 200  # another address


def test_widget_poll_limit_is_per_conversation(tmp_path):
    app = limited_app(tmp_path, poll="2 per minute")
    client = app.test_client()
    get = lambda sender: client.get(f"/api/widget/messages?sender={sender}")  # noqa: E731
    assert [get("w-1").status_code, get("w-1").status_code] == [200, 200]
    assert_429(get("w-1"))
    assert get("w-2").status_code == 200


def _login(client, username, password, ip="203.0.113.7"):
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_failed_logins_are_limited_per_user_and_per_ip(tmp_path):
    app = limited_app(tmp_path, login_ip="5 per minute")
    client = app.test_client()
    assert [_login(client, "canbo", "sai-mat-khau").status_code for _ in range(3)] == [401, 401, 401]
    refused = _login(client, "canbo", PASSWORD)  # even the right password waits: the account is guessed from here
    wait = assert_429(refused, json_body=False)
    assert "đăng nhập sai quá nhiều lần" in refused.get_data(as_text=True) and wait <= 60
    # another account from the same address: the per-address budget (5) has 1 attempt left (the refused one counts)
    assert [_login(client, "quantri", "x").status_code for _ in range(1)] == [401]
    assert_429(_login(client, "quantri", PASSWORD), json_body=False)
    # another address, another account: fine
    assert _login(app.test_client(), "quantri", PASSWORD, ip="198.51.100.20").status_code == 302


def test_successful_logins_do_not_count(tmp_path):
    app = limited_app(tmp_path, login_ip="2 per minute")
    for _ in range(4):
        assert _login(app.test_client(), "canbo", PASSWORD).status_code == 302


def test_behind_a_proxy_the_citizens_address_counts(tmp_path):
    settings = make_settings(tmp_path)
    settings.rate_limits_enabled, settings.rate_limit_ip, settings.proxy_count = True, "2 per minute", 1
    app = build_app(settings)
    app.extensions["vneid"].rasa = FakeRasa()
    client = app.test_client()
    via_proxy = lambda sender, citizen: client.post(  # noqa: E731
        "/webhooks/rest/webhook",
        json={"sender": sender, "message": "xin chào"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
        headers={"X-Forwarded-For": citizen},
    )
    assert [via_proxy("a", "203.0.113.1").status_code, via_proxy("b", "203.0.113.1").status_code] == [200, 200]
    assert via_proxy("c", "203.0.113.1").status_code == 429
    assert via_proxy("d", "203.0.113.2").status_code == 200  # nginx's address is not everyone's


def test_limits_can_be_turned_off(tmp_path):
    settings = make_settings(tmp_path)
    settings.rate_limits_enabled, settings.rate_limit_conversation = False, "1 per minute"
    app = build_app(settings)
    app.extensions["vneid"].rasa = FakeRasa()
    client = app.test_client()
    assert [say(client, "c-1").status_code for _ in range(3)] == [200, 200, 200]


def test_unreachable_limit_storage_never_refuses_or_breaks(tmp_path):
    settings = make_settings(tmp_path)
    settings.rate_limits_enabled, settings.redis_url = True, "redis://127.0.0.1:9/0"  # nothing listens there
    settings.rate_limit_conversation = "2 per minute"
    app = build_app(settings)
    app.extensions["vneid"].rasa = FakeRasa()
    client = app.test_client()
    statuses = [say(client, "c-1").status_code for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] in (200, 429)  # in-memory fallback takes over


@pytest.mark.parametrize("setting", ["", "nonsense"])
def test_a_bad_or_empty_limit_setting(tmp_path, setting):
    if setting == "nonsense":  # refused at start, not silently ignored
        with pytest.raises(ConfigError, match="RATE_LIMIT_CONVERSATION"):
            limited_app(tmp_path, conversation=setting)
        return
    app = limited_app(tmp_path, conversation=setting)  # empty: that limit is off
    client = app.test_client()
    assert [say(client, "c-1").status_code for _ in range(12)] == [200] * 12


def test_counters_without_redis_expire_on_read_and_are_swept_once_a_second(tmp_path):
    """One worker's counters (no REDIS_URL): the quiet memory storage refuses within the window, counts afresh
    after it (an expired counter is ignored on read, whatever the sweep), and sweeps with one timer a second
    instead of a new thread every 10 ms."""
    import time

    from gateway.rate_limits import QuietMemoryStorage

    app = limited_app(tmp_path, conversation="2 per 1 second")
    storage = app.extensions["vneid_limiter"].storage
    assert isinstance(storage, QuietMemoryStorage)
    client = app.test_client()
    assert [say(client, "c-quiet").status_code for _ in range(3)] == [200, 200, 429]
    assert storage.timer.interval == QuietMemoryStorage.SWEEP_S and storage.timer.daemon
    time.sleep(1.2)  # the 1-second window is over: the counter starts again, swept or not
    assert say(client, "c-quiet").status_code == 200
