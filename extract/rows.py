"""Typed rows from line-item tables: performance indicators and procurement items."""

from __future__ import annotations

import re

from budgetlens.extract.document import Document
from budgetlens.extract.numbers import FULLWIDTH, UNIT_IN_WAN, to_decimal
from budgetlens.extract.numbers import json_number as number
from budgetlens.extract.tables import cell_number as cell_value
from budgetlens.extract.types import Indicator, ProcurementItem

INDICATOR_VALUE_RE = re.compile(
    r"^(?P<op>[≥≤><=＞＜≧≦]|大于等于|小于等于|不低于|不高于|不少于|不超过)?\s*"
    r"(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>.*)$"
)
OPERATORS = {
    "＞": ">",
    "＜": "<",
    "≧": "≥",
    "≦": "≤",
    "大于等于": "≥",
    "不低于": "≥",
    "不少于": "≥",
    "小于等于": "≤",
    "不高于": "≤",
    "不超过": "≤",
}


def _find(columns: list[str], *needles: str) -> int | None:
    compact = [re.sub(r"\s+", "", column) for column in columns]
    for needle in needles:
        for i, column in enumerate(compact):
            if column.endswith(needle):
                return i
    return None


def indicator_rows(doc: Document) -> list[Indicator]:
    """一级/二级/三级指标 rows with operator, value and unit; merged cells carried down."""
    rows: list[Indicator] = []
    for table in doc.tables:
        columns = table.columns
        level3 = _find(columns, "三级指标")
        if level3 is None:
            continue
        level1, level2 = _find(columns, "一级指标"), _find(columns, "二级指标")
        op_col, value_col, unit_col = (
            _find(columns, "符号"),
            _find(columns, "值"),
            _find(columns, "单位"),
        )
        target_col = _find(columns, "指标值", "目标值")
        carried = ["", ""]
        for row in table.body:
            texts = row.texts()
            if len(texts) <= level3 or not texts[level3]:
                continue
            for slot, column in enumerate((level1, level2)):
                if column is not None and column < len(texts) and texts[column]:
                    carried[slot] = texts[column]
            item = Indicator(
                table=table.index,
                section=doc.section_path(table.span[0]),
                level1=carried[0],
                level2=carried[1],
                level3=texts[level3],
                span=row.span,
            )
            if op_col is not None and value_col is not None and value_col < len(texts):
                item.operator = OPERATORS.get(texts[op_col], texts[op_col]) or None
                item.target_text = texts[value_col]
                parsed = cell_value(texts[value_col])
                item.value = number(parsed[0]) if parsed else None
                item.unit = (
                    texts[unit_col] if unit_col is not None and unit_col < len(texts) else ""
                )
            elif target_col is not None and target_col < len(texts):
                target = texts[target_col]
                item.target_text = target
                match = INDICATOR_VALUE_RE.match(target.translate(FULLWIDTH).strip())
                if match:
                    op = match["op"]
                    item.operator = OPERATORS.get(op, op) if op else "="
                    item.value = number(to_decimal(match["num"]))
                    item.unit = match["unit"].strip()
            rows.append(item)
    return rows


def procurement_rows(doc: Document) -> list[ProcurementItem]:
    """Procurement line items: name, catalogue code, unit, quantity, unit price, amount (万元)."""
    items: list[ProcurementItem] = []
    for table in doc.tables:
        columns = table.columns
        quantity, price = _find(columns, "数量"), _find(columns, "单价")
        if quantity is None or price is None or table.is_empty:
            continue
        name = _find(columns, "采购物品名称", "品目名称", "采购品目", "名称")
        code = _find(columns, "目录序号", "品目编码", "编码", "序号")
        measure = _find(columns, "计量单位", "计量  单位", "单位")
        amount = next(
            (i for i in range(price + 1, len(columns)) if re.search(r"合计|金额", columns[i])), None
        )
        factor = UNIT_IN_WAN.get(table.unit or "")
        for row in table.body:
            texts = row.texts()
            if len(texts) <= max(quantity, price):
                continue
            qty, unit_price = cell_value(texts[quantity]), cell_value(texts[price])
            if qty is None and unit_price is None:
                continue
            stated = (
                cell_value(texts[amount]) if amount is not None and amount < len(texts) else None
            )
            items.append(
                ProcurementItem(
                    table=table.index,
                    item=texts[name] if name is not None and name < len(texts) else "",
                    code=texts[code] if code is not None and code < len(texts) else "",
                    measure=texts[measure] if measure is not None and measure < len(texts) else "",
                    quantity=number(qty[0]) if qty else None,
                    unit_price=number(unit_price[0] * factor) if unit_price and factor else None,
                    amount=number(stated[0] * factor) if stated and factor else None,
                    span=row.span,
                )
            )
    return items
