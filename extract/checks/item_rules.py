"""Rules on the numbered paragraphs about classification lines (财政拨款支出主要内容):

    31. “住房保障支出（类）住房改革支出（款）住房公积金（项）”350.35万元，…。2023年当年预算
    执行数为348.52万元，2024年预算安排352.67万元，比2023年预算执行数增加0.53%。

The heading's figure and the paragraph's 预算安排 are the same line's budget; the stated
percentage is this year's against last year's execution.
"""

from __future__ import annotations

from decimal import Decimal

from budgetlens.extract.checks.base import CheckResult, Operand, fmt, grade
from budgetlens.extract.document import Document
from budgetlens.extract.facts import Facts, ItemParagraph


def _operand(doc: Document, name: str, part: tuple[Decimal, Decimal, tuple[int, int]]) -> Operand:
    return Operand(name, part[0], part[2], doc.quote(part[2]))


def _short(name: str) -> str:
    return (
        name.rsplit("）", 2)[-2].split("（")[-2] if "（" in name and name.count("）") >= 2 else name
    )


def item_checks(doc: Document, facts: Facts) -> list[CheckResult]:
    results = []
    for number, item in enumerate(facts.items):
        results += _heading_check(doc, number, item) + _percent_check(doc, number, item)
    return results


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
