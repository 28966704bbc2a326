"""Checks: did the run flag what the labeller says is wrong, and nothing else?

Why false failures are reported one by one: a check that fails on a sound document sends a
reader hunting for an error that is not there, which costs more trust than a missed flag.
"""

from __future__ import annotations

from typing import Any


def failed_ids(record: dict[str, Any]) -> list[str]:
    return [
        str(c.get("id") or c.get("rule"))
        for c in record.get("checks") or []
        if c.get("status") == "fail"
    ]


def score_checks(gold: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    expected: list[str] | None = gold.get("expected_failed_rules")
    if expected is None:
        return {"scored": False, "why": "the gold file lists no expected_failed_rules"}
    failed = failed_ids(record)
    found = [rule for rule in expected if rule in failed]
    missed = [rule for rule in expected if rule not in failed]
    false = [rule for rule in dict.fromkeys(failed) if rule not in expected]
    by_id = {str(c.get("id") or c.get("rule")): c for c in record.get("checks") or []}
    items: list[dict[str, Any]] = [{"id": rule, "status": "found"} for rule in found]
    items += [{"id": rule, "status": "missed", "flag": _flag_for(gold, rule)} for rule in missed]
    items += [
        {
            "id": rule,
            "status": "false failure",
            "rule": by_id[rule].get("rule", ""),
            "message": by_id[rule].get("message", ""),
            "operands": [
                {"name": o.get("name"), "text": o.get("text"), "span": o.get("span")}
                for o in by_id[rule].get("operand_details") or []
            ],
        }
        for rule in false
    ]
    return {
        "scored": True,
        "expected": len(expected),
        "found": len(found),
        "recall": round(len(found) / len(expected), 4) if expected else None,
        "false_failures": len(false),
        "ok": not missed and not false,
        "items": items,
    }


def _flag_for(gold: dict[str, Any], rule: str) -> str:
    """The labeller's words for a missed rule, when the flags line up with the rules."""
    flags, rules = gold.get("expected_flags") or [], gold.get("expected_failed_rules") or []
    return flags[rules.index(rule)] if len(flags) == len(rules) else ""
