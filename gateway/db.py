"""Database engine and sessions (SQLAlchemy 2.x). SQLite by default, PostgreSQL through DATABASE_URL.

`postgresql://…` URLs (the form Rasa's tracker store and the documentation use) run on psycopg 3 here.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.hot_sql import HotSQL


def engine_url(url: str) -> str:
    """The SQLAlchemy URL to use in this environment: plain `postgresql://` / `postgres://` → psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """One engine and a session factory for the app."""

    def __init__(self, url: str) -> None:
        """Create the engine; for SQLite, enable foreign keys and WAL so readers do not block the writer.

        PostgreSQL: connections are checked before use and a connection attempt gives up after 3 s (a database
        that is down is reported quickly, never waited for)."""
        self.url = url
        # a failed statement's error (logged with its traceback) must not print the values it carried: a call-back
        # phone, a message's text
        kwargs: dict = {"hide_parameters": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20, pool_timeout=10)
            if url.startswith("postgres"):
                kwargs["connect_args"] = {"connect_timeout": 3}
        self.engine: Engine = create_engine(engine_url(url), **kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.write_lock: Optional[threading.RLock] = None  # SQLite only: one writer at a time in this process
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self.write_lock = _serialise_sqlite_writes(self.engine)
        self.hot = HotSQL(self.engine, self.write_lock)  # the per-message statements (gateway.hot_sql)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: a commit no longer waits for fsync of the log; the database stays consistent after a crash or
    # kill -9 of the process (only a power cut can lose the last commits)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _serialise_sqlite_writes(engine: Engine) -> threading.RLock:
    """SQLite has one writer at a time; a second one gets SQLITE_BUSY and sleeps in growing steps (1 ms … 100 ms)
    before trying again, which put 300 ms tails on the benchmark's messages. Inside one process, a connection
    takes a lock at its first writing statement (ORM flush or plain INSERT/UPDATE/DELETE) and gives it back when
    its transaction ends: a waiting writer starts the moment the previous one commits. Reads never take it.
    Returned for the statements run without SQLAlchemy's execution events (`gateway.hot_sql`), which take it
    themselves.
    (Re-entrant: a nested session in the same thread meets SQLite's own lock, as before.)"""
    lock = threading.RLock()
    key = "_vneid_write_lock"

    @event.listens_for(engine, "before_cursor_execute")
    def _take(conn, _cursor, statement, _parameters, _context, _executemany):
        if not conn.info.get(key) and statement.lstrip()[:6].upper() not in ("SELECT", "PRAGMA"):
            lock.acquire()
            conn.info[key] = True

    def _give(conn) -> None:
        if conn.info.pop(key, False):
            lock.release()

    event.listen(engine, "commit", _give)
    event.listen(engine, "rollback", _give)

    # the three-argument form: SQLAlchemy 2 warns (a DeprecationWarning built on every check-in) for the old one
    @event.listens_for(engine, "reset")
    def _returned(_dbapi_connection, record, _reset_state):  # back to the pool without commit or rollback
        if record.info.pop(key, False):
            lock.release()

    return lock
