"""What a check result is, and how a difference is graded."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from budgetlens.extract.document import Document, Span
from budgetlens.extract.facts import Statement

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
    rule: str  # the identity with fact keys
    status: Status
    expected: Decimal | None = None
    actual: Decimal | None = None
    operands: list[Operand] = field(default_factory=list)
    message: str = ""  # Chinese: what disagrees, or why the rule could not be checked


def grade(expected: Decimal, actual: Decimal, tolerance: Decimal) -> Status:
    """``pass`` when equal, ``rounding`` within ``tolerance``, else ``fail``."""
    difference = abs(expected - actual)
    if difference == 0:
        return "pass"
    return "rounding" if difference <= tolerance else "fail"


def operand(doc: Document, name: str, statement: Statement | None) -> Operand:
    if statement is None:
        return Operand(name=name, value=None)
    return Operand(
        name=name, value=statement.value, span=statement.span, text=doc.quote(statement.span)
    )


def cell_operand(doc: Document, name: str, value: Decimal, span: Span) -> Operand:
    return Operand(name=name, value=value, span=span, text=doc.quote(span))


def fmt(value: Decimal | None) -> str:
    """A figure for a message: 12.69, 0, -144.13 (no exponent, no trailing zeros)."""
    if value is None:
        return "（未说明）"
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0.0") else text
