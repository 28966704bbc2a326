"""Tables a web page flattened to one cell per line are rebuilt from the period of their
cells, and read like drawn tables; a stream whose columns cannot be told apart is left alone."""

from __future__ import annotations

from budgetlens.extract.flat_tables import find_flat_tables
from budgetlens.extract.record import parse_text


def _values(text: str, name: str = "flat.txt") -> dict[str, float]:
    parsed = parse_text(text, name)
    return {k: float(v[0].value) for k, v in parsed.facts.statements.items()}


# cells end in " |", an empty cell is a line holding only "|"; a 序号 column on the left
BAR_SUFFIXED = """某镇人民政府2025年部门预算
收支预算总表 |
单位:万元 | ||
序号 |
收入 |
支出 |
项 目 |
预算数 |
项 目 |
预算数 |
栏次 |
1 |
2 |
3 |
4 |
1 |
一、一般公共预算拨款收入 |
300.50 |
一、一般公共服务支出 |
250.50 |
2 |
二、政府性基金预算拨款收入 |
|
二、教育支出 |
50.00 |
3 |
本年收入合计 |
300.50 |
本年支出合计 |
300.50 |
4 |
收入总计 |
300.50 |
支出总计 |
300.50 |
"""

# cells between blank lines, a 行次 column on each half
BLANK_SEPARATED = """收入支出决算总表

金额单位:万元

收入

支出

项目

行次

金额

项目

行次

金额

一、一般公共预算财政拨款收入

1

120.00

一、一般公共服务支出

20

100.00

二、事业收入

2

0.00

二、外交支出

21

0.00

三、其他收入

3

5.00

三、教育支出

22

25.00
"""

# two figure columns per row whose header names the years
YEAR_COLUMNS = """某局2017年“三公”经费预算表 |
单位:万元 |
项 目 |
2016年预算数 |
2017年预算数 |
合计 |
38.5 |
37 |
1、因公出国(境)费 |
|
|
2、公务接待费 |
21 |
20 |
3、公务用车购置及运行费 |
17.5 |
17 |
"""


def test_bar_suffixed_cells_are_rebuilt_into_side_by_side_rows() -> None:
    [table] = find_flat_tables(BAR_SUFFIXED)
    assert [c.text for c in table.rows[0].cells] == [
        "1",
        "一、一般公共预算拨款收入",
        "300.50",
        "一、一般公共服务支出",
        "250.50",
    ]
    assert table.rows[1].cells[2].text == ""  # the empty cell keeps its column
    values = _values("某镇2025年部门预算\n" + BAR_SUFFIXED)
    assert values["income_general_budget"] == 300.5
    assert values["income_total"] == 300.5 and values["expenditure_total"] == 300.5
    assert values["expenditure_current_year"] == 300.5


def test_blank_separated_cells_with_row_numbers() -> None:
    [table] = find_flat_tables(BLANK_SEPARATED)
    assert table.columns == ["项目", "行次", "金额", "项目", "行次", "金额"]
    assert len(table.rows) == 3
    values = _values("某中心2019年部门决算\n" + BLANK_SEPARATED)
    assert values["income_general_budget"] == 120.0
    assert values["income_business"] == 0.0
    assert "expenditure_total" not in values  # 一般公共服务支出 is a functional line


def test_year_columns_keep_last_year_apart() -> None:
    [table] = find_flat_tables(YEAR_COLUMNS)
    assert table.columns == ["项目", "2016年预算数", "2017年预算数"]
    values = _values("某局2017年“三公”经费预算说明\n" + YEAR_COLUMNS)
    assert values["three_public_total"] == 37.0
    assert values["three_public_reception"] == 20.0  # never 21, last year's


def test_figure_columns_without_their_header_are_not_guessed() -> None:
    headless = YEAR_COLUMNS.replace("2016年预算数 |\n2017年预算数 |\n", "")
    assert find_flat_tables(headless) == []


def test_a_stream_that_does_not_repeat_is_not_a_table() -> None:
    prose_like = "一、部门职能 |\n负责全县工作 |\n二、机构设置 |\n下设3个股室 |\n三、人员 |\n12 |\n"
    assert find_flat_tables(prose_like) == []


def test_typed_rows_that_lost_their_empty_cells_are_realigned_on_the_header() -> None:
    text = (
        "某医院2017年度部門決算\n收入支出決算總表\n單位名稱:某医院 單位:萬元\n"
        "收入 | 支出 | ||||\n項目 | 行次 | 金額 | 項目 | 行次 | 金額 |\n"
        "一、財政撥款收入 | 1 | 625.58 | 一、一般公共服務支出 | 28 | |\n"
        "二、上級補助收入 | 2 | 二、外交支出 | 29 | ||\n"
        "三、事業收入 | 3 | 34221.23 | 三、國防支出 | 30 | |\n"
        "9 | 九、醫療衛生與計劃生育支出 | 36 | 36341.62 | ||\n"
    )
    parsed = parse_text(text, "r.txt")
    [table] = parsed.doc.tables
    assert table.rows[-3].texts() == ["二、上級補助收入", "2", "", "二、外交支出", "29", ""]
    assert table.rows[-1].texts()[:4] == ["", "9", "", "九、醫療衛生與計劃生育支出"]
    values = _values(text, "r.txt")
    assert values["income_fiscal"] == 625.58 and values["income_business"] == 34221.23
    assert not parsed.failed


# every row closed by a line holding only "|", the header letter-spaced, the page's next
# heading right after the last row
THREE_PUBLIC_BUDGET_AND_ACTUAL = """某中心2021年度一般公共预算财政拨款“三公”经费支出决算情况说明
一、2021年度一般公共预算财政拨款“三公”经费支出决算表
单位:万元
|
项 目 |
预 算 数 |
决 算 数 |
|
合 计 |
246 |
167.37 |
|
因公出国(境)费 |
0 |
0 |
|
公务接待费 |
1 |
2.14 |
|
公务用车购置及运行维护费 |
245 |
165.23 |
|
其中:公务用车运行维护费 |
165 |
87.07 |
|
公务用车购置费 |
80 |
78.16 |
二、2021年度一般公共预算财政拨款“三公”经费支出情况说明
"""


def test_a_closing_bar_is_no_column_and_the_next_heading_ends_the_table() -> None:
    (table,) = find_flat_tables(THREE_PUBLIC_BUDGET_AND_ACTUAL)
    assert table.columns[:3] == ["项目", "预算数", "决算数"]
    assert [row.cells[0].text for row in table.rows][-1] == "公务用车购置费"
    assert all(row.cells[3].text == "" for row in table.rows)
    parsed = parse_text(THREE_PUBLIC_BUDGET_AND_ACTUAL, "flat.txt")
    values = {k: float(v[0].value) for k, v in parsed.facts.statements.items()}
    assert values["budget_three_public_vehicle_purchase"] == 80
    assert values["three_public_vehicle_operation"] == 87.07
    # the two vehicle rows are parts of the vehicle row, not more items of 合计
    assert not [c.id for c in parsed.checks if c.status == "fail"]


# the standard “三公”经费支出决算表 flattened one cell per line, with no label column
LABEL_FREE_THREE_PUBLIC = "\n\n".join(
    [
        "某区教育局2020年“三公”经费决算公开",
        "一般公共预算财政拨款“三公”经费支出决算表",
        "单位:万元",
        "一般公共预算财政拨款“三公”经费",
        "合计",
        "因公出国",
        "(境)费",
        "公务用车购置及运行维护费",
        "公务接待费",
        "小计",
        "公务用车",
        "购置费",
        "公务用车",
        "运行维护费",
        *["预算数", "决算数"] * 6,
        *[
            "683.51",
            "358.18",
            "80.00",
            "0.00",
            "415.40",
            "316.57",
            "105.00",
            "104.03",
            "310.40",
            "212.55",
            "188.11",
            "41.61",
        ],
        "注:本表反映部门本年度“三公”经费支出预决算情况。",
    ]
)


def test_a_label_free_row_is_read_by_its_expanded_group_headers() -> None:
    from budgetlens.extract.flat_tables import find_label_free_rows

    (table,) = find_label_free_rows(LABEL_FREE_THREE_PUBLIC)
    assert table.columns[4] == "公务用车购置及运行维护费/小计/预算数"
    assert table.columns[7] == "公务用车购置及运行维护费/公务用车购置费/决算数"
    values = _values(LABEL_FREE_THREE_PUBLIC)
    assert values["budget_three_public_total"] == 683.51 and values["three_public_total"] == 358.18
    assert values["three_public_vehicle_purchase"] == 104.03
    assert values["budget_three_public_vehicle_operation"] == 310.4
    assert values["three_public_reception"] == 41.61
    # one figure missing: the leaves cannot be filled, nothing is read
    short = LABEL_FREE_THREE_PUBLIC.replace("\n\n41.61", "")
    assert find_label_free_rows(short) == []


def _cell_lines(*cells: str) -> str:
    return "".join(f"{c} |\n" for c in cells)


# groups (预算数 | 决算数) over sub-headers repeated under each; rows not numbered
NESTED_HEADER = (
    "某中学2020年度财政拨款“三公”经费支出决算情况说明\n"
    "一、2020年度财政拨款“三公”经费支出决算表\n"
    + _cell_lines("金额单位:万元", "项目", "预算数", "决算数")
    + _cell_lines("合计", "一般公共预算财政拨款", "政府性基金预算财政拨款") * 2
    + _cell_lines("因公出国(境)费", *["0.00"] * 6)
    + _cell_lines("公务接待费", "8.50", "8.50", "0.00", "4.50", "4.50", "0.00")
    + _cell_lines("公务用车购置及运行维护费", *["0.00"] * 6)
    + _cell_lines("总计", "8.50", "8.50", "0.00", "4.50", "4.50", "0.00")
    + "二、情况说明\n"
)


def test_groups_over_repeated_sub_headers_and_unnumbered_rows() -> None:
    (table,) = find_flat_tables(NESTED_HEADER)
    assert table.columns[:3] == ["项目", "预算数/合计", "预算数/一般公共预算财政拨款"]
    assert table.columns[4] == "决算数/合计"
    assert len(table.rows) == 4
    values = _values(NESTED_HEADER)
    assert values["budget_three_public_reception"] == 8.5
    assert values["three_public_reception"] == 4.5
    assert values["three_public_total"] == 4.5 and values["budget_three_public_total"] == 8.5
    # sub-headers that do not repeat once per group say nothing certain: not rebuilt
    uneven = NESTED_HEADER.replace("政府性基金预算财政拨款 |\n", "", 1)
    assert "budget_three_public_reception" not in _values(uneven)


# the national “三公” table with no 预算数 | 决算数 row: its basis is the caption's
BASIS_FREE = (
    "某县司法局2022年“三公”经费预算情况\n一、2022年一般公共预算“三公”经费支出预算表\n单位:万元\n"
    + _cell_lines("“三公”经费合计", "因公出国(境)费", "公务用车购置及运行费", "公务 接待费")
    + "||\n"
    + _cell_lines("小计", "公务用车购置费", "公务用车运行费")
    + "|||\n"
    + "".join(f"{v} |\n" for v in ("79", "0", "75", "50", "25", "4"))
    + "二、说明\n某县司法局2022年“三公”经费支出预算为79万元。其中：公务用车运行费50万元，"
    "公务用车购置费25万元。\n"
)


def test_a_label_free_row_without_bases_takes_the_captions_and_text_is_checked_against_it() -> None:
    parsed = parse_text(BASIS_FREE, "b.txt")
    (table,) = parsed.doc.tables
    assert table.columns[3] == "公务用车购置及运行费/公务用车购置费/预算数"
    values = {k: [float(s.value) for s in v] for k, v in parsed.facts.statements.items()}
    assert values["three_public_vehicle_purchase"] == [25.0, 50.0]  # text, then table
    failed = {c.id for c in parsed.checks if c.status == "fail"}
    assert "consistent:three_public_vehicle_purchase" in failed
    # a caption naming neither 预算 nor 决算 leaves the row unread
    unnamed = BASIS_FREE.replace("一、2022年一般公共预算“三公”经费支出预算表", "一、“三公”经费表")
    assert not parse_text(unnamed, "u.txt").doc.tables


def test_cells_printed_with_wan_and_a_three_public_tables_spending_total() -> None:
    text = (
        "某检察院2015年“三公”经费预算说明\n2015年“三公”经费预算财政拨款情况统计表\n|\n"
        "单位:{unit}\n|\n项目\n|\n本年预算数\n|\n合计\n|\n44万元\n|\n2、公务接待费\n|\n10万元\n|\n"
        "3、公务用车费\n|\n34万元\n|\n注:无\n"
    )
    values = _values(text.format(unit="万元"))
    assert values["three_public_total"] == 44 and values["three_public_reception"] == 10
    # 万元 in the cells under 单位：元: which is right is not certain, so the table is not read
    assert "three_public_total" not in _values(text.format(unit="元"))
    # a “三公” table's 支出合计 is the “三公” total, not the unit's spending
    table = (
        "台创园2017年“三公”经费预算情况表\n单位:元\n项目 | 2017年预算数\n一、支出合计 | 250000\n"
        "1、公务接待费 | 150000\n2、公务用车费 | 100000\n"
    )
    values = _values(table)
    assert values["three_public_total"] == 25 and "expenditure_current_year" not in values


def test_a_mirrors_traditional_characters_and_pinyin_glosses_in_a_flattened_header() -> None:
    text = (
        "一、2021年度一般公共預算財政撥款“三公”經(jīng)費支出決算表\n單位:萬元\n"
        + _cell_lines("項 目", "預 算 數(shù)", "決 算 數(shù)", "合 計", "49.9", "7.69")
        + _cell_lines("公務接待費", "14.9", "5.21", "公務用車購置及運行維護費", "15", "2.48")
        + "二、2021年度“三公”經費支出決算情況說明\n"
        "某区政府办2021年度“三公”經費支出預算為49.9萬元,支出決算為7.69萬元。\n"
    )
    values = _values(text)
    assert values["budget_three_public_reception"] == 14.9
    assert values["three_public_reception"] == 5.21
    assert values["budget_three_public_vehicle"] == 15
