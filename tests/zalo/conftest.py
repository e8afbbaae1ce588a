"""Zalo channel fixtures: a fake Zalo server on a free loopback port and gateway apps pointed at it. The helpers
(settings, the citizen posting signed events, `pump`) are in tests/support/zalo.py; every test here is bounded by
the watchdog of tests/conftest.py.
"""

from __future__ import annotations

import pytest

from tests.support.gateway import build_app
from tests.support.zalo import open_hours, zalo_settings
from tools.fake_zalo import FakeZalo


@pytest.fixture
def fake():
    """The fake Zalo server."""
    server = FakeZalo().start()
    yield server
    server.stop()


@pytest.fixture
def zalo_app(tmp_path, fake):
    """A gateway with Zalo on and no Rasa behind it (for what needs no bot)."""
    app = build_app(zalo_settings(tmp_path, fake))
    open_hours(app)
    yield app
    app.extensions["zalo"].stop()


@pytest.fixture
def live_zalo_app(tmp_path, fake, bot):
    """A gateway with Zalo on, the real Rasa server and action server behind it."""
    app = build_app(zalo_settings(tmp_path, fake, bot))
    open_hours(app)
    yield app
    app.extensions["zalo"].stop()
