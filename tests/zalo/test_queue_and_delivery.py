"""The durable queue and the sender, without the bot: follow/welcome, replays, restarts, tokens, -230, -32,
media, the message mapping, the check command and the worker loop."""

import logging
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from content import load as load_content
from gateway import worker
from gateway.channels.zalo import events, message_parts
from gateway.channels.zalo.client import ZaloClient
from gateway.channels.zalo.errors import TokenUnavailable
from gateway.zalo_models import ZaloEvent, ZaloLease, ZaloToken
from gateway.token_sealing import TokenSeal
from gateway.channels.zalo.settings import MAX_BUTTONS, MAX_TEXT, MAX_TITLE
from gateway.models import Conversation, Message, utcnow
from tests.support.gateway import login
from tests.support.zalo import PUBLIC, Citizen, buttons_of, pump, restart, texts_of
from tools import fake_zalo


def follow(citizen, timestamp=None):
    event = fake_zalo.follow(citizen.fake.app_id, citizen.fake.oa_id, citizen.user_id, timestamp=timestamp)
    response = citizen.post(event)
    assert response.status_code == 200
    return event


def db(app):
    return app.extensions["vneid"].db


def messages_of(app, user):
    with db(app).session() as session:
        conv = session.scalar(select(Conversation).where(Conversation.external_id == user))
        return [(m.direction, m.author, m.text, m.delivery, m.delivery_error) for m in conv.messages]


def test_follow_gets_the_welcome_with_buttons(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    follow(citizen)
    pump(zalo_app)
    [welcome] = citizen.new()
    assert "Trợ lý VNeID" in welcome["text"] and "trợ lý tự động" in welcome["text"]
    assert [(b["title"], b["type"], b["payload"]) for b in buttons_of(welcome)] == [
        ("Hướng dẫn đăng nhập", "oa.query.hide", "/start_login"),
        ("Gặp cán bộ", "oa.query.hide", "/request_human"),
    ]
    assert messages_of(zalo_app, citizen.user_id)[0][3] == "sent"


def test_a_replayed_event_is_stored_and_processed_once(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    event = follow(citizen)
    for _ in range(2):
        assert citizen.post(event).get_json()["message"] == "duplicate"
    pump(zalo_app)
    assert citizen.post(event).status_code == 200  # Zalo retries even after we processed it
    pump(zalo_app)
    assert len(citizen.new()) == 1
    with db(zalo_app).session() as session:
        assert session.scalar(select(func.count()).select_from(ZaloEvent)) == 1
    follow(citizen, timestamp=str(int(event["timestamp"]) + 5000))  # a later follow is a new event
    pump(zalo_app)
    assert len(citizen.new()) == 1


def test_the_raw_body_is_cleared_once_processed(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    follow(citizen)
    pump(zalo_app)
    with db(zalo_app).session() as session:
        row = session.scalars(select(ZaloEvent)).one()
        assert (row.status, row.body, row.attempts) == ("done", None, 1)


def test_a_restart_between_ack_and_processing_loses_nothing(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    follow(citizen)  # acknowledged by the first process, which then stops before its worker ran
    again = restart(zalo_app)
    citizen.app = again
    pump(again)
    assert len(citizen.new()) == 1


def test_a_worker_that_died_while_processing_is_taken_over(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    follow(citizen)
    past = utcnow() - timedelta(minutes=5)
    with db(zalo_app).session() as session:  # the state a crash leaves: the event claimed, the lease held
        session.execute(update(ZaloEvent).values(status="processing", attempts=1, lease_until=past))
        session.add(ZaloLease(name="worker", owner="other-host:4242:dead", until=past))
    again = restart(zalo_app)
    citizen.app = again
    pump(again)
    assert len(citizen.new()) == 1


def test_token_expiry_refreshes_once_and_stores_the_rotated_token(zalo_app, fake):
    first, second, third = Citizen(zalo_app, fake), Citizen(zalo_app, fake), Citizen(zalo_app, fake)
    follow(first)
    pump(zalo_app)
    fake.expire_access_tokens(-216)
    follow(second)
    pump(zalo_app)
    assert len(second.new()) == 1
    assert [r["ok"] for r in fake.refreshes] == [True]
    with db(zalo_app).session() as session:
        row = session.get(ZaloToken, 1)
        stored = TokenSeal(zalo_app.extensions["vneid"].settings.secret_key).open(row.refresh_token)
        assert row.version == 2 and stored == fake.refresh_token  # stored (sealed) before it was used
        assert row.expires_at is not None
    assert fake.spent_refresh == ["initial-refresh-token"]
    fake.expire_access_tokens(-220)  # the other code for an expired token; the rotated refresh token works
    again = restart(zalo_app)  # and a new process finds it in the database, not in its environment
    third.app = again
    follow(third)
    pump(again)
    assert len(third.new()) == 1
    assert [r["ok"] for r in fake.refreshes] == [True, True]
    calls = [c["error"] for c in fake.calls]
    assert calls == [0, -216, 0, -220, 0]  # exactly one retry after each refresh


def test_two_workers_never_refresh_at_once(zalo_app, fake):
    svc = zalo_app.extensions["vneid"]
    clients = [ZaloClient(svc.settings, svc.db) for _ in range(3)]  # as if in three processes
    _, version = clients[0].tokens.access_token()
    fake.refresh_delay_s = 0.5
    results, barrier = [], threading.Barrier(3)

    def refresh(client):
        barrier.wait()
        results.append(client.tokens.refresh(version))

    threads = [threading.Thread(target=refresh, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(fake.refreshes) == 1 and fake.refreshes[0]["ok"]
    assert len({r for r in results}) == 1 and results[0][1] == version + 1


def test_a_refused_refresh_pauses_sending_and_keeps_the_message(zalo_app, fake, caplog):
    caplog.set_level(logging.DEBUG)
    citizen = Citizen(zalo_app, fake)
    fake.expire_access_tokens(-216)
    fake.refresh_token = "someone-else-spent-it"
    follow(citizen)
    pump(zalo_app)
    channel = zalo_app.extensions["zalo"]
    assert channel.paused() and citizen.new() == []
    assert messages_of(zalo_app, citizen.user_id)[0][3] == "pending"
    with pytest.raises(TokenUnavailable):
        channel.client.send(citizen.user_id, {"text": "x"})
    logs = caplog.text
    assert "initial-refresh-token" not in logs and "initial-access-token" not in logs
    assert "refresh refused" in logs or "Invalid refresh token" in logs


def test_outside_the_reply_window_is_not_retried_and_staff_are_told(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    fake.block_user(citizen.user_id)
    follow(citizen)
    for _ in range(3):
        pump(zalo_app)
    assert [c["error"] for c in fake.calls] == [-230]  # one attempt, never retried
    [(_, _, _, delivery_state, error)] = messages_of(zalo_app, citizen.user_id)
    assert delivery_state == "blocked" and "người dân phải nhắn trước" in error

    staff = zalo_app.test_client()
    login(staff)
    with db(zalo_app).session() as session:
        conv_id = session.scalar(select(Conversation.id).where(Conversation.external_id == citizen.user_id))
    view = staff.get(f"/api/staff/conversations/{conv_id}").get_json()
    assert view["messages"][0]["delivery"] == "blocked"
    assert "phải nhắn trước" in view["messages"][0]["delivery_error"]


def test_rate_limited_sends_back_off_and_keep_the_order(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    fake.rate_limit(1)
    follow(citizen)
    follow(citizen, timestamp=str(int(time.time() * 1000) + 10))
    pump(zalo_app)
    channel = zalo_app.extensions["zalo"]
    assert channel.paused() and citizen.new() == []
    channel.resume_sending()
    pump(zalo_app)
    assert [m["text"][:10] for m in citizen.new()] == ["Cảm ơn bạn"] * 2
    assert [c["error"] for c in fake.calls] == [-32, 0, 0]


def test_a_network_failure_is_retried_in_order(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    fake.stop()  # Zalo unreachable
    follow(citizen)
    pump(zalo_app, timeout=10)
    assert messages_of(zalo_app, citizen.user_id)[0][3] == "pending"
    fake.start(port=int(zalo_app.extensions["vneid"].settings.zalo_openapi_base.rsplit(":", 1)[1]))
    channel = zalo_app.extensions["zalo"]
    channel._held.clear()
    pump(zalo_app)
    assert len(citizen.new()) == 1


def test_images_and_stickers_get_a_polite_answer_and_the_link_is_not_kept(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    event = fake_zalo.user_image(
        fake.app_id, fake.oa_id, citizen.user_id, "https://photo.zalo.example/abc.jpg", caption="lỗi này là gì"
    )
    assert citizen.post(event).status_code == 200
    pump(zalo_app)
    [answer] = citizen.new()
    assert "chưa xem được hình ảnh" in answer["text"]
    assert "/request_human" in [b["payload"] for b in buttons_of(answer)]
    stored = messages_of(zalo_app, citizen.user_id)
    assert stored[0][:3] == ("in", "citizen", "[Hình ảnh] lỗi này là gì")  # no link: no person handles it
    assert citizen.post(fake_zalo.user_sticker(fake.app_id, fake.oa_id, citizen.user_id)).status_code == 200
    pump(zalo_app)
    assert texts_of(citizen.new())[0].startswith("Cảm ơn bạn!")


def test_other_events_are_ignored(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    assert citizen.post(fake_zalo.follow(fake.app_id, fake.oa_id, citizen.user_id, "unfollow")).status_code == 200
    seen = {
        "app_id": fake.app_id,
        "event_name": "user_seen_message",
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": citizen.user_id},
        "recipient": {"id": fake.oa_id},
        "message": {"msg_ids": ["a"]},
    }
    assert citizen.post(seen).status_code == 200
    pump(zalo_app)
    assert citizen.new() == []
    with db(zalo_app).session() as session:
        assert list(session.scalars(select(ZaloEvent.status))) == ["ignored", "ignored"]


def test_a_long_staff_style_text_is_split_under_2000_characters():
    text = ("Bước một. " * 150 + "\n\n" + "Dòng hai có dấu 😀 " * 200).strip()
    parts = message_parts.split_text(text)
    assert len(parts) >= 3
    assert all(message_parts.units(p) <= MAX_TEXT for p in parts)
    assert " ".join(parts).split() == text.split()  # nothing lost, words not cut
    assert message_parts.split_text("ngắn") == ["ngắn"]
    assert all(len(p) <= 2000 for p in message_parts.split_text("x" * 4500))


def test_buttons_are_at_most_five_with_short_titles():
    many = [{"title": f"Nút số {i} có tiêu đề rất là dài", "payload": f"/p{i}"} for i in range(7)]
    buttons = message_parts.zalo_buttons(many)
    assert len(buttons) == MAX_BUTTONS and all(len(b["title"]) <= MAX_TITLE for b in buttons)
    assert buttons[0]["payload"] == "/p0" and buttons[0]["type"] == "oa.query.hide"
    special = message_parts.zalo_buttons(
        [
            {"title": "Cổng DVC", "payload": "https://dichvucong.thanhhoa.gov.vn"},
            {"title": "Gọi xã", "payload": "tel:02438541051"},
        ]
    )
    assert special == [
        {"title": "Cổng DVC", "type": "oa.open.url", "payload": {"url": "https://dichvucong.thanhhoa.gov.vn"}},
        {"title": "Gọi xã", "type": "oa.open.phone", "payload": {"phone_code": "02438541051"}},
    ]


def test_the_content_gives_zalo_short_titles_everywhere():
    guide = load_content()
    for name, buttons in guide.messages["buttons"].items():
        assert len(buttons) <= MAX_BUTTONS, name
        assert all(len(b["title"]) <= MAX_TITLE for b in buttons), name
    for code in guide.problem_codes():
        assert len(guide.problem(code)["short"]) <= MAX_TITLE, code
    for flow in ("A", "B"):
        assert len(guide.flow(flow)["short"]) <= MAX_TITLE


def test_images_point_at_the_public_url(zalo_app):
    svc = zalo_app.extensions["vneid"]
    message = Message(direction="out", author="bot", text=None, data={"image": "/illustrations/a1-nut-dang-nhap.svg"})
    [part] = message_parts.parts_of(svc, message)
    # Zalo needs a bitmap: the PNG rendered next to the SVG (tools/render_illustrations.py) is sent instead
    assert part == {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "media",
                "elements": [{"media_type": "image", "url": f"{PUBLIC}/illustrations/a1-nut-dang-nhap.png"}],
            },
        }
    }
    other = Message(direction="out", author="bot", text=None, data={"image": "/illustrations/no-png-yet.svg"})
    assert message_parts.parts_of(svc, other)[0]["attachment"]["payload"]["elements"][0]["url"].endswith(".svg")
    custom = Message(direction="out", author="bot", text=None, data={"custom": {"handoff": {}}})
    assert message_parts.parts_of(svc, custom) == []  # internal: nothing to send


def test_check_command_prints_the_webhook_url(zalo_app):
    result = zalo_app.test_cli_runner().invoke(args=["zalo-check"])
    assert result.exit_code == 0, result.output
    assert f"{PUBLIC}/webhooks/zalo/webhook" in result.output and "Zalo channel: ON" in result.output
    assert "fake-app-secret" not in result.output and "initial-refresh-token" not in result.output
    zalo_app.extensions["vneid"].settings.zalo_app_secret = ""
    result = zalo_app.test_cli_runner().invoke(args=["zalo-check"])
    assert result.exit_code != 0 and "ZALO_APP_SECRET" in result.output


def test_the_worker_loop_processes_and_sends(zalo_app, fake):
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, kwargs={"interval_s": 0.1, "stop": stop, "app": zalo_app}, daemon=True)
    thread.start()
    try:
        citizen = Citizen(zalo_app, fake)
        follow(citizen)
        deadline = time.monotonic() + 15
        while not citizen.received() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(citizen.received()) == 1
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()


def test_while_the_bot_is_down_the_event_waits_and_the_citizen_is_told_in_the_end(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)  # zalo_app has no Rasa behind it
    first = citizen.send("xin chào")
    pump(zalo_app)
    with db(zalo_app).session() as session:
        row = session.scalar(select(ZaloEvent).where(ZaloEvent.msg_id == first["message"]["msg_id"]))
        assert (row.status, row.attempts, row.error) == ("queued", 1, "bot unavailable")
        assert row.body is not None and row.next_attempt_at is not None
    second = citizen.send("/step_done")
    assert events.due(zalo_app.extensions["vneid"]) == []  # the second waits behind the first: order is kept
    with db(zalo_app).session() as session:
        session.execute(
            update(ZaloEvent)
            .where(ZaloEvent.msg_id == first["message"]["msg_id"])
            .values(attempts=events.MAX_ATTEMPTS - 1, next_attempt_at=None)
        )
    pump(zalo_app)
    with db(zalo_app).session() as session:
        statuses = dict(session.execute(select(ZaloEvent.msg_id, ZaloEvent.status)).all())
    assert statuses[first["message"]["msg_id"]] == "failed"
    assert statuses[second["message"]["msg_id"]] == "queued"  # now it gets its own tries
    assert any("hệ thống trả lời tự động đang gặp sự cố" in t for t in texts_of(citizen.new()))


def _post_stamped(citizen, text_, stamp):
    """A text event with Zalo's timestamp `stamp` (ms) posted to the webhook; its stored id."""
    event = fake_zalo.user_text(citizen.fake.app_id, citizen.fake.oa_id, citizen.user_id, text_, timestamp=str(stamp))
    assert citizen.post(event).status_code == 200
    with db(citizen.app).session() as session:
        return session.scalar(select(ZaloEvent.id).where(ZaloEvent.msg_id == event["message"]["msg_id"]))


def _set_status(app, event_id, status, lease_s=None):
    with db(app).session() as session:
        session.execute(
            update(ZaloEvent)
            .where(ZaloEvent.id == event_id)
            .values(status=status, lease_until=utcnow() + timedelta(seconds=lease_s) if lease_s else None)
        )


def test_a_citizens_events_are_taken_in_zalos_order_whatever_order_their_webhooks_came_in(zalo_app, fake):
    svc = zalo_app.extensions["vneid"]
    now = int(time.time() * 1000)
    citizen = Citizen(zalo_app, fake)
    later = _post_stamped(citizen, "/step_done", now)  # the later message's webhook came first
    earlier = _post_stamped(citizen, "xin chào", now - 1500)
    assert events.due(svc) == [(earlier, citizen.user_id)]
    _set_status(zalo_app, earlier, "done")
    assert events.due(svc) == [(later, citizen.user_id)]
    _set_status(zalo_app, later, "done")

    # a later event already being processed when an earlier one comes: it finishes first, alone
    other = Citizen(zalo_app, fake)
    later = _post_stamped(other, "/step_done", now)
    _set_status(zalo_app, later, "processing", lease_s=30)
    earlier = _post_stamped(other, "xin chào", now - 1500)
    assert events.due(svc) == []
    _set_status(zalo_app, later, "done")
    assert events.due(svc) == [(earlier, other.user_id)]


def test_a_too_long_message_gets_the_explanation_on_zalo(zalo_app, fake):
    citizen = Citizen(zalo_app, fake)
    citizen.send("a" * 2100)
    pump(zalo_app)
    assert texts_of(citizen.new())[0].startswith("Tin nhắn quá dài")


def test_a_second_worker_stands_by_while_the_first_holds_the_lease(zalo_app, fake):
    from gateway.channels.zalo.runner import ZaloChannel

    svc = zalo_app.extensions["vneid"]
    first = zalo_app.extensions["zalo"]
    second = ZaloChannel(svc)
    second.owner = "another-host:1234:abcd"  # a live worker on another machine
    citizen = Citizen(zalo_app, fake)
    assert first.run_once()["standby"] == 0
    follow(citizen)
    assert second.run_once() == {"events": 0, "sent": 0, "standby": 1}
    assert citizen.received() == []
    pump(zalo_app)
    assert len(citizen.received()) == 1
