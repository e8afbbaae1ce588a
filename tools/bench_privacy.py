"""Benchmark of the one secret detector (vntext.secrets) on the adversarial corpus of tools/privacy_corpus.py.

    python -m tools.bench_privacy                       # from /work/main, either environment (make bench-privacy)
    python -m tools.bench_privacy --seed 7 --misses 30 --json results/bench_privacy.json

Prints: masked % of the secret cases per kind, per channel, per shape (and every form that leaked), benign kept %
per topic; then speed: the median time of one `redact` call on ordinary 2,000-character messages and on
2,000-character inputs of adversarial shapes (no spaces, all digits, one long token, many cues, many separators,
number words, emoji, …) with each one's ratio to ordinary (target ≤ 3×), and the time of every shape at 500 to
8,000 characters, with the cost per 1,000 characters, to show that it grows linearly. Medians over --reps calls.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import unicodedata
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from tools.privacy_corpus import HOTLINE, KINDS, SEED, Corpus, Report, evaluate, generate

TARGET_RATIO = 3.0
SIZES = (500, 1000, 2000, 4000, 8000)
BASE_SIZE = 2000


# ---------------------------------------------------------------------------------------------- inputs
def _fit(text: str, size: int) -> str:
    """`text` repeated or cut to exactly `size` characters."""
    if not text:
        raise ValueError("empty text")
    return (text * (size // len(text) + 1))[:size]


ORDINARY_CHAT = [  # what citizens write most of the time: no secret, few numbers
    "Cho em hỏi đăng nhập dịch vụ công bằng VNeID thế nào ạ",
    "không nhận được mã OTP thì làm sao",
    "em bấm Đăng nhập rồi mà không thấy chỗ chọn tài khoản VNeID",
    "quên mật khẩu VNeID rồi phải làm gì",
    "ứng dụng báo tài khoản chưa được định danh mức 2",
    "quét mã QR mãi không được, màn hình cứ tối",
    "sau khi nhập mã nó quay lại trang đầu",
    "trang dịch vụ công báo hệ thống đang bảo trì",
    "mẹ em đổi số điện thoại rồi thì nhận mã thế nào",
    "cho tôi gặp cán bộ xã với",
    "tài khoản bị khóa tạm thời là sao vậy",
    "ko nhan dc ma otp",
    "quen mk roi ad oi",
    "sdt cu mat sim r",
    "xong rồi",
    "bị lỗi",
    "dạ em cảm ơn ạ 🙏",
    "mã QR hết hạn rồi phải làm sao",
    "điện thoại mới đăng nhập VNeID nó bắt xác nhận trên máy cũ",
    "bộ phận một cửa làm việc giờ nào ạ",
    "có người gọi xưng công an bảo em cài ứng dụng, có phải lừa đảo không",
    "em ở thôn Đông, xã Quảng Long",
]


def ordinary_texts(corpus: Corpus, size: int, count: int = 5) -> List[str]:
    """`count` ordinary chat texts of `size` characters: plain chat lines with one benign message (numbers that
    must be kept) for every two, shuffled, one after another."""
    rng = random.Random(corpus.seed)
    texts = []
    for _ in range(count):
        lines = ORDINARY_CHAT * 4 + [m.text for m in corpus.benign[: len(ORDINARY_CHAT) * 2]]
        rng.shuffle(lines)
        texts.append(_fit(" ".join(lines), size))
    return texts


def _random_text(seed: int, alphabet: str, size: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(size))


def adversarial_shapes(corpus: Corpus) -> Dict[str, Callable[[int], str]]:
    """Input makers by name: each returns a text of exactly the size asked, of one shape."""
    ordinary = " ".join(m.text for m in corpus.benign)
    return {
        "no_spaces": lambda n: _fit("".join(ordinary.split()), n),
        "all_digits": lambda n: _random_text(1, "0123456789", n),
        "one_long_token": lambda n: _random_text(2, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789@#._-!", n),
        "many_cues": lambda n: _fit("otp mk ", n),
        "cues_and_codes": lambda n: _fit("mã otp là 482913, mk: Thu@1979, sdt 0912 345 678 ", n),
        "many_separators": lambda n: _fit("1-", n),
        "spaced_digits": lambda n: _fit("4 8 2 9 1 3 ", n),
        "mixed_separators": lambda n: _fit("4.8-2/9_1*3·", n),
        "number_words": lambda n: _fit("một hai ba bốn năm sáu bảy tám chín không ", n),
        "number_words_plain": lambda n: _fit("mot hai ba bon nam sau bay tam chin khong ", n),
        "fullwidth_digits": lambda n: _fit("４８２９１３ ", n),
        "zero_width": lambda n: _fit("4\u200b8\u200b2\u200b9\u200b1\u200b3\u200b", n),
        "nfd_text": lambda n: _fit(unicodedata.normalize("NFD", ordinary), n),
        "emoji": lambda n: _fit("🙏😭👍🏻🇻🇳", n),
        "one_letter": lambda n: "a" * n,
    }


# ---------------------------------------------------------------------------------------------- timing
def _seconds(detector, text: str) -> float:
    start = time.perf_counter()
    detector.redact(text)
    return time.perf_counter() - start


def speed(detector, corpus: Corpus, reps: int) -> Dict[str, Dict[int, List[float]]]:
    """Seconds of every redact call (`reps` per input and size; ordinary first). The calls are interleaved (one
    round over every input and size per repetition) so that a busy moment of the machine does not fall on one
    input only."""
    inputs: Dict[str, Dict[int, Sequence[str]]] = {"ordinary": {n: ordinary_texts(corpus, n) for n in SIZES}}
    for name, make in adversarial_shapes(corpus).items():
        inputs[name] = {n: [make(n)] for n in SIZES}
    for by_size in inputs.values():  # warm-up
        for texts in by_size.values():
            for text in texts:
                detector.redact(text)
    times: Dict[str, Dict[int, List[float]]] = {name: {n: [] for n in SIZES} for name in inputs}
    for rep in range(reps):
        for name, by_size in inputs.items():
            for size, texts in by_size.items():
                times[name][size].append(_seconds(detector, texts[rep % len(texts)]))
    return times


# ---------------------------------------------------------------------------------------------- output
def _pct(value: float) -> str:
    return "%.2f%%" % (100 * value)


def print_masking(report: Report) -> None:
    """Masked % per kind, channel, shape, style; forms that leaked; benign kept % per topic."""
    total = report.totals["all"]["all"]
    print("secret cases: %d, masked %s (target ≥ 99.9 %%)" % (total, _pct(report.rate())))
    for group in ("kind", "channel", "shape", "style"):
        keys = list(KINDS) if group == "kind" else sorted(report.totals[group])
        print(
            "  %-8s " % group
            + "  ".join("%s %s (%d)" % (k, _pct(report.rate(group, k)), report.totals[group][k]) for k in keys)
        )
    leaking = [
        (k, report.totals["form"][k] - report.masked["form"][k], report.totals["form"][k])
        for k in sorted(report.totals["form"])
        if report.masked["form"][k] < report.totals["form"][k]
    ]
    if leaking:
        print("  forms that leaked: " + ", ".join("%s %d/%d" % item for item in leaking))
    topics = sorted(t for t in report.benign_total if t != "all" and not t.startswith("channel:"))
    print(
        "benign messages: %d, kept %s (target ≥ 95 %%); widget %s, zalo %s"
        % (
            report.benign_total["all"],
            _pct(report.kept_rate()),
            _pct(report.kept_rate("channel:widget")),
            _pct(report.kept_rate("channel:zalo")),
        )
    )
    print("  " + "  ".join("%s %s" % (t, _pct(report.kept_rate(t))) for t in topics))


def print_speed(times: Dict[str, Dict[int, List[float]]]) -> Dict[str, float]:
    """The 2,000-character table with ratios to ordinary, then growth with size; returns the median ratios."""
    median = {name: {n: statistics.median(t) for n, t in by_size.items()} for name, by_size in times.items()}
    best = {name: {n: min(t) for n, t in by_size.items()} for name, by_size in times.items()}
    reps = len(times["ordinary"][BASE_SIZE])
    ratios = {name: t[BASE_SIZE] / median["ordinary"][BASE_SIZE] for name, t in median.items()}
    load = (
        "; load average %.2f on %d CPUs" % (os.getloadavg()[0], os.cpu_count() or 1)
        if hasattr(os, "getloadavg")
        else ""
    )
    print("\nspeed: one thread, %d calls per input and size, interleaved%s" % (reps, load))
    print("  %-20s %14s %11s %16s" % ("%d characters" % BASE_SIZE, "median ms", "× ordinary", "best × ordinary"))
    for name in median:
        flag = "" if ratios[name] <= TARGET_RATIO else "  over %.0f×" % TARGET_RATIO
        print(
            "  %-20s %14.3f %11.2f %16.2f%s"
            % (
                name,
                1e3 * median[name][BASE_SIZE],
                ratios[name],
                best[name][BASE_SIZE] / best["ordinary"][BASE_SIZE],
                flag,
            )
        )
    worst = max(ratios, key=ratios.get)
    print(
        "  worst: %s %.2f× ordinary (median) — target ≤ %.0f×: %s"
        % (worst, ratios[worst], TARGET_RATIO, "met" if ratios[worst] <= TARGET_RATIO else "NOT met")
    )
    header = "  %-20s " % "input" + "".join("%10s" % ("%d ch" % n) for n in SIZES)
    print("\ngrowth: median ms per call at each size")
    print(header + "   8000/500 (linear: 16)")
    for name, t in median.items():
        cells = "".join("%10.3f" % (1e3 * t[n]) for n in SIZES)
        print("  %-20s %s   %.1f" % (name, cells, t[SIZES[-1]] / t[SIZES[0]]))
    print(
        "growth: µs per 1,000 characters, best of %d calls (flat = linear; the best call is the one the machine's"
        " other load did not interrupt)" % reps
    )
    print(header + "   8000 vs 500")
    for name, t in best.items():
        per = [1e9 * t[n] / n for n in SIZES]
        print("  %-20s " % name + "".join("%10.0f" % p for p in per) + "   %.2f×" % (per[-1] / per[0]))
    return ratios


def print_misses(report: Report, limit: int) -> None:
    """The first `limit` leaked cases and dropped benign messages."""
    print("\nfirst %d of %d leaked cases:" % (min(limit, len(report.misses)), len(report.misses)))
    for miss in report.misses[:limit]:
        print(miss.describe())
    print("\nfirst %d of %d dropped benign messages:" % (min(limit, len(report.dropped)), len(report.dropped)))
    for dropped in report.dropped[:limit]:
        print(dropped.describe())


def _summary(report: Report, times: Dict[str, Dict[int, List[float]]], ratios: Dict[str, float], seed: int) -> dict:
    return {
        "seed": seed,
        "masked": {
            "all": report.rate(),
            **{
                g: {k: report.rate(g, k) for k in report.totals[g]}
                for g in ("kind", "channel", "shape", "form", "style")
            },
        },
        "cases": report.totals["all"]["all"],
        "kept": {t: report.kept_rate(t) for t in report.benign_total},
        "benign": report.benign_total["all"],
        "median_ms": {
            name: {str(n): 1e3 * statistics.median(t) for n, t in by_size.items()} for name, by_size in times.items()
        },
        "best_ms": {name: {str(n): 1e3 * min(t) for n, t in by_size.items()} for name, by_size in times.items()},
        "ratio_to_ordinary_2000": ratios,
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--cases", type=int, default=None, help="secret cases (default: the gate's number)")
    parser.add_argument("--reps", type=int, default=21, help="timed calls per input and size (median)")
    parser.add_argument("--misses", type=int, default=0, help="print the first N leaks and dropped benign texts")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)

    from vntext.secrets import Detector

    detector = Detector(public_numbers=[HOTLINE])
    corpus = generate(args.seed) if args.cases is None else generate(args.seed, n_cases=args.cases)
    started = time.perf_counter()
    report = evaluate(detector, corpus)
    print("seed %d; evaluated in %.1f s" % (args.seed, time.perf_counter() - started))
    print_masking(report)
    times = speed(detector, corpus, args.reps)
    ratios = print_speed(times)
    if args.misses:
        print_misses(report, args.misses)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(_summary(report, times, ratios, args.seed), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
