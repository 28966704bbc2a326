"""A ruled table that goes on over a page break is one table, even when the row that goes on
merges cells the table keeps apart (a 合计 row over the 类/款 code columns)."""

from __future__ import annotations

import io

import pytest

from budgetlens.extract.loaders import load_bytes
from budgetlens.extract.record import parse_text

WIDTHS = [40, 40, 160, 80, 80]


def _continued_table_pdf(last_rows: list[list[str]], spans: list[tuple]) -> bytes:
    pytest.importorskip("reportlab")
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cn", fontName="STSong-Light", fontSize=11, leading=16)
    grid = [
        ("FONT", (0, 0), (-1, -1), "STSong-Light", 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
    ]
    first = Table(
        [
            ["类", "款", "功能分类科目名称", "合计", "基本支出"],
            ["201", "", "一般公共服务支出", "70.00", "40.00"],
            ["", "03", "政府办公厅（室）及相关机构事务", "70.00", "40.00"],
            ["208", "", "社会保障和就业支出", "30.00", "20.00"],
        ],
        colWidths=WIDTHS,
    )
    first.setStyle(grid)
    second = Table(last_rows, colWidths=WIDTHS)
    second.setStyle(grid + [("SPAN", a, b) for a, b in spans])
    story = [
        Paragraph("某区某局2024年部门预算", style),
        Paragraph("2024年部门支出预算总表", style),
        Paragraph("单位：万元", style),
        first,
        PageBreak(),
        second,
        Paragraph("以上为支出预算总表。", style),
    ]
    buf = io.BytesIO()
    SimpleDocTemplate(buf).build(story)
    return buf.getvalue()


def test_a_merged_total_row_on_the_next_page_joins_its_table() -> None:
    data = _continued_table_pdf([["合计", "", "", "100.00", "60.00"]], [((0, 0), (2, 0))])
    loaded = load_bytes(data, "continued.pdf")
    parsed = parse_text(loaded.text, "continued.pdf", "pdf")
    [table] = [t for t in parsed.doc.tables if "支出预算总表" in t.title]
    assert [r.texts()[2] for r in table.body][-1] == "合计"
    assert table.body[-1].texts()[3:] == ["100.00", "60.00"]
    assert float(parsed.facts.get("expenditure_basic").value) == 60.0


def test_a_table_of_other_columns_on_the_next_page_is_its_own() -> None:
    data = _continued_table_pdf([["项目", "金额"], ["合计", "5.00"]], [])
    loaded = load_bytes(data, "other.pdf")
    parsed = parse_text(loaded.text, "other.pdf", "pdf")
    assert len([t for t in parsed.doc.tables if t.rows]) == 2
