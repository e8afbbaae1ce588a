"""The real Rasa server and action server, started once for the end-to-end tests."""
import pytest

from tests.e2e.servers import BotServers


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    """Running servers on free loopback ports with a fresh SQLite tracker store."""
    servers = BotServers(workdir=tmp_path_factory.mktemp("bot"))
    servers.start_actions()
    servers.start_rasa()
    try:
        servers.wait_ready()
        yield servers
    finally:
        servers.stop()
