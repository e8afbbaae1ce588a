"""Fault tests: the real stack (Rasa + action server, the gateway under gunicorn) on loopback, killed and
broken on purpose. Every test is bounded: helper waits have deadlines, HTTP calls have timeouts, and a watchdog
ends the run with a traceback if a test hangs anyway.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.servers import Bot, GatewayServer, open_hours, start_bots


@dataclass
class Stack:
    bot: Bot
    gateway: GatewayServer

    @property
    def database_url(self) -> str:
        return self.gateway.db_url

    @property
    def tracker_db_url(self) -> str:
        return self.bot.tracker_url

    def in_flight(self) -> int:
        """Messages stored but not answered yet (SQLite gateway database)."""
        path = self.database_url[len("sqlite:///") :]
        with sqlite3.connect(path, timeout=5) as db:
            return db.execute(
                "SELECT count(*) FROM messages WHERE direction = 'in' AND status = 'received'"
            ).fetchone()[0]

    def ensure_up(self) -> None:
        """Restart whatever a test left down."""
        for name in ("actions", "rasa"):
            if self.bot.procs[name].poll() is not None:
                self.bot.restart(name)
        if self.gateway.proc is None or self.gateway.proc.poll() is not None:
            self.gateway.start()
        self.gateway.wait_ready(120)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Rasa + action server (SQLite tracker store) and the gateway (gunicorn, 1 worker, SQLite) for a module."""
    workdir: Path = tmp_path_factory.mktemp("faults")
    (bot,) = start_bots(workdir, 1)
    gateway = GatewayServer.for_bots(
        workdir,
        [bot],
        threads=8,
        extra_env={"RATE_LIMITS": "off"},
    )
    try:
        gateway.migrate()
        open_hours(gateway.db_url)
        gateway.start()
        gateway.wait_ready(120)
        yield Stack(bot, gateway)
    finally:
        gateway.stop()
        bot.stop()


@pytest.fixture
def live(stack):
    """The module's stack, brought back up before and after the test."""
    stack.ensure_up()
    yield stack
    stack.ensure_up()
