"""Production mode on one machine: PostgreSQL (gateway database + Rasa's tracker store) and Redis from Debian's
packages, started by this fixture in temporary directories on free loopback ports; two Rasa instances with their
action servers; the gateway under gunicorn with two workers sharing Redis. Expensive to start (about a minute),
so one stack serves the whole directory; tests that break a part bring it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

import pytest
import requests

from gateway.rasa_client import RasaClient
from tests.support.servers import (
    Bot,
    GatewayServer,
    Postgres,
    Redis,
    need,
    open_hours,
    postgres_available,
    redis_available,
    start_bots,
)


@dataclass
class Prod:
    pg: Postgres
    redis: Redis
    bots: List[Bot]
    gateway: GatewayServer

    @property
    def database_url(self) -> str:
        return self.pg.url("gateway")

    @property
    def tracker_db_url(self) -> str:
        return self.pg.url("rasa")

    def bot_of(self, sender: str, channel: str = "rest") -> Bot:
        """The Rasa instance the gateway routes this conversation to."""
        router = RasaClient([b.rasa_url for b in self.bots], "t", [b.action_url for b in self.bots])
        url = router.instance(f"{channel}:{sender}")
        return next(b for b in self.bots if b.rasa_url == url)

    def healthz(self) -> requests.Response:
        return requests.get(f"{self.gateway.url}/healthz", timeout=15)

    def ensure_up(self) -> None:
        if self.redis.proc is None or self.redis.proc.poll() is not None:
            self.redis.start()
        for bot in self.bots:
            for name in ("actions", "rasa"):
                if bot.procs[name].poll() is not None:
                    bot.restart(name)
        if self.gateway.proc is None or self.gateway.proc.poll() is not None:
            self.gateway.start()
        self.gateway.wait_ready(120)


@pytest.fixture(scope="session")
def prod(tmp_path_factory):
    need(
        postgres_available() and redis_available(),
        "needs Debian's postgresql and redis-server packages (.ci/run installs them)",
    )
    workdir = tmp_path_factory.mktemp("prod")
    pg = Postgres().start()
    redis = Redis(workdir / "redis").start()
    bots, gateway = [], None
    try:
        bots = start_bots(workdir, 2, tracker_db_url=pg.url("rasa"))
        gateway = GatewayServer.for_bots(
            workdir,
            bots,
            tracker_db_url=pg.url("rasa"),
            database_url=pg.url("gateway"),
            redis_url=redis.url,
            workers=2,
            threads=8,
            extra_env={
                # every test citizen comes from 127.0.0.1 and retries every 0.3 s while an
                # instance is down: per-address and per-conversation limits well above that
                # (the login limits stay at their defaults: tested here, shared by workers)
                "RATE_LIMIT_CONVERSATION": "60 per 10 seconds",
                "RATE_LIMIT_IP": "100000 per minute",
                "RATE_LIMIT_NEW_CONVERSATION": "100000 per minute",
                "RATE_LIMIT_HANDOFF": "100000 per minute",
            },
        )
        gateway.migrate()
        open_hours(gateway.db_url)
        gateway.start()
        gateway.wait_ready(180)
        yield Prod(pg, redis, bots, gateway)
    finally:
        if gateway is not None:
            gateway.stop()
        for bot in bots:
            bot.stop()
        redis.stop()
        pg.cleanup()


@pytest.fixture
def live(prod):
    prod.ensure_up()
    yield prod
    prod.ensure_up()
