"""Serving benchmark of the bot (`make bench`): cold start, REST latency, throughput, memory.

Starts the real Rasa server and action server on loopback (as the end-to-end tests do), then drives realistic
flow-A conversations through the REST channel. Prints medians and percentiles; run it on an idle machine.

Usage (app environment): python -m tools.bench_bot [--model PATH] [--conversations 20] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List

from tests.support.servers import MODEL, Bot

# One realistic conversation: greeting, choice in words, steps by button and by text, a problem, the outcome.
SCRIPT = [
    "xin chào",
    "tôi muốn đăng nhập bằng mật khẩu và mã otp",
    "xong rồi",
    "/step_done",
    "xong",
    "ko nhan dc ma otp",
    "/affirm",
    "xong roi",
    "/step_done",
    "/affirm",
]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def pct(values: List[float], q: float) -> float:
    """q-th percentile by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def conversation(servers: Bot) -> List[float]:
    """Run the script once with a new sender; returns per-message latencies in ms."""
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    latencies = []
    for message in SCRIPT:
        start = time.perf_counter()
        replies = servers.say(sender, message)
        latencies.append((time.perf_counter() - start) * 1000)
        if not replies:
            raise RuntimeError(f"no reply to {message!r}")
    return latencies


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        servers = Bot(workdir=Path(workdir))
        start = time.monotonic()
        servers.start_actions()
        servers.start_rasa(args.model)
        try:
            servers.wait_ready()
            servers.say("bench-warmup", "xin chào")
            cold = time.monotonic() - start
            serial: List[float] = []
            for _ in range(args.conversations):
                serial += conversation(servers)
            t0 = time.monotonic()
            with ThreadPoolExecutor(args.concurrency) as pool:
                runs = list(pool.map(lambda _: conversation(servers), range(args.conversations)))
            elapsed = time.monotonic() - t0
            concurrent = [ms for run in runs for ms in run]
            memory: Dict[str, float] = {name: rss_mb(proc.pid) for name, proc in servers.procs.items()}
        finally:
            servers.stop()
    print(f"model: {args.model.name}; {args.conversations} conversations x {len(SCRIPT)} messages\n")
    print("| measure | value |\n|---|---|")
    print(f"| cold start to first answer | {cold:.1f} s |")
    print(f"| serial latency p50 / p95 | {statistics.median(serial):.0f} / {pct(serial, 95):.0f} ms |")
    print(
        f"| {args.concurrency} concurrent senders: p50 / p95 | {statistics.median(concurrent):.0f} / "
        f"{pct(concurrent, 95):.0f} ms |"
    )
    print(f"| {args.concurrency} concurrent senders: throughput | {len(concurrent) / elapsed:.0f} msg/s |")
    for name, mb in memory.items():
        print(f"| memory (RSS) {name} | {mb:.0f} MB |")


if __name__ == "__main__":
    main()
