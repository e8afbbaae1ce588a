"""Migration 0007 (several OAs under one Zalo app): a database of the single-OA edition keeps working: its token
row is the primary OA's and still sends, its queued events are processed, its conversations answer through the
primary OA."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time

from alembic import command
from sqlalchemy import select

from gateway.zalo_models import ZaloEvent, ZaloToken
from gateway.migrate import alembic_config, upgrade
from gateway.models import Conversation
from tests.support.gateway import build_app
from tests.support.zalo import Citizen, new_user, pump, zalo_settings
from tools import fake_zalo


def test_existing_tokens_events_and_conversations_stay_valid(tmp_path, fake):
    settings = zalo_settings(tmp_path, fake)
    url = settings.database_url
    upgrade(url, "0006")  # the database as the single-OA edition left it
    waiting, known = new_user(), new_user()
    now_ms = str(int(time.time() * 1000))
    follow = fake_zalo.follow(fake.app_id, fake.oa_id, waiting, timestamp=now_ms)
    with sqlite3.connect(url[len("sqlite:///") :]) as db:
        db.execute(
            "INSERT INTO zalo_tokens (id, access_token, refresh_token, expires_at, updated_at, version, "
            "seed_hash) VALUES (1, 'at-from-the-database', 'rt-from-the-database', NULL, "
            "'2026-12-01 00:00:00', 7, ?)",
            (hashlib.sha256(settings.zalo_refresh_token.encode()).hexdigest(),),
        )
        db.execute(
            "INSERT INTO zalo_events (msg_id, event_name, user_id, sent_at_ms, body, received_at, status, "
            "attempts) VALUES (?, 'follow', ?, ?, ?, '2026-12-06 00:00:00', 'queued', 0)",
            (f"follow:{waiting}:{now_ms}", waiting, int(now_ms), json.dumps(follow)),
        )
        db.execute(
            "INSERT INTO conversations (channel, external_id, rasa_sender_id, state, problems_seen, tried, "
            "created_at, last_message_at, commune_id) VALUES ('zalo', ?, ?, 'bot', '[]', '[]', "
            "'2026-12-01 00:00:00', '2026-12-01 00:00:00', 1)",
            (known, f"zalo:{known}"),
        )
    with fake.lock:  # the rotated access token the database holds is the one Zalo knows now
        fake.valid_access.add("at-from-the-database")
        fake.token_oa["at-from-the-database"] = fake.oa_id

    app = build_app(settings)  # upgrades to the head
    try:
        svc = app.extensions["vneid"]
        with svc.db.session() as session:
            token = session.get(ZaloToken, 1)
            assert (token.oa_id, token.version) == (None, 7)
            assert session.scalars(select(ZaloEvent)).one().oa_id is None
        pump(app)  # the queued follow is processed and answered with the stored token
        assert [s["oa_id"] for s in fake.sent_to(waiting)] == [fake.oa_id]
        assert fake.calls[0]["token"] == "at-from-the-database" and fake.refreshes == []
        citizen = Citizen(app, fake, user_id=known)
        citizen.follow()
        pump(app)
        assert citizen.new() and {s["oa_id"] for s in fake.sent_to(known)} == {fake.oa_id}
        with svc.db.session() as session:
            conv = session.scalar(select(Conversation).where(Conversation.external_id == known))
            assert conv.commune_id == 1 and conv.channel_account is None  # kept as it was: the primary OA
            assert session.get(ZaloToken, 1).version == 7
    finally:
        app.extensions["zalo"].stop()
        svc.db.engine.dispose()
    command.downgrade(alembic_config(url), "0006")  # and back down, the primary OA's row kept
    with sqlite3.connect(url[len("sqlite:///") :]) as db:
        assert db.execute("SELECT id, version FROM zalo_tokens").fetchall() == [(1, 7)]
