"""Load benchmark of the whole stack (`make bench-stack`): gateway under gunicorn → Rasa → action server.

Starts the real Rasa server(s) and action server(s) and the gateway under gunicorn on loopback, then drives N
concurrent citizens (closed loop, no think time) through realistic multi-turn conversations (buttons and free
text, problems, a question, a secret, the outcome; each conversation a new sender) for a fixed duration:
  1. through the gateway (`POST /webhooks/rest/webhook`, with an Idempotency-Key, as the widget sends), then
  2. the same load straight to Rasa's REST channel (`POST /webhooks/rest/webhook` on the Rasa server),
and prints throughput, p50/p95/p99 per message (only messages that started and ended inside the measured window),
the gateway/Rasa ratio at p50, the CPU milliseconds each process spent per message (from /proc: a figure other
work on the machine hardly changes) and the memory (RSS) of every process.

The production shape on one machine: `--postgres --redis --rasa-instances 2 --workers 2 --threads 8` (PostgreSQL and
redis-server from Debian's packages, started in temporary directories on free ports). Before/after: `--stock-rasa`
(plain `rasa run`, without bot/serve.py) and `--gateway-root DIR` (another checkout's gateway, e.g.
`git archive HEAD | tar -x -C DIR`). `--profile` runs the gateway under a per-request cProfile counting each thread's
CPU time, aggregated over every thread, written to results/gateway.prof (profiled runs are slower: never quote their
latencies).

Usage (app environment; `make bench-stack ARGS="…"` sets the environment):
  python -m tools.bench_stack [--concurrency 16] [--rate R] [--duration 60] [--warmup 10] [--workers 1] [--threads 16]
                              [--rasa-instances 1] [--rounds 1] [--postgres] [--redis] [--profile] [--json FILE]
Other processes on the machine change the latencies: run it on a quiet machine (the load average is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import MODEL, Bot, GatewayServer, Postgres, Redis, open_hours, start_bots  # noqa: E402

# Realistic conversations (each line one citizen message): buttons (payloads) and free text with and without
# diacritics, problems, questions mid-flow, a secret the gateway redacts, the outcome. Every one of them gets at
# least one reply from the bot.
SCRIPTS: List[List[str]] = [
    # flow A by button, a question mid-flow, OTP not received in shorthand, back to the step, logged in
    [
        "xin chào",
        "/choose_password_otp",
        "xong rồi",
        "/step_done",
        "tại sao phải dùng tài khoản VNeID?",
        "/step_done",
        "ko nhan dc ma otp",
        "/affirm",
        "/step_done",
        "/step_done",
        "/affirm",
    ],
    # flow B in words, a problem in free text, not solved, retried, finished, not logged in, asks for a person
    [
        "chào bạn",
        "tôi muốn đăng nhập bằng quét mã qr",
        "/step_done",
        "quét mã qr mãi không được",
        "/deny",
        "/step_done",
        "xong",
        "/step_done",
        "/step_done",
        "/step_done",
        "/step_done",
        "/step_done",
        "/deny",
        "cho tôi gặp cán bộ xã",
    ],
    # unsure which way, a secret pasted (redacted by the gateway), office hours, then flow A and goodbye
    [
        "hi",
        "/unsure_flow",
        "mat khau cua toi la Abc@12345 co sao khong",
        "xã làm việc mấy giờ",
        "/choose_password_otp",
        "/step_done",
        "quen mat khau thi lam sao",
        "/affirm",
        "cảm ơn, tạm biệt",
    ],
    # a pasted error message, level 2 question, a scam report, flow A to the end
    [
        "tài khoản định danh điện tử mức 2 là gì",
        "/choose_password_otp",
        "Số định danh cá nhân không tồn tại",
        "/affirm",
        "có người gọi điện bảo tôi đọc mã otp cho họ",
        "/step_done",
        "/step_done",
        "/step_done",
        "/step_done",
        "đăng nhập được rồi, cảm ơn",
    ],
]


def pct(values: List[float], q: float) -> float:
    """q-th percentile by nearest rank (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB (VmRSS from /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> List[int]:
    """Direct children of a process (e.g. gunicorn's workers)."""
    out: List[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    if task_dir.exists():
        for task in task_dir.iterdir():
            try:
                out += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


def cpu_seconds(pid: int, tree: bool = False) -> float:
    """CPU time (user + system) a process has used so far, in seconds (from /proc); `tree` adds its children,
    live and finished (PostgreSQL's backends)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        if tree:
            ticks += int(fields[13]) + int(fields[14])
    except (OSError, IndexError, ValueError):
        return 0.0
    total = ticks / os.sysconf("SC_CLK_TCK")
    if tree:
        total += sum(cpu_seconds(child, True) for child in children(pid))
    return total


TREES = ("postgresql", "redis")  # processes whose children count too


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# ------------------------------------------------------------------------------------------------ the gateway
class Gateway(GatewayServer):
    """The gateway under gunicorn for the benchmark: rate limits on (their cost is part of the figure) but high
    enough never to refuse the benchmark's citizens, who all come from 127.0.0.1 and type faster than people."""

    profile: Optional[Path] = None

    def env(self) -> Dict[str, str]:
        env = super().env()
        env.update(
            {
                "RATE_LIMIT_IP": "100000 per minute",
                "RATE_LIMIT_CONVERSATION": "100000 per minute",
                "RATE_LIMIT_NEW_CONVERSATION": "100000 per minute",
                "RATE_LIMIT_HANDOFF": "100000 per minute",
            }
        )
        if self.profile:
            env["BENCH_PROFILE"] = str(self.profile)
        return env

    def pids(self) -> Dict[str, int]:
        out = {"gunicorn master": self.proc.pid}
        for i, pid in enumerate(children(self.proc.pid)):
            out[f"gunicorn worker {i + 1}"] = pid
        return out


# ----------------------------------------------------------------------------------------------- the load
@dataclass
class Sample:
    start: float
    ms: float
    ok: bool


class Load:
    """N citizens, each conversation a new sender and a random script. Closed loop (no think time: the next
    message leaves as soon as the answer came, so the faster path gets more messages) or paced (`rate`: the N
    citizens together send `rate` messages per second, each one message every N/rate seconds, staggered; a late
    answer delays only that citizen's next message): the same offered load for both paths."""

    def __init__(
        self,
        url,
        concurrency: int,
        gateway: bool,
        seed: int = 8,
        rate: Optional[float] = None,
        communes: Optional[List[str]] = None,
    ) -> None:
        urls = [url] if isinstance(url, str) else list(url)
        self.communes = list(communes or [])  # each conversation writes to one of them (metadata.commune)
        self.urls = [u.rstrip("/") + "/webhooks/rest/webhook" for u in urls]  # several: split like the gateway
        self.concurrency = concurrency
        self.gateway = gateway
        self.seed = seed
        self.interval = concurrency / rate if rate else 0.0
        self.samples: List[Sample] = []
        self.errors: Dict[str, int] = {}
        self._lock = threading.Lock()

    def _citizen(self, index: int, stop_at: float) -> None:
        rng = random.Random(self.seed * 1000 + index)
        http = requests.Session()
        next_at = time.monotonic() + self.interval * index / self.concurrency
        while time.monotonic() < stop_at:
            script = rng.choice(SCRIPTS)
            sender = f"bench-{uuid.uuid4().hex[:12]}"
            metadata = {"commune": rng.choice(self.communes)} if self.gateway and self.communes else None
            url = self.urls[zlib.crc32(sender.encode()) % len(self.urls)]
            for n, text in enumerate(script):
                if self.interval:
                    time.sleep(max(0.0, next_at - time.monotonic()))
                    next_at = max(next_at + self.interval, time.monotonic())
                if time.monotonic() >= stop_at:
                    break
                headers = {"Idempotency-Key": f"{sender}-{n}"} if self.gateway else {}
                t0 = time.perf_counter()
                start = time.monotonic()
                ok, why = True, ""
                try:
                    body = {"sender": sender, "message": text}
                    if metadata:
                        body["metadata"] = metadata
                    response = http.post(url, json=body, headers=headers, timeout=60)
                    if response.status_code != 200:
                        ok, why = False, f"HTTP {response.status_code}"
                    elif not response.json():
                        ok, why = False, "no reply"
                except (requests.RequestException, ValueError) as exc:
                    ok, why = False, type(exc).__name__
                ms = (time.perf_counter() - t0) * 1000
                with self._lock:
                    self.samples.append(Sample(start, ms, ok))
                    if not ok:
                        self.errors[why] = self.errors.get(why, 0) + 1

    def run(self, seconds: float) -> None:
        stop_at = time.monotonic() + seconds
        threads = [
            threading.Thread(target=self._citizen, args=(i, stop_at), daemon=True) for i in range(self.concurrency)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 120)


@dataclass
class Result:
    name: str
    messages: int
    errors: Dict[str, int]
    seconds: float
    latencies: List[float]
    cpu_ms: Dict[str, float] = field(default_factory=dict)  # CPU ms per message, by process

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def row(self) -> Dict[str, float]:
        return {
            "messages": self.messages,
            "errors": sum(self.errors.values()),
            "throughput": round(self.throughput, 1),
            "p50": round(pct(self.latencies, 50), 1),
            "p95": round(pct(self.latencies, 95), 1),
            "p99": round(pct(self.latencies, 99), 1),
        }


def measure(
    name: str,
    url: str,
    concurrency: int,
    warmup: float,
    duration: float,
    gateway: bool,
    pids: Optional[Dict[str, int]] = None,
    rate: Optional[float] = None,
    communes: Optional[List[str]] = None,
) -> Result:
    """Warm up, then count only messages that started and ended inside the measured window. CPU time of the
    given processes is read at the window's edges: CPU milliseconds per message, whatever else runs."""
    load = Load(url, concurrency, gateway, rate=rate, communes=communes)
    pids = pids or {}
    t0 = time.monotonic()
    window_start = t0 + warmup
    window_end = window_start + duration
    cpu: Dict[str, float] = {}

    def sample_cpu():
        time.sleep(max(0.0, window_start - time.monotonic()))
        before = {k: cpu_seconds(p, k in TREES) for k, p in pids.items()}
        time.sleep(max(0.0, window_end - time.monotonic()))
        after = {k: cpu_seconds(p, k in TREES) for k, p in pids.items()}
        cpu.update({k: after[k] - before[k] for k in pids})

    sampler = threading.Thread(target=sample_cpu, daemon=True)
    sampler.start()
    load.run(warmup + duration)
    sampler.join(5)
    inside = [s for s in load.samples if window_start <= s.start and s.start + s.ms / 1000 <= window_end]
    ok = [s.ms for s in inside if s.ok]
    # messages handled during the window (for CPU per message): every sample that ended inside it
    handled = sum(1 for s in load.samples if window_start <= s.start + s.ms / 1000 <= window_end)
    cpu_ms = {k: round(1000 * v / handled, 1) if handled else 0.0 for k, v in cpu.items()}
    return Result(name, len(ok), load.errors, duration, ok, cpu_ms)


# ------------------------------------------------------------------------------------------- profiling
def profiled_app():
    """The gateway app wrapped in a per-request cProfile; the aggregate is written at exit (BENCH_PROFILE)."""
    import atexit
    import cProfile
    import pstats

    from gateway import create_app

    app = create_app()
    target = os.environ["BENCH_PROFILE"]
    lock = threading.Lock()
    state: Dict[str, object] = {"stats": None}

    def dump() -> None:
        with lock:
            if state["stats"] is not None:
                state["stats"].dump_stats(f"{target}.{os.getpid()}")

    inner = app.wsgi_app

    def middleware(environ, start_response):
        # CPU time of this thread (not wall time: waits for the GIL, Rasa or a lock are not the gateway's work)
        profiler = cProfile.Profile(time.thread_time)
        profiler.enable()
        try:
            return list(inner(environ, start_response))
        finally:
            profiler.disable()
            with lock:
                if state["stats"] is None:
                    state["stats"] = pstats.Stats(profiler)
                else:
                    state["stats"].add(profiler)

    app.wsgi_app = middleware  # type: ignore[assignment]
    atexit.register(dump)
    import signal

    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):  # gunicorn's worker exits through SystemExit: dump first
        dump()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, on_term)
    return app


def print_profile(prefix: Path, top: int = 30, out: Optional[Path] = None) -> str:
    import io
    import pstats

    files = sorted(prefix.parent.glob(prefix.name + ".*"))
    if not files:
        return "(no profile written)"
    stats = pstats.Stats(str(files[0]))
    for f in files[1:]:
        stats.add(str(f))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        stats.dump_stats(str(out))
    text = io.StringIO()
    stats.stream = text
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue() + (f"\n(profile written to {out})" if out else "")


# ---------------------------------------------------------------------------------------------- main
def main(argv: Optional[List[str]] = None) -> Dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="paced: messages per second offered by all the conversations together (default: "
        "closed loop, as fast as answers come)",
    )
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=16, help="threads per gunicorn worker")
    parser.add_argument("--rasa-instances", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="gateway/Rasa phases alternate this many times")
    parser.add_argument("--only", choices=["gateway", "rasa"], default=None)
    parser.add_argument("--profile", action="store_true", help="cProfile the gateway (slower; figures not valid)")
    parser.add_argument(
        "--profile-out",
        type=Path,
        default=ROOT / "results" / "gateway.prof",
        help="where the merged gateway profile is written (pstats format)",
    )
    parser.add_argument("--database-url", default=None, help="gateway database (default: SQLite in a temp dir)")
    parser.add_argument("--tracker-db-url", default=None, help="Rasa tracker store (default: SQLite per instance)")
    parser.add_argument("--redis-url", default=None)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="start PostgreSQL (Debian package) on a free port: gateway database + tracker store",
    )
    parser.add_argument("--redis", action="store_true", help="start redis-server (Debian package) on a free port")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--communes",
        type=int,
        default=1,
        help="communes configured (1: the default only; up to 166: `flask commune import`); "
        "conversations are spread over them (metadata.commune)",
    )
    parser.add_argument(
        "--stock-rasa", action="store_true", help="plain `rasa run` without bot/serve.py's fixes (the 'before' figure)"
    )
    parser.add_argument(
        "--forward-only",
        action="store_true",
        help="also measure, in each round, a gunicorn app that only forwards to Rasa (tools/forward_gateway.py): "
        "the cost of the HTTP hop itself, under the gateway's",
    )
    parser.add_argument(
        "--gateway-root",
        type=Path,
        default=None,
        help="run the gateway from another checkout (e.g. `git archive HEAD` unpacked: a baseline)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-stack-") as tmp:
        workdir = Path(tmp)
        bots: List[Bot] = []
        gateway: Optional[Gateway] = None
        forward: Optional[Gateway] = None
        postgres: Optional[Postgres] = None
        redis: Optional[Redis] = None
        try:
            if args.postgres:
                postgres = Postgres().start()
                args.database_url = args.database_url or postgres.url("gateway")
                args.tracker_db_url = args.tracker_db_url or postgres.url("rasa")
            if args.redis:
                redis = Redis(workdir / "redis").start()
                args.redis_url = args.redis_url or redis.url
            if args.rasa_instances > 1 and not args.tracker_db_url:
                # the gateway reads (and health-checks) one tracker store: the instances share it
                args.tracker_db_url = f"sqlite:///{workdir / 'tracker.db'}"
            t0 = time.monotonic()
            bots = start_bots(
                workdir, args.rasa_instances, args.tracker_db_url, model=args.model, stock=args.stock_rasa
            )
            ready = time.monotonic() - t0
            gateway = Gateway(
                workdir,
                [b.rasa_url for b in bots],
                [b.action_url for b in bots],
                bots[0].token,
                bots[0].tracker_url,
                database_url=args.database_url,
                redis_url=args.redis_url,
                workers=args.workers,
                threads=args.threads,
                app="tools.bench_stack:profiled_app()" if args.profile else "gateway:create_app()",
                root=args.gateway_root or ROOT,
            )
            gateway.profile = (workdir / "gateway.prof") if args.profile else None
            gateway.migrate()
            args.commune_slugs = configure_communes(gateway.db_url, args.communes)
            gateway.start()
            gateway.wait_ready()
            open_hours(gateway.db_url)
            if args.forward_only:
                forward = _forward_gateway(workdir, gateway)
            results: Dict[str, List[Result]] = {"gateway": [], "rasa": [], "forward": []}
            pids = dict(gateway.pids())
            for i, bot in enumerate(bots, 1):
                suffix = f" {i}" if len(bots) > 1 else ""
                pids[f"rasa server{suffix}"] = bot.procs["rasa"].pid
                pids[f"action server{suffix}"] = bot.procs["actions"].pid
            if postgres is not None:
                pids["postgresql"] = int((postgres.datadir / "postmaster.pid").read_text().split()[0])
            if redis is not None:
                pids["redis"] = redis.proc.pid
            args.pids = pids
            for _ in range(args.rounds):
                if args.only in (None, "gateway"):
                    results["gateway"].append(
                        measure(
                            "gateway",
                            gateway.url,
                            args.concurrency,
                            args.warmup,
                            args.duration,
                            gateway=True,
                            pids=pids,
                            rate=args.rate,
                            communes=args.commune_slugs,
                        )
                    )
                if forward is not None:
                    results["forward"].append(_measure_forward(forward, pids, args))
                if args.only in (None, "rasa"):
                    # the same load straight to Rasa's REST channel (one instance, or spread like the gateway)
                    results["rasa"].append(_measure_rasa(bots, args))
            memory = {name: rss_mb(pid) for name, pid in gateway.pids().items()}
            for i, bot in enumerate(bots, 1):
                suffix = f" {i}" if len(bots) > 1 else ""
                memory[f"rasa server{suffix}"] = rss_mb(bot.procs["rasa"].pid) + sum(
                    rss_mb(c) for c in children(bot.procs["rasa"].pid)
                )
                memory[f"action server{suffix}"] = rss_mb(bot.procs["actions"].pid) + sum(
                    rss_mb(c) for c in children(bot.procs["actions"].pid)
                )
            if args.profile:
                gateway.stop()
                profile_text = print_profile(workdir / "gateway.prof", out=args.profile_out)
        finally:
            if gateway is not None:
                gateway.stop()
            if forward is not None:
                forward.stop()
            for bot in bots:
                bot.stop()
            if redis is not None:
                redis.stop()
            if postgres is not None:
                postgres.cleanup()
        report = _report(args, results, memory, ready)
        if args.profile:
            print(profile_text)
    return report


def configure_communes(database_url: str, count: int) -> List[str]:
    """The default commune plus `count - 1` of the province's units (as `flask commune import` adds them), each
    with its own hotline set; their slugs."""
    from sqlalchemy import select

    from gateway.db import Database
    from gateway.models import Commune
    from gateway.services import communes

    db = Database(database_url)
    try:
        with db.session() as session:
            default = session.scalar(select(Commune.slug).order_by(Commune.id).limit(1))
            units = [u for u in communes.read_units() if u["slug"] != default][: max(0, count - 1)]
            communes.import_units(session, units)
            for n, unit in enumerate(units):
                row = session.scalar(select(Commune).where(Commune.slug == unit["slug"]))
                row.settings = {"hotline": f"0237.38{n:05d}"}
        return [default] + [u["slug"] for u in units]
    finally:
        db.engine.dispose()


def _measure_rasa(bots: List[Bot], args) -> Result:
    """The same load straight to Rasa's REST channel; with several instances, conversations are split between
    them by a hash of the conversation id, as the gateway does."""
    return measure(
        "rasa",
        [b.rasa_url for b in bots],
        args.concurrency,
        args.warmup,
        args.duration,
        gateway=False,
        pids=args.pids,
        rate=args.rate,
    )


def _forward_gateway(workdir: Path, gateway: Gateway) -> Gateway:
    """tools/forward_gateway.py under the same gunicorn settings, in front of the same Rasa instances."""
    (workdir / "forward").mkdir()
    forward = Gateway(
        workdir / "forward",
        gateway.rasa_urls,
        gateway.action_urls,
        gateway.token,
        gateway.tracker_db_url,
        workers=gateway.workers,
        threads=gateway.threads,
        app="tools.forward_gateway:create_app()",
    )
    forward.start()
    forward.wait_ready()
    return forward


def _measure_forward(forward: Gateway, pids: Dict[str, int], args) -> Result:
    """The same load through the forwarding app: its gunicorn processes in the gateway's columns."""
    own = {k: v for k, v in pids.items() if not k.startswith("gunicorn")}
    return measure(
        "forward",
        forward.url,
        args.concurrency,
        args.warmup,
        args.duration,
        gateway=False,
        pids={**forward.pids(), **own},
        rate=args.rate,
    )


def _merge(results: List[Result]) -> Optional[Result]:
    if not results:
        return None
    errors: Dict[str, int] = {}
    for r in results:
        for k, v in r.errors.items():
            errors[k] = errors.get(k, 0) + v
    cpu: Dict[str, float] = {}
    for r in results:
        for k, v in r.cpu_ms.items():
            cpu[k] = cpu.get(k, 0.0) + v / len(results)
    return Result(
        results[0].name,
        sum(r.messages for r in results),
        errors,
        sum(r.seconds for r in results),
        [ms for r in results for ms in r.latencies],
        {k: round(v, 1) for k, v in cpu.items()},
    )


def _gunicorn_ms(result: Result) -> float:
    return round(sum(v for k, v in result.cpu_ms.items() if k.startswith("gunicorn")), 2)


def _report(args, results: Dict[str, List[Result]], memory: Dict[str, float], ready: float) -> Dict[str, object]:
    g, r, f = _merge(results["gateway"]), _merge(results["rasa"]), _merge(results.get("forward", []))
    pacing = f"paced at {args.rate:g} msg/s" if args.rate else "closed loop"
    print(
        f"\nbench-stack: {args.concurrency} concurrent conversations ({pacing}), {args.duration:.0f} s measured "
        f"per phase "
        f"(+{args.warmup:.0f} s warm-up) x {args.rounds} round(s); gunicorn {args.workers} worker(s) x "
        f"{args.threads} threads; {args.rasa_instances} Rasa instance(s); "
        f"{'PostgreSQL' if args.database_url and 'postgres' in args.database_url else 'SQLite'} database, "
        f"{'PostgreSQL' if args.tracker_db_url and 'postgres' in args.tracker_db_url else 'SQLite'} tracker "
        f"store{', Redis' if args.redis_url else ''}; Rasa {'stock' if args.stock_rasa else 'via bot/serve.py'}; "
        f"{os.cpu_count()} cores; "
        f"load average at the end {load_average()}; servers ready in {ready:.0f} s; "
        f"{len(getattr(args, 'commune_slugs', []) or [1])} commune(s)\n"
    )
    print("| path | messages | errors | throughput | p50 | p95 | p99 |\n|---|---|---|---|---|---|---|")
    rows: Dict[str, object] = {}
    paths = (("gateway → Rasa → actions", g), ("forward only → Rasa → actions", f), ("straight to Rasa", r))
    for name, res in paths:
        if res is None:
            continue
        row = res.row()
        rows[res.name] = {**row, "errors_by_kind": res.errors}
        print(
            f"| {name} | {row['messages']} | {row['errors']} | {row['throughput']:.1f} msg/s | {row['p50']:.0f} ms"
            f" | {row['p95']:.0f} ms | {row['p99']:.0f} ms |"
        )
    if g and r and pct(r.latencies, 50):
        ratio = pct(g.latencies, 50) / pct(r.latencies, 50)
        rows["ratio_p50"] = round(ratio, 3)
        print(f"\ngateway / Rasa at p50: {ratio:.2f} (gateway adds {100 * (ratio - 1):+.0f} %)")
    if (g and g.cpu_ms) or (r and r.cpu_ms):
        print("\nCPU per message (ms, from /proc: what each process spent, whatever else ran on the machine)\n")
        names = list((g or r).cpu_ms)
        print("| path | " + " | ".join(names) + " |\n|---|" + "---|" * len(names))
        for label, res in paths:
            if res is not None and res.cpu_ms:
                print(f"| {label} | " + " | ".join(f"{res.cpu_ms.get(n, 0):.1f}" for n in names) + " |")
        rows["cpu_ms_per_message"] = {"gateway": g.cpu_ms if g else {}, "rasa": r.cpu_ms if r else {}}
        if f is not None:
            rows["cpu_ms_per_message"]["forward"] = f.cpu_ms
        if g and r and g.cpu_ms and r.cpu_ms:
            through, straight = sum(g.cpu_ms.values()), sum(r.cpu_ms.values())
            rows["cpu_ratio"] = round(through / straight, 3) if straight else None
            print(
                f"\nwhole stack per message: {through:.1f} ms CPU through the gateway, {straight:.1f} ms straight to "
                f"Rasa + actions: {rows['cpu_ratio']}x"
            )
        if g and f and g.cpu_ms and f.cpu_ms:
            own, hop = _gunicorn_ms(g), _gunicorn_ms(f)
            rows["gateway_ms"], rows["forward_ms"] = own, hop
            print(
                f"gunicorn's CPU per message: the gateway {own:.2f} ms, the forward-only app {hop:.2f} ms "
                f"(the gateway's own work above the hop: {own - hop:.2f} ms)"
            )
    print("\n| process | RSS |\n|---|---|")
    for name, mb in memory.items():
        print(f"| {name} | {mb:.0f} MB |")
    print(f"| whole stack | {sum(memory.values()):.0f} MB |")
    rows["rss_total_mb"] = round(sum(memory.values()))
    report = {
        "args": {
            k: (str(v) if isinstance(v, Path) else v)
            for k, v in vars(args).items()
            if k not in ("pids", "commune_slugs")
        },
        "results": rows,
        "memory_mb": {k: round(v) for k, v in memory.items()},
        "load_average": load_average(),
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    return report


if __name__ == "__main__":
    main()
