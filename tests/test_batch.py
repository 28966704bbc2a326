"""Batch extraction: error records, resume, atomic records, exports."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

from openpyxl import load_workbook

from budgetlens.cli import main
from extract.batch import RECORD_DIR, export, iter_records, record_path, run_batch
from tests.helpers import EXAMPLES, example_text


def corpus(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for path in sorted(EXAMPLES.glob("*.txt")):
        (folder / path.name).write_text(path.read_text("utf-8"), "utf-8")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a docx")
    (folder / "gbk.txt").write_bytes(
        example_text("chongqing_jiaotongweiyuanhui_2018_bumenyusuan.txt").encode("gb18030")
    )
    return folder


def test_bad_file_yields_an_error_record_and_the_batch_goes_on(tmp_path) -> None:
    folder = corpus(tmp_path)
    out = tmp_path / "out"
    summary = run_batch(sorted(folder.iterdir()), out, None)
    records = {r["doc"]: r for r in iter_records(out)}
    assert summary.documents == 5 and summary.errors == 1
    assert "zip" in records["broken.docx"]["error"] and records["broken.docx"]["stage"] == "load"
    assert records["gbk.txt"]["facts"]["expenditure_basic"]["value"] == 61042.17
    assert summary.failed_checks == 2  # the two genuine disagreements
    assert not list((out / "records").glob(".*.tmp"))  # no half-written record left


def test_resume_skips_done_documents_and_redoes_changed_ones(tmp_path) -> None:
    folder = corpus(tmp_path)
    out = tmp_path / "out"
    run_batch(sorted(folder.iterdir()), out, None)
    changed = folder / "gbk.txt"
    changed.write_text(example_text("langfang_kexie_2023_danweiyusuan.txt"), "utf-8")
    summary = run_batch(sorted(folder.iterdir()), out, None, resume=True)
    assert summary.skipped == 4 and summary.documents == 1
    redone = json.loads(record_path(out, changed).read_text("utf-8"))
    assert redone["unit"] == "廊坊市科学技术协会"


def test_a_rerun_removes_temporary_files_of_dead_writers_only(tmp_path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    records = tmp_path / RECORD_DIR
    records.mkdir()
    killed = records / f".a.1234abcd.json.{dead}.k2j4h1x0.tmp"
    writing = records / f".b.5678abcd.json.{os.getpid()}.q9w8e7r6.tmp"
    for temp in (killed, writing):
        temp.write_text("{", encoding="utf-8")
    run_batch([], tmp_path, None)
    assert not killed.exists() and writing.exists()


def test_exports(tmp_path) -> None:
    folder = corpus(tmp_path)
    out = tmp_path / "out"
    run_batch(sorted(folder.iterdir()), out, None, workers=2)
    lines = export(out, "jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 5
    with export(out, "csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {"doc", "key", "value", "span_start"} <= set(rows[0])
    book = load_workbook(export(out, "xlsx"), read_only=True)
    assert book.sheetnames == ["facts", "checks", "reasons", "errors"]
    assert [row[0] for row in book["errors"].iter_rows(min_row=2, values_only=True)] == [
        "broken.docx"
    ]


def test_extract_cli_without_model(tmp_path, capsys) -> None:
    folder = corpus(tmp_path)
    status = main(
        ["extract", str(folder), "-o", str(tmp_path / "out"), "--no-model", "--format", "csv"]
    )
    err = capsys.readouterr().err
    assert status == 1  # one document could not be read
    assert "broken.docx" in err and "errors" in err
    assert (tmp_path / "out" / "facts.csv").exists()
