"""The gateway's CPU per message in one process, with the real bot behind it: what its own work costs when the
turns are Rasa's (replies with buttons, the tracker store's real events, handoffs, the gateway's own questions),
without gunicorn, threads or a load generator on the same cores.

Starts a real Rasa server and action server (SQLite tracker store), builds the app on a temporary SQLite database
(rate limits off), and sends `bench_stack`'s conversations one message at a time through the app's WSGI callable
(Flask, its hooks, the REST webhook, `inbound.handle`). Rasa runs in its own processes, so the process CPU time of
this one is the gateway's. Each round also times the same messages sent with `RasaClient.send` alone (the HTTP
call every forwarding hop makes): the difference is the gateway's own work. Figures: medians of the rounds.

Usage (app environment, after `source bin/env.sh`; needs the trained model):
  python -m tools.bench_gateway_real [--rounds 5] [--conversations 8] [--profile N]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _environ(sender: str, text: str, key: str) -> Dict[str, Any]:
    """The WSGI environ of the widget's POST (werkzeug's builder, as gunicorn would hand it over)."""
    return EnvironBuilder(
        path="/webhooks/rest/webhook",
        method="POST",
        json={"sender": sender, "message": text},
        headers={"Idempotency-Key": key},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    ).get_environ()


class Conversations:
    """bench_stack's scripts, each conversation a new sender (the same random sequence for every run)."""

    def __init__(self, seed: int = 8) -> None:
        self.rng = random.Random(seed)

    def take(self, count: int) -> List[List[tuple]]:
        from tools.bench_stack import SCRIPTS

        out = []
        for _ in range(count):
            sender = f"real-{uuid.uuid4().hex[:12]}"
            out.append([(sender, text, f"{sender}-{n}") for n, text in enumerate(self.rng.choice(SCRIPTS))])
        return out


def through_app(app, conversations: List[List[tuple]]) -> float:
    """CPU ms per message through the app (every answer must be 200)."""
    statuses: Dict[str, int] = {}

    def start_response(status, _headers, _exc_info=None):
        statuses[status[:3]] = statuses.get(status[:3], 0) + 1

    environs = [_environ(*message) for conversation in conversations for message in conversation]
    started = time.process_time()  # the environs are built before: only the app's work is timed
    for environ in environs:
        b"".join(app.wsgi_app(environ, start_response))
    cpu = time.process_time() - started
    if set(statuses) != {"200"}:
        raise RuntimeError(f"answers other than 200: {statuses}")
    return 1000 * cpu / len(environs)


def client_only(rasa, conversations: List[List[tuple]]) -> float:
    """CPU ms per message of `RasaClient.send` alone (the forwarding hop's client work)."""
    count, started = 0, time.process_time()
    for conversation in conversations:
        for sender, text, _ in conversation:
            rasa.send(f"rest:{sender}", text)
            count += 1
    return 1000 * (time.process_time() - started) / count


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--conversations", type=int, default=8, help="per round (10–14 messages each)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    args = parser.parse_args(argv)

    from tests.support.gateway import build_app, make_settings
    from tests.support.servers import open_hours, start_bots

    workdir = Path(tempfile.mkdtemp(prefix="bench-gateway-real-"))
    bots = start_bots(workdir, 1, None)
    try:
        bot = bots[0]
        settings = make_settings(workdir, bot.rasa_url, bot.token, bot.action_url, bot.tracker_url)
        app = build_app(settings)
        open_hours(settings.database_url)
        rasa = app.extensions["vneid"].rasa
        conversations = Conversations()
        through_app(app, conversations.take(2))  # warm-up: caches, statements, connections
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        gateway, client = [], []
        for _ in range(args.rounds):
            if profiler is not None:
                profiler.enable()
            gateway.append(through_app(app, conversations.take(args.conversations)))
            if profiler is not None:
                profiler.disable()
            client.append(client_only(rasa, conversations.take(args.conversations)))
        result = {
            "gateway_ms": statistics.median(gateway),
            "client_ms": statistics.median(client),
            "rounds": {"gateway": gateway, "client": client},
        }
        print(
            f"through the app: {result['gateway_ms']:.2f} ms CPU per message "
            f"({', '.join(f'{v:.2f}' for v in gateway)}); RasaClient.send alone {result['client_ms']:.2f} ms "
            f"({', '.join(f'{v:.2f}' for v in client)}); the gateway's own work "
            f"{result['gateway_ms'] - result['client_ms']:.2f} ms"
            + (" (profiled rounds: slower)" if profiler is not None else "")
        )
        if profiler is not None:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.profile)
        return result
    finally:
        for bot in bots:
            bot.stop()


if __name__ == "__main__":
    main()
