"""Narrative extraction with a scripted model: grounding, re-asks, number checks, cues."""

from __future__ import annotations

import pytest

from budgetlens.extract.narrative import (
    Narrative,
    check_model_numbers,
    extract_narrative,
    extract_reasons,
)
from budgetlens.extract.record import parse_text
from budgetlens.llm import FakeLLM
from budgetlens.llm.cache import CachedLLM
from budgetlens.pipeline import Text, process
from tests.helpers import DOC_NAMES, example_text, gold

DOC = """某某县农业农村局2024年部门预算公开说明
现将某某县农业农村局2024年部门预算公开如下：
一、部门职责
负责全县农业农村发展规划；拟订农业扶持政策并组织实施；承担县委、县政府交办的其他事项。
二、预算情况
2024年支出预算500.00万元，其中基本支出300.00万元，项目支出200.00万元。
基本支出比上年增加20.00万元，因新增编制人员；项目支出比上年减少50.00万元，受到高标准农田建设项目完工的影响。
"""


def parsed_doc():
    return parse_text(DOC, "county.txt")


def reasons_only(parsed, llm) -> Narrative:
    narrative = Narrative()
    extract_reasons(parsed, llm, narrative)
    return narrative


def test_model_reasons_are_grounded_to_exact_spans() -> None:
    llm = FakeLLM(
        [{"reasons": ["因新增编制人员", "受到高标准农田建设项目完工的影响"]}, {"duties": []}]
    )
    record = process(Text("county.txt", DOC), llm)
    assert record.error is None, record.error
    reasons = record.reasons
    assert [r.text for r in reasons["change_expenditure_basic"]] == ["因新增编制人员"]
    assert reasons["change_expenditure_project"][0].method == "model"
    for items in reasons.values():
        for item in items:
            start, end = item.span
            assert DOC[start:end] == item.text and item.match == "exact"
    # the model read only the sentence stating the changes, not the whole document
    prompt = llm.calls[0].user
    assert "基本支出比上年增加20.00万元" in prompt and "部门职责" not in prompt


INVENTED = {"reasons": ["因为上级统一部署了新的重大专项任务", "受到高标准农田建设项目完工的影响"]}


def test_an_invented_reason_is_reasked_and_a_corrected_answer_is_kept() -> None:
    fixed = {"reasons": ["因新增编制人员", "受到高标准农田建设项目完工的影响"]}
    llm = FakeLLM([INVENTED, fixed])
    narrative = reasons_only(parsed_doc(), llm)
    assert len(llm.calls) == 2  # one re-ask naming the string that is not in the text
    assert "不是原文中的连续文字" in llm.calls[1].user and "重大专项任务" in llm.calls[1].user
    assert [r.text for r in narrative.reasons["change_expenditure_basic"]] == ["因新增编制人员"]
    assert narrative.dropped == []


def test_an_answer_still_invented_after_the_reask_is_rejected_and_counted() -> None:
    llm = FakeLLM([INVENTED, INVENTED])
    narrative = reasons_only(parsed_doc(), llm)
    assert len(llm.calls) == 2 and narrative.model_calls == 2
    assert narrative.dropped == ["(rejected answer for 2 change(s))"]
    assert "change_expenditure_basic" not in narrative.reasons  # nothing unverified is kept


def test_validation_context_is_read_only() -> None:
    import pytest as _pytest
    from pydantic import ValidationInfo, model_validator

    from budgetlens.extract.narrative import ChangeReasons

    class Sneaky(ChangeReasons):
        @model_validator(mode="after")
        def remember(self, info: ValidationInfo) -> Sneaky:
            info.context["attempts"] = 1  # the old way of keeping re-ask state
            return self

    with _pytest.raises(TypeError, match="does not support item assignment"):
        FakeLLM([{"reasons": [""]}]).structured(
            parsed_doc_request(), Sneaky, context={"count": 1, "grounder": None, "window": (0, 0)}
        )


def parsed_doc_request():
    from budgetlens.prompts import load_prompt

    return load_prompt("reasons").render(passage="x", items="1. y")


def test_a_figure_copied_as_reason_is_not_a_reason() -> None:
    parsed = parsed_doc()
    llm = FakeLLM([{"reasons": ["项目支出比上年减少50.00万元", ""]}])
    narrative = reasons_only(parsed, llm)
    # it lies in the passage but not after the basic change's own figure: dropped, counted
    assert len(llm.calls) == 1
    assert "change_expenditure_basic" not in narrative.reasons
    assert narrative.dropped == ["项目支出比上年减少50.00万元"]


def test_numbers_written_by_the_model_are_checked_against_parsed_facts() -> None:
    parsed = parsed_doc()
    ok = check_model_numbers(parsed.doc, parsed.facts, "基本支出增加20.00万元", "reason")
    wrong = check_model_numbers(parsed.doc, parsed.facts, "基本支出增加25万元", "reason")
    assert [c.status for c in ok] == ["pass"]
    assert [c.status for c in wrong] == ["fail"]
    assert wrong[0].expected == 20 and wrong[0].actual == 25
    assert wrong[0].operands[0].span is not None


def test_unnumbered_duties_are_split_by_the_model_and_grounded() -> None:
    parsed = parsed_doc()
    llm = FakeLLM(
        [
            {"reasons": ["", ""]},
            {
                "duties": [
                    "负责全县农业农村发展规划",
                    "拟订农业扶持政策并组织实施",
                    "编造的一条职责内容",
                ]
            },
        ]
    )
    narrative = extract_narrative(parsed, llm)
    assert [d.text for d in narrative.duties] == [
        "负责全县农业农村发展规划",
        "拟订农业扶持政策并组织实施",
    ]
    assert "编造的一条职责内容" in narrative.dropped


@pytest.mark.parametrize("name", DOC_NAMES)
def test_without_a_model_structure_and_cues_still_ground_everything(name: str) -> None:
    parsed = parse_text(example_text(name), name)
    narrative = extract_narrative(parsed, None)
    expected = gold(name)
    assert [d.text for d in narrative.duties] == expected["duties"]
    text = parsed.doc.text
    for items in narrative.reasons.values():
        for item in items:
            assert text[item.span[0] : item.span[1]] == item.text
    for key, fragments in expected["reasons"].items():
        found = " ".join(item.text for item in narrative.reasons.get(key, []))
        assert all(f in found or found in f for f in fragments), key


def test_a_cached_replay_keeps_exactly_what_the_live_run_kept(tmp_path) -> None:
    """Validators are pure, so a replay from the cache cannot differ (re-ask state used to
    live in the validation context, and strings were lost on a cache hit)."""
    fixed = {"reasons": ["因新增编制人员", "受到高标准农田建设项目完工的影响"]}
    live = CachedLLM(FakeLLM([INVENTED, fixed]), tmp_path)
    first = reasons_only(parsed_doc(), live)
    replay = CachedLLM(FakeLLM([]), tmp_path)  # an empty queue: any model call would fail
    second = reasons_only(parsed_doc(), replay)
    assert replay.stats.cache_hits == 1 and first.reasons
    assert second.dropped == first.dropped
    assert {k: [r.span for r in v] for k, v in second.reasons.items()} == {
        k: [r.span for r in v] for k, v in first.reasons.items()
    }


def test_a_fuzzy_quote_says_how_it_was_matched() -> None:
    # the model dropped a character ("完工" -> "完") and used a half-width comma
    llm = FakeLLM([{"reasons": ["", "受到高标准农田建设项目完的影响"]}])
    narrative = reasons_only(parsed_doc(), llm)
    (reason,) = narrative.reasons["change_expenditure_project"]
    assert reason.match == "fuzzy" and reason.score < 1
    assert DOC[reason.span[0] : reason.span[1]] == reason.text


def test_a_cue_word_the_model_put_in_front_is_dropped_not_the_reason() -> None:
    llm = FakeLLM([{"reasons": ["主要是因新增编制人员", "主要是受到高标准农田建设项目完工的影响"]}])
    narrative = reasons_only(parsed_doc(), llm)
    assert len(llm.calls) == 1  # accepted without a re-ask: the rest is verbatim
    assert [r.text for r in narrative.reasons["change_expenditure_basic"]] == ["因新增编制人员"]
    invented = FakeLLM([{"reasons": ["主要是人员工资普调", ""]}] * 2)
    assert "change_expenditure_basic" not in reasons_only(parsed_doc(), invented).reasons
