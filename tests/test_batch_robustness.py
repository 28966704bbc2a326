"""Corpus-scale robustness: corrupted files among many, and a batch killed mid-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench import corpus
from budgetlens.extract.batch import iter_records, run_batch
from budgetlens.pipeline import process, provenance


def test_thousand_documents_with_five_percent_corrupted(tmp_path: Path) -> None:
    written = corpus.write(tmp_path / "docs", 1000, corrupt_share=0.05)
    paths = [path for path, _ in written]
    bad = {path.name for path, corrupted in written if corrupted}
    summary = run_batch(paths, tmp_path / "out", lambda p: process(p, None), provenance(None))
    records = list(iter_records(tmp_path / "out"))
    assert len(records) == 1000 and summary.documents == 1000
    errors = {r.doc for r in records if r.error is not None}
    assert errors == bad, {r.doc: r.error for r in records if r.doc in errors ^ bad}
    assert 25 <= len(bad) <= 80
    assert all(r.facts for r in records if r.error is None)  # nothing else lost


def test_killed_batch_resumes_to_every_document_exactly_once(tmp_path: Path) -> None:
    paths = [path for path, _ in corpus.write(tmp_path / "docs", 150)]
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "budgetlens.cli",
        "extract",
        str(tmp_path / "docs"),
        "-o",
        str(out),
        "--no-model",
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(Path.cwd())},
    )
    deadline = time.monotonic() + 60
    while (
        time.monotonic() < deadline
        and len(list((out / "records").glob("*.json")) if (out / "records").exists() else []) < 20
    ):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = len(list((out / "records").glob("*.json")))
    assert 0 < done_before < 150, "the kill should land mid-batch"
    resumed = subprocess.run(
        [*command, "--resume"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path.cwd())},
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    files = sorted((out / "records").glob("*.json"))
    assert len(files) == 150
    docs = [json.loads(f.read_text("utf-8"))["doc"] for f in files]  # every file whole JSON
    assert sorted(docs) == sorted(p.name for p in paths)
    assert not list((out / "records").glob(".*.tmp"))
    lines = (out / "out.records.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 150
