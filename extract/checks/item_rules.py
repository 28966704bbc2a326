"""Rules on the numbered paragraphs about classification lines (财政拨款支出主要内容):

    31. “住房保障支出（类）住房改革支出（款）住房公积金（项）”350.35万元，…。2023年当年预算
    执行数为348.52万元，2024年预算安排352.67万元，比2023年预算执行数增加0.53%。

The heading's figure and the paragraph's 预算安排 are the same line's budget; the stated
percentage is this year's against last year's execution; and the line (by its codes, or by
its name where that is unique) has its figure in the classification tables, in a 财政拨款 or
一般公共预算 column: a paragraph that none of them bears out is flagged with the table cell.
"""

from __future__ import annotations

import re
from decimal import Decimal

from budgetlens.extract.checks.base import CheckResult, Operand, fmt, grade
from budgetlens.extract.document import Document, Row, Table
from budgetlens.extract.facts import Facts, ItemParagraph
from budgetlens.extract.numbers import UNIT_IN_WAN
from budgetlens.extract.reading import fold
from budgetlens.extract.tables import cell_number, column_kinds, label_of


def _operand(doc: Document, name: str, part: tuple[Decimal, Decimal, tuple[int, int]]) -> Operand:
    return Operand(name, part[0], part[2], doc.quote(part[2]))


def item_checks(doc: Document, facts: Facts) -> list[CheckResult]:
    results = []
    lines = _classified_lines(doc)
    for number, item in enumerate(facts.items):
        results += _heading_check(doc, number, item) + _percent_check(doc, number, item)
        results += _table_check(doc, number, item, lines)
    return results


LINE_PART_RE = re.compile(r"([^()（）“”\"]+?)\s*[(（](\d{0,3})(类|款|项)[)）]")
FISCAL_COLUMN_RE = re.compile(r"财政拨款|一般公共预算")


_Line = tuple[Table, str, str, dict[int, Decimal], Row]  # table, code, label, 万元 by column, row


def _classified_lines(doc: Document) -> list[_Line]:
    """Every line of every classification table with the figures a 财政拨款 item could be
    (columns or tables of 财政拨款 / 一般公共预算), in 万元."""
    out: list[_Line] = []
    for table in doc.tables:
        if table.unit not in UNIT_IN_WAN:
            continue
        columns = column_kinds(table)
        if not any(c.kind == "code" for c in columns):
            continue
        fiscal_table = bool(FISCAL_COLUMN_RE.search(fold(table.title)))
        wanted = [
            c.index
            for c in columns
            if c.kind == "amount"
            and (
                FISCAL_COLUMN_RE.search(fold(c.header))
                or (fiscal_table and re.search(r"合计$|^$", c.header.split("/")[-1]))
            )
        ]
        if not wanted:
            continue
        codes = [c.index for c in columns if c.kind == "code"]
        for row in table.body:
            found = label_of(row, columns)
            if found is None:
                continue
            parts = [row.cells[i].text.strip() for i in codes if i < len(row.cells)]
            code = "".join(p for p in parts if p.isdigit())
            values: dict[int, Decimal] = {}
            for index in wanted:
                if index < len(row.cells):
                    parsed = cell_number(row.cells[index].text)
                    if parsed is not None:
                        values[index] = parsed[0] * UNIT_IN_WAN[table.unit]
            if values:
                out.append((table, code, re.sub(r"\s", "", fold(found[1])), values, row))
    return out


def _table_check(
    doc: Document,
    number: int,
    item: ItemParagraph,
    lines: list[_Line],
) -> list[CheckResult]:
    """The item's figure against its line in the tables: fails only when the line is found
    and no 财政拨款 / 一般公共预算 figure of it matches."""
    if item.heading is None:
        return []
    parts = LINE_PART_RE.findall(fold(item.name))
    if not parts or parts[-1][2] != "项":
        return []
    name = re.sub(r"\s", "", parts[-1][0])
    code = "".join(p[1] for p in parts)
    if len(code) != 7:
        code = ""
    matching = [
        line for line in lines if line[2] == name and (not code or not line[1] or line[1] == code)
    ]
    if code == "" and len({line[1] for line in matching}) > 1:
        return []  # "行政运行" under several 款 and no code to tell them apart
    if not matching:
        return []
    stated = item.heading
    candidates = [(line, column, value) for line in matching for column, value in line[3].items()]
    for _, _, value in candidates:
        if grade(stated[0], value, 2 * stated[1] + Decimal("0.01")) != "fail":
            return []
    (table, _, label, _, row), column, value = min(candidates, key=lambda c: abs(c[2] - stated[0]))
    return [
        CheckResult(
            id=f"item_table:{number}",
            rule=f"item “{item.name}”: figure = its line in table {table.index}",
            status="fail",
            expected=stated[0],
            actual=value,
            operands=[
                _operand(doc, "说明中的金额", stated),
                Operand(
                    f"{table.title[:30] or f'表{table.index}'}：{label}",
                    value,
                    row.cells[column].span,
                    doc.quote(row.cells[column].span),
                ),
            ],
            message=f"“{item.name}”说明中写{fmt(stated[0])}万元，但{table.title[:30] or '表格'}"
            f"中该科目为{fmt(value)}万元",
        )
    ]


def _heading_check(doc: Document, number: int, item: ItemParagraph) -> list[CheckResult]:
    if item.heading is None or item.current is None:
        return []
    stated, paragraph = item.heading, item.current
    status = grade(stated[0], paragraph[0], 2 * (stated[1] + paragraph[1]))
    return [
        CheckResult(
            id=f"item_heading:{number}",
            rule=f"item “{item.name}”: heading figure = 预算安排 in its paragraph",
            status=status,
            expected=stated[0],
            actual=paragraph[0],
            operands=[
                _operand(doc, "标题金额", stated),
                _operand(doc, "段落中预算安排", paragraph),
            ],
            message=""
            if status != "fail"
            else f"“{item.name}”标题写{fmt(stated[0])}万元，"
            f"段落中写预算安排{fmt(paragraph[0])}万元",
        )
    ]


def _percent_check(doc: Document, number: int, item: ItemParagraph) -> list[CheckResult]:
    if item.percent is None or item.previous is None or item.current is None:
        return []
    previous, current, percent = item.previous, item.current, item.percent
    if previous[0] == 0:
        return []
    actual = (current[0] - previous[0]) / previous[0] * 100
    propagated = (
        Decimal(100)
        * (abs(current[0]) * previous[1] + abs(previous[0]) * current[1])
        / (previous[0] * previous[0])
    )
    status = grade(percent[0], actual, 2 * percent[1] + 2 * propagated)
    return [
        CheckResult(
            id=f"item_percent:{number}",
            rule=f"item “{item.name}”: % change = (预算安排 − 执行数) / 执行数 × 100",
            status=status,
            expected=percent[0],
            actual=actual.quantize(Decimal("0.0001")),
            operands=[
                _operand(doc, "增减率", percent),
                _operand(doc, "预算安排", current),
                _operand(doc, "上年执行数", previous),
            ],
            message=""
            if status != "fail"
            else f"“{item.name}”：执行数{fmt(previous[0])}万元、预算安排{fmt(current[0])}万元，"
            f"增减率应为{fmt(actual.quantize(Decimal('0.01')))}%，文中写{fmt(percent[0])}%",
        )
    ]
