"""The evaluation's scoring functions on tiny hand-made cases, with exact numbers."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from budgetlens.errors import ModelOutputError
from budgetlens.eval.compare import compare, regressions
from budgetlens.eval.counts import Counts
from budgetlens.eval.replay import (
    RecordingLLM,
    ReplayLLM,
    ReplayMissError,
    recording_llm,
    replay_llm,
)
from budgetlens.eval.score_checks import score_checks
from budgetlens.eval.score_facts import score_facts
from budgetlens.eval.score_narrative import score_duties, score_grounding, score_reasons
from budgetlens.eval.score_qa import qa_rates, score_answer, score_questions
from budgetlens.eval.spans import intersection_length, locate, merge, occurrences
from budgetlens.llm import FakeLLM, Request
from budgetlens.llm.cache import CachedLLM


def test_counts_give_precision_recall_and_f1() -> None:
    counts = Counts(hit=2, predicted=3, gold=4)
    assert counts.precision == pytest.approx(2 / 3)
    assert counts.recall == 0.5
    assert counts.f1 == pytest.approx(4 / 7)  # 2·2 / (3 + 4)
    assert Counts(0, 0, 5).precision is None and Counts(0, 0, 5).f1 == 0.0
    assert Counts(0, 0, 0).f1 is None
    assert (Counts(1, 2, 3) + Counts(1, 1, 1)) == Counts(2, 3, 4)


def test_span_arithmetic() -> None:
    assert merge([(5, 8), (0, 3), (2, 4), (8, 9), (7, 7)]) == [(0, 4), (5, 9)]
    assert intersection_length([(0, 10)], [(2, 4), (3, 6), (8, 12)]) == 6
    assert occurrences("abab", "ab") == [(0, 2), (2, 4)]
    # a labeller's half-width comma still finds the full-width source
    assert locate("甲，主要是经费增加。", "主要是经费增加") == [(2, 9)]
    assert locate("根据公务范围，减少成本。", "根据公务范围,减少成本") == [(0, 11)]
    assert locate("甲乙丙", "完全不同的一句话") == []


FACT_TEXT = "收入100万元。支出100万元，比上年减少5万元。"
#            0 2   6    9 11  15    19  23  27


def _fact(span: tuple[int, int], figure: tuple[int, int], value: float) -> dict:
    return {"value": value, "span": list(span), "figure_span": list(figure), "text": ""}


def test_facts_need_the_value_and_the_stated_figure() -> None:
    gold = {
        "facts": {"income_total": 100, "expenditure_total": 100, "change_x": -5, "missing": 1},
        "fact_quotes": {
            "income_total": "收入100万元",
            "expenditure_total": "支出100万元",
            "change_x": "比上年减少5万元",
        },
    }
    record = {
        "facts": {
            "income_total": _fact((0, 7), (2, 7), 100.0),  # right
            "expenditure_total": _fact((0, 7), (2, 7), 100.0),  # right value, income's figure
            "change_x": _fact((16, 24), (20, 24), -5.004),  # within 0.005 万元
            "unlisted": _fact((0, 1), (0, 1), 9.0),  # not in gold: not scored
        }
    }
    result = score_facts(gold, record, FACT_TEXT)
    assert result["counts"]["hit"] == 2
    assert result["counts"]["predicted"] == 3
    assert result["counts"]["gold"] == 4
    assert result["counts"]["precision"] == pytest.approx(0.6667)
    assert result["counts"]["recall"] == 0.5
    status = {i["key"]: i["status"] for i in result["items"]}
    assert status == {
        "income_total": "correct",
        "expenditure_total": "wrong span",
        "change_x": "correct",
        "missing": "missing",
    }
    record["facts"]["change_x"]["value"] = -5.006
    assert score_facts(gold, record, FACT_TEXT)["items"][2]["status"] == "wrong value"


def test_a_fact_span_covering_the_quote_counts() -> None:
    gold = {"facts": {"k": 100}, "fact_quotes": {"k": "支出100万元"}}
    record = {"facts": {"k": _fact((8, 27), (30, 31), 100.0)}}  # span covers [8, 15)
    assert score_facts(gold, record, FACT_TEXT)["counts"]["hit"] == 1


REASON_TEXT = "项目支出减少89.1万元，主要是科技馆项目经费减少。基本支出增加1万元，主要是人员增加。"


def test_reasons_by_characters_at_document_positions() -> None:
    text = REASON_TEXT
    gold = {
        "reasons": {
            "change_project": ["主要是科技馆项目经费减少"],  # 12 chars at 13
            "change_basic": ["主要是人员增加"],  # 7 chars at 37
        }
    }
    a, b = text.index("科技馆项目经费减少"), text.index("基本支出")
    record = {
        "reasons": {
            "change_project": [{"text": "科技馆项目经费减少", "span": [a, a + 9]}],
            "change_basic": [{"text": "基本支出", "span": [b, b + 4]}],  # wrong place
            "change_other": [{"text": "项目支出", "span": [0, 4]}],  # key not in the gold
        }
    }
    result = score_reasons(gold, record, text)
    assert result["counts"] == {
        "precision": pytest.approx(0.5294, abs=1e-4),  # 9 / (9 + 4 + 4)
        "recall": pytest.approx(0.4737, abs=1e-4),  # 9 / (12 + 7)
        "f1": pytest.approx(0.5, abs=1e-4),  # 18 / 36
        "hit": 9,
        "predicted": 17,
        "gold": 19,
    }
    assert (result["found"], result["gold_keys"], result["found_rate"]) == (1, 2, 0.5)
    assert [i["status"] for i in result["items"]] == ["partial", "wrong place", "unlisted"]
    assert score_reasons({}, record, text) == {
        "scored": False,
        "why": "the gold file lists no reasons",
    }


def test_a_reason_keyed_by_the_rate_or_by_the_amount_is_one_facts_reason() -> None:
    text = REASON_TEXT
    a = text.index("科技馆项目经费减少")
    gold = {"reasons": {"change_project": ["科技馆项目经费减少"]}}
    by_rate = {
        "reasons": {"change_pct_project": [{"text": "科技馆项目经费减少", "span": [a, a + 9]}]}
    }
    result = score_reasons(gold, by_rate, text)
    assert (result["found"], result["counts"]["f1"]) == (1, 1.0)
    assert [i["key"] for i in result["items"]] == ["change_project"]
    elsewhere = {
        "reasons": {"change_pct_basic": [{"text": "科技馆项目经费减少", "span": [a, a + 9]}]}
    }
    assert score_reasons(gold, elsewhere, text)["found"] == 0


def test_duties_exact_or_eighty_percent_overlap_one_to_one() -> None:
    text = (
        "1、组织学术交流活动；\n2、开展科技工作者的继续教育和培训工作；开展培训；\n"
        "3、普及科学知识。\n"
    )
    gold = {"duties": ["组织学术交流活动；", "开展培训；", "普及科学知识。", "表彰奖励。"]}
    s2 = text.index("开展科技")
    s3 = text.index("普及")
    record = {
        "duties": [
            {"text": "组织学术交流活动", "span": [2, 10]},  # same text less its ；
            {"text": "开展科技工作者的继续教育和培训工作；开展培训；", "span": [s2, s2 + 23]},
            {"text": "普及科学知", "span": [s3, s3 + 5]},  # 5/7 = 71 % < 80 %
        ]
    }
    result = score_duties(gold, record, text)
    assert result["counts"]["hit"] == 1
    assert (result["counts"]["predicted"], result["counts"]["gold"]) == (3, 4)
    statuses = [i["status"] for i in result["items"]]
    assert statuses == ["found", "missed", "missed", "missed", "extra", "extra"]
    record["duties"][2] = {"text": "普及科学知识", "span": [s3, s3 + 6]}  # 6/7 = 86 %
    assert score_duties(gold, record, text)["counts"]["hit"] == 2


def test_checks_recall_and_false_failures() -> None:
    record = {
        "checks": [
            {"id": "a", "status": "fail"},
            {"id": "b", "status": "fail", "rule": "b = c", "message": "off", "operand_details": []},
            {"id": "c", "status": "pass"},
        ]
    }
    result = score_checks({"expected_failed_rules": ["a", "c"]}, record)
    assert (result["expected"], result["found"], result["recall"]) == (2, 1, 0.5)
    assert result["false_failures"] == 1 and result["ok"] is False
    assert [i["status"] for i in result["items"]] == ["found", "missed", "false failure"]
    clean = score_checks({"expected_failed_rules": []}, {"checks": [{"id": "c", "status": "pass"}]})
    assert clean["recall"] is None and clean["false_failures"] == 0 and clean["ok"]
    assert score_checks({}, record)["scored"] is False


def test_grounding_rate() -> None:
    text = "abcdef"
    record = {
        "reasons": {"k": [{"text": "abc", "span": [0, 3]}]},
        "duties": [{"text": "def", "span": [3, 6]}, {"text": "xyz", "span": [0, 3]}],
        "ungrounded_dropped": 2,
    }
    result = score_grounding(record, text)
    assert (result["grounded"], result["total"], result["rate"]) == (2, 3, 0.6667)
    assert result["ungrounded_dropped"] == 2
    assert result["items"] == [{"text": "xyz", "span": [0, 3]}]


def test_qa_answer_citation_and_decline() -> None:
    item = {"question": "q", "answer_any": ["科技馆"], "citation_contains": "科技馆项目经费减少"}
    cite = {"doc": "d.txt", "quote": "主要是科技馆项目经费减少", "verified": True}
    good = score_answer(item, {"answer": "因为科技馆", "citations": [cite]}, "d.txt")
    assert good["correct"] and good["citation_correct"]
    unverified = {**cite, "verified": False}
    bad = score_answer(item, {"answer": "因为科技馆", "citations": [unverified]}, "d.txt")
    assert bad["correct"] and not bad["citation_correct"]
    declined = score_answer(item, {"answer": "科技馆", "declined": True}, "d.txt")
    assert not declined["correct"]
    unanswerable = {"question": "q2", "answerable": False}
    assert score_answer(unanswerable, {"declined": True}, "d.txt")["correct"]
    assert not score_answer(unanswerable, {"answer": "100万元"}, "d.txt")["correct"]


def test_qa_not_run_without_ask_and_errors_count_as_wrong() -> None:
    gold = {"doc": "d.txt", "qa": [{"question": "q", "answer_any": ["x"]}]}
    assert score_questions(gold, None)["not_run"] is True

    def broken(question: str, docs: list[str]) -> dict:
        raise RuntimeError("index missing")

    result = score_questions(gold, broken)
    assert result["answer_correct"] == 0 and result["errors"] == 1
    assert qa_rates(result)["answer_accuracy"] == 0.0


def _run(facts_f1: float, false_failures: int, docs: list[str]) -> dict:
    return {
        "summary": {
            "facts": {"precision": 1.0, "recall": 1.0, "f1": facts_f1},
            "checks": {"recall": 1.0, "false_failures": false_failures},
        },
        "documents": [{"doc": d, "error": "x"} for d in docs],
    }


def test_compare_flags_drops_and_new_false_failures() -> None:
    rows = {r["metric"]: r for r in compare(_run(0.9, 0, []), _run(0.95, 1, []))}
    assert rows["facts.f1"]["status"] == "better" and rows["facts.f1"]["delta"] == 0.05
    assert rows["checks.false_failures"]["status"] == "worse"  # lower is better
    assert rows["facts.recall"]["status"] == "same"
    worse = regressions(compare(_run(0.9, 0, []), _run(0.9, 0, [])))
    assert worse == []
    baseline = _run(0.9, 0, [])
    baseline["summary"]["grounding"] = {"rate": 1.0}
    assert [r["metric"] for r in regressions(compare(baseline, _run(0.9, 0, [])))] == [
        "grounding.rate"
    ]


class Answer(BaseModel):
    text: str


def test_record_then_replay_without_a_model(tmp_path) -> None:
    question = Request("answer", "1", ({"role": "user", "content": "为什么？"},))
    failing = Request("answer", "1", ({"role": "user", "content": "失败"},))
    fake = FakeLLM([{"text": "因为"}, {"bad": 1}, {"bad": 2}], name="m")
    recorder = recording_llm(fake, tmp_path)
    assert recorder.structured(question, Answer).text == "因为"
    with pytest.raises(ModelOutputError):
        recorder.structured(failing, Answer, max_retries=1)
    assert isinstance(recorder.inner, RecordingLLM)

    replay = replay_llm(tmp_path)
    assert isinstance(replay, CachedLLM) and isinstance(replay.inner, ReplayLLM)
    assert replay.name == "m"
    assert replay.structured(question, Answer).text == "因为"
    assert replay.stats.cache_hits == 1 and replay.stats.calls == 0
    with pytest.raises(ModelOutputError):  # the recorded failure, replayed
        replay.structured(failing, Answer)
    with pytest.raises(ReplayMissError, match="no recorded Answer"):
        replay.structured(Request("answer", "1", ({"role": "user", "content": "新问题"},)), Answer)
    with pytest.raises(ReplayMissError):
        replay_llm(tmp_path / "empty")


def test_a_duty_repeated_inside_a_longer_one_is_located_where_it_stands_alone() -> None:
    from budgetlens.eval.score_narrative import locate_duties
    from budgetlens.extract.grounding import Grounder

    text = "4、开展论证。开展培训；\n5、开展培训；\n"
    duties = ["开展论证。开展培训；", "开展培训；"]
    assert locate_duties(text, duties, Grounder(text)) == [(2, 12), (15, 20)]
