"""gateway.db `Database.transaction`: the per-message Core statements' transactions, on SQLite and on PostgreSQL
(the session's cluster): committed together or not at all, errors as SQLAlchemy's without the values,
and SQLite's in-process write lock held from the start of a writing transaction to its end."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from gateway.db import Database
from gateway.migrate import upgrade
from gateway.models import Conversation, Message

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
COUNT = select(func.count()).select_from(Message.__table__)


def _database(url: str) -> Database:
    database = Database(url)
    upgrade(url)
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM messages"))
        connection.execute(text("DELETE FROM conversations"))
        connection.execute(
            insert(Conversation.__table__), {"channel": "rest", "external_id": "a", "rasa_sender_id": "rest:a"}
        )
    return database


@pytest.fixture
def db(gateway_database):
    database = _database(gateway_database)
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


def test_the_statements_of_a_transaction_are_committed_together_with_their_values_converted(db):
    conv = _conversation_id(db)
    with db.transaction(write=True) as connection:
        first = connection.execute(INSERT, _values(conv, "k1")).scalar_one()
        connection.execute(  # several rows: one executemany
            insert(Message.__table__).values({c: bindparam(c) for c in _COLUMNS}),
            [_values(conv, "k2", data=None, sensitive=None), _values(conv, "k3", text=None)],
        )
        connection.execute(update(Message.__table__).where(Message.id == first).values(status="answered"))
    with db.transaction() as connection:
        rows = connection.execute(
            select(Message.text, Message.data, Message.sensitive, Message.status, Message.created_at)
            .where(Message.conversation_id == conv)
            .order_by(Message.id)
        ).all()
    assert [tuple(r[:4]) for r in rows] == [
        ("xin chào", {"buttons": [{"title": "Đúng", "payload": "/affirm"}]}, ["otp"], "answered"),
        ("xin chào", None, None, "received"),
        (None, {"buttons": [{"title": "Đúng", "payload": "/affirm"}]}, ["otp"], "received"),
    ]
    assert rows[0].created_at.replace(tzinfo=None) == datetime(2026, 11, 27, 8, 30, 1, 123456)


def test_an_error_rolls_back_the_whole_transaction_and_comes_out_as_sqlalchemys_without_the_values(db):
    conv = _conversation_id(db)
    with pytest.raises(IntegrityError) as caught:
        with db.transaction(write=True) as connection:
            connection.execute(INSERT, _values(conv, "same"))
            connection.execute(INSERT, _values(conv, "same", text=SECRET_TEXT))  # (conversation, key) is unique
    assert SECRET_TEXT not in str(caught.value)
    with db.engine.connect() as connection:
        assert connection.scalar(COUNT) == 0  # the first INSERT was rolled back too
    with db.transaction(write=True) as connection:  # the connection went back to the pool usable
        connection.execute(INSERT, _values(conv, "same"))
    with pytest.raises(DBAPIError):  # SQLite: OperationalError, PostgreSQL: ProgrammingError
        with db.transaction() as connection:
            connection.execute(text("SELECT nothing FROM no_such_table"))
    with pytest.raises(SQLAlchemyError):
        with db.transaction(write=True) as connection:
            connection.execute(update(Message.__table__).values(status=bindparam("status")), {})  # a value missing
    with pytest.raises(RuntimeError):  # not a database error: rolled back all the same
        with db.transaction(write=True) as connection:
            connection.execute(INSERT, _values(conv, "other"))
            raise RuntimeError("the caller failed")
    with db.engine.connect() as connection:
        assert connection.scalar(COUNT) == 1


def test_a_write_transaction_holds_sqlites_write_lock_from_its_start_to_its_end(tmp_path):
    db = _database(f"sqlite:///{tmp_path / 'gateway.db'}")
    conv = _conversation_id(db)
    order = []

    def other_writer():
        with db.engine.begin() as connection:  # the app's engine takes the same lock at its first write
            connection.execute(INSERT, _values(conv, "other"))
            order.append("other wrote")

    with db.transaction(write=True) as connection:
        connection.execute(COUNT).scalar()  # a read first: the lock is already held
        thread = threading.Thread(target=other_writer)
        thread.start()
        time.sleep(0.3)
        connection.execute(INSERT, _values(conv, "mine"))
        order.append("mine committing")
    thread.join(10)
    assert order == ["mine committing", "other wrote"]
    assert db.write_lock.acquire(blocking=False)  # given back
    db.write_lock.release()
    with pytest.raises(IntegrityError):  # and given back after an error too
        with db.transaction(write=True) as connection:
            connection.execute(INSERT, _values(conv, "mine"))
    assert db.write_lock.acquire(blocking=False)
    db.write_lock.release()
    db.engine.dispose()


def test_a_read_transaction_takes_no_lock(tmp_path):
    db = _database(f"sqlite:///{tmp_path / 'gateway.db'}")
    held = threading.Event()
    release = threading.Event()

    def writer():
        with db.transaction(write=True):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert held.wait(10)
    try:
        with db.transaction() as connection:  # not blocked by the writer holding the lock
            assert connection.execute(COUNT).scalar() == 0
    finally:
        release.set()
        thread.join(10)
    db.engine.dispose()
