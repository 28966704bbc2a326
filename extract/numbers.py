"""Deterministic number parsing: every figure BudgetLens reports comes from here, never a model.

Amounts are exact :class:`~decimal.Decimal` values in 万元 whatever the source unit, and each
carries the rounding half-unit of its printed form so checks can tell a rounding difference
from a real one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Full-width digits and number punctuation map one-to-one onto ASCII, so translating a text
# with this table never moves a character: offsets found on the copy are offsets in the source.
FULLWIDTH = str.maketrans(
    "０１２３４５６７８９．，％－＋：；（）　",
    "0123456789.,%-+:;() ",
)

UNIT_IN_WAN: dict[str, Decimal] = {
    "元": Decimal("0.0001"),
    "千元": Decimal("0.1"),
    "万元": Decimal(1),
    "百万元": Decimal(100),
    "千万元": Decimal(1000),
    "亿元": Decimal(10000),
}

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
AMOUNT_RE = re.compile(
    rf"(?P<sign>[-−])?(?P<num>{_NUMBER})\s*(?P<unit>百万元|千万元|亿元|万元|千元|元)"
)
PERCENT_RE = re.compile(rf"(?P<num>{_NUMBER})\s*(?:%|百分点|个百分点)")
BARE_NUMBER_RE = re.compile(rf"^\s*(?P<sign>[-−])?(?P<num>{_NUMBER})\s*$")

INCREASE_WORDS = ("增加", "增长", "上升", "提高", "增")
DECREASE_WORDS = ("减少", "下降", "降低", "压减", "缩减", "减")
DIRECTION_WORDS = "|".join(sorted((*INCREASE_WORDS, *DECREASE_WORDS), key=len, reverse=True))
DIRECTION_RE = re.compile(DIRECTION_WORDS)
_COMPARED = (
    r"(?:较|比|与)(?:上年|上一年|去年|上年度|(?:19|20)\d{2}\s*年度?)"
    r"(?:预算|决算)?(?:相比|比较)?[，,]?\s*"
)
# 持平/无变化 say "no change" alone; 一致/相同 only after a comparison (口径一致 is not a change).
ZERO_CHANGE_RE = re.compile(
    rf"(?:{_COMPARED})?(?:持平|无增减|无变化|未发生变化|没有变化)(?:[，,]?无增减变化)?"
    rf"|{_COMPARED}(?:保持)?(?:一致|相同)"
)


@dataclass(frozen=True, slots=True)
class Amount:
    """A printed money figure converted to 万元."""

    value: Decimal  # 万元
    half_unit: Decimal  # rounding half-unit of the printed figure, in 万元
    unit: str  # the unit as printed
    start: int  # span of "number+unit" in the text it was found in
    end: int
    number_start: int
    number_end: int


def to_decimal(number: str) -> Decimal:
    """Parse an ASCII number with optional thousands separators."""
    try:
        return Decimal(number.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regexes only pass valid numbers
        raise ValueError(f"not a number: {number!r}") from exc


def half_unit_of(number: str) -> Decimal:
    """Half of the last printed digit: 12.34 -> 0.005, 7 -> 0.5; a printed 0 means none."""
    if not number.strip("0.,"):
        return Decimal(0)
    decimals = len(number.split(".", 1)[1]) if "." in number else 0
    return Decimal(5) / (Decimal(10) ** (decimals + 1))


def amount_from_match(match: re.Match[str], offset: int = 0) -> Amount:
    factor = UNIT_IN_WAN[match["unit"]]
    number = match["num"]
    value = to_decimal(number) * factor
    if match["sign"]:
        value = -value
    return Amount(
        value=value,
        half_unit=half_unit_of(number) * factor,
        unit=match["unit"],
        start=match.start() + offset,
        end=match.end() + offset,
        number_start=match.start("num") + offset - (1 if match["sign"] else 0),
        number_end=match.end("num") + offset,
    )


def find_amounts(text: str, offset: int = 0) -> list[Amount]:
    """All money figures in ``text`` (already translated with :data:`FULLWIDTH`)."""
    return [amount_from_match(m, offset) for m in AMOUNT_RE.finditer(text)]


def parse_amount(text: str) -> Amount | None:
    """The single money figure in a short string such as '１,２３４.５元' or '0.5亿元'."""
    match = AMOUNT_RE.search(text.translate(FULLWIDTH))
    return amount_from_match(match) if match else None


def parse_cell_number(text: str, unit: str | None) -> tuple[Decimal, Decimal] | None:
    """A table cell holding a bare number, in 万元 given the table's unit (None if unknown)."""
    if unit is None or unit not in UNIT_IN_WAN:
        return None
    match = BARE_NUMBER_RE.match(text.translate(FULLWIDTH))
    if not match:
        return None
    factor = UNIT_IN_WAN[unit]
    value = to_decimal(match["num"]) * factor
    if match["sign"]:
        value = -value
    return value, half_unit_of(match["num"]) * factor


def parse_percent(text: str) -> Decimal | None:
    match = PERCENT_RE.search(text.translate(FULLWIDTH))
    return to_decimal(match["num"]) if match else None


def direction_sign(text: str) -> int | None:
    """0 for 持平-like phrases (无增减 contains 减, so they win), else +1 / -1 for the LAST
    direction word in ``text``; None if neither."""
    if ZERO_CHANGE_RE.search(text):
        return 0
    words = DIRECTION_RE.findall(text)
    if not words:
        return None
    return 1 if words[-1] in INCREASE_WORDS else -1


def json_number(value: Decimal | None) -> float | None:
    """JSON number for a Decimal; exact for every figure printed with ≤ 6 decimals."""
    if value is None:
        return None
    return float(value.normalize()) if value != 0 else 0.0
