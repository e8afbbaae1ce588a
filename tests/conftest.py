"""Fixtures shared by the app-environment suites (tests/e2e, tests/gateway).

`bot` starts the real Rasa server and action server once per session, on free loopback ports, with a fresh
SQLite tracker store; suites that do not ask for it never start it.
"""

from pathlib import Path

import pytest

from tests.e2e.servers import BotServers

HERE = Path(__file__).resolve().parent
# a test is `stack` when it needs a running server or a built app, `browser` when it drives chromium, `slow` when
# it belongs to the fault, fuzzing or production-shape suites; every other test is `unit` (`make check` runs those)
STACK_FIXTURES = {
    "bot",
    "live_app",
    "app",
    "client",
    "zalo_app",
    "live_zalo_app",
    "stack",
    "province",
    "backend",
    "postgres",
    "gateway_database",
    "gateway",
    "widget_server",
    "aid_server",
}
SLOW_DIRS = {"faults", "fuzz", "prod", "e2e"}


def pytest_collection_modifyitems(config, items):
    """Mark every test by what it needs (markers declared in pyproject.toml)."""
    for item in items:
        try:
            suite = Path(str(item.fspath)).resolve().relative_to(HERE).parts[0]
        except ValueError:
            suite = ""
        needs = set(getattr(item, "fixturenames", ()))
        if suite == "browser":
            item.add_marker(pytest.mark.browser)
        if suite in SLOW_DIRS:
            item.add_marker(pytest.mark.slow)
        if suite in SLOW_DIRS or suite == "browser" or needs & STACK_FIXTURES:
            item.add_marker(pytest.mark.stack)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    """Running Rasa server + action server."""
    servers = BotServers(workdir=tmp_path_factory.mktemp("bot"))
    servers.start_actions()
    servers.start_rasa()
    try:
        servers.wait_ready()
        yield servers
    finally:
        servers.stop()
