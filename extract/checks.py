"""Cross-checks: a declarative rule table over the parsed facts and tables.

A rule never repairs a figure. Each result carries the stated value (``expected``), what
the other figures imply (``actual``) and every operand with its span, so a reader can see
exactly which printed numbers disagree. A difference no larger than the rounding of the
printed figures is ``rounding``; a missing operand makes the rule ``deferred``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from budgetlens.extract.document import Document, Row, Span, Table
from budgetlens.extract.facts import Facts, Statement
from budgetlens.extract.numbers import (
    BARE_NUMBER_RE,
    FULLWIDTH,
    UNIT_IN_WAN,
    half_unit_of,
    to_decimal,
)

Status = Literal["pass", "fail", "rounding", "deferred"]


@dataclass(slots=True)
class Operand:
    name: str
    value: Decimal | None
    span: Span | None = None
    text: str = ""


@dataclass(slots=True)
class CheckResult:
    id: str  # stable rule id, e.g. "sum:expenditure_total"
    rule: str  # the identity in words
    status: Status
    expected: Decimal | None = None
    actual: Decimal | None = None
    operands: list[Operand] = field(default_factory=list)
    message: str = ""


@dataclass(frozen=True, slots=True)
class SumRule:
    """``total`` = Σ ``parts``; ``totals`` lists alternatives, the first stated is used.

    ``enumerated`` parts (income sources) may go unstated when the document enumerates
    the others in the total's own sentence; elsewhere every part must be stated.
    """

    totals: tuple[str, ...]
    parts: tuple[str, ...]
    enumerated: bool = False


SUM_RULES: tuple[SumRule, ...] = (
    SumRule(
        ("income_total",),
        (
            "income_general_budget",
            "income_fund",
            "income_state_capital",
            "income_special_account",
            "income_business",
            "income_operating",
            "income_other",
            "income_carryover",
        ),
        enumerated=True,
    ),
    SumRule(
        ("expenditure_total", "expenditure_general_budget"),
        ("expenditure_basic", "expenditure_project"),
    ),
    SumRule(("expenditure_basic",), ("expenditure_personnel", "expenditure_public")),
    SumRule(
        ("three_public_total",),
        ("three_public_abroad", "three_public_vehicle", "three_public_reception"),
    ),
    SumRule(
        ("three_public_vehicle",),
        ("three_public_vehicle_purchase", "three_public_vehicle_operation"),
    ),
    SumRule(
        ("procurement_total",),
        ("procurement_goods", "procurement_works", "procurement_services"),
        enumerated=True,
    ),
)


def grade(expected: Decimal, actual: Decimal, tolerance: Decimal) -> Status:
    difference = abs(expected - actual)
    if difference == 0:
        return "pass"
    return "rounding" if difference <= tolerance else "fail"


def run_checks(doc: Document, facts: Facts) -> list[CheckResult]:
    results: list[CheckResult] = []
    for rule in SUM_RULES:
        results.append(_check_sum(doc, facts, rule, change=False))
        results.append(_check_sum(doc, facts, rule, change=True))
    results.append(_check_balance(doc, facts))
    results.extend(_check_percents(doc, facts))
    results.extend(_check_consistency(doc, facts))
    for table in doc.tables:
        results.extend(check_table(doc, table))
    results.append(_check_opening_unit(doc))
    results.extend(_check_years(doc))
    return results


def _operand(doc: Document, name: str, statement: Statement | None) -> Operand:
    if statement is None:
        return Operand(name=name, value=None)
    return Operand(
        name=name, value=statement.value, span=statement.span, text=doc.quote(statement.span)
    )


def _check_sum(doc: Document, facts: Facts, rule: SumRule, *, change: bool) -> CheckResult:
    prefix = "change_" if change else ""
    total_key = next((k for k in rule.totals if facts.get(prefix + k)), rule.totals[0])
    total_name = prefix + total_key
    part_names = [prefix + part for part in rule.parts]
    words = f"{total_name} = " + " + ".join(part_names)
    result = CheckResult(
        id=f"{'change_sum' if change else 'sum'}:{rule.totals[0]}", rule=words, status="deferred"
    )
    total = facts.get(total_name)
    parts = {name: facts.get(name) for name in part_names}
    result.operands = [_operand(doc, total_name, total)] + [
        _operand(doc, name, statement) for name, statement in parts.items()
    ]
    stated = {name: s for name, s in parts.items() if s is not None}
    missing = [name for name, s in parts.items() if s is None]
    if total is None or not stated:
        result.message = (
            f"not stated: {', '.join(n for n in [total_name, *missing] if not facts.get(n))}"
        )
        return result
    complete = not missing or (
        rule.enumerated
        and not change
        and len(stated) >= 2
        and all(s.sentence == total.sentence for s in stated.values())
    )
    actual = sum((s.value for s in stated.values()), Decimal(0))
    tolerance = total.half_unit + sum((s.half_unit for s in stated.values()), Decimal(0))
    result.expected, result.actual = total.value, actual
    if not complete:
        result.message = f"not stated: {', '.join(missing)}"
        return result
    result.status = grade(total.value, actual, tolerance)
    if missing:
        result.message = f"the sentence enumerates no {', '.join(missing)}; taken as absent"
    if result.status == "fail":
        result.message = (
            f"{total_name} is {total.value} but its parts sum to {actual} "
            f"(difference {total.value - actual})"
        )
    return result


def _check_balance(doc: Document, facts: Facts) -> CheckResult:
    """A budget balances income and expenditure; a final account need not."""
    income, spending = facts.get("income_total"), facts.get("expenditure_total")
    result = CheckResult(
        id="balance",
        rule="income_total = expenditure_total",
        status="deferred",
        operands=[
            _operand(doc, "income_total", income),
            _operand(doc, "expenditure_total", spending),
        ],
    )
    if doc.meta.kind != "budget":
        result.message = "only budgets must balance"
        return result
    if income is None or spending is None:
        result.message = "income or expenditure total not stated"
        return result
    result.expected, result.actual = income.value, spending.value
    result.status = grade(income.value, spending.value, income.half_unit + spending.half_unit)
    return result


def _check_percents(doc: Document, facts: Facts) -> Iterable[CheckResult]:
    """A stated % change must equal change ÷ (this year − change)."""
    for key, statements in facts.statements.items():
        if not key.startswith("change_"):
            continue
        base_key = key.removeprefix("change_")
        for change in statements:
            if change.percent is None or change.percent_span is None:
                continue
            level = facts.get(base_key)
            result = CheckResult(
                id=f"percent:{base_key}",
                rule=f"% change of {base_key} = change / previous",
                status="deferred",
                expected=change.percent,
                operands=[
                    _operand(doc, key, change),
                    _operand(doc, base_key, level),
                    Operand(
                        f"percent of {key}",
                        change.percent,
                        change.percent_span,
                        doc.quote(change.percent_span),
                    ),
                ],
            )
            if level is not None and level.value != change.value:
                previous = level.value - change.value
                actual = abs(change.value) / abs(previous) * 100
                result.actual = actual.quantize(Decimal("0.0001"))
                printed = doc.quote(change.percent_span).translate(FULLWIDTH)
                digits = re.search(r"\d+(?:\.\d+)?", printed)
                pct_half = half_unit_of(digits.group()) if digits else Decimal("0.05")
                # Propagated rounding of the two amounts, relative to the previous level.
                relative = (change.half_unit + level.half_unit) / abs(previous) * 100 * 2
                result.status = grade(change.percent, actual, pct_half + relative)
            yield result


def _check_consistency(doc: Document, facts: Facts) -> Iterable[CheckResult]:
    """A fact stated more than once must say the same every time."""
    for key, statements in facts.statements.items():
        if len(statements) < 2:
            continue
        first = facts.get(key)
        assert first is not None
        worst: Status = "pass"
        for other in statements:
            status = grade(first.value, other.value, first.half_unit + other.half_unit)
            if status == "fail" or (status == "rounding" and worst == "pass"):
                worst = status
        differing = [s for s in statements if s.value != first.value]
        yield CheckResult(
            id=f"consistent:{key}",
            rule=f"every statement of {key} agrees",
            status=worst,
            expected=first.value,
            actual=differing[0].value if differing else first.value,
            operands=[_operand(doc, f"{key} ({s.source})", s) for s in statements],
            message=""
            if worst == "pass"
            else (
                f"{key} is stated as {first.value} and as "
                + ", ".join(str(s.value) for s in differing)
            ),
        )


# --- tables ------------------------------------------------------------------------------

TOTAL_LABEL_RE = re.compile(r"^(?:合\s*计|总\s*计|资产总额|总\s*额)$")
SUBTOTAL_LABEL_RE = re.compile(r"小\s*计")
NUMBERED_ITEM_RE = re.compile(r"^\s*(?:\d+|[一二三四五六七八九十]+)[、.．]")
SUBITEM_RE = re.compile(r"^\s*其中")
CODE_RE = re.compile(r"^\d{3,}$")
ABSENT_CELL_RE = re.compile(r"^(?:|-|—+|－+|/|／|无)$")


def cell_value(text: str) -> tuple[Decimal, Decimal] | None:
    match = BARE_NUMBER_RE.match(text.translate(FULLWIDTH))
    if not match:
        return None
    value = to_decimal(match["num"])
    return (-value if match["sign"] else value), half_unit_of(match["num"])


def _label(row: Row) -> str:
    return next((cell.text for cell in row.cells if cell.text), "")


def check_table(doc: Document, table: Table) -> list[CheckResult]:
    """Totals and subtotals against their rows, and quantity × unit price = amount."""
    if table.is_empty or len(table.body) < 2:
        return []
    results = _check_table_totals(doc, table)
    results.extend(_check_line_amounts(doc, table))
    return results


def _check_table_totals(doc: Document, table: Table) -> list[CheckResult]:
    body = table.body
    total_rows = [r for r in body if TOTAL_LABEL_RE.match(_label(r).replace(" ", ""))]
    if len(total_rows) != 1:
        return []
    total_row = total_rows[0]
    subtotals = [r for r in body if SUBTOTAL_LABEL_RE.search(_label(r))]
    items = [
        r
        for r in body
        if r is not total_row and r not in subtotals and not SUBITEM_RE.match(_label(r))
    ]
    if any(NUMBERED_ITEM_RE.match(_label(r)) for r in items):
        items = [r for r in items if NUMBERED_ITEM_RE.match(_label(r))]
    codes = [_label(r) for r in items if CODE_RE.match(_label(r))]
    if codes and len(codes) == len(items):
        shortest = min(len(c) for c in codes)  # 类 rows carry their 款/项 rows already
        items = [r for r in items if len(_label(r)) == shortest]
    groups: list[tuple[Row, list[Row]]] = []
    if subtotals:
        current: list[Row] | None = None
        for row in body:
            if row in subtotals:
                current = []
                groups.append((row, current))
            elif current is not None and row in items:
                current.append(row)
        groups.insert(0, (total_row, subtotals))
    else:
        groups.append((total_row, items))
    results: list[CheckResult] = []
    for parent, children in groups:
        results.extend(_sum_columns(doc, table, parent, children))
    return results


def _sum_columns(
    doc: Document, table: Table, parent: Row, children: list[Row]
) -> list[CheckResult]:
    results: list[CheckResult] = []
    label = _label(parent)
    for column, cell in enumerate(parent.cells):
        stated = cell_value(cell.text)
        if stated is None or not children:
            continue
        operands = [
            Operand(f"{label} [{_column_name(table, column)}]", stated[0], cell.span, cell.text)
        ]
        actual, tolerance = Decimal(0), stated[1]
        for child in children:
            if column >= len(child.cells):
                continue
            child_cell = child.cells[column]
            value = cell_value(child_cell.text)
            if value is None:
                if not ABSENT_CELL_RE.match(child_cell.text):
                    break  # text where a number belongs: not a summable column
                continue
            actual += value[0]
            tolerance += value[1]
            operands.append(Operand(_label(child), value[0], child_cell.span, child_cell.text))
        else:
            if len(operands) < 2:
                continue
            rule_id = f"table_total:{table.index}:{label.replace(' ', '')}:{column}"
            status = grade(stated[0], actual, tolerance)
            results.append(
                CheckResult(
                    id=rule_id,
                    rule=f"table {table.index} {label} = sum of its rows "
                    f"[{_column_name(table, column)}]",
                    status=status,
                    expected=_in_wan(stated[0], table),
                    actual=_in_wan(actual, table),
                    operands=operands,
                    message=""
                    if status != "fail"
                    else f"table {table.index} ({table.title[:30]}): {label} is {stated[0]}, "
                    f"rows sum to {actual}",
                )
            )
    return results


def _check_line_amounts(doc: Document, table: Table) -> list[CheckResult]:
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
        values = [cell_value(row.cells[i].text) for i in (quantity, price, amount)]
        if any(v is None for v in values):
            continue
        (qty, _), (unit_price, price_half), (stated, stated_half) = values  # type: ignore[misc]
        actual = qty * unit_price
        status = grade(stated, actual, stated_half + abs(qty) * price_half)
        results.append(
            CheckResult(
                id=f"line_amount:{table.index}:{number}",
                rule=f"table {table.index} row {number}: quantity × unit price = amount",
                status=status,
                expected=_in_wan(stated, table),
                actual=_in_wan(actual, table),
                operands=[
                    Operand(columns[i] or str(i), v[0], row.cells[i].span, row.cells[i].text)
                    for i, v in zip((quantity, price, amount), values, strict=True)
                    if v
                ],
                message=""
                if status != "fail"
                else f"{_label(row)}: {qty} × {unit_price} ≠ {stated}",
            )
        )
    return results


def _column_name(table: Table, column: int) -> str:
    return (
        table.columns[column]
        if column < len(table.columns) and table.columns[column]
        else str(column + 1)
    )


def _in_wan(value: Decimal, table: Table) -> Decimal:
    return value * UNIT_IN_WAN[table.unit] if table.unit in UNIT_IN_WAN else value


# --- identity of the document -------------------------------------------------------------


def is_same_unit(a: str, b: str) -> bool:
    """Equal, or the shorter is an abbreviation of the longer (张家口市科协 ⊂ 张家口市科学技术协会):
    its characters appear in order and it starts with the same place name."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if short[:2] != long[:2]:
        return False
    position = 0
    for char in short:
        position = long.find(char, position)
        if position < 0:
            return False
        position += 1
    return True


def _check_opening_unit(doc: Document) -> CheckResult:
    meta = doc.meta
    title_unit = meta.unit if meta.unit_span != meta.opening_unit_span else ""
    result = CheckResult(
        id="opening_unit_matches_title",
        rule="unit in the opening sentence = unit in the title",
        status="deferred",
        operands=[
            Operand("title unit", None, meta.unit_span if title_unit else None, title_unit),
            Operand("opening unit", None, meta.opening_unit_span, meta.opening_unit),
        ],
    )
    if not title_unit or not meta.opening_unit:
        result.message = "the title or the opening sentence names no unit"
        return result
    result.status = "pass" if is_same_unit(title_unit, meta.opening_unit) else "fail"
    if result.status == "fail":
        result.message = (
            f"the title names {title_unit} but the opening sentence names {meta.opening_unit}"
        )
    return result


STATED_YEAR_RE = re.compile(
    r"(?<![较比与至到])(?P<year>(?:19|20)\d{2})\s*年度?\s*(?:部门|单位)?\s*(?:预算|决算)(?!执行)"
)
COMPARED_YEAR_RE = re.compile(r"(?:较|比|与)(?P<year>(?:19|20)\d{2})\s*年")


def _check_years(doc: Document) -> list[CheckResult]:
    """Every 'YYYY年预算' names the document's year; every '较YYYY年' the year before."""
    year = doc.meta.year
    if year is None:
        return [
            CheckResult(
                id="year_consistent",
                rule="the year stated everywhere agrees",
                status="deferred",
                message="no year in the title or opening",
            )
        ]
    text = doc.text
    start, end = doc.meta.body_start, doc.meta.body_end
    bad: list[Operand] = []
    for match in STATED_YEAR_RE.finditer(text, start, end):
        stated = int(match["year"])
        if stated != year and not re.search(
            r"[较比与]$|上年|截[止至]", text[max(0, match.start() - 6) : match.start()]
        ):
            bad.append(
                Operand(f"year {stated}", Decimal(stated), match.span("year"), match.group())
            )
    for match in COMPARED_YEAR_RE.finditer(text, start, end):
        stated = int(match["year"])
        if stated not in (year - 1, year):
            bad.append(
                Operand(
                    f"compared year {stated}", Decimal(stated), match.span("year"), match.group()
                )
            )
    status: Status = "fail" if bad else "pass"
    return [
        CheckResult(
            id="year_consistent",
            rule="the year stated everywhere agrees",
            status=status,
            expected=Decimal(year),
            operands=bad,
            message=""
            if not bad
            else f"document year {year}, but the text also states "
            + ", ".join(o.text for o in bad),
        )
    ]
