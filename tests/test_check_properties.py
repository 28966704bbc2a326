"""Property: changing any one figure of a total/parts group makes that group's rule fail."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from budgetlens.extract.numbers import UNIT_IN_WAN
from budgetlens.extract.record import parse_text
from tests.helpers import DOC_NAMES, example_text

GROUP_RULES = re.compile(r"^(?:sum|change_sum|table_total|line_amount|balance):?")
FIGURE_AT_END = re.compile(r"(\d[\d,]*(?:\.\d+)?)(\s*(?:万元|亿元|千元|元)?)$")


def _perturbable() -> list[tuple[str, str, int, int, Decimal]]:
    """(document, rule id, start, end of the printed number, its unit in 万元) for every
    operand of every passing group rule."""
    cases = []
    for name in DOC_NAMES:
        parsed = parse_text(example_text(name), name)
        for check in parsed.checks:
            if not GROUP_RULES.match(check.id) or check.status not in ("pass", "rounding"):
                continue
            for operand in check.operands:
                if operand.span is None:
                    continue
                match = FIGURE_AT_END.search(operand.text)
                if match is None:
                    continue
                end = operand.span[0] + match.end(1)
                unit = UNIT_IN_WAN.get(match.group(2).strip(), Decimal(1))
                if operand.name.endswith("数量"):
                    # a quantity multiplies the unit price's rounding: 22 → 24 × 0.05(±0.005)
                    # may still print 1.10, so quantities move by whole hundreds.
                    unit = Decimal("0.01")
                cases.append((name, check.id, end - len(match.group(1)), end, unit))
    return cases


CASES = _perturbable()


def test_there_are_groups_to_perturb() -> None:
    rules = {case[1] for case in CASES}
    assert {
        "sum:expenditure_total",
        "sum:change_expenditure_total",
        "sum:three_public_total",
        "sum:income_total",
    } <= rules
    assert any(rule.startswith("table_total:") for rule in rules)
    assert any(rule.startswith("line_amount:") for rule in rules)


# The smallest change is 2: a rule over three whole-number figures may differ by up to 1.5
# through rounding alone, and that is reported as "rounding", not "fail".
@settings(max_examples=150, deadline=None)
@given(
    case=st.sampled_from(CASES),
    delta=st.decimals(min_value=Decimal(2), max_value=Decimal(5000), places=2),
)
def test_changing_one_figure_fails_its_rule(
    case: tuple[str, str, int, int, Decimal], delta: Decimal
) -> None:
    name, rule, start, end, unit = case
    text = example_text(name)
    printed = text[start:end]
    changed = str(Decimal(printed.replace(",", "")) + delta / unit)  # delta is in 万元
    mutated = text[:start] + changed + text[end:]
    checks = {c.id: c for c in parse_text(mutated, name).checks}
    assert checks[rule].status == "fail", (printed, changed, checks[rule])


def test_unchanged_documents_raise_no_unexpected_failure() -> None:
    # the only failures on the real documents are the two genuine ones the gold files list
    failures = set()
    for name in DOC_NAMES:
        failures |= {
            (name, c.id) for c in parse_text(example_text(name), name).checks if c.status == "fail"
        }
    assert failures == {
        ("langfang_kexie_2023_danweiyusuan.txt", "consistent:assets_total"),
        ("zhangjiakou_kexie_2021_bumenyusuan.txt", "opening_unit_matches_title"),
    }
