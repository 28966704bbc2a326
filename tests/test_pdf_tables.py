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


def test_a_double_spaced_paragraph_is_joined_over_all_its_lines() -> None:
    pytest.importorskip("reportlab")
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle(
        "cn", fontName="STSong-Light", fontSize=12, leading=31, firstLineIndent=24, wordWrap="CJK"
    )
    sentence = (
        "“三公”经费财政拨款支出年初预算为2.85万元，支出决算为0.39万元，完成预算的13.68%，其中："
        "因公出国（境）费决算为0.00万元，完成预算的0.00%；公务用车购置及运行维护费支出决算为0.00万元，"
        "完成预算的0.00%；公务接待费支出决算为0.39万元，完成预算的13.68%。"
    )
    buf = io.BytesIO()
    SimpleDocTemplate(buf).build([Paragraph(sentence, body), Paragraph("第二段。", body)])
    text = load_bytes(buf.getvalue(), "spaced.pdf").text
    lines = [line for line in text.split("\n") if line.strip()]
    assert len(lines) == 2 and lines[0].startswith("“三公”") and lines[0].endswith("13.68%。")


def test_a_one_row_table_without_labels_is_read_by_its_column_paths() -> None:
    cells = [
        ["合计", "合计", "因公出国（境）费", "因公出国（境）费", "公务接待费", "公务接待费"],
        ["预算数", "决算数", "预算数", "决算数", "预算数", "决算数"],
        ["2.85", "0.39", "0.00", "0.00", "2.85", "0.39"],
    ]
    table = "\n\n".join("\n".join("\t" + c for c in row) for row in cells)
    text = "某局2024年度部门决算\n财政拨款“三公”经费支出决算表\n单位：万元\n\n" + table + "\n"
    facts = parse_text(text, "t.txt").facts
    assert float(facts.get("three_public_total").value) == 0.39
    assert float(facts.get("budget_three_public_total").value) == 2.85
    assert float(facts.get("budget_three_public_reception").value) == 2.85
    assert float(facts.get("three_public_abroad").value) == 0
