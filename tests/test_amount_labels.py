"""Unlabelled amounts named by the model from the closed key set: kept only where the
document's arithmetic confirms the name, never with a number the model wrote."""

from __future__ import annotations

from budgetlens.extract.amount_labels import candidates, label_amounts
from budgetlens.extract.record import parse_text
from budgetlens.llm.fake import FakeLLM
from budgetlens.pipeline import Text, process

TEXT = (
    "某局2024年“三公”经费预算说明\n"
    "2024年“三公”经费预算12.5万元，其中：因公出国（境）费0万元，公务用车购置及运行费8万元，"
    "上级检查接待安排4.5万元。\n"
)


def test_the_rules_leave_the_figure_unlabelled_and_the_sum_deferred() -> None:
    parsed = parse_text(TEXT, "t.txt")
    assert [parsed.doc.text[a:b] for a, b in parsed.facts.unlabelled] == ["4.5万元"]
    assert [c.figure for c in candidates(parsed)] == [parsed.facts.unlabelled[0]]
    assert {c.id: c.status for c in parsed.checks}["sum:three_public_total"] == "deferred"


def test_a_label_the_sum_confirms_becomes_a_model_fact() -> None:
    llm = FakeLLM([{"labels": ["three_public_reception"]}])
    record = process(Text("t.txt", TEXT), llm)
    fact = record.facts["three_public_reception"]
    assert (fact.value, fact.method, fact.printed) == (4.5, "model", "4.5万元")
    assert {c.id: c.status for c in record.checks}["sum:three_public_total"] == "pass"
    assert record.model_labels_left_out == 0
    sent = llm.calls[0].request.messages[-1]["content"]
    assert "上级检查接待安排4.5万元" in sent and "three_public_reception: 公务接待费" in sent


def test_a_label_the_arithmetic_contradicts_is_left_out_and_raises_nothing() -> None:
    parsed = parse_text(TEXT, "t.txt")
    assert label_amounts(parsed, FakeLLM([{"labels": ["three_public_abroad"]}])) == 1
    assert parsed.facts.get("three_public_abroad").value == 0  # the rule's figure only
    assert not parsed.failed


def test_a_figure_no_check_waits_for_is_not_asked_about() -> None:
    text = "某局2024年部门预算\n2024年安排专项调研经费3.2万元。\n"
    parsed = parse_text(text, "t.txt")
    llm = FakeLLM([{"labels": ["training_expenses"]}])
    assert label_amounts(parsed, llm) == 0
    assert llm.calls == [] and parsed.facts.get("training_expenses") is None


def test_a_key_outside_the_closed_set_is_rejected_by_the_schema() -> None:
    parsed = parse_text(TEXT, "t.txt")
    llm = FakeLLM([{"labels": ["reception"]}, {"labels": ["接待费"]}])
    assert label_amounts(parsed, llm) == 0
    assert llm.stats.failures == 1 and parsed.facts.get("three_public_reception") is None
