"""Batch extraction: many documents in, one record file each, written as each finishes.

Every document goes through :func:`budgetlens.pipeline.process`; a failing one yields an
error record and the batch goes on. A record is written atomically, so a batch killed at any
moment leaves only whole records. ``resume`` keeps a record only when it is still current:
same file content, no error, and made by the same parser, model and prompt versions; every
other record is redone and the summary says how many and why.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from budgetlens.extract.types import Provenance, Record
from budgetlens.files import clear_stale_temps, sha256_of, write_atomic

RECORD_DIR = "records"

Process = Callable[[Path], Record]
"""The pipeline for one path (``lambda p: process(p, llm, max_bytes=…)``)."""


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
    redone: Counter[str] = field(default_factory=Counter)  # why a resumed record was redone
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, record: Record) -> None:
        with self._lock:
            self.documents += 1
            if record.error is not None:
                self.errors += 1
                self.error_docs.append(record.doc)
                return
            self.facts += len(record.facts)
            self.reasons += sum(len(v) for v in record.reasons.values())
            self.failed_checks += len(record.failed_checks())
            self.model_calls += record.model_calls

    def rows(self) -> list[tuple[str, str]]:
        """The summary table, in Chinese."""
        rows = [
            ("文件", str(self.documents + self.skipped)),
            ("本次处理", str(self.documents)),
            ("沿用（--resume，记录仍有效）", str(self.skipped)),
        ]
        if self.redone:
            reasons = "，".join(f"{why} {n}" for why, n in self.redone.most_common())
            rows.append(("重新处理（--resume）", f"{sum(self.redone.values())}（{reasons}）"))
        rows += [
            ("数字（facts）", str(self.facts)),
            ("原因（reasons）", str(self.reasons)),
            ("未通过的核对", str(self.failed_checks)),
            ("出错的文件", str(self.errors)),
            ("模型调用", str(self.model_calls)),
            ("用时（秒）", f"{self.seconds:.1f}"),
        ]
        return rows


def record_path(out_dir: Path, source: Path) -> Path:
    """One record file per source path; the path hash keeps same-named files apart."""
    tag = hashlib.sha1(str(source.resolve()).encode("utf-8")).hexdigest()[:8]
    return out_dir / RECORD_DIR / f"{source.stem}.{tag}.json"


def read_record(path: Path) -> Record | None:
    try:
        return Record.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, ValidationError):
        return None


def stale_because(record: Record | None, sha256: str, wanted: Provenance) -> str | None:
    """Why a record on disk must be redone (None: it is current)."""
    if record is None:
        return "没有记录"
    if record.source_sha256 != sha256:
        return "文件已改变"
    if record.error is not None:
        return "上次出错"
    made = record.provenance
    if made is None or made.parser != wanted.parser or made.budgetlens != wanted.budgetlens:
        return "解析器版本不同"
    if made.model != wanted.model:
        return "模型设置不同"
    if made.prompts != wanted.prompts:
        return "提示词版本不同"
    return None


def run_batch(
    paths: Iterable[Path],
    out_dir: Path,
    process: Process,
    wanted: Provenance,
    *,
    workers: int = 1,
    resume: bool = False,
    on_done: Callable[[Path, Record | None], None] | None = None,
) -> BatchSummary:
    """Process every path; each record is on disk before the next one is reported.

    ``wanted`` is the provenance a record made now would carry (what ``resume`` compares).
    """
    summary = BatchSummary()
    started = time.perf_counter()
    clear_stale_temps(out_dir / RECORD_DIR)

    def one(path: Path) -> None:
        target = record_path(out_dir, path)
        try:
            sha256 = sha256_of(path)
        except OSError as exc:
            record = Record(
                doc=path.name,
                path=str(path),
                error=f"cannot read the file: {exc.strerror or exc}",
                stage="load",
            )
        else:
            if resume:
                why = stale_because(read_record(target), sha256, wanted)
                if why is None:
                    with summary._lock:
                        summary.skipped += 1
                    if on_done:
                        on_done(path, None)
                    return
                if why != "没有记录":
                    with summary._lock:
                        summary.redone[why] += 1
            record = process(path)
            record.source_sha256 = sha256
        write_atomic(target, record.model_dump_json(indent=1))
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


def iter_records(out_dir: Path) -> Iterator[Record]:
    for path in sorted((out_dir / RECORD_DIR).glob("*.json")):
        record = read_record(path)
        if record is not None:
            yield record
