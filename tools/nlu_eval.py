"""Evaluate trained models on the held-out NLU set and print a table (`make eval`).

Usage (bot environment): python -m tools.nlu_eval MODEL [MODEL ...] [--json results/eval.json]
                         [--min-problem-accuracy 0.90]
Each MODEL is a path to a trained .tar.gz; the table shows them side by side. With a minimum, the command
exits 1 when the first model's problem-code accuracy is below it (the build gate of `make test`).

Regression guard: `--baseline tests/nlu/baseline.json` compares the first model with the last accepted results
and exits 1 when a slice's metric drops more than 2 points (5 when the metric is computed over fewer than 50
items: a slice's problem items, its in-scope items or its out-of-scope items), or when its false problem claims
on out-of-scope text (OOS→problem) rise by as much; `--write-baseline` records the current results
as the new accepted ones (a deliberate, reviewed change); `--update-baseline` accepts only what improved (per slice
and metric, the better of the two) and adds slices the baseline did not have.

After the table: the false-problem rate on ordinary text (slice `general`: news, forum questions, chat; issue 20),
helper detection (held-out items marked `helper: true` vs the rest) and other-purpose detection (items marked
`purpose:`), and how many answers the error catalogue and the sentence vote decided.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

from bot.nlu.text import has_diacritics
from tools.nlu_data import heldout_examples

OOS = "out_of_scope"
FALLBACK = "nlu_fallback"
REJECTED = {OOS, FALLBACK}


def macro_f1(gold: List[str], pred: List[str]) -> float:
    """Macro-averaged F1 over the gold labels present (fallback predictions count as errors)."""
    labels = sorted(set(gold))
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else float("nan")


def percentile(values: List[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def metrics(rows: List[Dict]) -> Dict[str, float]:
    """Intent accuracy and macro-F1, problem-code accuracy, out-of-scope recall, false fallbacks, latency."""
    inscope = [r for r in rows if r["intent"] != OOS]
    oos = [r for r in rows if r["intent"] == OOS]
    problems = [r for r in rows if r["intent"].startswith("problem_")]
    out: Dict[str, float] = {"n": len(rows), "n_inscope": len(inscope), "n_problem": len(problems), "n_oos": len(oos)}
    if inscope:
        out["intent_acc"] = sum(r["pred"] == r["intent"] for r in inscope) / len(inscope)
        out["macro_f1"] = macro_f1([r["intent"] for r in inscope], [r["pred"] for r in inscope])
        out["false_fallback"] = sum(r["pred"] in REJECTED for r in inscope) / len(inscope)
    if problems:
        out["problem_acc"] = sum(r["pred"] == r["intent"] for r in problems) / len(problems)
    if oos:
        out["oos_recall"] = sum(r["pred"] in REJECTED for r in oos) / len(oos)
        out["oos_problem_claims"] = sum(r["pred"].startswith("problem_") for r in oos) / len(oos)
    out["p50_ms"] = statistics.median(r["ms"] for r in rows)
    out["p95_ms"] = percentile([r["ms"] for r in rows], 95)
    return out


def slices(rows: List[Dict]) -> Dict[str, List[Dict]]:
    """Groups: all, with/without diacritics (in-scope), and each labelled slice."""
    groups: Dict[str, List[Dict]] = defaultdict(list)
    for r in rows:
        groups["all"].append(r)
        if r["intent"] != OOS:
            groups["with diacritics" if has_diacritics(r["text"]) else "without diacritics"].append(r)
        groups[f"slice: {r['slice']}"].append(r)
    return dict(groups)


def quiet_logs() -> None:
    """Rasa logs every parse at debug level through structlog; the table is what matters here."""
    import logging

    import structlog

    logging.getLogger().setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


async def predict(model: Path, examples: List[Dict]) -> List[Dict]:
    """Parse every example with the model; returns rows with the prediction and the parse time."""
    from rasa.core.agent import Agent

    quiet_logs()

    agent = Agent.load(str(model))
    await agent.parse_message("khởi động")  # first parse loads lazy parts; not timed
    rows = []
    for ex in examples:
        start = time.perf_counter()
        parsed = await agent.parse_message(ex["text"])
        ms = (time.perf_counter() - start) * 1000
        entities = parsed.get("entities") or []
        rows.append(
            {
                **ex,
                "pred": (parsed.get("intent") or {}).get("name") or "",
                "ms": ms,
                "helper_found": any(e.get("entity") == "helper" for e in entities),
                "purposes_found": [e.get("value") for e in entities if e.get("entity") == "purpose"],
                "decided_by": "catalogue"
                if parsed.get("error_message")
                else "sentence"
                if parsed.get("sentence_vote")
                else "classifier",
            }
        )
    return rows


def signal_lines(rows: List[Dict]) -> List[str]:
    """The issue-20 figures beside the table: false problems on ordinary text, helper and purpose detection."""
    lines = []
    general = [r for r in rows if r.get("slice") == "general"]
    if general:
        claims = [r for r in general if r["pred"].startswith("problem_")]
        lines.append(
            f"false problem claims on general text (slice general): {len(claims)}/{len(general)} = "
            f"{len(claims) / len(general):.1%}"
        )
    helpers = [r for r in rows if r.get("helper")]
    others = [r for r in rows if not r.get("helper")]
    if helpers:
        found = sum(r["helper_found"] for r in helpers)
        wrong = sum(r["helper_found"] for r in others)
        lines.append(
            f"helper detected: {found}/{len(helpers)} = {found / len(helpers):.1%} of items marked helper; "
            f"on {wrong}/{len(others)} = {wrong / len(others):.1%} of the others"
        )
    purposed = [r for r in rows if r.get("purpose")]
    if purposed:
        found = sum(r["purpose"] in r["purposes_found"] for r in purposed)
        lines.append(
            f"other purpose detected: {found}/{len(purposed)} = {found / len(purposed):.1%} of items marked purpose"
        )
    decided = defaultdict(int)
    for r in rows:
        decided[r["decided_by"]] += 1
    lines.append("decided by: " + ", ".join(f"{k} {v}" for k, v in sorted(decided.items())))
    return lines


COLUMNS = [
    ("n", "n", "{:.0f}"),
    ("intent_acc", "intent acc", "{:.3f}"),
    ("macro_f1", "macro-F1", "{:.3f}"),
    ("problem_acc", "problem acc", "{:.3f}"),
    ("oos_recall", "OOS recall", "{:.3f}"),
    ("false_fallback", "false fallback", "{:.3f}"),
    ("oos_problem_claims", "OOS→problem", "{:.3f}"),
    ("p50_ms", "p50 ms", "{:.1f}"),
    ("p95_ms", "p95 ms", "{:.1f}"),
]


def table(results: Dict[str, Dict[str, Dict[str, float]]]) -> str:
    """A Markdown table: one row per (slice, model)."""
    lines = ["| slice | model | " + " | ".join(c[1] for c in COLUMNS) + " |", "|---|---|" + "---|" * len(COLUMNS)]
    first = next(iter(results.values()))
    for group in first:
        for model, by_group in results.items():
            m = by_group.get(group, {})
            cells = [fmt.format(m[key]) if key in m else "–" for key, _, fmt in COLUMNS]
            lines.append(f"| {group} | {model} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


SPREAD = ("macro_f1", "problem_acc", "oos_recall", "false_fallback", "oos_problem_claims")


def spread_table(results: Dict[str, Dict[str, Dict[str, float]]]) -> str:
    """Per pipeline (model name before `-s<seed>`) and slice: mean over seeds and the range (max - min)."""
    pipelines: Dict[str, List[str]] = defaultdict(list)
    for name in results:
        pipelines[name.rsplit("-s", 1)[0]].append(name)
    lines = [
        "| slice | pipeline | seeds | " + " | ".join(f"{k} mean ± range/2" for k in SPREAD) + " |",
        "|---|---|---|" + "---|" * len(SPREAD),
    ]
    for group in next(iter(results.values())):
        for pipeline, names in pipelines.items():
            cells = []
            for key in SPREAD:
                values = [results[n][group][key] for n in names if key in results[n].get(group, {})]
                cells.append(
                    f"{statistics.mean(values):.3f} ± {(max(values) - min(values)) / 2:.3f}" if values else "–"
                )
            lines.append(f"| {group} | {pipeline} | {len(names)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


GUARDED = ("intent_acc", "macro_f1", "problem_acc", "oos_recall")
GUARDED_LOW = ("oos_problem_claims",)  # lower is better: a rise beyond the allowed points fails
# the items each guarded metric is computed over (older baselines have only "n")
DENOMINATOR = {
    "intent_acc": "n_inscope",
    "macro_f1": "n_inscope",
    "problem_acc": "n_problem",
    "oos_recall": "n_oos",
    "oos_problem_claims": "n_oos",
}


def regressions(current: Dict[str, Dict[str, float]], baseline: Dict[str, Dict[str, float]]) -> List[str]:
    """Slices whose guarded metrics fell more than the allowed points below the baseline."""
    found = []
    for group, old in baseline.items():
        new = current.get(group)
        if new is None:
            found.append(f"{group}: missing")
            continue

        def allowed(key: str) -> float:  # an older baseline without the count: the current one (same items)
            return 0.05 if old.get(DENOMINATOR[key], new.get(DENOMINATOR[key], old.get("n", 0))) < 50 else 0.02

        for key in GUARDED:
            if key in old and key in new and new[key] < old[key] - allowed(key) - 1e-9:
                found.append(f"{group}: {key} {new[key]:.3f} < {old[key]:.3f} - {allowed(key):.2f}")
        for key in GUARDED_LOW:
            if key in old and key in new and new[key] > old[key] + allowed(key) + 1e-9:
                found.append(f"{group}: {key} {new[key]:.3f} > {old[key]:.3f} + {allowed(key):.2f}")
    return found


def ratchet(old: Dict[str, Dict[str, float]], new: Dict[str, Dict[str, float]]) -> Dict[str, Dict[str, float]]:
    """The baseline moved only where the results improved: per slice and guarded metric the better figure; the
    item counts and slices of the new results."""
    out = {}
    for group, metrics_ in new.items():
        merged = dict(metrics_)
        for key, value in (old.get(group) or {}).items():
            if key in GUARDED and key in merged:
                merged[key] = max(merged[key], value)
            elif key in GUARDED_LOW and key in merged:
                merged[key] = min(merged[key], value)
        out[group] = merged
    return out


def main(argv: List[str]) -> int:
    """Evaluate, print, optionally save and gate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("models", nargs="+", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--min-problem-accuracy", type=float)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--write-baseline", action="store_true")
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help="keep the baseline's figures where the current ones are worse; add new slices",
    )
    parser.add_argument(
        "--spread",
        action="store_true",
        help="models named <pipeline>-s<seed>: print mean and seed-to-seed range per pipeline",
    )
    args = parser.parse_args(argv)
    examples = heldout_examples()
    results: Dict[str, Dict[str, Dict[str, float]]] = {}
    for model in args.models:
        rows = asyncio.run(predict(model, examples))
        name = model.name.replace(".tar.gz", "")
        results[name] = {group: metrics(members) for group, members in slices(rows).items()}
        errors = [r for r in rows if r["pred"] != r["intent"] and not (r["intent"] == OOS and r["pred"] in REJECTED)]
        results[name]["_errors"] = errors  # type: ignore[assignment]
        results[name]["_signals"] = signal_lines(rows)  # type: ignore[assignment]
    errors_by_model = {name: r.pop("_errors") for name, r in results.items()}
    signals_by_model = {name: r.pop("_signals") for name, r in results.items()}
    print(f"Held-out set: {len(examples)} examples (tests/nlu/heldout.yml)\n")
    print(table(results))
    for name, lines in signals_by_model.items():
        print(f"\n{name}:\n  " + "\n  ".join(lines))
    if args.spread:
        print("\n" + spread_table(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"results": results, "errors": errors_by_model, "signals": signals_by_model},
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    first = next(iter(results.values()))
    status = 0
    if args.baseline and (args.write_baseline or args.update_baseline):
        kept = {
            g: {k: round(v, 4) for k, v in m.items() if k in GUARDED + GUARDED_LOW or k.startswith("n")}
            for g, m in first.items()
        }
        if args.update_baseline and args.baseline.exists():
            kept = ratchet(json.loads(args.baseline.read_text(encoding="utf-8")), kept)
        args.baseline.write_text(
            json.dumps(kept, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        print(f"\nbaseline written: {args.baseline}")
    elif args.baseline:
        drops = regressions(first, json.loads(args.baseline.read_text(encoding="utf-8")))
        if drops:
            print("\nFAIL: regression against " + str(args.baseline) + ":\n  " + "\n  ".join(drops))
            status = 1
        else:
            print(f"\nOK: no slice dropped below {args.baseline} (2 points; 5 under 50 items)")
    if args.min_problem_accuracy is not None:
        accuracy = first["all"]["problem_acc"]
        if accuracy < args.min_problem_accuracy:
            print(f"\nFAIL: problem-code accuracy {accuracy:.3f} < {args.min_problem_accuracy:.2f}")
            return 1
        print(f"OK: problem-code accuracy {accuracy:.3f} >= {args.min_problem_accuracy:.2f}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
