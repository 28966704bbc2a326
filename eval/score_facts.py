"""Facts: a gold fact counts as correct only with the right value *and* the right place.

Why the span matters: a figure with the right value read from the wrong sentence (a
repeated total, a table row of the same amount) would break every citation built on it.
Facts the gold file does not list are not scored (record contract), so precision is
correct / gold-listed keys the record has.
"""

from __future__ import annotations

from typing import Any

from budgetlens.eval.counts import Counts
from budgetlens.eval.spans import Span, context, inside, locate
from budgetlens.extract.grounding import Grounder

VALUE_TOLERANCE = 0.005  # 万元, as the contract states
_FLOAT_SLACK = 1e-9  # 0.1 + 0.2 style binary error must not turn a tie into an error


def span_on_quote(figure_span: Span, span: Span, quotes: list[Span]) -> bool:
    """The cited figure lies inside one occurrence of the gold quote, or the record's
    span covers that occurrence."""
    return any(inside(figure_span, q) or inside(q, span) for q in quotes)


def score_facts(gold: dict[str, Any], record: dict[str, Any], text: str) -> dict[str, Any]:
    gold_facts: dict[str, Any] | None = gold.get("facts")
    if not gold_facts:
        return {"scored": False, "why": "the gold file lists no facts"}
    quotes: dict[str, str] = gold.get("fact_quotes") or {}
    facts: dict[str, Any] = record.get("facts") or {}
    grounder = Grounder(text)
    items: list[dict[str, Any]] = []
    counts = Counts()
    for key, gold_value in gold_facts.items():
        fact = facts.get(key)
        quote = quotes.get(key)
        quote_spans = locate(text, quote, grounder) if quote else []
        item: dict[str, Any] = {
            "key": key,
            "gold_value": gold_value,
            "gold_quote": quote,
            "gold_spans": [list(s) for s in quote_spans],
            "value": None if fact is None else fact.get("value"),
        }
        if fact is None:
            item.update(status="missing", correct=False)
        else:
            span = _pair(fact.get("span"), (0, 0))
            figure_span = _pair(fact.get("figure_span"), span)
            value_ok = _close(fact.get("value"), gold_value)
            span_ok: bool | None = None  # None: the gold file gives no usable quote
            if quote_spans:
                span_ok = span_on_quote(figure_span, span, quote_spans)
            elif quote:
                item["gold_problem"] = "the gold quote is not in the document"
            item.update(
                record_text=fact.get("text"),
                record_span=list(span),
                figure_span=list(figure_span),
                value_ok=value_ok,
                span_ok=span_ok,
                correct=value_ok and span_ok is not False,
                status=_status(value_ok, span_ok),
            )
            if not item["correct"]:
                item["record_context"] = context(text, span)
        if not item["correct"] and quote_spans:
            item["gold_context"] = context(text, quote_spans[0])
        counts = counts + Counts(int(item["correct"]), int(fact is not None), 1)
        items.append(item)
    return {"scored": True, "counts": counts.as_dict(), "items": items}


def _pair(value: Any, default: Span) -> Span:
    return (int(value[0]), int(value[1])) if value and len(value) == 2 else default


def _close(value: Any, gold_value: Any) -> bool:
    try:
        return abs(float(value) - float(gold_value)) <= VALUE_TOLERANCE + _FLOAT_SLACK
    except (TypeError, ValueError):
        return False


def _status(value_ok: bool, span_ok: bool | None) -> str:
    if value_ok and span_ok is not False:
        return "correct"
    if not value_ok and span_ok is False:
        return "wrong value and span"
    return "wrong value" if not value_ok else "wrong span"


def per_key(results: list[dict[str, Any]]) -> dict[str, Counts]:
    """Counts per fact key over many documents' fact results."""
    keys: dict[str, Counts] = {}
    for result in results:
        for item in result.get("items", []):
            present = item["status"] != "missing"
            keys[item["key"]] = keys.get(item["key"], Counts()) + Counts(
                int(item["correct"]), int(present), 1
            )
    return keys
