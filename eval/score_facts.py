"""Facts: a gold fact counts as correct only with the right value *and* the right place.

Why the span matters: a figure with the right value read from the wrong sentence (a
repeated total, a table row of the same amount) would break every citation built on it.

Precision first: a fact is *wrong* when the record has the key with another value, and a
canonical fact the record states that a complete gold file does not list is *extra*, also a
mistake (labellers list every canonical figure a document states; see
eval/corpus/LABELLING.md). A gold value may be a list when the document itself states the
fact with two values; either is right. A gold quote may be a list of the places it stands.
"""

from __future__ import annotations

from typing import Any

from budgetlens.eval.counts import Counts
from budgetlens.eval.spans import Span, context, inside, locate
from budgetlens.extract.grounding import Grounder
from budgetlens.extract.lexicon import is_canonical_key

VALUE_TOLERANCE = 0.005  # 万元 (or percentage points), as the contract states
_FLOAT_SLACK = 1e-9  # 0.1 + 0.2 style binary error must not turn a tie into an error


def span_on_quote(figure_span: Span, span: Span, quotes: list[Span]) -> bool:
    """The cited figure lies inside one occurrence of a gold quote, or the record's span
    covers that occurrence."""
    return any(inside(figure_span, q) or inside(q, span) for q in quotes)


def gold_is_complete(gold: dict[str, Any]) -> bool:
    """Files in the corpus format (with a ``family``) list every canonical figure."""
    return bool(gold.get("facts_complete", "family" in gold))


def _values(gold_value: Any) -> list[Any]:
    return list(gold_value) if isinstance(gold_value, list) else [gold_value]


def _quotes(quote: Any) -> list[str]:
    if quote is None:
        return []
    return [q for q in (quote if isinstance(quote, list) else [quote]) if q]


def score_facts(gold: dict[str, Any], record: dict[str, Any], text: str) -> dict[str, Any]:
    gold_facts: dict[str, Any] | None = gold.get("facts")
    if gold_facts is None:
        return {"scored": False, "why": "the gold file lists no facts"}
    quotes: dict[str, Any] = gold.get("fact_quotes") or {}
    facts: dict[str, Any] = record.get("facts") or {}
    grounder = Grounder(text)
    items: list[dict[str, Any]] = []
    counts = Counts()
    wrong = 0
    for key, gold_value in gold_facts.items():
        fact = facts.get(key)
        places = [s for q in _quotes(quotes.get(key)) for s in locate(text, q, grounder)]
        item: dict[str, Any] = {
            "key": key,
            "gold_value": gold_value,
            "gold_quote": quotes.get(key),
            "gold_spans": [list(s) for s in places],
            "value": None if fact is None else fact.get("value"),
        }
        if fact is None:
            item.update(status="missing", correct=False)
        else:
            span = _pair(fact.get("span"), (0, 0))
            figure_span = _pair(fact.get("figure_span"), span)
            value_ok = any(_close(fact.get("value"), v) for v in _values(gold_value))
            span_ok: bool | None = None  # None: the gold file gives no usable quote
            if places:
                span_ok = span_on_quote(figure_span, span, places)
            elif quotes.get(key):
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
            wrong += not value_ok
            if not item["correct"]:
                item["record_context"] = context(text, span)
        if not item["correct"] and places:
            item["gold_context"] = context(text, places[0])
        counts = counts + Counts(int(item["correct"]), int(fact is not None), 1)
        items.append(item)
    extra = []
    if gold_is_complete(gold):
        for key, fact in facts.items():
            if key in gold_facts or not is_canonical_key(key):
                continue
            span = _pair(fact.get("span"), (0, 0))
            extra.append(
                {"key": key, "value": fact.get("value"), "status": "extra", **context(text, span)}
            )
    counts = counts + Counts(0, len(extra), 0)
    return {
        "scored": True,
        "counts": counts.as_dict(),
        "wrong": wrong,
        "extra": len(extra),
        "items": items + extra,
    }


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


def score_identity(gold: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """Unit, year and kind exactly as labelled (a gold ``unit: null`` wants no unit)."""
    fields = [f for f in ("unit", "year", "kind") if f in gold]
    if not fields:
        return {"scored": False, "why": "the gold file gives no unit, year or kind"}
    items = []
    for field in fields:
        expected, got = gold[field], record.get(field)
        if field == "unit":
            expected, got = _unit(expected), _unit(got)
        items.append({"field": field, "gold": expected, "got": got, "correct": expected == got})
    return {
        "scored": True,
        "right": sum(i["correct"] for i in items),
        "total": len(items),
        "items": items,
    }


def _unit(value: Any) -> str:
    return "".join(str(value or "").split())


def per_key(results: list[dict[str, Any]]) -> dict[str, Counts]:
    """Counts per fact key over many documents' fact results."""
    keys: dict[str, Counts] = {}
    for result in results:
        for item in result.get("items", []):
            present = item["status"] != "missing"
            gold = item["status"] != "extra"
            keys[item["key"]] = keys.get(item["key"], Counts()) + Counts(
                int(item.get("correct", False)), int(present), int(gold)
            )
    return keys
