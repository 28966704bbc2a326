"""The command line: the contract record, Chinese summaries, bad input, exit codes."""

import json

import pytest

from budgetlens.cli import main
from tests.helpers import EXAMPLES, example_text


def test_parse_json_is_the_contract_record(capsys: pytest.CaptureFixture[str]) -> None:
    name = "langfang_kexie_2023_danweiyusuan.txt"
    assert main(["parse", str(EXAMPLES / name), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["doc"] == name and record["kind"] == "budget"
    text = example_text(name)
    for fact in record["facts"].values():
        start, end = fact["span"]
        assert text[start:end] == fact["text"]
    assert {"sections", "tables", "indicators", "procurement_items"} <= set(record)


def test_summary_lists_failed_checks_first(capsys: pytest.CaptureFixture[str]) -> None:
    main(["parse", str(EXAMPLES / "zhangjiakou_kexie_2021_bumenyusuan.txt")])
    out = capsys.readouterr().out
    assert out.index("✗ 不一致") < out.index("数字（")
    assert "河北省人大常委会办公厅" in out


def test_batch_goes_on_after_bad_files(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 truncated")
    good = tmp_path / "good.txt"
    good.write_text(example_text("langfang_kexie_2023_danweiyusuan.txt"), "utf-8")
    status = main(["parse", str(tmp_path), "--json"])
    captured = capsys.readouterr()
    records = json.loads(captured.out)
    assert status == 1
    assert [r["doc"] for r in records] == ["broken.docx", "empty.txt", "good.txt"]
    assert records[0]["error"] and records[1]["error"] and records[2]["error"] is None
    assert records[2]["facts"]["expenditure_basic"]["value"] == 504.58
    assert "broken.docx" in captured.err and "empty.txt" in captured.err


def test_settings_flag_overrides_environment(monkeypatch, tmp_path, capsys) -> None:
    big = tmp_path / "big.txt"
    big.write_text("预算" * 400_000, "utf-8")  # ~2.4 MB
    monkeypatch.setenv("BUDGETLENS_MAX_FILE_MB", "100")
    assert main(["parse", str(big), "--max-file-mb", "1"]) == 1
    assert "big.txt" in capsys.readouterr().err


def test_docx_table_with_a_missing_cell_is_parsed_with_a_warning(tmp_path) -> None:
    import docx

    from budgetlens.pipeline import process

    document = docx.Document()
    document.add_paragraph("某某区财政局2024年部门预算公开说明")
    document.add_paragraph("2024年支出预算100.00万元，其中基本支出60.00万元，项目支出40.00万元。")
    table = document.add_table(rows=3, cols=2)
    for row, (label, value) in zip(
        table.rows,
        [("项目", "金额（万元）"), ("基本支出", "60.00"), ("项目支出", "40.00")],
        strict=True,
    ):
        row.cells[0].text, row.cells[1].text = label, value
    table.rows[2]._tr.remove(table.rows[2]._tr.tc_lst[1])  # a row that lost a cell
    path = tmp_path / "budget.docx"
    document.save(path)
    record = process(path)
    assert record.facts["expenditure_total"].value == 100.0
    assert [c.id for c in record.checks if c.status == "fail"] == []
    assert any(
        w.startswith("budget.docx: table 1 ") and "row 3 has 1 cells" in w for w in record.warnings
    )


def test_an_empty_folder_is_an_error(tmp_path, capsys) -> None:
    assert main(["parse", str(tmp_path)]) == 2
    assert "no documents found" in capsys.readouterr().err


def test_a_missing_index_dir_is_an_error_unless_create(tmp_path, capsys) -> None:
    missing = tmp_path / "typo"
    assert main(["ask", "项目支出是多少？", "--index-dir", str(missing), "--no-model"]) == 2
    assert "no index at" in capsys.readouterr().err and not missing.exists()
    status = main(
        ["ask", "项目支出是多少？", "--index-dir", str(missing), "--no-model", "--create"]
    )
    assert status == 3  # an empty index: declined, exit 3


def test_ask_exits_3_on_a_decline_and_0_on_an_answer(tmp_path, capsys) -> None:
    index = tmp_path / "index"
    flags = ["--index-dir", str(index), "--cache-dir", str(tmp_path / "cache")]
    assert main(["index", str(EXAMPLES), "--no-model", "--create", *flags]) == 0
    capsys.readouterr()
    assert main(["ask", "廊坊市科协2023年项目支出为什么减少？", "--no-model", *flags]) == 0
    out = capsys.readouterr().out
    assert "老科协" in out and "✓" in out
    assert main(["ask", "廊坊市科协2030年的预算是多少？", "--no-model", *flags]) == 3
    assert "文件中没有找到相关信息" in capsys.readouterr().out


def test_a_bad_setting_value_is_a_usage_error(capsys) -> None:
    assert main(["parse", str(EXAMPLES), "--max-file-mb", "lots"]) == 2
    assert "max_file_mb" in capsys.readouterr().err


def test_help_shows_examples(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["extract", "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "--format" in out and "one row per fact" in out
