"""`budgetlens parse` against the hand-labelled gold files: every fact, value and span."""

from __future__ import annotations

import pytest

from extract.record import parse_text
from tests.helpers import DOC_NAMES, example_text, gold


@pytest.fixture(scope="module", params=DOC_NAMES)
def parsed(request: pytest.FixtureRequest):
    name = request.param
    return name, parse_text(example_text(name), name).record(), gold(name)


def test_identity(parsed) -> None:
    _, record, expected = parsed
    for field in ("unit", "year", "kind", "scope"):
        assert record[field] == expected[field], field


def test_every_gold_fact_value(parsed) -> None:
    _, record, expected = parsed
    wrong = {
        key: (value, record["facts"].get(key, {}).get("value"))
        for key, value in expected["facts"].items()
        if key not in record["facts"] or abs(record["facts"][key]["value"] - value) > 0.005
    }
    assert wrong == {}


def test_every_gold_fact_span_is_on_the_stated_figure(parsed) -> None:
    name, record, expected = parsed
    text = example_text(name)
    for key, quote in expected["fact_quotes"].items():
        fact = record["facts"][key]
        start, end = fact["span"]
        assert text[start:end] == fact["text"]
        occurrences = [i for i in range(len(text)) if text.startswith(quote, i)]
        assert occurrences, quote
        fig_start, fig_end = fact["figure_span"]
        # the figure we cite lies inside one place the labeller quoted, or our span covers it
        assert any(
            (q <= fig_start and fig_end <= q + len(quote)) or (start <= q and q + len(quote) <= end)
            for q in occurrences
        ), (key, fact["text"], quote)


def test_flags_are_exactly_the_expected_ones(parsed) -> None:
    _, record, expected = parsed
    failed = sorted(c["id"] for c in record["checks"] if c["status"] == "fail")
    assert failed == sorted(expected["expected_failed_rules"])


def test_failed_checks_carry_operand_spans(parsed) -> None:
    name, record, _ = parsed
    text = example_text(name)
    for check in record["checks"]:
        if check["status"] != "fail":
            continue
        spans = [o for o in check["operand_details"] if o["span"]]
        assert spans, check["id"]
        for operand in spans:
            start, end = operand["span"]
            assert text[start:end] == operand["text"]
