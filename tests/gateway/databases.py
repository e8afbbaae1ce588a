"""The same gateway tests on SQLite and on PostgreSQL: a throw-away PostgreSQL cluster (tests/stack.Postgres, Debian's
package, loopback, free port) started once per session when a test asks for it, a fresh database per test, and a
Rasa + action server pair whose tracker store is on that cluster. Import the fixtures into a test module
(`from tests.gateway.databases import postgres, backend  # noqa: F401`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from sqlalchemy import create_engine, text

from gateway.db import engine_url
from tests.stack import Bot, Postgres, need, postgres_available, start_bots

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster for the session (skipped on a machine without it; CI installs it)."""
    need(postgres_available(), "PostgreSQL is not installed (apt-get install -y postgresql)")
    pg = Postgres().start(databases=())
    try:
        yield pg
    finally:
        pg.cleanup()


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
    bot: Any  # tests.e2e.servers.BotServers
    tracker_db_url: str
    pg: Optional[Postgres] = None

    def gateway_url(self, tmp_path: Path) -> str:
        """A fresh gateway database for one test."""
        if self.pg is None:
            return f"sqlite:///{tmp_path / 'gateway.db'}"
        return new_database(self.pg)


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request, tmp_path_factory):
    """SQLite: the session's Rasa pair (`bot`, SQLite tracker store). PostgreSQL: a Rasa pair of the module whose
    tracker store is a database of the session's cluster."""
    if request.param == "sqlite":
        bot = request.getfixturevalue("bot")
        yield Backend("sqlite", bot, f"sqlite:///{bot.workdir / 'tracker.db'}")
        return
    pg = request.getfixturevalue("postgres")
    tracker = new_database(pg, "rasa")
    bots: List[Bot] = start_bots(tmp_path_factory.mktemp("pg-bot"), 1, tracker_db_url=tracker)
    try:
        yield Backend("postgresql", bots[0], tracker, pg)
    finally:
        for bot in bots:
            bot.stop()


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


@pytest.fixture(params=BACKENDS)
def gateway_database(request, tmp_path) -> str:
    """A fresh gateway database URL for one test, on SQLite and on PostgreSQL (no Rasa needed)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    return new_database(request.getfixturevalue("postgres"))
