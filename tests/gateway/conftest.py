"""Gateway fixtures in the style of Flask's tutorial: an app on a temporary database, a client, staff users; and the
same tests on SQLite and on PostgreSQL (a throw-away cluster started once per session when a test asks for it, a
fresh database per test, a Rasa + action server pair whose tracker store is on that cluster). The helpers behind
them (and the constants tests use: PASSWORD, ALWAYS_OPEN, …) are in tests/support/gateway.py and
tests/support/databases.py."""

from __future__ import annotations

import logging
from typing import List

import pytest

from gateway.services import staff_accounts
from tests.support.databases import BACKENDS, Backend, new_database
from tests.support.gateway import build_app, make_settings
from tests.support.servers import Bot, Postgres, need, postgres_available, start_bots


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes():
    """argon2 with its smallest cost for the accounts tests create (as tests/fuzz does): the same kind of hash,
    checked the same way, without a second of CPU per app."""
    from argon2 import PasswordHasher

    real = staff_accounts._hasher
    staff_accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    staff_accounts._hasher = real


@pytest.fixture
def app(tmp_path):
    """An app with no Rasa behind it (port 9 refuses connections)."""
    return build_app(make_settings(tmp_path))


@pytest.fixture
def live_app(tmp_path, bot):
    """An app talking to the real Rasa server and action server."""
    return build_app(
        make_settings(tmp_path, bot.rasa_url, bot.token, bot.action_url, f"sqlite:///{bot.workdir / 'tracker.db'}")
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def captured_logs(caplog):
    """All log records at DEBUG and above, for secret scans."""
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster for the session (skipped on a machine without it; CI installs it)."""
    need(postgres_available(), "PostgreSQL is not installed (apt-get install -y postgresql)")
    pg = Postgres().start(databases=())
    try:
        yield pg
    finally:
        pg.cleanup()


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


@pytest.fixture(params=BACKENDS)
def gateway_database(request, tmp_path) -> str:
    """A fresh gateway database URL for one test, on SQLite and on PostgreSQL (no Rasa needed)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    return new_database(request.getfixturevalue("postgres"))
