"""The province edition under load (`make bench-province ARGS=…`): the whole stack run twice, once with only the
default commune configured and once with the province's 166 (`flask commune import`, each with its own hotline),
conversations spread over them by `metadata.commune`; throughput, p50/p95 and memory side by side, and their
ratio. One Rasa model serves every commune, so the two runs should be within a few per cent of each other.

Defaults are the province shape the issue names: PostgreSQL for both databases and two Rasa instances.
Figures go to results/bench_province.json; a benchmark, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools import bench_stack  # noqa: E402


def run(communes: int, passthrough: List[str]) -> Dict[str, object]:
    """One bench-stack run through the gateway with `communes` communes configured."""
    print(f"\n=== {communes} commune(s) ===", flush=True)
    return bench_stack.main(["--only", "gateway", "--communes", str(communes), *passthrough])


def main(argv: Optional[List[str]] = None) -> Dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communes", type=int, default=166, help="the province's count (second run)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--rasa-instances", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="1 and N communes alternate this many times (medians)")
    parser.add_argument("--json", type=Path, default=ROOT / "results" / "bench_province.json")
    args, rest = parser.parse_known_args(argv)
    passthrough = [*rest, "--rasa-instances", str(args.rasa_instances)] + ([] if args.sqlite else ["--postgres"])
    ones: List[Dict[str, object]] = []
    manys: List[Dict[str, object]] = []
    for _ in range(args.rounds):  # alternating: a noisy minute on a shared machine hits both sides alike
        ones.append(run(1, passthrough))
        manys.append(run(args.communes, passthrough))

    def figures(report: Dict[str, object]) -> Dict[str, float]:
        row = report["results"]["gateway"]
        cpu = (report["results"].get("cpu_ms_per_message") or {}).get("gateway") or {}
        return {
            "throughput": row["throughput"],
            "p50": row["p50"],
            "p95": row["p95"],
            "errors": row["errors"],
            "memory_mb": sum(report["memory_mb"].values()),
            # CPU per message is what the machine's noise leaves alone: the gateway's, and the whole stack's
            "gateway_cpu_ms": sum(v for k, v in cpu.items() if k.startswith("gunicorn")),
            "stack_cpu_ms": sum(cpu.values()),
        }

    def medians(reports: List[Dict[str, object]]) -> Dict[str, float]:
        rows = [figures(r) for r in reports]
        return {key: statistics.median(row[key] for row in rows) for key in rows[0]}

    a, b = medians(ones), medians(manys)
    print(
        f"\nbench-province: 1 commune vs {args.communes} communes, median of {args.rounds} alternating run(s) "
        f"({'SQLite' if args.sqlite else 'PostgreSQL'}, {args.rasa_instances} Rasa instance(s))\n"
    )
    print(f"| figure | 1 commune | {args.communes} communes | ratio |\n|---|---|---|---|")
    ratios = {}
    for key, unit in (
        ("throughput", "msg/s"),
        ("p50", "ms"),
        ("p95", "ms"),
        ("gateway_cpu_ms", "ms/msg"),
        ("stack_cpu_ms", "ms/msg"),
        ("memory_mb", "MB"),
        ("errors", ""),
    ):
        ratio = b[key] / a[key] if a[key] else float("nan")
        ratios[key] = round(ratio, 3)
        print(f"| {key} | {a[key]:.1f} {unit} | {b[key]:.1f} {unit} | {ratio:.3f} |")
    report = {"one": ones, "many": manys, "medians": {"one": a, "many": b}, "ratios": ratios}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    return report


if __name__ == "__main__":
    main()
