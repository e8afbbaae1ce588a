"""The gateway's CPU per message on its own, in process: the inbound path (`gateway.services.inbound.handle`) with
an instant Rasa, so what is measured is the gateway's work around the bot — storing the message, reading Rasa's
tracker store, storing the replies, redaction, the conversation's turn — not Rasa's.

A temporary SQLite gateway database and tracker store (or, with `--postgres`, both on a throw-away PostgreSQL from
Debian's package, as tests/prod start it); a fake Rasa that answers at once and writes the turn into the tracker
store's `events` table as Rasa 3.6 does (user event carrying the gateway's message id, slot events, bot event), so
the gateway reads it back as in production. Its own CPU is measured apart and left out of the figure. Each round
runs `--conversations` new conversations of `--messages` messages, one after the other in one thread; the figure
is process CPU time (`time.process_time`) per message, as the median of the rounds (wall time on a shared machine
is noise).

Usage (app environment, after `source bin/env.sh`):
  python -m tools.bench_persist [--rounds 7] [--conversations 20] [--messages 10] [--postgres] [--profile N]
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# a conversation as citizens write it: buttons, free text with and without diacritics, a pasted secret
MESSAGES = [
    "xin chào",
    "tôi muốn đăng nhập dịch vụ công",
    "/choose_flow_a",
    "/step_done",
    "ko nhan dc ma otp",
    "mật khẩu của tôi là Abc@12345",
    "/affirm",
    "/step_done",
    "cảm ơn nhiều",
    "/step_done",
]
EVENTS_DDL = (
    "CREATE TABLE IF NOT EXISTS events (id {pk}, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,"
    " timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)


class TrackerWritingRasa:
    """Answers at once with one step and its buttons, and stores the turn in the tracker store as Rasa does."""

    urls = ["http://127.0.0.1:9"]
    action_server_urls = ["http://127.0.0.1:9"]
    token = "t"

    def __init__(self, tracker_url: str) -> None:
        from gateway.db import engine_url

        self.engine = create_engine(engine_url(tracker_url))
        self.cpu_s = 0.0  # its own CPU, left out of the gateway's figure
        self.step = itertools.count(1)

    def send(self, sender: str, message: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        started = time.process_time()
        step = next(self.step) % 5 + 1
        reply = {
            "recipient_id": sender,
            "text": f"Bước {step}/5: Mở trang dichvucong.thanhhoa.gov.vn và bấm Đăng nhập",
            "buttons": [
                {"title": "Xong rồi", "payload": "/step_done"},
                {"title": "Bị lỗi", "payload": "/step_failed"},
                {"title": "Gặp cán bộ", "payload": "/human"},
            ],
        }
        now = time.time()
        events = [
            ("action", None, "action_listen", {"event": "action", "name": "action_listen", "timestamp": now}),
            (
                "user",
                "greet",
                None,
                {
                    "event": "user",
                    "text": message,
                    "timestamp": now,
                    "parse_data": {"intent": {"name": "greet", "confidence": 0.99}, "entities": []},
                    "metadata": dict(metadata or {}),
                },
            ),
            ("slot", None, None, {"event": "slot", "name": "flow", "value": "A", "timestamp": now}),
            ("slot", None, None, {"event": "slot", "name": "step", "value": float(step), "timestamp": now}),
            ("bot", None, None, {"event": "bot", "text": reply["text"], "data": {"buttons": reply["buttons"]}}),
        ]
        with self.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                    "VALUES (:s, :t, :ts, :i, :a, :d)"
                ),
                [
                    {"s": sender, "t": kind, "ts": now, "i": intent, "a": action, "d": json.dumps(data)}
                    for kind, intent, action, data in events
                ],
            )
        self.cpu_s += time.process_time() - started
        return [reply]

    def parse(self, message: str) -> Dict[str, Any]:
        return {"intent": {"name": "affirm", "confidence": 0.9}, "entities": [], "text": message}

    def tracker(self, sender: str, events: str = "NONE") -> Dict[str, Any]:
        return {"slots": {}, "paused": False}

    def health(self, timeout: float = 3.0) -> Dict[str, bool]:
        return {"rasa": True, "action_server": True}


def build(database_url: str, tracker_url: str, workdir: Path):
    """The app's services on these databases (migrated; the tracker store's `events` table made), Rasa faked."""
    from gateway import create_app
    from gateway.config import Settings
    from gateway.db import engine_url
    from gateway.migrate import upgrade

    settings = Settings()
    settings.database_url, settings.tracker_db_url = database_url, tracker_url
    settings.var_dir = workdir
    settings.content_overrides = workdir / "content-overrides.yml"
    settings.rate_limits_enabled = False
    upgrade(database_url)
    pk = "INTEGER PRIMARY KEY" if tracker_url.startswith("sqlite") else "SERIAL PRIMARY KEY"
    engine = create_engine(engine_url(tracker_url))
    with engine.begin() as connection:
        connection.execute(text(EVENTS_DDL.format(pk=pk)))
        connection.execute(text("CREATE INDEX IF NOT EXISTS ix_events_sender ON events (sender_id)"))
    engine.dispose()
    app = create_app(settings)
    svc = app.extensions["vneid"]
    svc.rasa = TrackerWritingRasa(tracker_url)
    return svc


def run_round(svc, conversations: int, messages: int) -> Dict[str, float]:
    """One round of new conversations; CPU ms per message (the fake Rasa's left out) and wall ms."""
    from gateway.services import inbound

    rasa = svc.rasa
    rasa_before = rasa.cpu_s
    count = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(conversations):
        sender = uuid.uuid4().hex
        for i in range(messages):
            message = inbound.Inbound(
                channel="widget", sender=sender, text=MESSAGES[i % len(MESSAGES)], key=uuid.uuid4().hex
            )
            inbound.handle(svc, message)
            count += 1
    cpu = time.process_time() - cpu - (rasa.cpu_s - rasa_before)
    return {"cpu_ms": 1000 * cpu / count, "wall_ms": 1000 * (time.perf_counter() - wall) / count}


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10, help="per conversation")
    parser.add_argument("--postgres", action="store_true", help="both databases on PostgreSQL (Debian's package)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-persist-"))
    postgres = None
    if args.postgres:
        from tests.support.servers import Postgres

        postgres = Postgres().start()
        database_url, tracker_url = postgres.url("gateway"), postgres.url("rasa")
    else:
        database_url, tracker_url = f"sqlite:///{workdir / 'gateway.db'}", f"sqlite:///{workdir / 'tracker.db'}"
    try:
        svc = build(database_url, tracker_url, workdir)
        run_round(svc, 2, args.messages)  # warm-up: caches, statements, connections
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        rounds = []
        for _ in range(args.rounds):
            if profiler is not None:
                profiler.enable()
            rounds.append(run_round(svc, args.conversations, args.messages))
            if profiler is not None:
                profiler.disable()
        result = {
            "database": "postgresql" if postgres else "sqlite",
            "messages_per_round": args.conversations * args.messages,
            "rounds": rounds,
            "cpu_ms_per_message_median": statistics.median(r["cpu_ms"] for r in rounds),
            "wall_ms_per_message_median": statistics.median(r["wall_ms"] for r in rounds),
        }
        print(
            f"{result['database']}: {result['messages_per_round']} messages x {args.rounds} rounds; "
            f"gateway CPU per message median {result['cpu_ms_per_message_median']:.3f} ms "
            f"(min {min(r['cpu_ms'] for r in rounds):.3f}; "
            f"rounds {', '.join(format(r['cpu_ms'], '.3f') for r in rounds)}); "
            f"wall {result['wall_ms_per_message_median']:.3f} ms"
        )
        if profiler is not None:
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(args.profile)
            stats.sort_stats("cumulative").print_stats(args.profile)
        if args.json:
            args.json.write_text(json.dumps(result, indent=2))
        svc.db.engine.dispose()
        return result
    finally:
        if postgres is not None:
            postgres.cleanup()


if __name__ == "__main__":
    main()
