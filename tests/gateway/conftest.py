"""Gateway fixtures in the style of Flask's tutorial: an app on a temporary database, a client, staff users. The
helpers behind them (and the constants tests use: PASSWORD, ALWAYS_OPEN, …) are in tests/support/gateway.py."""

from __future__ import annotations

import logging

import pytest

from gateway.services import staff_accounts
from tests.support.gateway import build_app, make_settings


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
