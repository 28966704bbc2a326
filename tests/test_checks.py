"""Checks on short texts: each fails on the disagreement it exists for, names every operand,
and passes (or defers) when the figures agree within their printed rounding."""

from __future__ import annotations

from budgetlens.extract.checks.base import CheckResult
from budgetlens.extract.record import parse_text


def _checks(text: str) -> dict[str, CheckResult]:
    return {c.id: c for c in parse_text(text, "c.txt").checks}


def test_a_rate_in_parentheses_is_checked_against_its_change() -> None:
    checks = _checks(
        "某局2019年“三公”经费预算说明\n公务接待费2.30万元,较上年减少1.5万元(42.86%)。\n"
    )
    result = checks["percent:three_public_reception"]
    assert result.status == "fail" and "39.47%" in result.message
    agreeing = _checks(
        "某局2019年“三公”经费预算说明\n公务接待费2.30万元,较上年减少1.5万元(39.47%)。\n"
    )
    assert agreeing["percent:three_public_reception"].status == "pass"


def test_shares_of_one_unstated_whole_must_imply_one_whole() -> None:
    text = (
        "某局2024年部门预算\n一般公共预算支出情况:\n1.基本支出2476260.58元,占一般公共预算支出的84.06%;\n"
        "2.项目支出469500元,占一般公共预算支出的{}%。\n"
    )
    result = _checks(text.format("19.62"))["share_whole:expenditure_general_budget"]
    assert result.status == "fail" and len(result.operands) == 4
    assert "share_whole:expenditure_general_budget" not in _checks(text.format("15.94"))


def test_parts_that_already_exceed_their_total_fail_though_some_are_unstated() -> None:
    checks = _checks(
        "某局2016年“三公”经费预算说明\n2016年三公经费预算拨入33万元,2015年三公经费预算拨入57.55万元。"
        "其中:1、公务接待费2016年预算8万元,2015年预算12.5万元;2、公务车辆运行2016年预算25万元,"
        "2015年预算45.4万元。\n"
    )
    result = checks["sum:previous_three_public_total"]
    assert result.status == "fail" and "只会使它更大" in result.message
    assert checks["sum:three_public_total"].status != "fail"


def test_a_line_of_a_breakdown_is_a_share_of_the_total_its_sentence_opens_with() -> None:
    text = (
        "某局2024年度部门决算\n一般公共预算财政拨款支出2940.05万元，主要用于以下方面：一般公共服务支出"
        "（类）2106.66万元，占{}%；社会保障和就业支出（类）326.72万元，占11.11%。\n"
    )
    failing = [c for c in _checks(text.format("71.73")).values() if c.id.startswith("share:")]
    assert [c.status for c in failing] == ["fail", "pass"]
    assert "一般公共服务支出（类）" in failing[0].message
    passing = [c for c in _checks(text.format("71.65")).values() if c.id.startswith("share:")]
    assert all(c.status != "fail" for c in passing)


def test_a_final_account_against_its_own_budget_is_checked_not_taken_as_a_change() -> None:
    text = (
        "某镇2020年度“三公”经费决算情况\n"
        "2020年度“三公”经费41万元,较上年减少19万元,较年初预算数减少4万元,下降{}%。\n"
    )
    parsed = parse_text(text.format("2.2"), "c.txt")
    assert parsed.facts.get("change_three_public_total").value == -19
    assert parsed.facts.get("vs_budget_three_public_total").value == -4
    assert parsed.facts.get("change_pct_three_public_total") is None  # the rate is the budget's
    checks = {c.id: c for c in parsed.checks}
    result = checks["vs_budget_percent:three_public_total"]
    assert result.status == "fail" and "8.89%" in result.message
    assert len(result.operands) == 3
    agreeing = _checks(text.format("8.9"))
    assert agreeing["vs_budget_percent:three_public_total"].status == "pass"
    stated = _checks(
        "某局2021年度“三公”经费决算说明\n公务接待费预算1万元,决算2.14万元,比预算增加1.14万元。\n"
    )
    assert stated["vs_budget:three_public_reception"].status == "pass"
    wrong = _checks(
        "某局2021年度“三公”经费决算说明\n公务接待费预算1万元,决算2.14万元,比预算增加1.41万元。\n"
    )
    assert wrong["vs_budget:three_public_reception"].status == "fail"


def test_a_sum_check_cites_the_statements_listed_together() -> None:
    text = (
        "某街道2023年度“三公”经费支出决算情况说明\n"
        "“三公”经费支出决算为11.96万元,其中:公务用车购置及运行费支出决算为4.02万元,"
        "无公务用车购置支出。\n"
        "(二)具体情况\n2.公务用车购置及运行维护费支出4.02万元。\n"
        "公务用车购置支出0万元,购置车辆0辆。\n公务用车运行维护支出0万元,保有量为7辆。\n"
    )
    parsed = parse_text(text, "c.txt")
    (result,) = [c for c in parsed.checks if c.id == "sum:three_public_vehicle"]
    assert result.status == "fail"
    cited = [parsed.doc.text[o.span[0] : o.span[1]] for o in result.operands if o.span]
    assert cited == [
        "公务用车购置及运行维护费支出4.02万元",
        "公务用车购置支出0万元",
        "公务用车运行维护支出0万元",
    ]


def test_a_final_accounts_income_fails_only_when_its_listed_items_exceed_it() -> None:
    head = (
        "某妇幼保健院2017年度部门决算公开说明\n"
        "（一）收入决算情况。2017年度,收入总计为{total}万元,其中:\n"
    )
    items = (
        "1.财政拨款收入1813.24万元。\n2.上级补助收入0万元。\n3.事业收入8257.3万元。\n"
        "4.其他收入0万元。\n5.上年结转和结余27.93万元。\n（二）支出决算情况\n"
    )
    over = _checks(head.format(total="10070.54") + items)["sum:income_total"]
    assert over.status == "fail" and "10098.47" in over.message
    # short of the total: 上级补助收入 and the like have no key, so nothing is certain
    short = _checks(head.format(total="10200.00") + items)["sum:income_total"]
    assert short.status == "deferred"
    assert _checks(head.format(total="10098.47") + items)["sum:income_total"].status == "pass"
    # a list that another paragraph interrupts is not the total's own list
    apart = head.format(total="10070.54") + "收入较上年增加。\n" + items
    assert _checks(apart)["sum:income_total"].status != "fail"


def test_a_part_stated_beside_the_total_before_its_list_does_not_make_it_exceed() -> None:
    text = (
        "某镇2024年单位预算\n(一)收入预算:2024年年初预算数8140.52万元,上年结转89.01万元。"
        "其中:一般公共预算拨款8229.53万元,政府性基金预算拨款0万元,事业收入0万元。\n"
    )
    assert _checks(text).get("sum:income_total") is None or (
        _checks(text)["sum:income_total"].status != "fail"
    )
    # listed after the 其中 like the others, an excess still fails
    listed = text.replace(
        "8140.52万元,上年结转89.01万元。其中:", "8140.52万元。其中:上年结转89.01万元,"
    )
    assert _checks(listed)["sum:income_total"].status == "fail"


def test_a_percentage_is_right_rounded_or_truncated_and_wrong_otherwise() -> None:
    text = (
        "某卫生院2023年度单位决算\n本年收入合计2053.57万元,其中:财政拨款收入1071.14万元,占52.16%;"
        "事业收入930.28万元,占{}%;其他收入52.15万元,占2.53%。\n"
    )
    # 930.28 ÷ 2053.57 = 45.3006%: 45.30 (rounded or truncated) is right, 45.31 is neither
    assert _checks(text.format("45.31"))["share:income_business"].status == "fail"
    assert _checks(text.format("45.30"))["share:income_business"].status == "pass"
    # a falling rate truncated toward zero: −2570.97 ÷ 6714.88 = −38.2877% printed −38.28%
    falling = (
        "某单位2022年度单位决算\n2022年度支出总计4143.91万元,比上年减少2570.97万元,下降38.28%。\n"
    )
    assert _checks(falling)["percent:expenditure_total"].status != "fail"


def test_a_line_of_a_named_whole_is_checked_against_its_one_scoped_statement() -> None:
    text = (
        "某单位2023年单位预算\n一般公共预算基本支出881300.39元,其中:工资福利支出716052.51元,"
        "占基本支出的81.25%;商品和服务支出165247.88元,占基本支出的{}%。\n"
    )
    failed = _checks(text.format("18.76"))  # 165247.88 ÷ 881300.39 = 18.7505%
    assert any(c.startswith("share:") and r.status == "fail" for c, r in failed.items())
    agreeing = _checks(text.format("18.75"))
    assert not any(r.status == "fail" for r in agreeing.values())


def test_amounts_add_up_only_if_some_rounding_or_truncation_of_each_makes_them() -> None:
    text = (
        "某局2016年“三公”经费预算说明\n2016年三公经费预算拨入33万元,2015年三公经费预算拨入57.55万元。"
        "其中:1、公务接待费2016年预算8万元,2015年预算12.5万元;2、公务车辆运行2016年预算25万元,"
        "2015年预算{}万元。\n"
    )
    # 12.5 + 45.2 is at least 57.6 however each was rounded or cut: more than 57.55 can be
    assert _checks(text.format("45.2"))["sum:previous_three_public_total"].status == "fail"
    # 12.5 + 45.05: 12.50 + 45.05 = 57.55 exactly, as printed
    assert _checks(text.format("45.05"))["sum:previous_three_public_total"].status == "pass"
    # figures to one decimal that may stand for 12.46 + 45.09 = 57.55: not certain, no failure
    assert _checks(text.format("45.1"))["sum:previous_three_public_total"].status != "fail"


def test_a_completion_rate_against_the_budget_its_stated_difference_implies() -> None:
    text = (
        "某幼儿园2017年度部门决算说明\n2017年度,本单位一般公共预算财政拨款支出总计1741.75万元,"
        "完成年初预算{}%,决算数大于预算数55.93万元,主要原因是工资调标。\n"
    )
    result = _checks(text.format("100"))["completion:expenditure_general_budget"]
    assert result.status == "fail" and "103.3%" in result.message  # 1741.75 ÷ 1685.82
    assert "1685.82" in result.message  # the budget the difference implies
    assert _checks(text.format("103.32"))["completion:expenditure_general_budget"].status in (
        "pass",
        "rounding",
    )
    # a budget's wording says nothing of a difference: no such fact in a budget document
    budget = text.replace("2017年度部门决算说明", "2018年部门预算说明")
    assert "completion:expenditure_general_budget" not in _checks(budget.format("100"))
