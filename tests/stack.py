"""The whole stack as real processes on loopback, for the fault tests, the production-mode tests and the load
benchmark (tools/bench_stack.py): Rasa + action server pairs (any tracker store URL), the gateway under gunicorn,
and PostgreSQL and Redis from Debian's packages started in a temporary directory on free ports.

Every wait is bounded; every process is started by us and stopped (or killed) by its own pid.
"""

from __future__ import annotations

import faulthandler
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests

from tests.e2e.servers import BotServers, free_port

ROOT = Path(__file__).resolve().parents[1]
APP_BIN = Path(sys.executable).parent
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


TEST_LIMIT_S = 300


@pytest.fixture(autouse=True)
def watchdog():
    """Dump the stacks and stop the run if one test takes longer than TEST_LIMIT_S (a hung server never hangs
    CI). Suites that start real processes import it into their conftest."""
    faulthandler.dump_traceback_later(TEST_LIMIT_S, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def wait_until(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll until predicate() is truthy; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not met after {timeout:.0f}s")
        time.sleep(interval)


def _alive(proc: Optional[subprocess.Popen]) -> bool:
    return proc is not None and proc.poll() is None


# ---------------------------------------------------------------------------------------------- Rasa pairs
@dataclass
class Bot(BotServers):
    """A Rasa server + action server pair that can use any tracker store and be killed and restarted."""

    tracker_db_url: Optional[str] = None
    extra_env: Dict[str, str] = field(default_factory=dict)
    stock: bool = False  # plain `rasa run`, without bot/serve.py's fixes (for before/after figures)

    def env(self) -> Dict[str, str]:
        env = super().env()
        if self.tracker_db_url:
            env["TRACKER_DB_URL"] = self.tracker_db_url
        env.update(self.extra_env)
        return env

    @property
    def tracker_url(self) -> str:
        return self.tracker_db_url or f"sqlite:///{self.workdir / 'tracker.db'}"

    def _spawn(self, name: str, args: List[str]) -> None:  # append to the log across restarts
        log = open(self.workdir / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)

    def start_rasa(self, model: Optional[Path] = None) -> None:
        if not self.stock:
            return super().start_rasa(model)
        from tests.e2e.servers import BOT_VENV, MODEL

        self._spawn(
            "rasa",
            [
                str(BOT_VENV / "bin/rasa"),
                "run",
                "--enable-api",
                f"--auth-token={self.token}",
                "-i",
                "127.0.0.1",
                "-p",
                str(self.rasa_port),
                "--endpoints",
                "bot/endpoints.yml",
                "--credentials",
                "bot/credentials.yml",
                "-m",
                str(model or MODEL),
            ],
        )

    def kill(self, name: str) -> None:
        """kill -9 one of the two processes and reap it."""
        proc = self.procs[name]
        if _alive(proc):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def restart(self, name: str, timeout: float = 300) -> float:
        """Start one process again (same port) and wait until the pair answers; returns seconds waited."""
        if _alive(self.procs.get(name)):
            self.kill(name)
        start = time.monotonic()
        if name == "rasa":
            wait_until(lambda: _port_free(self.rasa_port), 30, what="Rasa port free")
            self.start_rasa()
        else:
            wait_until(lambda: _port_free(self.action_port), 30, what="action port free")
            self.start_actions()
        self.wait_ready(timeout)
        return time.monotonic() - start


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def start_bots(
    workdir: Path,
    count: int = 1,
    tracker_db_url: Optional[str] = None,
    timeout: float = 600,
    model: Optional[Path] = None,
    stock: bool = False,
) -> List[Bot]:
    """`count` pairs started side by side (same tracker store URL when given), ready."""
    bots: List[Bot] = []
    try:
        for i in range(count):
            bot_dir = workdir / f"bot{i + 1}"
            bot_dir.mkdir(parents=True, exist_ok=True)
            bot = Bot(workdir=bot_dir, tracker_db_url=tracker_db_url, stock=stock)
            bot.start_actions()
            bot.start_rasa(model)
            bots.append(bot)
        for bot in bots:
            bot.wait_ready(timeout)
    except BaseException:
        for bot in bots:
            bot.stop()
        raise
    return bots


# ----------------------------------------------------------------------------------------------- gateway
@dataclass
class GatewayServer:
    """The gateway under gunicorn (gthread) on a free loopback port."""

    workdir: Path
    rasa_urls: List[str]
    action_urls: List[str]
    token: str
    tracker_db_url: str
    database_url: Optional[str] = None
    redis_url: Optional[str] = None
    workers: int = 1
    threads: int = 16
    app: str = "gateway:create_app()"
    root: Path = ROOT
    extra_env: Dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))  # one per gateway, random
    proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.workdir / 'gateway.db'}"

    def env(self) -> Dict[str, str]:
        env = {
            **os.environ,
            "PYTHONPATH": str(self.root) if self.root == ROOT else f"{self.root}:{ROOT}",
            "APP_ENV": "development",
            "DATABASE_URL": self.db_url,
            "TRACKER_DB_URL": self.tracker_db_url,
            "RASA_URLS": ",".join(self.rasa_urls),
            "ACTION_SERVER_URLS": ",".join(self.action_urls),
            "RASA_TOKEN": self.token,
            "SECRET_KEY": self.secret_key,
            "CONTENT_OVERRIDES": str(self.workdir / "content-overrides.yml"),
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": "ignore::DeprecationWarning",
        }
        env.pop("REDIS_URL", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        return env

    def migrate(self) -> None:
        subprocess.run(
            [str(APP_BIN / "python"), "-m", "flask", "--app", "gateway", "db-upgrade"],
            cwd=self.root,
            env=self.env(),
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )

    def start(self) -> None:
        log = open(self.workdir / "gateway.log", "ab")
        self.proc = subprocess.Popen(
            [
                str(APP_BIN / "gunicorn"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--worker-class",
                "gthread",
                "--graceful-timeout",
                "10",
                "--timeout",
                "60",
                "--keep-alive",
                "30",
                self.app,
            ],
            cwd=self.root,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 120, healthy: bool = True) -> None:
        """Until /healthz answers (200 when `healthy`, any answer otherwise)."""

        def ready():
            if not _alive(self.proc):
                raise RuntimeError(f"gateway exited:\n{self.log()[-3000:]}")
            try:
                response = requests.get(f"{self.url}/healthz", timeout=10)
                return response.status_code == 200 or not healthy
            except requests.RequestException:
                return False

        wait_until(ready, timeout, 0.3, "gateway healthy")

    def log(self) -> str:
        path = self.workdir / "gateway.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def worker_pids(self) -> List[int]:
        from tools.bench_stack import children

        return children(self.proc.pid) if _alive(self.proc) else []

    def kill(self) -> None:
        """kill -9 the master and every worker."""
        if not _alive(self.proc):
            return
        pids = self.worker_pids()
        os.kill(self.proc.pid, signal.SIGKILL)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)
        wait_until(lambda: _port_free(self.port), 30, what="gateway port free")

    def stop(self) -> None:
        if _alive(self.proc):
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


# ------------------------------------------------------------------------------------ PostgreSQL and Redis
def _as_postgres(cmd: List[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a PostgreSQL tool as the `postgres` user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def postgres_available() -> bool:
    return bool(PG_BIN_DIRS) and (os.geteuid() != 0 or _has_user("postgres"))


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@dataclass
class Postgres:
    """A throw-away PostgreSQL cluster (Debian's postgresql package) on 127.0.0.1, trust auth, fsync off.

    Its directory is its own (under /tmp, owned by `postgres` when we are root: initdb refuses root, and the
    pytest/tempfile directories are not reachable by another user); `cleanup()` removes it."""

    workdir: Optional[Path] = None
    port: int = field(default_factory=free_port)
    user: str = "vneid"

    def __post_init__(self) -> None:
        import tempfile

        self.workdir = Path(tempfile.mkdtemp(prefix="vneid-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres")

    @property
    def bin(self) -> Path:
        return PG_BIN_DIRS[0]

    @property
    def datadir(self) -> Path:
        return self.workdir / "pgdata"

    def url(self, db: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{db}"

    def start(self, databases=("gateway", "rasa")) -> "Postgres":
        if not self.datadir.exists():
            _as_postgres(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.datadir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ],
                timeout=120,
            )
        self._ctl("start")
        psql = [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q", "-c"]
        if self.user not in self._query("SELECT rolname FROM pg_roles"):
            _as_postgres(psql + [f"CREATE ROLE {self.user} LOGIN SUPERUSER"], timeout=30)
        existing = self._query("SELECT datname FROM pg_database")
        for db in databases:
            if db not in existing:
                _as_postgres(psql + [f"CREATE DATABASE {db} OWNER {self.user}"], timeout=30)
        return self

    def _query(self, sql: str) -> str:
        return _as_postgres(
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-tA", "-c", sql],
            timeout=30,
        ).stdout

    def _ctl(self, action: str) -> None:
        args = [str(self.bin / "pg_ctl"), "-D", str(self.datadir), "-w", "-t", "60"]
        if action == "start":
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={self.port} -c fsync=off "
                f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                f"-c unix_socket_directories={self.workdir}"
            )
            args += ["-o", options, "-l", str(self.workdir / "postgres.log"), "start"]
        else:
            args += ["-m", "immediate" if action == "kill" else "fast", "stop"]
        _as_postgres(args, timeout=90)

    def stop(self) -> None:
        """Stop the server (fast shutdown); the data stays for a later start()."""
        try:
            self._ctl("stop")
        except subprocess.CalledProcessError:
            pass

    def crash(self) -> None:
        """Stop at once, without a clean shutdown (as if it died)."""
        try:
            self._ctl("kill")
        except subprocess.CalledProcessError:
            pass

    def cleanup(self) -> None:
        """Stop and remove the cluster's directory."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log(self) -> str:
        path = self.workdir / "postgres.log"
        return path.read_text(errors="replace") if path.exists() else ""


@dataclass
class Redis:
    """A throw-away redis-server (Debian's redis-server package) on 127.0.0.1, no persistence."""

    workdir: Path
    port: int = field(default_factory=free_port)
    proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "Redis":
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / "redis.log", "ab")
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=1)

        def up():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        wait_until(up, 30, 0.1, "redis up")
        return self

    def stop(self) -> None:
        if _alive(self.proc):
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def redis_available() -> bool:
    return shutil.which("redis-server") is not None or Path("/usr/bin/redis-server").exists()


def need(available: bool, message: str) -> None:
    """Skip when a Debian package is missing on a developer's machine; fail in CI (.ci/run installs them)."""
    import pytest

    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def open_hours(database_url: str) -> None:
    """Working hours around the clock in a gateway database, so a handoff waits for staff at any time of day."""
    from gateway.db import Database
    from gateway.services import runtime_settings
    from tests.support.gateway import ALWAYS_OPEN

    db = Database(database_url)
    with db.session() as session:
        runtime_settings.put(session, "working_hours", ALWAYS_OPEN)
    db.engine.dispose()
