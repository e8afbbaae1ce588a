"""Retention covers every copy (issue #16), on SQLite and on PostgreSQL, with the real Rasa server and action server.

Citizens talk through the gateway (conversations, a handoff, call-back numbers given with consent), staff open and
resolve, Zalo events arrive; then part of it is aged 200 days (gateway rows, Rasa's tracker-store events, audit
entries, a Zalo raw body) and the conversations go on. After `flask purge` (RETENTION_DAYS, 180) nothing older than
the cutoff is left in any copy, the newer data is all there, Rasa carries on where it was, and a second run deletes
nothing. The log holds counts, never content.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select

from gateway.channels.zalo import events as zalo_events
from gateway.zalo_models import ZaloEvent
from gateway.models import AuditLog, CallbackRequest, Conversation, Handoff, HandoffEvent, Message, utcnow
from gateway.services import audit, tracker_writes
from gateway.services.hours import TZ
from tests.support.gateway import ALWAYS_OPEN, build_app, csrf_header, form_token, login
from tests.support.databases import query, settings_for
from tests.support.conversations import ask_for_a_call_back, say, set_hours, steps

AGE = timedelta(days=200)  # the default retention is 180 days
PHONES = {"old": "0912345001", "mixed": "0912345002", "new": "0912345003"}


def age(svc, tracker_url: str, conv_ids, zalo_ids) -> None:
    """Move into the past: these conversations (rows and Rasa events), every audit entry so far, these Zalo events."""
    with svc.db.session() as s:
        for conv in s.scalars(select(Conversation).where(Conversation.id.in_(conv_ids))):
            conv.created_at -= AGE
            conv.last_message_at -= AGE
            for m in conv.messages:
                m.created_at -= AGE
            for h in conv.handoffs:
                for name in ("requested_at", "claimed_at", "callback_offered_at", "resolved_at"):
                    if getattr(h, name) is not None:
                        setattr(h, name, getattr(h, name) - AGE)
                for e in h.events:
                    e.at -= AGE
            for c in s.scalars(select(CallbackRequest).where(CallbackRequest.conversation_id == conv.id)):
                c.created_at -= AGE
                c.consent_at -= AGE
            age_events(tracker_url, conv.rasa_sender_id)
        for entry in s.scalars(select(AuditLog)):
            entry.at -= AGE
        for event in s.scalars(select(ZaloEvent).where(ZaloEvent.id.in_(zalo_ids))):
            event.received_at -= AGE


def age_events(tracker_url: str, sender: str, upto_id: float = float("inf")) -> None:
    """Rasa's events of a conversation (up to an id), 200 days earlier: the `timestamp` column and the event's own
    (in `data`, which is what Rasa reads)."""
    for event_id, data in query(tracker_url, "SELECT id, data FROM events WHERE sender_id = :s", s=sender):
        if event_id > upto_id:
            continue
        event = json.loads(data)
        event["timestamp"] -= AGE.total_seconds()
        query(
            tracker_url,
            'UPDATE events SET "timestamp" = :t, data = :d WHERE id = :i',
            t=event["timestamp"],
            d=json.dumps(event),
            i=event_id,
        )


def zalo_event(svc, user: str, text: str) -> int:
    """A Zalo webhook event stored as the webhook stores it (raw body kept until processed)."""
    body = {
        "app_id": "1",
        "event_name": "user_send_text",
        "sender": {"id": user},
        "recipient": {"id": "oa"},
        "message": {"msg_id": uuid.uuid4().hex, "text": text},
        "timestamp": "1764000000000",
    }
    assert zalo_events.store(svc, json.dumps(body).encode("utf-8"), body)
    with svc.db.session() as s:
        return s.scalar(select(ZaloEvent.id).where(ZaloEvent.user_id == user))


def older(svc, model, column, cutoff, *where) -> int:
    with svc.db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(column < cutoff, *where))


def rasa_events(url: str, sender: str, since: float = 0.0) -> int:
    return query(url, 'SELECT count(*) FROM events WHERE sender_id = :s AND "timestamp" >= :t', s=sender, t=since)[0][0]


def test_purge_leaves_nothing_older_than_the_cutoff_in_any_copy(backend, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    app = build_app(settings_for(backend, tmp_path))
    svc = app.extensions["vneid"]
    tracker = backend.tracker_db_url
    citizen, staff, admin = app.test_client(), app.test_client(), app.test_client()
    tag = uuid.uuid4().hex[:6]
    sender = {name: f"{name}-{tag}" for name in ("old", "mixed", "long", "waiting", "new")}

    # out of hours: three citizens leave a call-back number; one more goes through flow A to step 2
    set_hours(app, {**ALWAYS_OPEN, "holidays": [datetime.now(TZ).date().isoformat()]})
    for name in ("old", "mixed", "new"):
        ask_for_a_call_back(citizen, sender[name], PHONES[name])
    set_hours(app, ALWAYS_OPEN)
    say(citizen, sender["long"], "/choose_password_otp")
    assert steps(say(citizen, sender["long"], "/step_done")) == [(2, 5)]
    say(citizen, sender["waiting"], "/choose_qr")  # asks for a person whom nobody takes, and writes again later
    assert any(r.get("custom", {}).get("handoff") for r in say(citizen, sender["waiting"], "/request_human"))
    with svc.db.session() as s:
        conv = {name: s.scalar(select(Conversation).where(Conversation.external_id == sender[name])) for name in sender}
        conv_id = {name: c.id for name, c in conv.items()}
        rasa = {name: c.rasa_sender_id for name, c in conv.items()}
        mixed_handoff = s.scalar(select(Handoff.id).where(Handoff.conversation_id == conv_id["mixed"]))
        waiting_handoff = s.scalar(select(Handoff.id).where(Handoff.conversation_id == conv_id["waiting"]))

    # staff: log in, open the conversation, resolve it as "needs a call back" (the number stays for the call);
    # an admin changes the working hours (an audit entry with no personal data)
    assert login(staff).status_code == 302 and login(admin, "quantri").status_code == 302
    assert staff.get(f"/console/conversations/{conv_id['mixed']}").status_code == 200
    assert (
        staff.post(
            f"/api/staff/handoffs/{mixed_handoff}/resolve", headers=csrf_header(staff), json={"outcome": "call_back"}
        ).status_code
        == 200
    )
    hours_form = {
        "days": [str(d) for d in range(7)],
        "start1": "00:00",
        "end1": "23:59",
        "holidays": "",
        "wait_minutes": "5",
        "csrf_token": form_token(admin),
    }
    assert admin.post("/console/admin/settings/hours", data=hours_form).status_code == 302
    old_zalo = zalo_event(svc, f"zalo-old-{tag}", "mã otp của tôi là 551177")

    # 200 days pass for all of it but the "new" conversation; then "mixed" and "long" go on (Rasa starts a new
    # session: the last one expired long ago) and more happens
    age(svc, tracker, [conv_id[n] for n in ("old", "mixed", "long", "waiting")], [old_zalo])
    say(citizen, sender["mixed"], "xin chào")
    say(citizen, sender["waiting"], "/step_done")
    assert steps(say(citizen, sender["long"], "/step_done")) == [(3, 5)]  # the slots carried over
    assert staff.get(f"/api/staff/conversations/{conv_id['new']}").status_code == 200
    new_zalo = zalo_event(svc, f"zalo-new-{tag}", "không nhận được mã")

    cutoff = utcnow() - timedelta(days=180)
    with svc.db.session() as s:
        newer_messages = set(s.scalars(select(Message.id).where(Message.created_at >= cutoff)))
        newer_audit = set(s.scalars(select(AuditLog.id).where(AuditLog.at >= cutoff)))
        kept_audit = set(
            s.scalars(select(AuditLog.id).where(AuditLog.at < cutoff, AuditLog.action.in_(audit.NO_PERSONAL_DATA)))
        )
        new_handoffs = set(s.scalars(select(Handoff.id).where(Handoff.conversation_id == conv_id["new"])))
        assert s.get(Handoff, waiting_handoff).status == "waiting"
    newer_events = {
        name: rasa_events(tracker, rasa[name], cutoff.timestamp()) for name in ("mixed", "long", "waiting", "new")
    }
    older_events = sum(rasa_events(tracker, rasa[n]) - newer_events[n] for n in ("mixed", "long", "waiting"))
    # what is checked below is there before the purge (each check could fail)
    assert older(svc, Message, Message.created_at, cutoff) > 0
    assert older(svc, HandoffEvent, HandoffEvent.at, cutoff, HandoffEvent.handoff_id == waiting_handoff)
    assert older(svc, Handoff, Handoff.requested_at, cutoff) and older(svc, ZaloEvent, ZaloEvent.received_at, cutoff)
    assert older(svc, CallbackRequest, CallbackRequest.created_at, cutoff) == 2 and kept_audit
    assert older(svc, AuditLog, AuditLog.at, cutoff, AuditLog.action.not_in(audit.NO_PERSONAL_DATA)) >= 3
    assert all(rasa_events(tracker, rasa[n]) > newer_events.get(n, 0) for n in ("old", "mixed", "long", "waiting"))
    assert all(newer_events.values())

    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "1 conversations" in result.output, result.output
    assert f" {older_events} rasa events, 0 rasa deferred" in result.output  # (the idle one's: with its conversation)

    cutoff = utcnow() - timedelta(days=180)  # (a little later than the purge's own)
    # the gateway: no row older than the cutoff in any table holding a citizen's data
    assert older(svc, Message, Message.created_at, cutoff) == 0
    assert older(svc, Conversation, Conversation.last_message_at, cutoff) == 0
    # (a handoff still waiting is the conversation's live state: it stays until it ends, its old events go)
    assert older(svc, Handoff, Handoff.requested_at, cutoff, Handoff.id != waiting_handoff) == 0
    assert older(svc, HandoffEvent, HandoffEvent.at, cutoff) == 0
    assert older(svc, CallbackRequest, CallbackRequest.created_at, cutoff) == 0
    assert older(svc, ZaloEvent, ZaloEvent.received_at, cutoff) == 0
    assert older(svc, AuditLog, AuditLog.at, cutoff, AuditLog.action.not_in(audit.NO_PERSONAL_DATA)) == 0
    # Rasa's tracker store: no event older than the cutoff (this test's conversations or any other)
    assert query(tracker, 'SELECT count(*) FROM events WHERE "timestamp" < :t', t=cutoff.timestamp()) == [(0,)]
    assert rasa_events(tracker, rasa["old"]) == 0
    # the newer data is all there
    with svc.db.session() as s:
        assert {c.external_id for c in s.scalars(select(Conversation))} == {
            sender[n] for n in ("mixed", "long", "waiting", "new")
        }
        assert set(s.scalars(select(Message.id))) == newer_messages
        assert set(s.scalars(select(AuditLog.id))) == newer_audit | kept_audit
        assert set(s.scalars(select(Handoff.id))) == new_handoffs | {waiting_handoff}
        assert list(s.scalars(select(CallbackRequest.phone))) == [PHONES["new"]]
        assert list(s.scalars(select(ZaloEvent.id))) == [new_zalo]
    for name, count in newer_events.items():
        assert rasa_events(tracker, rasa[name]) == count, name
    # Rasa carries on where the conversation was
    assert steps(say(citizen, sender["long"], "/step_done")) == [(4, 5)]

    again = app.test_cli_runner().invoke(args=["purge"])
    assert again.exit_code == 0 and "older than 180 days deleted: 0 conversations" in again.output
    assert all(part.strip().startswith("0 ") for part in again.output.split(":", 1)[1].split(",")), again.output

    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.services.retention"]
    assert len(lines) == 2 and "1 conversations" in lines[0]
    for secret in [*PHONES.values(), "551177", "xin chào"]:
        assert secret not in caplog.text


def current_session(url: str, sender: str) -> list:
    """The ids of the events Rasa 3.6 reads for a conversation (SQLTrackerStore._event_query): from the latest
    `session_started` on (by timestamp)."""
    return [
        i
        for (i,) in query(
            url,
            'SELECT id FROM events WHERE sender_id = :s AND "timestamp" >= (SELECT max("timestamp") FROM events '
            "WHERE sender_id = :s AND type_name = 'session_started') ORDER BY id",
            s=sender,
        )
    ]


def test_a_rasa_session_begun_before_the_cutoff_goes_whole_and_only_once_quiet(backend, tmp_path):
    """Rasa reads (and counts, when it saves) a conversation's current session: it never loses only part of it."""
    app = build_app(settings_for(backend, tmp_path))
    set_hours(app, ALWAYS_OPEN)
    tracker, citizen, sender = backend.tracker_db_url, app.test_client(), f"session-{uuid.uuid4().hex[:6]}"
    say(citizen, sender, "/choose_password_otp")
    say(citizen, sender, "/step_done")
    assert steps(say(citizen, sender, "/step_done")) == [(3, 5)]
    with app.extensions["vneid"].db.session() as s:
        rasa = s.scalar(select(Conversation.rasa_sender_id).where(Conversation.external_id == sender))
    ids = current_session(tracker, rasa)
    age_events(tracker, rasa, upto_id=ids[len(ids) // 2])  # a session begun 200 days ago and going on today
    cutoff = (utcnow() - timedelta(days=180)).timestamp()

    going_on = tracker_writes.delete_events_before(tracker, cutoff)
    assert going_on.deferred >= 1 and current_session(tracker, rasa) == ids  # never half a session
    assert steps(say(citizen, sender, "/step_done")) == [(4, 5)]  # Rasa goes on as before

    quiet = tracker_writes.delete_events_before(tracker, cutoff, now_ts=time.time() + 2 * 3600)
    assert quiet.deferred == 0 and quiet.deleted > len(ids) and rasa_events(tracker, rasa) == 0
    replies = say(citizen, sender, "/greet")  # a fresh start: Rasa answers from the beginning
    assert replies and rasa_events(tracker, rasa) > 0
    assert query(
        tracker, 'SELECT count(*) FROM events WHERE sender_id = :s AND "timestamp" < :t', s=rasa, t=cutoff
    ) == [(0,)]
