"""Documents unlike the three examples: web chrome, 决算, 元/亿元, ASCII punctuation, footers."""

from __future__ import annotations

from budgetlens.extract.record import parse_text
from budgetlens.pipeline import Text, process

WEB_PAGE = """首页 > 信息公开 > 财政预决算
索引号：11500000MB1234567X/2024-00012  发布日期：2024-09-01
某某市卫生健康委员会2023年度部门决算公开说明
现将某某市卫生健康委员会2023年度部门决算公开如下:
第一部分 部门概况
一、主要职能
负责全市卫生健康工作.
第二部分 决算情况说明
一、收入支出决算总体情况说明
2023年度收入总计1.2亿元,支出总计11,800,000元.
二、支出决算情况说明
2023年度本年支出合计11,800,000元,其中:基本支出6000000元,比上年增加500000元,增长9.1%;项目支出5800000元,比上年减少200000元.
三、"三公"经费财政拨款支出决算情况说明
2023年度"三公"经费支出合计30.00万元,其中:因公出国(境)费5.00万元,公务用车购置及运行维护费20.00万元,公务接待费6.00万元.

\t项目
\t金额

\t合计
\t120

\t1、房屋
\t70

\t2、车辆
\t50
\t多余

打印本页 关闭窗口
版权所有：某某市人民政府办公厅
"""


def test_web_chrome_is_not_the_document() -> None:
    parsed = parse_text(WEB_PAGE, "page.html")
    meta = parsed.doc.meta
    assert meta.unit == "某某市卫生健康委员会"
    assert (meta.year, meta.kind, meta.scope) == (2023, "final_account", "部门")
    assert parsed.doc.text[meta.body_end :].startswith("打印本页")
    titles = [s.title for s in parsed.doc.sections]
    assert titles[:2] == ["部门概况", "主要职能"]
    assert not any("首页" in t or "版权" in t for t in titles)


def test_units_and_ascii_punctuation() -> None:
    facts = process(Text("page.html", WEB_PAGE)).facts
    assert facts["income_total"].value == 12000.0  # 1.2亿元
    assert facts["expenditure_total"].value == 1180.0  # 11,800,000元
    assert facts["expenditure_total"].printed == "11,800,000元"
    assert facts["expenditure_basic"].value == 600.0
    assert facts["change_expenditure_basic"].value == 50.0
    assert facts["change_expenditure_project"].value == -20.0
    assert facts["three_public_total"].value == 30.0


def test_real_disagreements_in_an_unseen_document_are_flagged() -> None:
    checks = {c.id: c for c in parse_text(WEB_PAGE, "page.html").checks}
    # 5.00 + 20.00 + 6.00 = 31.00 ≠ 30.00: flagged with every operand and its span
    three = checks["sum:three_public_total"]
    assert three.status == "fail" and three.expected == 30 and three.actual == 31
    assert all(o.span for o in three.operands if o.value is not None)
    # 600 + 580 = 1180 = 本年支出合计 passes; a 决算 need not balance income and spending
    assert checks["sum:expenditure_current_year"].status == "pass"
    assert "balance" not in checks
    # 50 / (600 - 50) = 9.09 % printed as 9.1 %: consistent
    assert checks["percent:expenditure_basic"].status in ("pass", "rounding")


def test_ragged_table_row_warns_with_its_place() -> None:
    parsed = parse_text(WEB_PAGE, "page.html")
    assert parsed.doc.tables[0].rows[-1].texts() == ["2、车辆", "50", "多余"]
    assert any(w.startswith("page.html: table 1") and "row 4" in w for w in parsed.doc.warnings)


def test_truncated_document_defers_rather_than_guesses() -> None:
    cut = WEB_PAGE[: WEB_PAGE.index("项目支出")]
    checks = {c.id: c for c in parse_text(cut, "cut.txt").checks}
    assert checks["sum:expenditure_current_year"].status == "deferred"
    assert not [c for c in checks.values() if c.status == "fail"]
