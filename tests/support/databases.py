"""Gateway databases of either kind for the tests: an empty one for the migration tests, a fresh PostgreSQL database
on a throw-away cluster, statements on any URL, and the `Backend` (the gateway database, Rasa's tracker store and the
Rasa pair writing to it) of the tests run on SQLite and on PostgreSQL. The fixtures that use them live in
tests/gateway/conftest.py."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from sqlalchemy import create_engine, text

from gateway.db import engine_url
from tests.support.servers import Postgres, need, postgres_available

BACKENDS = ("sqlite", "postgresql")


@contextmanager
def empty_database(kind: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database: an SQLite file in `directory`, or a throw-away PostgreSQL cluster (Debian's
    package; CI installs it) stopped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'gateway.db'}"
        return
    need(postgres_available(), "needs Debian's postgresql package (.ci/run installs it)")
    server = Postgres().start(databases=("gateway",))
    try:
        yield server.url("gateway")
    finally:
        server.stop()


def new_database(pg: Postgres, prefix: str = "gw") -> str:
    """A new empty database on the cluster; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = create_engine(engine_url(pg.url("postgres")), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return pg.url(name)


def query(url: str, sql: str, **params: Any) -> List[tuple]:
    """Rows of one statement on any database URL (SQLite or PostgreSQL), committed."""
    engine = create_engine(engine_url(url))
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


@dataclass
class Backend:
    """Where a test's gateway database and Rasa's tracker store live, and the Rasa pair writing to it."""

    name: str
    bot: Any  # tests.support.servers.Bot
    tracker_db_url: str
    pg: Optional[Postgres] = None

    def gateway_url(self, tmp_path: Path) -> str:
        """A fresh gateway database for one test."""
        if self.pg is None:
            return f"sqlite:///{tmp_path / 'gateway.db'}"
        return new_database(self.pg)


def settings_for(backend: Backend, tmp_path: Path, **overrides: Dict[str, Any]):
    """Test settings (tests.support.gateway.make_settings) on the backend's databases and its Rasa pair."""
    from tests.support.gateway import make_settings

    settings = make_settings(
        tmp_path, backend.bot.rasa_url, backend.bot.token, backend.bot.action_url, backend.tracker_db_url
    )
    settings.database_url = backend.gateway_url(tmp_path)
    for name, value in overrides.items():
        setattr(settings, name, value)
    return settings
