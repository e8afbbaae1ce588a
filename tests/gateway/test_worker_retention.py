"""The worker runs retention at its start and then daily, in a thread of its own; a failed run is retried sooner."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import select

from gateway import worker
from gateway.models import Conversation, Message, utcnow


def seed_old_conversation(app) -> int:
    with app.extensions["vneid"].db.session() as s:
        old = utcnow() - timedelta(days=app.extensions["vneid"].settings.retention_days + 20)
        conv = Conversation(
            channel="rest",
            external_id="old-1",
            rasa_sender_id="rest:old-1",
            tried=[],
            problems_seen=[],
            created_at=old,
            last_message_at=old,
        )
        s.add(conv)
        s.add(Message(conversation=conv, direction="in", author="citizen", text="xin chào", created_at=old))
        s.flush()
        return conv.id


def conversations(app):
    with app.extensions["vneid"].db.session() as s:
        return list(s.scalars(select(Conversation.id)))


def test_the_worker_purges_when_it_starts(app):
    seed_old_conversation(app)
    assert len(conversations(app)) == 1
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, kwargs={"interval_s": 0.05, "stop": stop, "app": app}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while conversations(app) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert conversations(app) == []
    finally:
        stop.set()
        thread.join(10)


def test_a_failed_purge_is_retried_after_an_hour_not_a_day(app, monkeypatch):
    calls = []

    def failing(svc):
        calls.append(svc)
        raise RuntimeError("database down")

    monkeypatch.setattr(worker.retention, "purge", failing)
    daily = worker.DailyPurge(app.extensions["vneid"])
    daily.due()
    daily.thread.join(10)
    assert len(calls) == 1
    daily.due()  # not again at once
    assert len(calls) == 1
    assert daily.next_at - time.monotonic() <= worker.PURGE_RETRY_S
    daily.next_at = time.monotonic() - 1  # an hour later
    daily.due()
    daily.thread.join(10)
    assert len(calls) == 2
