"""Tables read by typed columns: which column is a code, a name, an amount or a percentage,
and which fact a cell states.

Why typed columns: the standard tables carry classification codes (类/款/项: 201, 20106, or
split cells "201" "05" "07") beside the amounts; a code summed as an amount, or a 占比 column
read as money, is a false alarm waiting to happen. A column is a code column when its header
says so (科目编码, 类, 款, 项, 栏次, 序号) or when every cell is a short integer without
separators. An amount column's basis comes from its header (预算数, 决算数, 上年, 增减).

Facts come from three layouts: a row whose whole label is a term ("一般公共预算拨款收入 |
675.82"), the total row of a table whose columns are terms ("合计 | 9,685.55 | 5,000 | …" under
"合计 | 基本支出 | 项目支出"), and a 三公 table (rows or columns named after its parts, the
合计 being the 三公 total). The two halves of a side-by-side 收支总表 are read as two tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from budgetlens.extract.document import Document, Row, Table
from budgetlens.extract.facts import Facts, Statement
from budgetlens.extract.lexicon import (
    SOURCE_SCOPES,
    UNSCOPABLE,
    find_terms,
    match_table_label,
    scoped_key,
)
from budgetlens.extract.numbers import (
    BARE_NUMBER_RE,
    FULLWIDTH,
    UNIT_IN_WAN,
    half_unit_of,
    to_decimal,
)
from budgetlens.extract.reading import fold

CODE_HEADER_RE = re.compile(r"编码|编号|代码|栏次|行次|序号|^类$|^款$|^项$|/类$|/款$|/项$")
# 行次 / 栏次 / 序号 number the rows of any table; only 科目编码 / 类款项 make it a classification
ROW_NUMBER_HEADER_RE = re.compile(r"^(?:行次|栏次|序号)$")
PERCENT_HEADER_RE = re.compile(r"%|％|占比|比例|比重|增长率|增减率|完成率|幅度")
SPENDING_TOTALS = (("expenditure_total",), ("expenditure_current_year",))
SHARE_HEADER_RE = re.compile(r"占比|比例|比重|完成率|占")
CHANGE_HEADER_RE = re.compile(r"增减|增加|减少|变动|比上年|较上年|同比")
PREVIOUS_HEADER_RE = re.compile(r"上年|去年|上一年")
BUDGET_HEADER_RE = re.compile(r"预算数|年初预算|调整预算|全年预算|预算$")
ACTUAL_HEADER_RE = re.compile(r"决算|实际|执行数")
TOTAL_LABEL_RE = re.compile(r"^(?:合计|总计|共计|收入总计|支出总计|总额)$")
CODE_CELL_RE = re.compile(r"^\d{2,9}$")
DASH_CELL_RE = re.compile(r"^[-—–－/／…\s]+$")  # "——": nothing to report, not a word
YEAR_IN_HEADER_RE = re.compile(r"((?:19|20)\d{2})")


def cell_number(text: str) -> tuple[Decimal, Decimal] | None:
    """A bare number in a cell (thousands separators allowed), with its half unit."""
    match = BARE_NUMBER_RE.match(text.translate(FULLWIDTH).replace("，", ","))
    if not match:
        return None
    value = to_decimal(match["num"])
    return (-value if match["sign"] else value), half_unit_of(match["num"])


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", fold(text))


@dataclass(slots=True)
class Column:
    index: int
    header: str
    kind: str  # "code" | "label" | "amount" | "percent" | "text" | "empty"


def column_kinds(table: Table) -> list[Column]:
    """Each column typed from its header and its body cells."""
    out: list[Column] = []
    body = table.body
    for index in range(table.width):
        header = _compact(table.columns[index] if index < len(table.columns) else "")
        cells = [r.cells[index].text.strip() for r in body if index < len(r.cells)]
        filled = [c for c in cells if c and not DASH_CELL_RE.match(c)]
        numbers = [c for c in filled if cell_number(c) is not None]
        if not filled:
            kind = "empty" if not CODE_HEADER_RE.search(header) else "code"
        elif (
            CODE_HEADER_RE.search(header)
            and not re.search(r"金额|合计|预算数|决算数", header.split("/")[-1])
        ) or (
            numbers
            and all(CODE_CELL_RE.match(c) for c in numbers)
            and len(numbers) == len(filled)
            and _looks_like_codes(numbers)
        ):
            kind = "code"
        elif PERCENT_HEADER_RE.search(header):
            kind = "percent"
        elif numbers and len(numbers) >= 0.6 * len(filled):
            kind = "amount"
        elif index == 0 or not any(c.kind == "label" for c in out):
            kind = "label"
        else:
            kind = "text"
        out.append(Column(index, header, kind))
    return out


def _looks_like_codes(cells: list[str]) -> bool:
    """Classification codes: 3/5/7-digit 类款项 or 2-digit splits, with leading zeros kept."""
    lengths = {len(c) for c in cells}
    if any(c.startswith("0") for c in cells):
        return True
    return (
        lengths <= {2, 3, 5, 7, 9}
        and any(n >= 3 for n in lengths)
        and all(len(c) in (2, 3, 5, 7, 9) for c in cells)
        and len(cells) >= 2
    )


def label_of(row: Row, columns: list[Column]) -> tuple[int, str] | None:
    """(column, text) of the row's label: its first label-column cell with text."""
    for column in columns:
        if column.kind in ("label", "text") and column.index < len(row.cells):
            text = row.cells[column.index].text.strip()
            if text:
                return column.index, text
    return None


def table_scope(table: Table) -> str | None:
    title = fold(table.title)
    if "一般公共预算" in title:
        return "general_budget"
    if "财政拨款" in title:
        return "fiscal"
    return None


def _column_prefix(header: str, final: bool, year: int | None) -> str | None:
    """The key prefix a column's figures take, or None when they are not facts."""
    if PERCENT_HEADER_RE.search(header):
        return None
    if CHANGE_HEADER_RE.search(header):
        return "change_"
    years = {int(y) for y in YEAR_IN_HEADER_RE.findall(header)}
    if PREVIOUS_HEADER_RE.search(header) or (year is not None and years and year not in years):
        return "previous_" if not years or year is None or max(years) == year - 1 else None
    if final:
        if BUDGET_HEADER_RE.search(header) and not ACTUAL_HEADER_RE.search(header):
            return "budget_"
        return ""
    if ACTUAL_HEADER_RE.search(header):
        return "previous_"
    return ""


def _halves(table: Table, columns: list[Column]) -> list[list[Column]]:
    """A side-by-side 收支总表 (项目 | 金额 | 项目 | 金额, sometimes a third block 按支出性质 |
    金额) as its blocks: a block starts at each label column that has amounts after it."""
    labels = [c for c in columns if c.kind in ("label", "text")]
    starts = [
        c.index
        for number, c in enumerate(labels)
        if any(
            a.kind == "amount"
            and a.index > c.index
            and (number + 1 == len(labels) or a.index < labels[number + 1].index)
            for a in columns
        )
    ]
    if len(starts) < 2 or not any(c.kind == "amount" for c in columns if c.index < starts[1]):
        return [columns]
    bounds = [0, *starts[1:], len(columns)]
    return [
        [c for c in columns if bounds[n] <= c.index < bounds[n + 1]] for n in range(len(bounds) - 1)
    ]


GENERIC_TOTALS = {("income_total",), ("expenditure_total",), ("income_total", "expenditure_total")}
CLASSIFIED_TITLE_RE = re.compile(r"分类|科目")


def total_row_keys(table: Table, label: str, half_labels: list[str]) -> tuple[str, ...] | None:
    """What the 合计/总计 row of a table states, from what the table is about.

    A title naming one fact ("一般公共预算基本支出经济分类预算表", "“三公”经费支出预算表") makes
    its 合计 that fact. A 收支总表 has one 总计 per half: the income half's is 收入总计, the
    expenditure half's 支出总计. A plain "支出预算表" says nothing certain about its 合计 (the
    whole budget, or this year's without carry-over?), so that row is read only through its
    named columns.
    """
    title = fold(table.title)
    both_sides = bool(re.search(r"收入.{0,6}支出|收支", title))  # a 收支总表 names no one fact
    terms = [t for t in find_terms(title) if t.keys not in GENERIC_TOTALS]
    if terms and not both_sides:
        return terms[-1].keys
    if "三公" in title:
        return ("three_public_total",)
    if _compact(label) == "总计":
        side = half_side(half_labels)
        if side is not None:
            return (f"{side}_total",)
    return None


def half_side(half_labels: list[str]) -> str | None:
    """ "income" or "expenditure": which side of a 收支总表 a column of labels lists."""
    incomes = sum("收入" in fold(x) or "拨款" in fold(x) for x in half_labels)
    expenditures = sum("支出" in fold(x) for x in half_labels)
    if incomes > expenditures:
        return "income"
    if expenditures > incomes:
        return "expenditure"
    return None


# the sources of 财政拨款 named alone under it ("1. 一般公共预算 96,282,213.44"): which fact a
# row is depends on the side of the table it stands on
SOURCE_LABEL_RE = re.compile(
    r"^(?:一般公共预算|公共财政预算|政府性基金(?:预算)?|国有资本经营预算)(?:资金|拨款)?$"
)


def source_row_keys(label: str, side: str | None) -> tuple[str, ...] | None:
    name = re.sub(
        r"^[\d一二三四五六七八九十]{1,3}[、.．]|^[(（][\d一二三四五六七八九十]{1,2}[)）]|\s",
        "",
        fold(label),
    )
    if side is None or not SOURCE_LABEL_RE.match(name):
        return None
    return (f"{side}_{SOURCE_SCOPES[name[:2]]}",)


# Tables whose rows are projects, purchases or units: a row named "日常公用经费" there is the
# funding line of one purchase, not the unit's 公用经费.
LISTING_TITLE_RE = re.compile(r"采购|绩效|项目(?:支出)?(?:明细|情况|预算表|绩效)|拟购置")
LISTING_HEADER_RE = re.compile(r"项目名称|品目|采购|单位名称|资金来源|目标|指标")


def is_listing(table: Table) -> bool:
    """A table of projects or purchases rather than of the unit's totals."""
    title = _compact(table.title)
    # a caption drawn over the header ("单位名称：济宁市…") is not a column's name
    headers = " ".join(
        "/".join(part for part in _compact(c).split("/") if not re.search(r"[:：]", part))
        for c in table.columns
    )
    return bool(LISTING_TITLE_RE.search(title) or LISTING_HEADER_RE.search(headers))


SUBTOTAL_RE = re.compile(r"^(?:合计|小计|总计)$")


def _column_keys(table: Table, header: str) -> tuple[str, ...] | None:
    """The fact a column's header path names, read from its deepest named part up:
    "公务接待费/预算数" → 公务接待费, "公务用车购置及运行维护费/小计/预算数" → the 小计's parent,
    "合计/决算数" of a “三公” table → the “三公” total."""
    parts = [p for p in header.split("/") if p and not BUDGET_HEADER_RE.search(p)]
    parts = [p for p in parts if not ACTUAL_HEADER_RE.search(p)]
    for part in reversed(parts):
        if SUBTOTAL_RE.match(part):
            continue
        keys = match_table_label(part)
        if keys is not None:
            return keys
        return None  # a name that is no fact: not this table's figure
    if parts and "三公" in fold(table.title):
        return ("three_public_total",)
    return None


def _read_label_free_row(
    doc: Document,
    table: Table,
    columns: list[Column],
    facts: Facts,
    factor: Decimal,
    final: bool,
    scope: str | None,
) -> bool:
    """A table of one row and no label column ("合计/预算数 | 合计/决算数 | 因公出国（境）费/预算数
    …" over "2.85 | 0.39 | 0.00 …"): every column is a fact, named by its header path."""
    if len(table.body) != 1 or any(c.kind not in ("amount", "empty") for c in columns):
        return False
    row = table.body[0]
    taken: set[str] = set()
    for column in columns:
        if column.kind != "amount" or column.index >= len(row.cells):
            continue
        keys = _column_keys(table, column.header)
        prefix = _column_prefix(column.header, final, doc.meta.year)
        parsed = cell_number(row.cells[column.index].text)
        if keys is None or prefix is None or parsed is None:
            continue
        cell = row.cells[column.index]
        keys = tuple(scoped_key(k, scope) for k in keys if scope is None or k not in UNSCOPABLE)
        for key in keys:
            if prefix + key in taken:
                continue
            taken.add(prefix + key)
            facts.add(
                Statement(
                    key=prefix + key,
                    value=parsed[0] * factor,
                    half_unit=parsed[1] * factor,
                    span=cell.span,
                    figure_span=cell.span,
                    source="table",
                    sentence=-table.index,
                    table=table.index,
                    row=0,
                    column=column.index,
                )
            )
    return True


def read_table_facts(doc: Document, table: Table, facts: Facts) -> None:
    """Facts a table states, each with the cell it was read from."""
    if table.unit is None or table.is_empty or len(table.body) < 1 or is_listing(table):
        return
    factor = UNIT_IN_WAN.get(table.unit)
    if factor is None:
        return
    columns = column_kinds(table)
    final = doc.meta.kind == "final_account"
    scope = table_scope(table)
    if _read_label_free_row(doc, table, columns, facts, factor, final, scope):
        return
    # rows of a classification table are functional or economic lines ("公务接待费" there is
    # the 30217 line of one kind of spending), never the unit's own facts: only its 合计
    classified = any(
        c.kind == "code" and not ROW_NUMBER_HEADER_RE.search(c.header.split("/")[-1])
        for c in columns
    ) or bool(CLASSIFIED_TITLE_RE.search(fold(table.title)))
    for half in _halves(table, columns):
        amounts = [c for c in half if c.kind == "amount"]
        if not amounts:
            continue
        term_columns = {
            c.index: keys
            for c in amounts
            if (keys := match_table_label(c.header.split("/")[-1])) is not None
        }
        half_labels = [f[1] for row in table.body if (f := label_of(row, half)) is not None]
        rates = [
            c
            for c in half
            if c.kind == "percent"
            and CHANGE_HEADER_RE.search(c.header)
            and not SHARE_HEADER_RE.search(c.header)
        ]
        for number, row in enumerate(table.body):
            found = label_of(row, half)
            if found is None:
                continue
            label_column, label = found
            is_total = bool(TOTAL_LABEL_RE.match(_compact(label)))
            keys = None if classified and not is_total else match_table_label(label)
            if keys in SPENDING_TOTALS and "三公" in fold(table.title):
                keys = ("three_public_total",)  # a “三公” table's 支出合计 is the “三公” total
            if keys is None and not classified:
                keys = source_row_keys(label, half_side(half_labels))
            if keys is None and is_total:
                keys = total_row_keys(table, label, half_labels)
            if keys is None and not (is_total and term_columns):
                continue
            keys = keys or ()
            keys = tuple(scoped_key(k, scope) for k in keys if scope is None or k not in UNSCOPABLE)
            if not keys and not (is_total and term_columns):
                continue
            taken: set[tuple[str, str]] = set()
            for column in amounts:
                if column.index <= label_column or column.index >= len(row.cells):
                    continue
                prefix = _column_prefix(column.header, final, doc.meta.year)
                if prefix is None:
                    continue
                parsed = cell_number(row.cells[column.index].text)
                if parsed is None:
                    continue
                value, half_unit = parsed[0] * factor, parsed[1] * factor
                column_keys = keys
                if column.index in term_columns:
                    if not is_total:
                        continue  # a breakdown of this row by term columns: not its own key
                    column_keys = tuple(
                        scoped_key(k, scope)
                        for k in term_columns[column.index]
                        if scope is None or k not in UNSCOPABLE
                    )
                for key in column_keys:
                    if (prefix, key) in taken:
                        continue  # the row's figure for this basis is its first such column
                    taken.add((prefix, key))
                    cell = row.cells[column.index]
                    facts.add(
                        Statement(
                            key=prefix + key,
                            value=value,
                            half_unit=half_unit,
                            span=(row.cells[label_column].span[0], cell.span[1]),
                            figure_span=cell.span,
                            source="table",
                            sentence=-table.index,
                            table=table.index,
                            row=number,
                            column=column.index,
                        )
                    )
            if keys and not classified:
                _read_row_rates(table, row, number, label_column, rates, keys, facts)


def _read_row_rates(
    table: Table,
    row: Row,
    number: int,
    label_column: int,
    rates: list[Column],
    keys: tuple[str, ...],
    facts: Facts,
) -> None:
    """A row's change rate from its 增减幅度 / 增长率 column ("22%", "-13.8"): a percentage,
    never scaled by the table's unit; the first such column after the label is the row's."""
    for column in rates:
        if column.index <= label_column or column.index >= len(row.cells):
            continue
        cell = row.cells[column.index]
        parsed = cell_number(re.sub(r"\s*[%％]\s*$", "", cell.text))
        if parsed is None:
            continue
        for key in keys:
            facts.add(
                Statement(
                    key="change_pct_" + key,
                    value=parsed[0],
                    half_unit=parsed[1],
                    span=(row.cells[label_column].span[0], cell.span[1]),
                    figure_span=cell.span,
                    source="table",
                    sentence=-table.index,
                    unit="%",
                    table=table.index,
                    row=number,
                    column=column.index,
                )
            )
        return
