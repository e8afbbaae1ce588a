"""Deleting a citizen's conversation on the real stack, on SQLite and on PostgreSQL: the gateway under gunicorn, the
real Rasa server and action server with their SQL tracker store on the same engine as the gateway's database.

A widget conversation with a redacted password, a handoff waiting for staff and a call-back phone number is
deleted by the citizen ("xóa cuộc trò chuyện", then "có"); another by the widget's "Kết thúc và xóa"; a third by
the operator's `flask delete-conversation`. After each, no row of any table of the gateway database and no event of
Rasa's tracker store holds anything of it (its id, its words, the phone number), the other conversations are
whole, and the audit log holds one entry per deletion: time, channel, who asked.
"""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest
import requests
from sqlalchemy import create_engine, inspect, text

from gateway.db import engine_url
from tests.support.servers import APP_BIN, GatewayServer, Postgres, need, open_hours, postgres_available, start_bots

PHONE = "0912 345 678"
NEVER_OPEN = {"days": [], "periods": [["08:00", "08:01"]], "holidays": []}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(request, tmp_path_factory):
    """One Rasa + action server pair and the gateway, both stores on SQLite files or on one PostgreSQL cluster."""
    workdir = tmp_path_factory.mktemp(f"erasure-{request.param}")
    pg = None
    if request.param == "postgresql":
        need(postgres_available(), "PostgreSQL is not installed (apt-get install -y postgresql)")
        pg = Postgres().start()
    bots, gateway = [], None
    try:
        bots = start_bots(workdir, 1, tracker_db_url=pg.url("rasa") if pg else None)
        bot = bots[0]
        gateway = GatewayServer.for_bots(
            workdir,
            [bot],
            database_url=pg.url("gateway") if pg else None,
            threads=8,
            extra_env={"RATE_LIMITS": "off"},
        )
        gateway.migrate()
        open_hours(gateway.db_url)
        gateway.start()
        gateway.wait_ready(120)
        yield bot, gateway
    finally:
        if gateway is not None:
            gateway.stop()
        for bot in bots:
            bot.stop()
        if pg is not None:
            pg.cleanup()


def say(gateway, sender, message):
    response = requests.post(
        f"{gateway.url}/webhooks/rest/webhook",
        timeout=40,
        json={"sender": sender, "message": message, "metadata": {"channel": "widget"}},
    )
    assert response.status_code == 200, response.text
    return response.json()


def rows(url, sql, **params):
    engine = create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def everything(url) -> str:
    """Every row of every table of a database, as one text (to search for traces)."""
    engine = create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            return "\n".join(
                repr(tuple(r))
                for table in inspect(connection).get_table_names()
                for r in connection.execute(text(f'SELECT * FROM "{table}"'))
            )
    finally:
        engine.dispose()


def set_hours(url, schedule):
    from gateway.db import Database
    from gateway.services import runtime_settings

    db = Database(url)
    with db.session() as session:
        runtime_settings.put(session, "working_hours", schedule)
    db.engine.dispose()


def conversation_id(gateway, sender):
    [(conv_id,)] = rows(gateway.db_url, "SELECT id FROM conversations WHERE external_id = :s", s=sender)
    return conv_id


def gone_everywhere(bot, gateway, sender, conv_id, words):
    for table in ("messages", "handoffs", "callback_requests"):
        assert rows(gateway.db_url, f"SELECT count(*) FROM {table} WHERE conversation_id = :c", c=conv_id) == [(0,)]
    assert rows(gateway.db_url, "SELECT count(*) FROM conversations WHERE id = :c", c=conv_id) == [(0,)]
    assert rows(bot.tracker_url, "SELECT count(*) FROM events WHERE sender_id = :s", s=f"widget:{sender}") == [(0,)]
    gateway_copy, tracker_copy = everything(gateway.db_url), everything(bot.tracker_url)
    for trace in (sender, *words):
        assert trace not in gateway_copy and trace not in tracker_copy, trace


def erasures(gateway):
    """The deletions in the audit log: (staff id, target, detail as a dict)."""
    found = rows(
        gateway.db_url,
        "SELECT staff_id, target, detail FROM audit_log WHERE action = 'conversation_erased' ORDER BY id",
    )
    return [
        (staff, target, detail if isinstance(detail, dict) else json.loads(detail)) for staff, target, detail in found
    ]


def test_the_citizen_deletes_everything_of_the_conversation(stack):
    bot, gateway = stack
    sender, other = f"del-{uuid.uuid4().hex[:10]}", f"keep-{uuid.uuid4().hex[:10]}"
    for who in (sender, other):
        say(gateway, who, "/greet")
        say(gateway, who, "/choose_password_otp")
    say(gateway, sender, "mật khẩu của tôi là Hoang@Anh1979")
    set_hours(gateway.db_url, NEVER_OPEN)  # out of hours: the handoff offers a call back
    try:
        replies = say(gateway, sender, "cho tôi gặp cán bộ xã")
        assert any(r.get("custom", {}).get("handoff") for r in replies)
        say(gateway, sender, "/affirm")  # a call back: yes
        say(gateway, sender, "/affirm")  # consent
        assert any("678" in r.get("text", "") for r in say(gateway, sender, PHONE))
    finally:
        set_hours(gateway.db_url, {"days": list(range(7)), "periods": [["00:00", "23:59"]], "holidays": []})
    conv_id = conversation_id(gateway, sender)
    assert rows(gateway.db_url, "SELECT count(*) FROM callback_requests WHERE conversation_id = :c", c=conv_id) == [
        (1,)
    ]
    assert rows(gateway.db_url, "SELECT status FROM handoffs WHERE conversation_id = :c", c=conv_id) == [("waiting",)]
    assert "0912345678" in everything(gateway.db_url)
    before = len(erasures(gateway))

    asked = say(gateway, sender, "xoa cuoc tro chuyen")
    assert [b["payload"] for b in asked[0]["buttons"]] == ["/affirm", "/deny"]
    done = say(gateway, sender, "có")
    assert done[0]["custom"] == {"conversation_erased": True}

    gone_everywhere(
        bot, gateway, sender, conv_id, ["Hoang@Anh1979", "0912345678", "gặp cán bộ xã", "xoa cuoc tro chuyen"]
    )
    assert erasures(gateway)[before:] == [(None, f"conversation:{conv_id}", {"channel": "widget", "by": "citizen"})]
    # the other conversation is whole, in both stores
    assert (
        rows(
            gateway.db_url,
            "SELECT count(*) FROM messages WHERE conversation_id = :c",
            c=conversation_id(gateway, other),
        )[0][0]
        >= 4
    )
    assert rows(bot.tracker_url, "SELECT count(*) FROM events WHERE sender_id = :s", s=f"widget:{other}")[0][0] > 0
    # and the same widget id starts again from nothing
    assert "Về dữ liệu của bạn" in say(gateway, sender, "/greet")[0]["text"]


def test_ending_on_the_widget_and_the_operators_command(stack):
    bot, gateway = stack
    ended, operated = f"end-{uuid.uuid4().hex[:10]}", f"cli-{uuid.uuid4().hex[:10]}"
    for who in (ended, operated):
        say(gateway, who, "/greet")
        say(gateway, who, "/choose_qr")
        say(gateway, who, "/step_done")
    ended_id, operated_id = conversation_id(gateway, ended), conversation_id(gateway, operated)

    response = requests.post(f"{gateway.url}/api/widget/end", json={"sender": ended}, timeout=30)
    assert response.status_code == 200 and response.json() == {"erased": True}
    assert response.headers["Cache-Control"] == "no-store"
    gone_everywhere(bot, gateway, ended, ended_id, [])

    result = subprocess.run(
        [str(APP_BIN / "python"), "-m", "flask", "--app", "gateway", "delete-conversation", str(operated_id)],
        cwd=gateway.root,
        env=gateway.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    gone_everywhere(bot, gateway, operated, operated_id, [])
    assert [(target, detail) for _, target, detail in erasures(gateway)[-2:]] == [
        (f"conversation:{ended_id}", {"channel": "widget", "by": "citizen"}),
        (f"conversation:{operated_id}", {"channel": "widget", "by": "operator"}),
    ]
