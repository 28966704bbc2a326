"""Inputs an independent review showed giving a wrong value, a false failed check or a crash:
each must now give no value rather than a wrong one (precision first)."""

from __future__ import annotations

from budgetlens.extract.amount_labels import label_amounts
from budgetlens.extract.facts import facts_in_snippet
from budgetlens.extract.flat_tables import find_flat_tables
from budgetlens.extract.reasons import cue_reasons
from budgetlens.extract.record import parse_text
from budgetlens.llm.fake import FakeLLM

BUDGET = "某某局2024年部门预算公开说明\n"
FINAL = "某某局2023年度部门决算公开说明\n"


def _failed(text: str) -> list[str]:
    return [c.id for c in parse_text(text, "p.txt").checks if c.status == "fail"]


def test_short_vehicle_names_do_not_match_inside_longer_names() -> None:
    text = (
        BUDGET + "办公设备购置费20万元，公务用车运行维护费5万元，公务用车购置及运行维护费5万元。\n"
    )
    facts = parse_text(text, "p.txt").facts
    assert facts.get("three_public_vehicle_purchase") is None
    assert not _failed(text)
    assert not _failed(BUDGET + "信息系统运行维护费30万元，用于车辆管理平台。\n")


def test_none_last_year_is_not_this_years_zero() -> None:
    text = BUDGET + "上年无公务接待费支出，2024年公务接待费预算3万元。\n"
    facts = parse_text(text, "p.txt").facts
    assert [float(s.value) for s in facts.statements["three_public_reception"]] == [3.0]


def test_a_comparison_year_does_not_make_a_figure_last_years_level() -> None:
    text = BUDGET + "公务接待费预算8万元。较2023年的6万元增加2万元。\n"
    facts = parse_text(text, "p.txt").facts
    assert [float(s.value) for s in facts.statements["three_public_reception"]] == [8.0]
    assert not _failed(text)


def test_a_breakdown_share_is_of_the_total_stated_last_before_it() -> None:
    text = (
        BUDGET + "2024年收入合计3000万元，支出合计2940.05万元，其中：一般公共服务支出2106.66万元，"
        "占71.65%。\n"
    )
    assert not _failed(text)


def test_a_model_name_that_turns_a_deferred_sum_into_a_failure_is_refused() -> None:
    text = (
        BUDGET + "2024年会议费预算3万元。\n“三公”经费预算12.5万元，其中：因公出国（境）费0万元，"
        "公务用车购置及运行费8万元，上级检查接待安排3万元。\n"
    )
    parsed = parse_text(text, "p.txt")
    assert label_amounts(parsed, FakeLLM([{"labels": ["meeting_expenses"]}])) == 1
    assert not parsed.failed


def test_a_source_named_under_a_part_is_not_the_sides_source() -> None:
    text = (
        BUDGET
        + "支出预算1000万元，其中：一般公共预算拨款1000万元。"
        + "基本支出800万元，其中：一般公共预算拨款600万元。\n"
    )
    facts = parse_text(text, "p.txt").facts
    assert [float(s.value) for s in facts.statements["expenditure_general_budget"]] == [1000.0]


def test_an_adjusted_budget_against_the_same_years_first_budget_is_not_a_change() -> None:
    facts = facts_in_snippet(
        "2024年公务接待费调整预算5万元，比2024年年初预算增加1万元。", 2024, "budget"
    )
    assert facts.get("change_three_public_reception") is None


def test_a_reason_of_a_difference_from_the_budget_is_not_a_changes_reason() -> None:
    text = (
        FINAL + "公务接待费支出决算3万元，比上年增加1万元。公务接待费决算较预算有所减少，"
        "主要是因为严格控制接待标准。\n"
    )
    parsed = parse_text(text, "p.txt")
    assert cue_reasons(parsed.doc, parsed.facts).get("change_three_public_reception") is None


def test_the_scope_of_a_list_ends_where_its_total_is_named_again() -> None:
    text = (
        BUDGET + "一般公共预算基本支出900万元，其中：\n人员经费800万元，公用经费100万元。\n"
        "基本支出1200万元，主要用于保障机构运转。\n"
    )
    facts = parse_text(text, "p.txt").facts
    assert float(facts.get("expenditure_basic").value) == 1200.0
    assert float(facts.get("expenditure_basic_general_budget").value) == 900.0


def test_a_side_by_side_header_wider_than_the_cells_left_does_not_crash() -> None:
    header = "\n".join(["项目", "金额"] * 6)
    body = "\n".join(f"一、{name}\n1.5" for name in "ABCDE") + "\n一、F"
    assert find_flat_tables(header + "\n" + body + "\n") is not None


def test_a_remark_saying_what_a_total_includes_is_not_its_scope() -> None:
    text = (
        "某中学2022年度单位决算\n2022年度收入总计6503.68万元(含使用非财政拨款结转结余、年初结转和结余)、支出总计"
        "6503.68万元(含结余分配、年末结转和结余)。\n2022年度财政拨款收入总计5939.19万元"
        "(含年初财政拨款结转和结余),支出总计5939.19万元(含年末财政拨款结转和结余)。\n"
    )
    facts = parse_text(text, "p.txt").facts
    assert float(facts.get("expenditure_total").value) == 6503.68
    assert [float(s.value) for s in facts.statements["expenditure_total_fiscal"]] == [5939.19]
    assert not _failed(text)


def test_a_reason_cut_down_to_a_year_is_no_reason() -> None:
    from budgetlens.extract.reasons import _reason_span

    text = "主要原因是2019,公务接待费减少1万元。"
    start = text.index("2019")
    assert _reason_span(text, start, [text.index("公务接待费")]) is None
    worded = "主要原因是会议减少,公务接待费减少1万元。"
    assert _reason_span(worded, 5, [worded.index("公务接待费")]) == (5, 9)


def _v(text: str, year: int = 2023, kind: str = "final_account") -> dict[str, list[float]]:
    facts = facts_in_snippet(text, year, kind)  # type: ignore[arg-type]
    return {k: [float(s.value) for s in v] for k, v in facts.statements.items()}


def test_review_of_stop_16_bare_words_and_headings_keep_their_own_fact() -> None:
    # a bare 支出 goes on with the fact named, not the spending total
    values = _v("机关运行经费支出20万元,支出比上年增加1万元,增长5.3%。", 2024, "budget")
    assert values["change_operating_expenses"] == [1] and "change_expenditure_total" not in values
    values = _v("一般公共预算财政拨款支出80万元,占支出的80%。与上年相比,支出减少5万元。", 2024)
    assert values["change_expenditure_general_budget"] == [-5]
    # a paragraph's heading names its unnamed figure, never the totals it names itself
    values = _v(
        "1、收入决算：2023年度收入总计100万元,比上年减少5万元;支出总计98万元,比上年减少6万元。"
    )
    assert values["income_total"] == [100] and values["expenditure_total"] == [98]
    assert values["change_expenditure_total"] == [-6]
    # 各 after named totals: the totals, not the parts in parentheses
    values = _v("收入总计100万元(含年初结转和结余10万元),支出总计100万元,与上年相比,各减少5万元。")
    assert "change_income_carryover" not in values and values["change_income_total"] == [-5]


def test_review_of_stop_16_none_budgets_years_and_units() -> None:
    assert _v("其中:公务接待费预算无,决算支出1万元。").get("three_public_reception") is None
    assert _v("其中:公务接待费预算无,决算支出1万元。")["budget_three_public_reception"] == [0]
    assert "income_carryover" not in _v("“三公”经费支出1万元,其中:上年结转无,本年安排1万元。")
    values = _v("2021年无政府性基金预算,2022年政府性基金预算拨款收入10万元。", 2022, "budget")
    assert values == {"income_fund": [10]}
    values = _v("“三公”经费支出41万元,较年初预算减少4万元,较调整预算减少2万元。")
    assert values["vs_budget_three_public_total"] == [-4]
    opening = (
        "2023年部门预算公开说明\n现将某某县教育局2023年部门预算公开如下:\n一、收入预算100万元。\n"
        "二、部门预算单位构成\n某某县第一中学\n"
    )
    assert parse_text(opening, "o.txt").doc.meta.unit == "某某县教育局"
    inside = (
        "昆明市财政局2018年“三公”经费支出决算情况说明\n"
        "下属昆明市财政国库支付局2018年度“三公”经费支出为1万元。\n"
    )
    assert parse_text(inside, "i.txt").doc.meta.unit == "昆明市财政局"
    unit_under_header = (
        "某局2023年度“三公”经费决算表\n项目 | 预算数 | 决算数 |\n单位：万元 |\n合计 | 10 | 8 |\n"
        "公务接待费 | 3 | 2 |\n公务用车购置及运行维护费 | 7 | 6 |\n"
    )
    facts = parse_text(unit_under_header, "u.txt").facts
    assert float(facts.get("three_public_total").value) == 8


def test_review_of_stop_16_reasons_stop_at_the_next_total_and_follow_their_direction() -> None:
    def reasons(text: str) -> dict[str, list[str]]:
        parsed = parse_text(text, "r.txt")
        return {
            k: [parsed.doc.text[a:b] for a, b in v]
            for k, v in cue_reasons(parsed.doc, parsed.facts).items()
        }

    assert (
        reasons(
            "某局2023年度“三公”经费决算说明\n公务接待费2万元,比上年减少1万元,比年初预算增加1万元,"
            "主要是追加了接待任务。\n"
        )
        == {}
    )
    listed = reasons(
        "某局2023年度部门决算\n收入总计100万元,比上年减少5万元,主要是一般公共预算拨款减少3万元,"
        "事业收入减少2万元;支出总计100万元,比上年减少5万元,主要是项目支出减少。\n"
    )
    assert listed["change_income_total"] == ["一般公共预算拨款减少3万元,事业收入减少2万元"]


def test_found_on_holdout6_after_its_first_measurement() -> None:
    # the level a comparison names is the other year's, never this year's (a false alarm)
    text = BUDGET.replace("2024", "2023") + (
        "2023年度收入预算3309.58万元,比2022年年初预算数3683.76万元减少374.18万元,下降10.16%。\n"
    )
    parsed = parse_text(text, "p.txt")
    assert [float(s.value) for s in parsed.facts.statements["income_total"]] == [3309.58]
    assert float(parsed.facts.get("previous_income_total").value) == 3683.76
    assert not _failed(text)
    older = facts_in_snippet("收入预算3309.58万元,比2021年预算数3683.76万元减少374.18万元。", 2023)
    assert [float(s.value) for s in older.statements["income_total"]] == [3309.58]
    # a page's 标题 field and a preposition are no part of a unit's name
    title = (
        "标      题 中共西藏自治区委员会政法委员会铁路护路联防办公室2025年度部门(单位)预算\n"
        "预算5万元。\n"
    )
    assert parse_text(title, "t.txt").doc.meta.unit == (
        "中共西藏自治区委员会政法委员会铁路护路联防办公室"
    )
    mention = (
        "2015年度“三公”经费决算说明\n"
        "公务用车运行维护费28.91万元,与省交通厅及公路局汇报洽谈业务增多。\n"
    )
    assert parse_text(mention, "m.txt").doc.meta.unit == ""


def test_a_clause_opening_with_the_other_year_names_last_years_level() -> None:
    text = (
        "某局2015年度部门决算公开说明\n"
        "2015年“三公”经费合计31.23万元,其中:公务接待费1.58万元,车辆运行费28.91万元,"
        "因公出国(境)费0万元。较2014年度部门决算公开“三公”经费合计16.08万元增加15.15万元。\n"
    )
    parsed = parse_text(text, "g.txt")
    statements = parsed.facts.statements
    assert [float(s.value) for s in statements["three_public_total"]] == [31.23]
    assert float(parsed.facts.get("previous_three_public_total").value) == 16.08
    assert float(parsed.facts.get("three_public_vehicle_operation").value) == 28.91
    checks = {c.id: c for c in parsed.checks}
    assert "consistent:three_public_total" not in checks
    assert checks["change:three_public_total"].status == "pass"
    assert checks["sum:three_public_total"].status == "fail"  # 1.58 + 28.91 + 0 ≠ 31.23


def test_a_facts_value_is_cited_where_the_prose_states_it_first() -> None:
    # a reason that also says the item is not budgeted comes later: the figure is cited
    text = (
        "某台2021年“三公”经费预算\n公务用车购置费支出预算0.00万元,比2020年预算减少12.00万元,"
        "下降原因主要是事业单位公车改革,未安排公务用车购置费。\n"
    )
    cited = parse_text(text, "x.txt").facts.get("three_public_vehicle_purchase")
    assert text[cited.span[0] : cited.span[1]].startswith("公务用车购置费支出预算0.00万元")


def test_the_money_of_units_below_the_department_is_not_its_own() -> None:
    text = (
        "梧州市民政局2025年部门预算\n部门支出预算5000万元。"
        "另外,梧州市民政局下属共有 6 个事业单位,事业运行经费总预算安排37337407.64元,"
        "其中:基本支出预算488180.64元,项目支出预算36849227元,同比增加27125219.46元。\n"
    )
    statements = parse_text(text, "w.txt").facts.statements
    assert "expenditure_basic" not in statements and "expenditure_project" not in statements
    assert [float(s.value) for s in statements["expenditure_total"]] == [5000.0]
    # a department made of its units is still the department
    whole = "某局2025年部门预算\n本部门包括机关本级和下属3个事业单位,收入预算800万元。\n"
    assert "income_total" in parse_text(whole, "v.txt").facts.statements
