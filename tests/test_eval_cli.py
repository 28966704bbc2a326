"""``budgetlens eval`` end to end with --no-model: outputs, saved runs, baselines, any
gold directory, and the Q&A plug-in point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from budgetlens.cli import build_parser, main
from budgetlens.eval.harness import run_eval
from tests.helpers import EXAMPLES, GOLD, gold

DOC = "zhangjiakou_kexie_2021_bumenyusuan.txt"


def run_cli(tmp_path: Path, *extra: str, gold_dir: Path = GOLD) -> int:
    args = ["eval", "--gold", str(gold_dir), "--docs", str(EXAMPLES), "--no-model"]
    return main([*args, "--runs-dir", str(tmp_path / "runs"), *extra])


def test_the_eval_command_takes_setting_flags() -> None:
    args = build_parser().parse_args(
        ["eval", "--gold", "g", "--docs", "d", "--no-model", "--threads", "2"]
    )
    assert (args.gold, args.docs, args.no_model) == (Path("g"), [Path("d")], True)
    assert callable(args.handler) and args.setting_threads == "2"


def test_no_model_run_writes_json_and_a_self_contained_report(tmp_path: Path) -> None:
    out_json, out_html = tmp_path / "run.json", tmp_path / "report.html"
    assert run_cli(tmp_path, "--json", str(out_json), "--report", str(out_html), "--no-qa") == 0
    run = json.loads(out_json.read_text(encoding="utf-8"))
    assert run["setup"] == "no-model" and run["summary"]["documents"] == 2
    assert run["summary"]["facts"]["f1"] == 1.0
    assert run["summary"]["qa"] == {"status": "not run"}
    assert {d["doc"] for d in run["documents"]} == {gold(p.name)["doc"] for p in GOLD.glob("*")}
    html = out_html.read_text(encoding="utf-8")
    assert "<svg" in html and "<table>" in html and "Failing items" in html
    for outside in ("<script", "<link", "src=", "@import"):
        assert outside not in html
    saved = sorted((tmp_path / "runs").glob("*.json"))
    assert len(saved) == 1


def test_the_next_run_compares_with_the_last_saved_one(tmp_path: Path) -> None:
    assert run_cli(tmp_path) == 0
    out = tmp_path / "second.json"
    assert run_cli(tmp_path, "--json", str(out), "--fail-on-regression") == 0
    run = json.loads(out.read_text(encoding="utf-8"))
    assert Path(run["comparison"]["baseline"]).parent == tmp_path / "runs"
    assert {r["status"] for r in run["comparison"]["rows"]} == {"same"}


def test_a_drop_below_the_baseline_fails_with_fail_on_regression(tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    assert run_cli(tmp_path, "--no-save", "--json", str(first)) == 0
    better = json.loads(first.read_text(encoding="utf-8"))
    better["summary"]["qa"]["answer_accuracy"] = 1.0  # pretend the last run answered everything
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(better), encoding="utf-8")
    assert run_cli(tmp_path, "--no-save", "--baseline", str(baseline)) == 0  # reported only
    assert run_cli(tmp_path, "--no-save", "--baseline", str(baseline), "--fail-on-regression") == 1


def test_any_gold_directory_works_and_missing_fields_are_not_scored(tmp_path: Path) -> None:
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    minimal = {"doc": DOC, "facts": {"expenditure_total": 1006.46}}
    (gold_dir / "minimal.json").write_text(json.dumps(minimal), encoding="utf-8")
    out = tmp_path / "run.json"
    assert (
        run_cli(
            tmp_path, "--json", str(out), "--report", str(tmp_path / "r.html"), gold_dir=gold_dir
        )
        == 0
    )
    doc = json.loads(out.read_text(encoding="utf-8"))["documents"][0]
    assert doc["facts"]["counts"]["hit"] == 1  # scored on value alone: no fact_quotes
    for field in ("reasons", "duties", "checks", "qa"):
        assert doc[field]["scored"] is False, field


def test_a_missing_document_is_an_error_row_and_exit_1(tmp_path: Path) -> None:
    gold_dir = tmp_path / "gold"
    shutil.copytree(GOLD, gold_dir)
    (gold_dir / "ghost.json").write_text(json.dumps({"doc": "ghost.txt"}), encoding="utf-8")
    out = tmp_path / "run.json"
    assert run_cli(tmp_path, "--json", str(out), gold_dir=gold_dir) == 1
    run = json.loads(out.read_text(encoding="utf-8"))
    assert run["summary"]["errors"] == 1 and run["summary"]["facts"]["f1"] == 1.0


def test_unusable_gold_or_recorded_responses_stop_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.json").write_text("{not json", encoding="utf-8")
    assert run_cli(tmp_path, gold_dir=bad) == 2
    args = ["eval", "--gold", str(GOLD), "--docs", str(EXAMPLES), "--no-save"]
    assert main([*args, "--replay", str(tmp_path / "nothing-recorded")]) == 2


def oracle(texts: dict[str, str]):
    """A stand-in Q&A layer: answers from the gold file, citing the document's text."""
    answers = {item["question"]: item for doc in texts for item in gold(doc).get("qa", [])}

    def ask(question: str, doc_names: list[str]) -> dict[str, Any]:
        item, doc = answers[question], doc_names[0]
        if item.get("answerable") is False:
            return {"answer": "文件没有说明。", "declined": True, "citations": []}
        text = texts[doc]
        start = text.index(item["citation_contains"])
        quote = text[start : start + len(item["citation_contains"])]
        citation = {
            "doc": doc,
            "span": [start, start + len(quote)],
            "quote": quote,
            "verified": True,
        }
        return {"answer": item["answer_any"][0], "declined": False, "citations": [citation]}

    return ask


def test_any_q_and_a_function_is_scored_the_same_way(tmp_path: Path) -> None:
    from budgetlens.eval.report import render_html

    texts = {p.name: p.read_text("utf-8") for p in EXAMPLES.glob("*.txt")}
    run = run_eval(GOLD, [EXAMPLES], None, ask=oracle(texts))
    html = render_html(run, None, None)
    qa = run["summary"]["qa"]
    items = [q for path in GOLD.glob("*.json") for q in json.loads(path.read_text("utf-8"))["qa"]]
    unanswerable = sum(q.get("answerable", True) is False for q in items)
    assert (qa["answerable"], qa["unanswerable"]) == (len(items) - unanswerable, unanswerable)
    assert (qa["answer_accuracy"], qa["citation_accuracy"], qa["decline_accuracy"]) == (
        1.0,
        1.0,
        1.0,
    )
    assert "Q&amp;A answers" in html
