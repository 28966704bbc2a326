"""`budgetlens parse` against the hand-labelled gold files: every fact, value and span."""

from __future__ import annotations

import pytest

from budgetlens.pipeline import process
from tests.helpers import CHONGQING, DOC_NAMES, EXAMPLES, gold, shared_path


def source(name: str):
    return shared_path(name) if name == CHONGQING else EXAMPLES / name


def example_text(name: str) -> str:
    return source(name).read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=[*DOC_NAMES, CHONGQING])
def parsed(request: pytest.FixtureRequest):
    name = request.param
    record = process(source(name))
    assert record.error is None, record.error
    return name, record.model_dump(mode="json"), gold(name)


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
