"""gateway.hot_sql: the per-message statements on the driver's cursor give the same rows as SQLAlchemy Core, on
SQLite and on PostgreSQL (Debian's package, started here), and fail the way SQLAlchemy would."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from gateway.db import Database
from gateway.hot_sql import compile_for
from gateway.migrate import upgrade
from gateway.models import Conversation, Message
from tests.support.servers import Postgres, need, postgres_available

SECRET_TEXT = "tôi tên là Nguyễn Văn Thử"
_COLUMNS = (
    "conversation_id",
    "direction",
    "author",
    "text",
    "data",
    "sensitive",
    "idempotency_key",
    "status",
    "created_at",
)
INSERT = insert(Message.__table__).values({c: bindparam(c) for c in _COLUMNS}).returning(Message.id)
FIND = (
    select(Message.id, Message.text, Message.data, Message.sensitive, Message.created_at)
    .where(Message.conversation_id == bindparam("conv"))
    .order_by(Message.id)
)


@pytest.fixture(scope="module")
def postgres():
    need(postgres_available(), "needs Debian's postgresql package (.ci/run installs it)")
    pg = Postgres().start(databases=("gateway",))
    try:
        yield pg
    finally:
        pg.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
    else:
        url = request.getfixturevalue("postgres").url("gateway")
    database = Database(url)
    upgrade(url)
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM messages"))
        connection.execute(text("DELETE FROM conversations"))
        connection.execute(
            insert(Conversation.__table__), {"channel": "rest", "external_id": "a", "rasa_sender_id": "rest:a"}
        )
    yield database
    database.engine.dispose()


def _conversation_id(db: Database) -> int:
    with db.engine.connect() as connection:
        return connection.scalar(select(Conversation.id))


def _values(conv: int, key: str, **extra):
    return {
        "conversation_id": conv,
        "direction": "in",
        "author": "citizen",
        "text": "xin chào",
        "data": {"buttons": [{"title": "Đúng", "payload": "/affirm"}]},
        "sensitive": ["otp"],
        "idempotency_key": key,
        "status": "received",
        "created_at": datetime(2026, 11, 27, 8, 30, 1, 123456, tzinfo=timezone.utc),
        **extra,
    }


def test_rows_are_the_same_as_through_sqlalchemy_core(db):
    conv = _conversation_id(db)
    with db.hot.transaction(write=True) as cursor:
        hot_id = cursor.first(INSERT, _values(conv, "k1"))[0]
        cursor.execute_many(
            insert(Message.__table__).values({c: bindparam(c) for c in _COLUMNS}),
            [_values(conv, "k2", data=None, sensitive=None), _values(conv, "k3", text=None)],
        )
    with db.engine.begin() as connection:
        core_id = connection.execute(INSERT, _values(conv, "k4")).scalar_one()
        core_rows = connection.execute(FIND, {"conv": conv}).all()
    assert hot_id < core_id
    with db.hot.transaction() as cursor:
        hot_rows = [
            cursor.first(FIND.where(Message.id == bindparam("id")), {"conv": conv, "id": row.id}) for row in core_rows
        ]
    # the same values back, whoever wrote them: JSON (and JSON null for None), text, datetimes
    assert [tuple(r) for r in core_rows] == hot_rows
    assert [r[1:4] for r in hot_rows[:3]] == [
        ("xin chào", {"buttons": [{"title": "Đúng", "payload": "/affirm"}]}, ["otp"]),
        ("xin chào", None, None),
        (None, {"buttons": [{"title": "Đúng", "payload": "/affirm"}]}, ["otp"]),
    ]
    assert hot_rows[0][4].replace(tzinfo=None) == core_rows[3][4].replace(tzinfo=None)
    assert (hot_rows[0].text, hot_rows[0].sensitive) == ("xin chào", ["otp"])  # by column name, as Core's rows


def test_an_error_rolls_back_the_whole_transaction_and_comes_out_as_sqlalchemys_without_the_values(db):
    conv = _conversation_id(db)
    with pytest.raises(IntegrityError) as caught:
        with db.hot.transaction(write=True) as cursor:
            cursor.first(INSERT, _values(conv, "same"))
            cursor.first(INSERT, _values(conv, "same", text=SECRET_TEXT))  # (conversation, key) is unique
    assert SECRET_TEXT not in str(caught.value)
    with db.engine.connect() as connection:
        assert connection.scalar(select(Message.id)) is None  # the first INSERT was rolled back too
    with db.hot.transaction(write=True) as cursor:  # the connection went back to the pool usable
        cursor.first(INSERT, _values(conv, "same"))
    with pytest.raises(DBAPIError):  # SQLite: OperationalError, PostgreSQL: ProgrammingError, as through Core
        with db.hot.transaction() as cursor:
            cursor.all(text("SELECT nothing FROM no_such_table"), {})
    with pytest.raises(SQLAlchemyError):
        with db.hot.transaction(write=True) as cursor:
            cursor.execute(update(Message.__table__).values(status=bindparam("status")), {})  # a value missing


def test_a_statement_sqlalchemy_would_complete_at_execution_time_is_refused(db):
    with pytest.raises(ValueError, match="created_at"):
        compile_for(insert(Message.__table__).values(conversation_id=bindparam("c")), db.engine.dialect)
    with pytest.raises(ValueError, match="execution-time"):  # IN (…) with a list: expanded by SQLAlchemy
        compile_for(select(Message.id).where(Message.id.in_(bindparam("ids", expanding=True))), db.engine.dialect)


def test_a_write_transaction_holds_sqlites_write_lock_to_the_end(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'gateway.db'}")
    upgrade(db.url)
    with db.engine.begin() as connection:
        connection.execute(
            insert(Conversation.__table__), {"channel": "rest", "external_id": "a", "rasa_sender_id": "rest:a"}
        )
    conv = _conversation_id(db)
    order = []

    def other_writer():
        with db.engine.begin() as connection:  # SQLAlchemy's path takes the same lock at its first write
            connection.execute(INSERT, _values(conv, "other"))
            order.append("other wrote")

    with db.hot.transaction(write=True) as cursor:
        cursor.first(INSERT, _values(conv, "mine"))
        thread = threading.Thread(target=other_writer)
        thread.start()
        time.sleep(0.3)
        order.append("mine committing")
    thread.join(10)
    assert order == ["mine committing", "other wrote"]
    assert db.write_lock.acquire(blocking=False)  # given back
    db.write_lock.release()
