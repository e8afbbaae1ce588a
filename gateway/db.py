"""Database engine and sessions (SQLAlchemy 2.x). SQLite by default, PostgreSQL through DATABASE_URL.

`postgresql://…` URLs (the form Rasa's tracker store and the documentation use) run on psycopg 3 here.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker


def engine_url(url: str) -> str:
    """The SQLAlchemy URL to use in this environment: plain `postgresql://` / `postgres://` → psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """The app's engine (one pool), its ORM sessions, and the transactions of the per-message Core statements."""

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
        # Two faces of one engine and pool: `engine`, which the app uses, carries the execution events that take
        # SQLite's write lock; `_per_message` has no execution events (dispatching them cost more than the
        # statements themselves on SQLite) and serves `transaction()`, which takes the lock itself.
        self._per_message: Engine = create_engine(engine_url(url), **kwargs)
        self.engine: Engine = self._per_message.execution_options()
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.write_lock: Optional[threading.RLock] = None  # SQLite only: one writer at a time in this process
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self.write_lock = _serialise_sqlite_writes(self.engine)

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

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Connection]:
        """A connection in a transaction, committed at the end and rolled back on error: for the per-message
        Core statements (built once by their modules; SQLAlchemy compiles each once per engine and caches it).

        Runs without the app engine's execution events: a transaction that writes must say so. `write=True`
        takes SQLite's in-process write lock from the start, so that what the transaction reads before its first
        write is still true when it writes (an Idempotency-Key looked up, then the message stored). The lock is
        taken after the pool's checkout: a thread holding it never waits for a connection."""
        with self._per_message.connect() as connection:
            lock = self.write_lock if write else None
            if lock is not None:
                lock.acquire()
            try:
                with connection.begin():
                    yield connection
            finally:
                if lock is not None:
                    lock.release()


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
    Returned for `Database.transaction(write=True)`, which takes it before its first statement.
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
