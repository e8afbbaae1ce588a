"""Upgrading a single-commune database to the province edition (migration 0006) loses nothing: every row stays,
all of it now belongs to the default commune, its settings become that commune's, and its staff see it all — on
SQLite and PostgreSQL, with data in it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from gateway import create_app
from gateway.config import Settings
from gateway.db import engine_url
from gateway.migrate import upgrade
from tests.support.databases import empty_database

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
TABLES = (
    "conversations",
    "messages",
    "handoffs",
    "handoff_events",
    "callback_requests",
    "staff",
    "settings",
    "hotline_calls",
    "audit_log",
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    with empty_database(request.param, tmp_path) as url:
        yield url


def _fill_single_commune(engine) -> None:
    """What a deployment of the single-commune edition (revision 0005) holds."""
    rows = {
        "staff": [
            {
                "id": 1,
                "username": "quantri",
                "display_name": "Lê Thị Quản",
                "password_hash": "x",
                "role": "admin",
                "active": True,
                "created_at": NOW,
            },
            {
                "id": 2,
                "username": "canbo",
                "display_name": "Trần Văn Bộ",
                "password_hash": "x",
                "role": "staff",
                "active": True,
                "created_at": NOW,
            },
        ],
        "conversations": [
            {
                "id": i,
                "channel": ch,
                "external_id": f"c{i}",
                "rasa_sender_id": f"{ch}:c{i}",
                "state": st,
                "flow": "A",
                "step": 3,
                "max_step": 3,
                "problem": "otp_not_received",
                "problems_seen": '["otp_not_received@3"]',
                "tried": "[]",
                "created_at": NOW,
                "last_message_at": NOW,
            }
            for i, ch, st in ((1, "widget", "waiting"), (2, "rest", "bot"), (3, "zalo", "with_staff"))
        ],
        "messages": [
            {
                "id": n,
                "conversation_id": 1 + n % 3,
                "direction": "in",
                "author": "citizen",
                "text": f"tin nhắn số {n} [mã OTP]",
                "created_at": NOW,
            }
            for n in range(1, 31)
        ],
        "handoffs": [
            {
                "id": 1,
                "conversation_id": 1,
                "status": "waiting",
                "reason": "requested",
                "tried": "[]",
                "requested_at": NOW,
            },
            {
                "id": 2,
                "conversation_id": 3,
                "status": "claimed",
                "reason": "stuck",
                "tried": "[]",
                "requested_at": NOW,
                "claimed_at": NOW,
                "claimed_by_id": 2,
            },
        ],
        "handoff_events": [
            {"id": 1, "handoff_id": 1, "kind": "requested", "at": NOW},
            {"id": 2, "handoff_id": 2, "kind": "claimed", "staff_id": 2, "at": NOW},
        ],
        "callback_requests": [
            {
                "id": 1,
                "conversation_id": 1,
                "phone": "0912345678",
                "consent_text": "đồng ý",
                "consent_at": NOW,
                "status": "open",
                "created_at": NOW,
            }
        ],
        "settings": [
            {
                "key": "working_hours",
                "value": '{"days": [0, 1, 2, 3, 4, 5], "periods": [["07:00", "11:00"]], "holidays": ["2026-12-24"]}',
                "updated_at": NOW,
            },
            {"key": "wait_minutes", "value": "12", "updated_at": NOW},
            {"key": "outage_notice", "value": '{"on": true, "text": "Bảo trì"}', "updated_at": NOW},
        ],
        "hotline_calls": [
            {
                "id": 1,
                "staff_id": 2,
                "flow": "B",
                "last_step": 4,
                "problem": "qr_expired",
                "outcome": "got_in",
                "created_at": NOW,
            }
        ],
        "audit_log": [
            {"id": 1, "staff_id": 1, "action": "settings_hours", "target": "settings:working_hours", "at": NOW}
        ],
    }
    with engine.begin() as connection:
        for table, values in rows.items():
            for row in values:
                columns = ", ".join(row)
                params = ", ".join(f":{c}" for c in row)
                connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({params})"), row)
        if connection.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in rows:
                if table != "settings":
                    connection.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                    )


def _counts(engine):
    with engine.connect() as connection:
        return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


def test_a_single_commune_database_moves_under_the_default_commune(database_url, tmp_path):
    upgrade(database_url, "0005")
    engine = create_engine(engine_url(database_url))
    try:
        _fill_single_commune(engine)
        before = _counts(engine)
        with engine.connect() as connection:
            texts_before = sorted(connection.execute(text("SELECT id, text FROM messages")).all())
        upgrade(database_url)
        assert _counts(engine) == before  # nothing lost, nothing added
        with engine.connect() as connection:
            assert sorted(connection.execute(text("SELECT id, text FROM messages")).all()) == texts_before
            assert connection.execute(text("SELECT id, slug, name FROM communes")).all() == [
                (1, "quang-yen", "Xã Quảng Yên")
            ]
            for table in ("conversations", "staff", "hotline_calls", "audit_log"):
                assert connection.execute(text(f"SELECT DISTINCT commune_id FROM {table}")).scalars().all() == [1]
            keys = set(connection.execute(text("SELECT key FROM settings")).scalars())
            assert keys == {"working_hours@1", "wait_minutes@1", "outage_notice@1"}
    finally:
        engine.dispose()

    # the commune's staff see what they saw, and its settings are what they were
    app = create_app(
        Settings(
            database_url=database_url,
            tracker_db_url=f"sqlite:///{tmp_path / 't.db'}",
            var_dir=tmp_path,
            content_overrides=tmp_path / "overrides.yml",
        )
    )
    svc = app.extensions["vneid"]
    from gateway.models import Conversation, Staff
    from gateway.services import runtime_settings

    info = svc.communes.default()
    assert info.slug == "quang-yen" and "Xã Quảng Long" in info.old_names
    with svc.db.session() as session:
        assert {s.username: s.commune_id for s in session.query(Staff)} == {"quantri": 1, "canbo": 1}
        assert session.query(Conversation).filter(Conversation.commune_id == info.id).count() == 3
        assert runtime_settings.get(session, "wait_minutes", info.id) == 12
        assert runtime_settings.get(session, "working_hours", info.id)["holidays"] == ["2026-12-24"]
        assert runtime_settings.get(session, "wait_minutes") == runtime_settings.DEFAULTS["wait_minutes"]
    # a second commune added afterwards gets new ids (the explicit id 1 did not confuse the sequence)
    from gateway.services import communes

    with svc.db.session() as session:
        assert communes.add(session, "hoang-hoa", "Xã Hoằng Hóa").id == 2
