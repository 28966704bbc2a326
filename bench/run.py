"""Benchmarks: `make bench`. Prints the figures and writes bench/RESULTS.md with machine info.

Timed here, never in tests: parse + check of one ~25 KB document on one core.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.record import parse_text  # noqa: E402


def bench_parse(name: str, repeats: int = 200) -> dict[str, float]:
    text = (ROOT / "examples" / name).read_text(encoding="utf-8")
    parse_text(text, name)  # warm-up: regex compilation, imports
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        parse_text(text, name).record()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    parse_text(text, name).record()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times.sort()
    return {
        "kb": len(text.encode("utf-8")) / 1024,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
        "peak_kb": peak / 1024,
    }


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    cpu = platform.processor() or platform.machine()
    machine = f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine}",
        "",
        "## parse + check (no model), one core, 200 runs",
        "",
        "| document | size KB | median ms | p95 ms | peak memory KB |",
        "|---|---|---|---|---|",
    ]
    for path in sorted((ROOT / "examples").glob("*.txt")):
        result = bench_parse(path.name)
        row = (
            f"| {path.name} | {result['kb']:.1f} | {result['median_ms']:.2f} | "
            f"{result['p95_ms']:.2f} | {result['peak_kb']:.0f} |"
        )
        lines.append(row)
        print(row)
    lines += ["", "Target: under 20 ms median for a ~25 KB document.", ""]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print("written bench/RESULTS.md")


if __name__ == "__main__":
    main()
