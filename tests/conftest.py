"""Fixtures shared by the app-environment suites (tests/e2e, tests/gateway, …) and the markers of every test.

`bot` starts the real Rasa server and action server once per session, on free loopback ports, with a fresh
SQLite tracker store; suites that do not ask for it never start it. The suites that start real processes are
bounded by `watchdog`. The helpers behind the fixtures are in tests/support/.
"""

import faulthandler
from pathlib import Path

import pytest

from tests.support.servers import Bot

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
# suites that start real processes: a test longer than TEST_LIMIT_S dumps the stacks and stops the run
BOUNDED_DIRS = {"faults", "prod", "e2e", "zalo"}
TEST_LIMIT_S = 300


def _suite(item) -> str:
    """The directory under tests/ a test is in ("" outside tests/)."""
    try:
        return Path(str(item.fspath)).resolve().relative_to(HERE).parts[0]
    except ValueError:
        return ""


def pytest_collection_modifyitems(config, items):
    """Mark every test by what it needs (markers declared in pyproject.toml)."""
    for item in items:
        suite = _suite(item)
        needs = set(getattr(item, "fixturenames", ()))
        if suite == "browser":
            item.add_marker(pytest.mark.browser)
        if suite in SLOW_DIRS:
            item.add_marker(pytest.mark.slow)
        if suite in SLOW_DIRS or suite == "browser" or needs & STACK_FIXTURES:
            item.add_marker(pytest.mark.stack)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(autouse=True)
def watchdog(request):
    """In the suites that start real processes, dump the stacks and stop the run if one test takes longer than
    TEST_LIMIT_S (a hung server never hangs CI)."""
    if _suite(request.node) not in BOUNDED_DIRS:
        yield
        return
    faulthandler.dump_traceback_later(TEST_LIMIT_S, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    """Running Rasa server + action server."""
    servers = Bot(workdir=tmp_path_factory.mktemp("bot"))
    servers.start_actions()
    servers.start_rasa()
    try:
        servers.wait_ready()
        yield servers
    finally:
        servers.stop()
