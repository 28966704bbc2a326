"""Batch extraction: many documents in, one record file each, written as each finishes.

A failing document yields an error record and the batch goes on; a record is written
atomically (temp file, then rename), so a batch killed at any moment leaves only whole
records, and ``resume`` skips every document whose record matches the file's content hash.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extract.llm.base import LLM
from extract.loaders import LoadError
from extract.narrative import apply_narrative, extract_narrative
from extract.record import parse_file

RECORD_DIR = "records"


@dataclass
class BatchSummary:
    documents: int = 0
    skipped: int = 0
    errors: int = 0
    facts: int = 0
    reasons: int = 0
    failed_checks: int = 0
    model_calls: int = 0
    seconds: float = 0.0
    error_docs: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, record: dict[str, Any]) -> None:
        with self._lock:
            self.documents += 1
            if "error" in record:
                self.errors += 1
                self.error_docs.append(record["doc"])
                return
            self.facts += len(record.get("facts", {}))
            self.reasons += sum(len(v) for v in record.get("reasons", {}).values())
            self.failed_checks += sum(c["status"] == "fail" for c in record.get("checks", []))
            self.model_calls += record.get("model_calls", 0)

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("documents", str(self.documents)),
            ("skipped (resume)", str(self.skipped)),
            ("facts", str(self.facts)),
            ("reasons", str(self.reasons)),
            ("failed checks", str(self.failed_checks)),
            ("errors", str(self.errors)),
            ("model calls", str(self.model_calls)),
            ("seconds", f"{self.seconds:.1f}"),
        ]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_path(out_dir: Path, source: Path) -> Path:
    """One record file per source path; the path hash keeps same-named files apart."""
    tag = hashlib.sha1(str(source.resolve()).encode("utf-8")).hexdigest()[:8]
    return out_dir / RECORD_DIR / f"{source.stem}.{tag}.json"


def write_atomic(path: Path, content: str) -> None:
    """Write then rename; the temporary name carries the writer's pid (see clear_stale_temps)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def clear_stale_temps(directory: Path) -> int:
    """Remove temporary files of writers that died mid-write (a killed batch), keeping those
    of live processes, which may be another batch writing to the same directory."""
    removed = 0
    for temp in directory.glob(".*.tmp"):
        pid = temp.name.removesuffix(".tmp").rsplit(".", 2)[-2]
        if pid.isdigit() and _alive(int(pid)):
            continue
        temp.unlink(missing_ok=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_done(path: Path, sha256: str) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("source_sha256") == sha256
    except (OSError, ValueError):
        return False


def process_document(path: Path, llm: LLM | None, *, max_bytes: int) -> dict[str, Any]:
    """The record of one document, or an error record naming the stage and the problem."""
    started = time.perf_counter()
    stage = "load"
    try:
        parsed = parse_file(path, max_bytes=max_bytes)
        stage = "extract"
        before = llm.stats.calls if llm is not None else 0
        apply_narrative(parsed, extract_narrative(parsed, llm))
        record = parsed.record()
        record["model_calls"] = (llm.stats.calls - before) if llm is not None else 0
    except LoadError as exc:
        return {"doc": path.name, "path": str(path), "error": exc.problem, "stage": stage}
    except Exception as exc:
        return {
            "doc": path.name,
            "path": str(path),
            "error": f"{type(exc).__name__}: {exc}",
            "stage": stage,
        }
    record["path"] = str(path)
    record["seconds"] = round(time.perf_counter() - started, 3)
    return record


def run_batch(
    paths: Iterable[Path],
    out_dir: Path,
    llm: LLM | None,
    *,
    workers: int = 1,
    resume: bool = False,
    max_bytes: int = 20 * 1024 * 1024,
    on_done: Callable[[Path, dict[str, Any] | None], None] | None = None,
) -> BatchSummary:
    """Process every path; each record is on disk before the next one is reported."""
    summary = BatchSummary()
    started = time.perf_counter()
    clear_stale_temps(out_dir / RECORD_DIR)

    def one(path: Path) -> None:
        try:
            sha256 = file_sha256(path)
        except OSError as exc:
            sha256 = ""
            record: dict[str, Any] | None = {
                "doc": path.name,
                "path": str(path),
                "error": f"cannot read: {exc.strerror}",
                "stage": "load",
            }
        else:
            target = record_path(out_dir, path)
            if resume and is_done(target, sha256):
                with summary._lock:
                    summary.skipped += 1
                if on_done:
                    on_done(path, None)
                return
            record = process_document(path, llm, max_bytes=max_bytes)
        assert record is not None
        record["source_sha256"] = sha256
        write_atomic(record_path(out_dir, path), json.dumps(record, ensure_ascii=False, indent=1))
        summary.add(record)
        if on_done:
            on_done(path, record)

    if workers <= 1:
        for path in paths:
            one(path)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(one, paths):
                pass
    summary.seconds = time.perf_counter() - started
    return summary


def iter_records(out_dir: Path) -> Iterator[dict[str, Any]]:
    for path in sorted((out_dir / RECORD_DIR).glob("*.json")):
        yield json.loads(path.read_text(encoding="utf-8"))


FACT_COLUMNS = [
    "doc",
    "unit",
    "year",
    "kind",
    "key",
    "value",
    "text",
    "span_start",
    "span_end",
    "source",
]


def fact_rows(record: dict[str, Any]) -> Iterator[list[Any]]:
    for key, fact in record.get("facts", {}).items():
        yield [
            record["doc"],
            record.get("unit"),
            record.get("year"),
            record.get("kind"),
            key,
            fact["value"],
            fact["text"],
            fact["span"][0],
            fact["span"][1],
            fact["source"],
        ]


def export(out_dir: Path, fmt: str) -> Path:
    """Combine the per-document records, one at a time, into records.jsonl/.csv/.xlsx."""
    if fmt == "jsonl":
        target = out_dir / "records.jsonl"
        with target.open("w", encoding="utf-8") as out:
            for record in iter_records(out_dir):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return target
    if fmt == "csv":
        target = out_dir / "facts.csv"
        with target.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(FACT_COLUMNS)
            for record in iter_records(out_dir):
                writer.writerows(fact_rows(record))
        return target
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        facts, checks, reasons, errors = (
            book.create_sheet(n) for n in ("facts", "checks", "reasons", "errors")
        )
        facts.append(FACT_COLUMNS)
        checks.append(["doc", "id", "rule", "status", "expected", "actual", "message"])
        reasons.append(["doc", "key", "text", "span_start", "span_end", "method"])
        errors.append(["doc", "stage", "error"])
        for record in iter_records(out_dir):
            if "error" in record:
                errors.append([record["doc"], record.get("stage"), record["error"]])
                continue
            for row in fact_rows(record):
                facts.append(row)
            for check in record.get("checks", []):
                checks.append(
                    [
                        record["doc"],
                        check["id"],
                        check["rule"],
                        check["status"],
                        check["expected"],
                        check["actual"],
                        check["message"],
                    ]
                )
            for key, items in record.get("reasons", {}).items():
                for item in items:
                    reasons.append(
                        [record["doc"], key, item["text"], *item["span"], item["method"]]
                    )
        target = out_dir / "records.xlsx"
        book.save(target)
        return target
    raise ValueError(f"unknown format {fmt!r} (jsonl, csv, xlsx)")
