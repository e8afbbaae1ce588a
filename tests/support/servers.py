"""The stack as real processes on loopback, for the tests and the benchmarks (tools/bench_*.py): Rasa + action
server pairs (any tracker store URL), the gateway under gunicorn, its worker, and PostgreSQL and Redis from Debian's
packages started in a temporary directory on free ports.

Every wait is bounded; every process is started by us and stopped (or killed) by its own pid.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[2]
APP_BIN = Path(sys.executable).parent
BOT_VENV = Path(os.environ.get("BOT_VENV", ROOT / ".venv-bot"))
MODEL = Path(os.environ.get("MODEL_PATH", ROOT / "models" / "tro-ly-vneid.tar.gz"))
TOKEN = secrets.token_urlsafe(24)  # Rasa's HTTP API token for this test run (every pair shares it)
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    """Whether a process could listen on 127.0.0.1:`port` now (a killed server's port is released)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_for(predicate, timeout: float, what: str = "condition", interval: float = 0.05):
    """Poll until predicate() is truthy and return its value; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def _alive(proc: Optional[subprocess.Popen]) -> bool:
    return proc is not None and proc.poll() is None


def need(available: bool, message: str) -> None:
    """Skip when a Debian package is missing on a developer's machine; fail in CI (.ci/run installs them)."""
    import pytest

    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


# ---------------------------------------------------------------------------------------------- Rasa pairs
@dataclass
class Bot:
    """A Rasa server + action server pair with their logs (appended across restarts): any tracker store (SQLite in
    `workdir` by default), extra environment, killed and restarted on demand."""

    workdir: Path
    token: str = TOKEN
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    procs: Dict[str, subprocess.Popen] = field(default_factory=dict)
    tracker_db_url: Optional[str] = None
    extra_env: Dict[str, str] = field(default_factory=dict)
    stock: bool = False  # plain `rasa run`, without bot/serve.py's fixes (for before/after figures)
    debug: bool = False  # the action server with --debug (it logs what it receives)

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        """Base URL of the action server."""
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def tracker_url(self) -> str:
        """Rasa's tracker store."""
        return self.tracker_db_url or f"sqlite:///{self.workdir / 'tracker.db'}"

    def env(self) -> Dict[str, str]:
        """Environment of both processes (as bin/env.sh sets it)."""
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SANIC_HOST": "127.0.0.1",
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "ACTION_ENDPOINT_URL": f"{self.action_url}/webhook",
            "TRACKER_DB_URL": self.tracker_url,
            "CONTENT_DIR": os.environ.get("CONTENT_DIR", str(ROOT / "content")),
            "CONTENT_OVERRIDES": str(self.workdir / "content-overrides.yml"),
            **self.extra_env,
        }

    def _spawn(self, name: str, args: List[str]) -> None:
        log = open(self.workdir / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)

    def start_actions(self) -> None:
        """Start the action server."""
        args = [str(BOT_VENV / "bin/rasa"), "run", "actions", "--actions", "bot.actions", "-p", str(self.action_port)]
        self._spawn("actions", args + (["--debug"] if self.debug else []))

    def start_rasa(self, model: Optional[Path] = None) -> None:
        """Start the Rasa server with the HTTP API (token-protected) and the REST channel: through bot/serve.py
        (`rasa run` with the project's measured fixes, as Procfile and systemd start it) unless `stock`."""
        model = model or MODEL
        if not model.exists():
            raise FileNotFoundError(f"{model} is missing: run `make train` first")
        command = [str(BOT_VENV / "bin/rasa")] if self.stock else [str(BOT_VENV / "bin/python"), "-m", "bot.serve"]
        self._spawn(
            "rasa",
            command
            + [
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
                str(model),
            ],
        )

    def wait_ready(self, timeout: float = 240) -> float:
        """Block until both answer (Rasa with a model loaded); returns the seconds waited."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log(name)[-3000:]}")
            try:
                actions_ok = requests.get(f"{self.action_url}/health", timeout=2).ok
                status = requests.get(f"{self.rasa_url}/status", params={"token": self.token}, timeout=2)
                if actions_ok and status.ok and status.json().get("model_id"):
                    return time.monotonic() - start
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"servers not ready after {timeout}s:\n{self.log('rasa')[-3000:]}")

    def log(self, name: str) -> str:
        """The captured output of a process."""
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def say(self, sender: str, message: str) -> List[dict]:
        """Send one message through Rasa's REST channel; returns the bot's replies."""
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict:
        """The conversation's tracker from the HTTP API."""
        response = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=10
        )
        response.raise_for_status()
        return response.json()

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
            wait_for(lambda: port_free(self.rasa_port), 30, "Rasa port free", 0.2)
            self.start_rasa()
        else:
            wait_for(lambda: port_free(self.action_port), 30, "action port free", 0.2)
            self.start_actions()
        self.wait_ready(timeout)
        return time.monotonic() - start

    def stop(self) -> None:
        """Stop both processes."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


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
    """The gateway under gunicorn (gthread) on a free loopback port; with `access_log`, gunicorn's access log goes
    to gateway.log too (as the Procfile starts it)."""

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
    access_log: bool = False
    proc: Optional[subprocess.Popen] = None

    @classmethod
    def for_bots(cls, workdir: Path, bots: List["Bot"], tracker_db_url: Optional[str] = None, **options):
        """A gateway in front of these Rasa instances (their token; their tracker store unless another is given)."""
        urls = dict(
            rasa_urls=[b.rasa_url for b in bots],
            action_urls=[b.action_url for b in bots],
            token=bots[0].token,
            tracker_db_url=tracker_db_url or bots[0].tracker_url,
        )
        return cls(workdir, **urls, **options)

    @property
    def url(self) -> str:
        """Base URL of the gateway."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_url(self) -> str:
        """The gateway database (SQLite in `workdir` by default)."""
        return self.database_url or f"sqlite:///{self.workdir / 'gateway.db'}"

    def env(self) -> Dict[str, str]:
        """Environment of the gateway's processes (also the worker's and the `flask` commands')."""
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
        """`flask db-upgrade` on the gateway database."""
        subprocess.run(
            [str(APP_BIN / "python"), "-m", "flask", "--app", "gateway", "db-upgrade"],
            cwd=self.root,
            env=self.env(),
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )

    def start(self) -> None:
        """Start gunicorn (returns at once: `wait_ready`)."""
        log = open(self.workdir / "gateway.log", "ab")
        args = [
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
        ]
        # the access log is the Procfile's; the keep-alive is for clients that read their answers later
        args += ["--access-logfile", "-"] if self.access_log else ["--keep-alive", "30"]
        self.proc = subprocess.Popen(
            args + [self.app], cwd=self.root, env=self.env(), stdout=log, stderr=subprocess.STDOUT
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

        wait_for(ready, timeout, "gateway healthy", 0.3)

    def log(self) -> str:
        """What gunicorn and the app wrote."""
        path = self.workdir / "gateway.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def worker_pids(self) -> List[int]:
        """The pids of gunicorn's workers."""
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
        wait_for(lambda: port_free(self.port), 30, "gateway port free", 0.2)

    def stop(self) -> None:
        """SIGTERM, then kill -9 after 30 s."""
        if _alive(self.proc):
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Worker:
    """`python -m gateway.worker` (the Procfile's `worker`), as its own process, logging to worker.log."""

    workdir: Path
    env: Dict[str, str]
    proc: Optional[subprocess.Popen] = None

    def start(self) -> None:
        """Start the worker."""
        assert self.proc is None or self.proc.poll() is not None
        log = open(self.workdir / "worker.log", "ab")
        self.proc = subprocess.Popen(
            [str(APP_BIN / "python"), "-m", "gateway.worker"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        """SIGTERM (the worker finishes its iteration) and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def log(self) -> str:
        """What the worker wrote."""
        path = self.workdir / "worker.log"
        return path.read_text(errors="replace") if path.exists() else ""


def open_hours(database_url: str) -> None:
    """Working hours around the clock in a gateway database, so a handoff waits for staff at any time of day."""
    from gateway.db import Database
    from gateway.services import runtime_settings
    from tests.support.gateway import ALWAYS_OPEN

    db = Database(database_url)
    with db.session() as session:
        runtime_settings.put(session, "working_hours", ALWAYS_OPEN)
    db.engine.dispose()


# ------------------------------------------------------------------------------------ PostgreSQL and Redis
def _as_postgres(cmd: List[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a PostgreSQL tool as the `postgres` user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def postgres_available() -> bool:
    """Debian's postgresql package is installed (and, as root, its `postgres` user exists)."""
    return bool(PG_BIN_DIRS) and (os.geteuid() != 0 or _has_user("postgres"))


def redis_available() -> bool:
    """Debian's redis-server package is installed."""
    return shutil.which("redis-server") is not None or Path("/usr/bin/redis-server").exists()


@dataclass
class Postgres:
    """A throw-away PostgreSQL cluster (Debian's postgresql package) on 127.0.0.1, trust auth, fsync off.

    Its directory is its own (under /tmp, owned by `postgres` when we are root: initdb refuses root, and the
    pytest/tempfile directories are not reachable by another user); `cleanup()` removes it."""

    workdir: Optional[Path] = None
    port: int = field(default_factory=free_port)
    user: str = "vneid"

    def __post_init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="vneid-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres")

    @property
    def bin(self) -> Path:
        """The newest installed PostgreSQL's bin directory."""
        return PG_BIN_DIRS[0]

    @property
    def datadir(self) -> Path:
        """The cluster's data directory."""
        return self.workdir / "pgdata"

    def url(self, db: str) -> str:
        """The URL of one database of the cluster."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{db}"

    def start(self, databases=("gateway", "rasa")) -> "Postgres":
        """initdb (the first time), start, and create the role and the databases missing."""
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
        """The server's log."""
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
        """The server's URL (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "Redis":
        """Start the server and wait until it answers PING."""
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

        wait_for(up, 30, "redis up", 0.1)
        return self

    def stop(self) -> None:
        """SIGTERM, then kill after 10 s."""
        if _alive(self.proc):
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
