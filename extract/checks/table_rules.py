"""Rules inside a table: its total row against its rows, each classification level against
the level below (类 = Σ 款, 款 = Σ 项), a row's 合计 column against its part columns, an
"empty table" note against figures in the table, quantity × unit price = amount.

Only amount columns are summed (:func:`budgetlens.extract.tables.column_kinds`): codes,
percentages and text never are. A column with text where a figure belongs is not summable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from budgetlens.extract.checks.base import CheckResult, Operand, cell_operand, fmt, grade
from budgetlens.extract.document import Document, Row, Table
from budgetlens.extract.lexicon import SUBPARTS, match_table_label
from budgetlens.extract.numbers import UNIT_IN_WAN
from budgetlens.extract.reading import fold
from budgetlens.extract.tables import Column, cell_number, column_kinds, label_of

TOTAL_LABEL_RE = re.compile(r"^(?:合计|总计|资产总额|总额)$")
SUBTOTAL_LABEL_RE = re.compile(r"小计")
SUBITEM_RE = re.compile(r"^\s*(?:其中|含)")
CN_ITEM_RE = re.compile(r"^\s*[一二三四五六七八九十]+[、.．]")
AR_ITEM_RE = re.compile(r"^\s*\d+[、.．]")
ABSENT_CELL_RE = re.compile(r"^(?:|-|—+|－+|/|／|无|0\.?0*)$")


@dataclass(slots=True)
class _Line:
    row: Row
    label: str
    code: str  # classification code, joined across split code columns ("2010507")
    level: int | None  # 1 类, 2 款, 3 项 (None without a code)
    values: dict[int, tuple[Decimal, Decimal] | None] = field(default_factory=dict)


def _lines(table: Table, columns: list[Column]) -> list[_Line]:
    codes = [c.index for c in columns if c.kind == "code"]
    amounts = [c.index for c in columns if c.kind == "amount"]
    out = []
    for row in table.body:
        found = label_of(row, columns)
        label = found[1] if found else ""
        parts = [row.cells[i].text.strip() for i in codes if i < len(row.cells)]
        parts = [p for p in parts if re.fullmatch(r"\d+", p)]
        code = "".join(parts)
        level: int | None = None
        if len(parts) > 1 or (parts and len(codes) > 1):
            level = len(parts)  # split columns: 类 | 款 | 项
        elif code:
            level = {3: 1, 5: 2, 7: 3}.get(len(code))
        line = _Line(row, label, code, level)
        for index in amounts:
            text = row.cells[index].text.strip() if index < len(row.cells) else ""
            line.values[index] = cell_number(text) if not ABSENT_CELL_RE.match(text) else None
            if line.values[index] is None and not ABSENT_CELL_RE.match(text):
                line.values[index] = (Decimal("NaN"), Decimal(0))  # text where a figure belongs
        out.append(line)
    return out


def _in_wan(value: Decimal, table: Table) -> Decimal:
    return value * UNIT_IN_WAN[table.unit] if table.unit in UNIT_IN_WAN else value


def _column_name(table: Table, index: int) -> str:
    name = table.columns[index] if index < len(table.columns) else ""
    return name.split("/")[-1] or f"第{index + 1}列"


def _sum_check(
    doc: Document,
    table: Table,
    rule_id: str,
    parent: _Line,
    children: list[_Line],
    column: int,
    what: str,
) -> CheckResult | None:
    stated = parent.values.get(column)
    if stated is None or stated[0].is_nan() or not children:
        return None
    actual, tolerance = Decimal(0), 2 * stated[1]
    operands = [
        cell_operand(
            doc,
            f"{parent.label}（{_column_name(table, column)}）",
            stated[0],
            parent.row.cells[column].span,
        )
    ]
    for child in children:
        value = child.values.get(column)
        if value is None:
            continue
        if value[0].is_nan():
            return None  # text in a figure's place: not a summable column
        actual += value[0]
        tolerance += 2 * value[1]
        operands.append(cell_operand(doc, child.label, value[0], child.row.cells[column].span))
    if len(operands) < 2:
        return None
    status = grade(stated[0], actual, tolerance)
    title = table.title[:30] or f"表{table.index}"
    return CheckResult(
        id=rule_id,
        rule=f"table {table.index} {parent.label} = {what} [{_column_name(table, column)}]",
        status=status,
        expected=_in_wan(stated[0], table),
        actual=_in_wan(actual, table),
        operands=operands,
        message=""
        if status != "fail"
        else f"{title}：“{parent.label}”{_column_name(table, column)}为{fmt(stated[0])}，"
        f"但{what}相加为{fmt(actual)}（单位：{table.unit}）",
    )


def _hierarchy_checks(
    doc: Document, table: Table, lines: list[_Line], amounts: list[int]
) -> list[CheckResult]:
    """类 = Σ its 款, 款 = Σ its 项, and the 合计 = Σ 类, by code."""
    results: list[CheckResult] = []
    coded = [line for line in lines if line.level is not None]
    if len(coded) < 2:
        return results
    for parent in coded:
        if parent.level is None or parent.level >= 3:
            continue
        children = [
            c
            for c in coded
            if c.level == parent.level + 1 and c.code.startswith(parent.code) and c is not parent
        ]
        for column in amounts:
            found = _sum_check(
                doc, table, f"table_level:{table.index}:{parent.code}:{column}", parent, children,
                column, "其下级科目",
            )  # fmt: skip
            if found is not None:
                results.append(found)
    totals = [line for line in lines if TOTAL_LABEL_RE.match(fold(line.label).replace(" ", ""))]
    top = [c for c in coded if c.level == 1]
    if len(totals) == 1 and top:
        for column in amounts:
            found = _sum_check(
                doc, table, f"table_total:{table.index}:{column}", totals[0], top, column, "各类"
            )
            if found is not None:
                results.append(found)
    return results


def _list_checks(
    doc: Document, table: Table, lines: list[_Line], amounts: list[int]
) -> list[CheckResult]:
    """A 合计 row against the items listed above or below it (no codes)."""
    totals = [line for line in lines if TOTAL_LABEL_RE.match(fold(line.label).replace(" ", ""))]
    if len(totals) != 1:
        return []
    total = totals[0]
    items = [
        line
        for line in lines
        if line is not total
        and line.label
        and not SUBTOTAL_LABEL_RE.search(line.label)
        and not SUBITEM_RE.match(line.label)
    ]
    # "公务用车购置费" under "公务用车购置及运行维护费" (no 其中 before it): a part of a row
    # listed with it, not one more item of the total
    named = [match_table_label(line.label) or () for line in items]
    wholes = {key for keys in named for key in keys}
    items = [
        line
        for line, keys in zip(items, named, strict=True)
        if not any(key in SUBPARTS.get(whole, ()) for key in keys for whole in wholes)
    ]
    if any(CN_ITEM_RE.match(line.label) for line in items):
        items = [line for line in items if CN_ITEM_RE.match(line.label)]
    elif any(AR_ITEM_RE.match(line.label) for line in items):
        items = [line for line in items if AR_ITEM_RE.match(line.label)]
    results = []
    for column in amounts:
        found = _sum_check(
            doc, table, f"table_total:{table.index}:{column}", total, items, column, "各行"
        )
        if found is not None:
            results.append(found)
    return results


BASIS_PART_RE = re.compile(
    r"^(?:预算数|决算数|预算|决算|执行数|上年(?:预算|决算)?数?|本年(?:预算|决算)?数?)$"
)
TOTAL_PART_RE = re.compile(r"^(?:本年收入|本年支出|收入|支出)?(?:合计|小计)$")


def _split_path(header: str) -> tuple[tuple[str, ...], str]:
    """(name path, basis) of a column header path: "…/合计/预算数" → ((…, "合计"), "预算数")."""
    parts = tuple(p for p in header.split("/") if p)
    if len(parts) >= 2 and BASIS_PART_RE.match(parts[-1]):
        return parts[:-1], parts[-1]
    return parts, ""


def _part_groups(table: Table, columns: list[Column]) -> list[tuple[int, list[int]]]:
    """(合计 column, its part columns) from the header paths: the parts of a 合计 are the
    columns one level below the 合计's own group, each a leaf or represented by its 小计
    (“三公”经费/合计 = 因公出国 + 公务接待费 + 公务用车购置及运行费/小计). A group whose parts
    cannot all be placed is not checked."""
    amounts = [c for c in columns if c.kind == "amount"]
    paths = {c.index: _split_path(c.header) for c in amounts}  # headers already compacted
    groups = []
    for column in amounts:
        path, basis = paths[column.index]
        if not path or not TOTAL_PART_RE.match(path[-1]):
            continue
        prefix = path[:-1]
        children: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for other in amounts:
            if other.index == column.index:
                continue
            other_path, other_basis = paths[other.index]
            if other_basis != basis or len(other_path) <= len(prefix):
                continue
            if other_path[: len(prefix)] != prefix:
                continue
            rest = other_path[len(prefix) :]
            if TOTAL_PART_RE.match(rest[0]) or "其中" in rest[0]:
                continue  # another total of this group, or a "其中" line (not a part)
            children.setdefault(rest[0], []).append((rest, other.index))
        parts = []
        for found in children.values():
            leaf = [index for rest, index in found if len(rest) == 1]
            subtotal = [
                index for rest, index in found if len(rest) == 2 and TOTAL_PART_RE.match(rest[1])
            ]
            if len(leaf) == 1:
                parts.append(leaf[0])
            elif len(subtotal) == 1:
                parts.append(subtotal[0])
            else:
                parts = []
                break  # a part this header does not place: no check
        if len(parts) >= 2:
            groups.append((column.index, sorted(parts)))
    return groups


def _row_checks(
    doc: Document, table: Table, lines: list[_Line], columns: list[Column]
) -> list[CheckResult]:
    results = []
    for total_column, parts in _part_groups(table, columns):
        for number, line in enumerate(lines):
            stated = line.values.get(total_column)
            if stated is None or stated[0].is_nan():
                continue
            values = [line.values.get(p) for p in parts]
            if any(v is not None and v[0].is_nan() for v in values):
                continue
            actual = sum((v[0] for v in values if v is not None), Decimal(0))
            tolerance = 2 * stated[1] + sum((2 * v[1] for v in values if v is not None), Decimal(0))
            status = grade(stated[0], actual, tolerance)
            if status == "pass":
                continue  # one result per row would flood the record with passes
            operands = [
                cell_operand(
                    doc,
                    f"{line.label}（{_column_name(table, total_column)}）",
                    stated[0],
                    line.row.cells[total_column].span,
                )
            ] + [
                cell_operand(
                    doc, f"{line.label}（{_column_name(table, p)}）", v[0], line.row.cells[p].span
                )
                for p, v in zip(parts, values, strict=True)
                if v is not None
            ]
            names = "＋".join(_column_name(table, p) for p in parts)
            results.append(
                CheckResult(
                    id=f"table_row:{table.index}:{number}:{total_column}",
                    rule=f"table {table.index} row {line.label}: "
                    f"{_column_name(table, total_column)} = {names}",
                    status=status,
                    expected=_in_wan(stated[0], table),
                    actual=_in_wan(actual, table),
                    operands=operands,
                    message=""
                    if status != "fail"
                    else f"{table.title[:30] or f'表{table.index}'}：“{line.label}”一行"
                    f"{_column_name(table, total_column)}为{fmt(stated[0])}，"
                    f"但{names}相加为{fmt(actual)}",
                )
            )
    return results


def _empty_note_check(
    doc: Document, table: Table, lines: list[_Line], amounts: list[int]
) -> list[CheckResult]:
    """A note saying the table is empty, over a table holding figures."""
    if not table.empty_note:
        return []
    figures = [
        (line, column)
        for line in lines
        for column in amounts
        if (v := line.values.get(column)) is not None and not v[0].is_nan() and v[0] != 0
    ]
    if not figures:
        return []
    note_start = doc.text.find(table.empty_note, table.span[1])
    note_span = (note_start, note_start + len(table.empty_note)) if note_start >= 0 else None
    operands = (
        [Operand("说明", None, note_span, table.empty_note)]
        + [
            cell_operand(doc, line.label, line.values[column][0], line.row.cells[column].span)  # type: ignore[index]
            for line, column in figures[:6]
        ]
    )
    return [
        CheckResult(
            id=f"empty_note:{table.index}",
            rule=f"table {table.index}: an empty table holds no figures",
            status="fail",
            operands=operands,
            message=f"表下说明称“{table.empty_note[:40]}”，但表中列有数字",
        )
    ]


def _line_amounts(doc: Document, table: Table) -> list[CheckResult]:
    columns = table.columns
    quantity = next((i for i, c in enumerate(columns) if c.endswith("数量")), None)
    price = next((i for i, c in enumerate(columns) if c.endswith("单价")), None)
    if quantity is None or price is None:
        return []
    amount = next(
        (i for i in range(price + 1, len(columns)) if re.search(r"合计|金额", columns[i])), None
    )
    if amount is None:
        return []
    results = []
    for number, row in enumerate(table.body, table.header_rows + 1):
        if len(row.cells) <= amount:
            continue
        values = [cell_number(row.cells[i].text) for i in (quantity, price, amount)]
        if any(v is None for v in values):
            continue
        (qty, _), (unit_price, price_half), (stated, stated_half) = values  # type: ignore[misc]
        actual = qty * unit_price
        status = grade(stated, actual, 2 * stated_half + abs(qty) * 2 * price_half)
        results.append(
            CheckResult(
                id=f"line_amount:{table.index}:{number}",
                rule=f"table {table.index} row {number}: quantity × unit price = amount",
                status=status,
                expected=_in_wan(stated, table),
                actual=_in_wan(actual, table),
                operands=[
                    cell_operand(doc, columns[i] or str(i), v[0], row.cells[i].span)
                    for i, v in zip((quantity, price, amount), values, strict=True)
                    if v
                ],
                message=""
                if status != "fail"
                else f"第{number}行：数量{fmt(qty)}×单价{fmt(unit_price)}≠金额{fmt(stated)}",
            )
        )
    return results


def table_checks(doc: Document, table: Table) -> list[CheckResult]:
    if len(table.body) < 1:
        return []
    columns = column_kinds(table)
    amounts = [c.index for c in columns if c.kind == "amount"]
    lines = _lines(table, columns)
    results = _empty_note_check(doc, table, lines, amounts)
    if table.is_empty or not amounts:
        return results
    labels = [c for c in columns if c.kind in ("label", "text")]
    side_by_side = len(labels) >= 2 and any(
        c.kind == "amount" and labels[0].index < c.index < labels[1].index for c in columns
    )
    if not side_by_side:
        if any(line.level is not None for line in lines):
            results += _hierarchy_checks(doc, table, lines, amounts)
        else:
            results += _list_checks(doc, table, lines, amounts)
        results += _row_checks(doc, table, lines, columns)
    results += _line_amounts(doc, table)
    return results
