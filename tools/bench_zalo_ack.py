"""Zalo webhook benchmark: acknowledgement latency under a steady load, and how long replies take to arrive.

Runs the gateway as in production (gunicorn, 1 worker × 8 threads, on a fresh SQLite database) and the background
worker (`python -m gateway.worker`, Zalo on), with the fake Zalo server (tools/fake_zalo.py) as Zalo. Signed
`user_send_text` events are posted open-loop at a fixed rate (a slow answer does not slow the sender down), from
many citizens, with a share of exact replays (Zalo's retries). Reports the ack latency p50/p95/p99/max, refused
or late (> 2 s) acks, and, once the worker drained the queue, the time from the event to the reply accepted by the
fake Zalo and whether every event was answered exactly once.

The bot is a small fake Rasa (fixed think time, one reply with buttons) by default, so the figure is about the
gateway; `--real-bot` uses the real Rasa server and action server instead (needs the trained model).

Usage (app environment): python -m tools.bench_zalo_ack [--rate 20] [--duration 30] [--users 60]
                         [--duplicates 0.05] [--bot-ms 150] [--real-bot] [--json results/bench_zalo.json]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional

import requests

from tests.support.servers import Bot, free_port
from tools import fake_zalo
from tools.fake_zalo import FakeZalo

ROOT = Path(__file__).resolve().parents[1]
APP_VENV = Path(os.environ.get("APP_VENV", ROOT / ".venv-app"))
OA_SECRET = "bench-oa-secret-key"


class FakeRasa:
    """Enough of Rasa for the gateway: the REST channel (one reply with buttons after a think time), the tracker."""

    def __init__(self, think_s: float) -> None:
        self.think_s = think_s
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):  # headers and body go in two writes: without this, Nagle adds ~40 ms per answer
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):
                pass

            def _json(self, payload) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if self.path.startswith("/webhooks/rest/webhook"):
                    time.sleep(fake.think_s)
                    return self._json(
                        [
                            {
                                "recipient_id": body.get("sender"),
                                "text": f"Đã nhận: {body.get('message')}",
                                "buttons": [
                                    {"title": "Xong rồi", "payload": "/step_done"},
                                    {"title": "Gặp cán bộ", "payload": "/request_human"},
                                ],
                            }
                        ]
                    )
                return self._json({})

            def do_GET(self):  # noqa: N802
                return self._json({"slots": {}, "paused": False})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def pct(values: List[float], q: float) -> float:
    """q-th percentile by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise TimeoutError(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20.0, help="events per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--users", type=int, default=60, help="distinct citizens")
    parser.add_argument("--duplicates", type=float, default=0.05, help="share of events posted twice")
    parser.add_argument("--bot-ms", type=float, default=150.0, help="think time of the fake Rasa")
    parser.add_argument("--real-bot", action="store_true", help="use the real Rasa server and action server")
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-zalo-"))
    zalo = FakeZalo().start()
    servers: Optional[Bot] = None
    if args.real_bot:
        servers = Bot(workdir=work)
        servers.start_actions()
        servers.start_rasa()
        servers.wait_ready()
        rasa_url, action_url, token = servers.rasa_url, servers.action_url, servers.token
    else:
        rasa = FakeRasa(args.bot_ms / 1000)
        rasa_url, action_url, token = rasa.url, rasa.url, "bench-" + secrets.token_hex(12)  # 16+ characters
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{work / 'gateway.db'}",
        "TRACKER_DB_URL": f"sqlite:///{work / 'tracker.db'}",
        "RASA_URL": rasa_url,
        "RASA_TOKEN": token,
        "ACTION_SERVER_URL": action_url,
        "SECRET_KEY": "bench-" + secrets.token_hex(16),
        "PUBLIC_BASE_URL": "https://xa.example.vn",
        "ZALO_APP_ID": zalo.app_id,
        "ZALO_OA_SECRET_KEY": OA_SECRET,
        "ZALO_APP_SECRET": zalo.app_secret,
        "ZALO_ACCESS_TOKEN": "initial-access-token",
        "ZALO_REFRESH_TOKEN": "initial-refresh-token",
        "ZALO_OPENAPI_BASE": zalo.url,
        "ZALO_OAUTH_BASE": zalo.url,
    }
    subprocess.run(
        [str(APP_VENV / "bin/flask"), "--app", "gateway", "db-upgrade"],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    logs = {name: open(work / f"{name}.log", "wb") for name in ("gateway", "worker")}
    procs = {
        "gateway": subprocess.Popen(
            [
                str(APP_VENV / "bin/gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "8",
                "gateway:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=logs["gateway"],
            stderr=subprocess.STDOUT,
        ),
        "worker": subprocess.Popen(
            [str(APP_VENV / "bin/python"), "-m", "gateway.worker"],
            env=env,
            cwd=ROOT,
            stdout=logs["worker"],
            stderr=subprocess.STDOUT,
        ),
    }
    url = f"http://127.0.0.1:{port}/webhooks/zalo/webhook"
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        users = ["8" + "".join(secrets.choice("0123456789") for _ in range(18)) for _ in range(args.users)]
        total = int(args.rate * args.duration)
        plan = []  # (offset seconds, raw body, signature, tag)
        texts = ["xin chào", "xong rồi", "/step_done", "ko nhan dc ma otp", "/affirm", "cho tôi gặp cán bộ"]
        for i in range(total):
            event = fake_zalo.user_text(zalo.app_id, zalo.oa_id, users[i % len(users)], texts[i % len(texts)])
            raw = fake_zalo.encode(event)
            plan.append(
                (
                    i / args.rate,
                    raw,
                    fake_zalo.sign(zalo.app_id, raw, event["timestamp"], OA_SECRET),
                    event["message"]["msg_id"],
                )
            )
        every = max(1, round(1 / args.duplicates)) if args.duplicates > 0 else 0
        replays = [(offset + 0.5, raw, sig, None) for offset, raw, sig, _ in plan[::every]] if every else []
        schedule = sorted(plan + replays, key=lambda p: p[0])

        local = threading.local()
        results: List[Dict] = []
        lock = threading.Lock()

        def post(raw: bytes, signature: str, tag: Optional[str]) -> None:
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            started = time.perf_counter()
            wall = time.time()
            try:
                status = session.post(
                    url,
                    data=raw,
                    timeout=10,
                    headers={"Content-Type": "application/json", "X-ZEvent-Signature": signature},
                ).status_code
            except requests.RequestException:
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                results.append({"ms": elapsed, "status": status, "tag": tag, "wall": wall})

        begin = time.perf_counter()
        with ThreadPoolExecutor(64) as pool:
            for offset, raw, signature, tag in schedule:
                delay = begin + offset - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(post, raw, signature, tag)
        load_s = time.perf_counter() - begin

        # wait for the worker to answer everything, then read from the database when each first reply went
        tags = {r["tag"]: r["wall"] for r in results if r["tag"]}
        database = sqlite3.connect(work / "gateway.db")
        deadline = time.monotonic() + args.drain_timeout
        while time.monotonic() < deadline:
            left = database.execute(
                "select count(*) from zalo_events where status in ('queued', 'processing')"
            ).fetchone()[0]
            left += database.execute("select count(*) from messages where delivery = 'pending'").fetchone()[0]
            if left == 0:
                break
            time.sleep(0.5)
        drained_s = time.perf_counter() - begin
        rows = database.execute("""
            select i.idempotency_key, count(distinct o.id), min(s.sent_at)
            from messages i join messages o on o.reply_to_id = i.id left join zalo_sent s on s.message_id = o.id
            where i.direction = 'in' group by i.id""").fetchall()
        inbound_count = database.execute("select count(*) from messages where direction = 'in'").fetchone()[0]
        answered: Dict[str, List[float]] = {}
        for key, _, first_sent in rows:
            if key in tags and first_sent:
                sent_at = datetime.fromisoformat(first_sent).replace(tzinfo=timezone.utc).timestamp()
                answered[key] = [sent_at]
        acks = [r["ms"] for r in results]
        e2e = [(min(times) - tags[tag]) * 1000 for tag, times in answered.items()]
        summary = {
            "rate_per_s": args.rate,
            "duration_s": args.duration,
            "requests": len(results),
            "replays": len(replays),
            "achieved_rate_per_s": round(len(results) / load_s, 2),
            "ack_ms": {
                "p50": round(statistics.median(acks), 1),
                "p95": round(pct(acks, 95), 1),
                "p99": round(pct(acks, 99), 1),
                "max": round(max(acks), 1),
            },
            "non_200": sum(1 for r in results if r["status"] != 200),
            "over_2s": sum(1 for r in acks if r > 2000),
            "events": len(tags),
            "answered": len(answered),
            "answered_twice": inbound_count - len(tags),  # an inbound message stored twice = a replay answered
            "reply_ms": (
                {"p50": round(statistics.median(e2e)), "p99": round(pct(e2e, 99)), "max": round(max(e2e))}
                if e2e
                else None
            ),
            "drained_after_s": round(drained_s, 1),
            "bot": "real Rasa" if args.real_bot else f"fake Rasa ({args.bot_ms:.0f} ms)",
            "database": "SQLite (WAL)",
            "gateway": "gunicorn 1×8 threads",
            "worker": f"1 process, {os.environ.get('ZALO_WORKER_THREADS', 4)} threads",
        }
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        print()
        print(
            "| load | requests | ack p50 | ack p95 | ack p99 | ack max | non-200 | > 2 s | answered once | "
            "reply p50 | reply p99 |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        reply = summary["reply_ms"] or {"p50": "-", "p99": "-"}
        print(
            f"| {args.rate:g}/s × {args.duration:g} s | {len(results)} (+{len(replays)} replays) | "
            f"{summary['ack_ms']['p50']} ms | {summary['ack_ms']['p95']} ms | {summary['ack_ms']['p99']} ms | "
            f"{summary['ack_ms']['max']} ms | {summary['non_200']} | {summary['over_2s']} | "
            f"{summary['answered'] - summary['answered_twice']}/{summary['events']} | {reply['p50']} ms | "
            f"{reply['p99']} ms |"
        )
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        zalo.stop()
        if servers is not None:
            servers.stop()
        print(f"(logs in {work})", file=sys.stderr)


if __name__ == "__main__":
    main()
