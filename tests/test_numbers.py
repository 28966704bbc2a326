from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgetlens.extract.numbers import (
    direction_sign,
    find_amounts,
    json_number,
    parse_amount,
    parse_cell_number,
    parse_percent,
)


@pytest.mark.parametrize(
    ("text", "value", "half"),
    [
        ("689.35万元", "689.35", "0.005"),
        ("0万元", "0", "0"),
        ("1,234,567.8元", "123.45678", "0.000005"),
        ("１２３４．５６万元", "1234.56", "0.005"),
        ("0.5亿元", "5000.0", "500"),
        ("7 万元", "7", "0.5"),
        ("324970.32 万元", "324970.32", "0.005"),
        ("12千元", "1.2", "0.05"),
        ("-3.5万元", "-3.5", "0.05"),
    ],
)
def test_amounts_convert_to_wan_exactly(text: str, value: str, half: str) -> None:
    amount = parse_amount(text)
    assert amount is not None
    assert amount.value == Decimal(value)
    assert amount.half_unit == Decimal(half)


def test_years_and_counts_are_not_amounts() -> None:
    assert find_amounts("2023年公众号发布文章200篇，车辆4台") == []


def test_amount_spans_point_at_the_figure() -> None:
    text = "2023年支出预算689.35万元，其中基本支出504.58万元"
    spans = [text[a.start : a.end] for a in find_amounts(text)]
    assert spans == ["689.35万元", "504.58万元"]


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("较上年增加", 1),
        ("增长", 1),
        ("减少", -1),
        ("比2017年下降", -1),
        ("与上年持平", 0),
        ("无增减变化", 0),
        ("收入", None),
    ],
)
def test_direction_words(text: str, sign: int | None) -> None:
    assert direction_sign(text) == sign


def test_cells_need_a_declared_unit() -> None:
    assert parse_cell_number("12.69", "万元") == (Decimal("12.69"), Decimal("0.005"))
    assert parse_cell_number("12,690", "元") == (Decimal("1.269"), Decimal("0.00005"))
    assert parse_cell_number("12.69", None) is None
    assert parse_cell_number("——", "万元") is None


def test_percent_and_json_number() -> None:
    assert parse_percent("下降13.8％") == Decimal("13.8")
    assert json_number(Decimal("689.350")) == 689.35
    assert json_number(Decimal("0.0000")) == 0.0


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_yuan_and_wan_agree(value: Decimal) -> None:
    as_yuan = parse_amount(f"{value * 10000:.0f}元")
    as_wan = parse_amount(f"{value}万元")
    assert as_yuan is not None and as_wan is not None
    assert as_yuan.value == as_wan.value


@given(st.text(max_size=200))
def test_parser_never_crashes(text: str) -> None:
    for amount in find_amounts(text):
        assert amount.start < amount.end
    parse_amount(text)
    parse_percent(text)
