"""Checks: were the document's real inconsistencies caught, and did nothing else fail?

A gold file lists each real inconsistency by the quotes of the figures that disagree
(``expected_inconsistencies``; see eval/corpus/LABELLING.md), not by the name of a rule, so
labels do not depend on how BudgetLens names its checks. A failed check *catches* an
inconsistency when its operands' spans lie on at least two of the inconsistency's quotes
(both when it has two), or several failed checks do, each on one of them. Every failed check
that catches none is a false alarm: a check that fails on a sound document sends a reader
hunting for an error that is not there, which costs more trust than a missed flag. Older gold
files that name rules (``expected_failed_rules``) are scored by rule id.
"""

from __future__ import annotations

from typing import Any

from budgetlens.eval.spans import Span, locate, overlap
from budgetlens.extract.grounding import Grounder


def failed_checks(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in record.get("checks") or [] if c.get("status") == "fail"]


def failed_ids(record: dict[str, Any]) -> list[str]:
    return [str(c.get("id") or c.get("rule")) for c in failed_checks(record)]


def _operand_spans(check: dict[str, Any]) -> list[Span]:
    spans = []
    for operand in check.get("operand_details") or []:
        span = operand.get("span")
        if span and len(span) == 2 and span[1] > span[0]:
            spans.append((int(span[0]), int(span[1])))
    return spans


def _touched(check_spans: list[Span], quote_places: list[list[Span]]) -> set[int]:
    """Which of the inconsistency's quotes a check's operands lie on."""
    return {
        i
        for i, places in enumerate(quote_places)
        if any(overlap(c, q) > 0 for c in check_spans for q in places)
    }


def _catchers(spans: list[list[Span]], quote_places: list[list[Span]]) -> list[int]:
    """The failed checks that catch an inconsistency. It is caught when one check's operands
    lie on two of its quotes (its only one, if it has one), or several checks each lie on
    one and together on two ("接待费占69%", "用车费占31%": two shares, each other's swap);
    then every failed check lying on one of its quotes is about it (not a false alarm)."""
    need = min(2, len(quote_places))
    touching = {i: t for i, s in enumerate(spans) if (t := _touched(s, quote_places))}
    together: set[int] = set().union(*touching.values()) if touching else set()
    if any(len(t) >= need for t in touching.values()) or len(together) >= need > 0:
        return sorted(touching)  # every failed check on its figures flags this inconsistency
    return []


def _false_alarm(check: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": check.get("id"),
        "status": "false failure",
        "rule": check.get("rule_zh") or check.get("rule", ""),
        "message": check.get("message", ""),
        "operands": [
            {"name": o.get("name"), "text": o.get("text"), "span": o.get("span")}
            for o in check.get("operand_details") or []
        ],
    }


def score_checks(gold: dict[str, Any], record: dict[str, Any], text: str = "") -> dict[str, Any]:
    if "expected_inconsistencies" in gold:
        return _score_inconsistencies(gold, record, text)
    expected: list[str] | None = gold.get("expected_failed_rules")
    if expected is None:
        return {"scored": False, "why": "the gold file lists no expected inconsistencies"}
    failed = failed_ids(record)
    found = [rule for rule in expected if rule in failed]
    missed = [rule for rule in expected if rule not in failed]
    false = [c for c in failed_checks(record) if str(c.get("id")) not in expected]
    items: list[dict[str, Any]] = [{"id": rule, "status": "found"} for rule in found]
    items += [{"id": rule, "status": "missed"} for rule in missed]
    items += [_false_alarm(c) for c in false]
    return _result(len(expected), len(found), len(false), items)


def _score_inconsistencies(
    gold: dict[str, Any], record: dict[str, Any], text: str
) -> dict[str, Any]:
    grounder = Grounder(text)
    expected = gold.get("expected_inconsistencies") or []
    failed = failed_checks(record)
    spans = [_operand_spans(c) for c in failed]
    used: set[int] = set()
    items: list[dict[str, Any]] = []
    found = 0
    for inconsistency in expected:
        places = [locate(text, q, grounder) for q in inconsistency.get("quotes") or []]
        places = [p for p in places if p]
        catchers = _catchers(spans, places) if places else []
        used.update(catchers)
        found += bool(catchers)
        items.append(
            {
                "kind": inconsistency.get("kind"),
                "description": inconsistency.get("description", ""),
                "status": "found" if catchers else "missed",
                "by": [failed[i].get("id") for i in catchers],
                "unlocated_quotes": len(inconsistency.get("quotes") or []) - len(places),
            }
        )
    false = [c for i, c in enumerate(failed) if i not in used]
    items += [_false_alarm(c) for c in false]
    return _result(len(expected), found, len(false), items)


def _result(expected: int, found: int, false: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "scored": True,
        "expected": expected,
        "found": found,
        "recall": round(found / expected, 4) if expected else None,
        "false_failures": false,
        "ok": found == expected and not false,
        "items": items,
    }
