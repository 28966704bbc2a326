"""Batch extraction through the one pipeline: error records, resume, atomic records, exports."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from budgetlens.cli import main
from budgetlens.extract.batch import RECORD_DIR, iter_records, read_record, record_path, run_batch
from budgetlens.extract.exports import write_export
from budgetlens.llm import FakeLLM
from budgetlens.pipeline import process, provenance
from tests.helpers import EXAMPLES, example_text


def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for path in sorted(EXAMPLES.glob("*.txt")):
        (folder / path.name).write_text(path.read_text("utf-8"), "utf-8")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a docx")
    (folder / "gbk.txt").write_bytes(
        example_text("zhangjiakou_kexie_2021_bumenyusuan.txt").encode("gb18030")
    )
    return folder


def no_model(path: Path):
    return process(path, None)


def test_bad_file_yields_an_error_record_and_the_batch_goes_on(tmp_path: Path) -> None:
    folder = corpus(tmp_path)
    out = tmp_path / "out"
    summary = run_batch(sorted(folder.iterdir()), out, no_model, provenance(None))
    records = {r.doc: r for r in iter_records(out)}
    assert summary.documents == 4 and summary.errors == 1
    broken = records["broken.docx"]
    assert broken.error is not None and "zip" in broken.error and broken.stage == "load"
    assert records["gbk.txt"].facts["expenditure_basic"].value == 636.06  # decoded as GB18030
    assert not list((out / "records").glob(".*.tmp"))  # no half-written record left


def test_resume_redoes_changed_failed_and_stale_records_only(tmp_path: Path) -> None:
    folder = corpus(tmp_path)
    out = tmp_path / "out"
    run_batch(sorted(folder.iterdir()), out, no_model, provenance(None))
    changed = folder / "gbk.txt"
    changed.write_text(example_text("langfang_kexie_2023_danweiyusuan.txt"), "utf-8")
    summary = run_batch(sorted(folder.iterdir()), out, no_model, provenance(None), resume=True)
    # the changed file and the one that failed are redone; the two current records are kept
    assert summary.skipped == 2 and summary.documents == 2
    assert dict(summary.redone) == {"文件已改变": 1, "上次出错": 1}
    redone = read_record(record_path(out, changed))
    assert redone is not None and redone.unit == "廊坊市科学技术协会"


def test_resume_with_a_model_redoes_records_made_without_one(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    source = folder / "langfang.txt"
    source.write_text(example_text("langfang_kexie_2023_danweiyusuan.txt"), "utf-8")
    out = tmp_path / "out"
    run_batch([source], out, no_model, provenance(None))
    llm = FakeLLM([{"reasons": ["", "", ""]}] * 10, name="fake-model")
    summary = run_batch([source], out, lambda p: process(p, llm), provenance(llm), resume=True)
    assert summary.skipped == 0 and dict(summary.redone) == {"模型设置不同": 1}
    record = read_record(record_path(out, source))
    assert record is not None and record.provenance is not None
    assert record.provenance.model == "fake-model" and llm.calls
    again = run_batch([source], out, lambda p: process(p, llm), provenance(llm), resume=True)
    assert again.skipped == 1 and again.documents == 0


def test_a_rerun_removes_temporary_files_of_dead_writers_only(tmp_path: Path) -> None:
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
    run_batch([], tmp_path, no_model, provenance(None))
    assert not killed.exists() and writing.exists()


def test_exports_keep_printed_figures_pages_and_failed_documents(tmp_path: Path) -> None:
    folder = corpus(tmp_path)
    out = tmp_path / "out"
    run_batch(sorted(folder.iterdir()), out, no_model, provenance(None), workers=2)
    lines = write_export(iter_records(out), tmp_path / "all.jsonl", "jsonl").read_text("utf-8")
    assert len(lines.splitlines()) == 4
    with write_export(iter_records(out), tmp_path / "f.csv", "csv").open(
        encoding="utf-8-sig"
    ) as handle:
        rows = list(csv.DictReader(handle))
    assert {"项目（label）", "计量单位（unit_of_value）", "页码（page）", "原文（text）"} <= set(
        rows[0]
    )
    personnel = next(
        r
        for r in rows
        if r["键（key）"] == "expenditure_personnel" and "langfang" in r["文件（doc）"]
    )
    assert personnel["金额（印刷）（printed）"] == "451.60"  # not 451.6
    assert personnel["项目（label）"] == "人员经费"
    assert any(r["文件（doc）"] == "broken.docx" and "出错" in r["状态（status）"] for r in rows)
    book = load_workbook(write_export(iter_records(out), tmp_path / "r.xlsx", "xlsx"))
    assert book.sheetnames == ["数字 facts", "核对 checks", "原因 reasons", "出错 errors"]
    errors = [row[0] for row in book["出错 errors"].iter_rows(min_row=2, values_only=True)]
    assert errors == ["broken.docx"]
    checks = list(book["核对 checks"].iter_rows(min_row=2, values_only=True))
    failed = [row for row in checks if row[3] == "不一致"]
    assert failed and all("「" in row[7] for row in failed)  # operands quoted


def test_extract_cli_without_model(tmp_path: Path, capsys) -> None:
    folder = corpus(tmp_path)
    out = tmp_path / "batch-2024"
    status = main(["extract", str(folder), "-o", str(out), "--no-model", "--format", "csv"])
    err = capsys.readouterr().err
    assert status == 1  # one document could not be read
    assert "broken.docx" in err
    assert (out / "batch-2024.facts.csv").exists()  # named after the batch


def test_extract_on_an_empty_folder_is_an_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    status = main(["extract", str(tmp_path / "empty"), "-o", str(tmp_path / "o"), "--no-model"])
    assert status == 2 and "no documents found" in capsys.readouterr().err
