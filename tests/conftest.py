"""Fixtures shared by the app-environment suites (tests/e2e, tests/gateway).

`bot` starts the real Rasa server and action server once per session, on free loopback ports, with a fresh
SQLite tracker store; suites that do not ask for it never start it.
"""
import pytest

from tests.e2e.servers import BotServers


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
