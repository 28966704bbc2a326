"""Totals over documents: the numbers a reader looks at first and a baseline compares.

Why separate from scoring: per-document results are kept whole in the JSON; the summary is
derived from them only, so an old run's JSON can be re-summarised the same way.
"""

from __future__ import annotations

from typing import Any

from budgetlens.eval.counts import Counts, rounded, total
from budgetlens.eval.score_facts import per_key
from budgetlens.eval.score_qa import qa_rates, qa_summary

COST_FIELDS = ("model_calls", "cache_hits", "prompt_tokens", "completion_tokens", "failures")


def _counts(docs: list[dict[str, Any]], field: str) -> Counts | None:
    scored = [d[field] for d in docs if d.get(field, {}).get("scored")]
    return total([Counts.from_dict(r["counts"]) for r in scored]) if scored else None


def groups(docs: list[dict[str, Any]], field: str) -> dict[str, list[dict[str, Any]]]:
    """Documents by a label of their gold file (template family, province)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        out.setdefault(str(doc.get(field) or "(unknown)"), []).append(doc)
    return dict(sorted(out.items()))


def summarise(docs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [d for d in docs if "error" not in d]
    summary: dict[str, Any] = {"documents": len(docs), "errors": len(docs) - len(ok)}
    for field in ("facts", "reasons", "duties"):
        counts = _counts(ok, field)
        summary[field] = counts.as_dict() if counts else None
    facts = [d["facts"] for d in ok if d.get("facts", {}).get("scored")]
    if summary["facts"] is not None:
        summary["facts"].update(
            wrong=sum(f.get("wrong", 0) for f in facts), extra=sum(f.get("extra", 0) for f in facts)
        )
    identity = [d["identity"] for d in ok if d.get("identity", {}).get("scored")]
    if identity:
        right, total_ = sum(i["right"] for i in identity), sum(i["total"] for i in identity)
        summary["identity"] = {"right": right, "total": total_, "rate": _rate(right, total_)}
    else:
        summary["identity"] = None
    reasons = [d["reasons"] for d in ok if d.get("reasons", {}).get("scored")]
    if summary["reasons"] is not None:
        found, keys = sum(r["found"] for r in reasons), sum(r["gold_keys"] for r in reasons)
        summary["reasons"].update(found=found, gold_keys=keys, found_rate=_rate(found, keys))
    checks = [d["checks"] for d in ok if d.get("checks", {}).get("scored")]
    if checks:
        expected, found = sum(c["expected"] for c in checks), sum(c["found"] for c in checks)
        summary["checks"] = {
            "expected": expected,
            "found": found,
            "recall": _rate(found, expected),
            "false_failures": sum(c["false_failures"] for c in checks),
            "documents_ok": sum(c["ok"] for c in checks),
            "documents": len(checks),
        }
    else:
        summary["checks"] = None
    qa = [d["qa"] for d in ok if d.get("qa", {}).get("scored")]
    if qa:
        qa_counts = qa_summary([item for q in qa for item in q["items"]])
        summary["qa"] = {**qa_counts, **qa_rates(qa_counts)}
    elif any(d.get("qa", {}).get("not_run") for d in ok):
        summary["qa"] = {"status": "not run"}
    else:
        summary["qa"] = None
    grounded = sum(d["grounding"]["grounded"] for d in ok)
    strings = sum(d["grounding"]["total"] for d in ok)
    summary["grounding"] = {
        "grounded": grounded,
        "total": strings,
        "rate": _rate(grounded, strings),
        "ungrounded_dropped": sum(d["grounding"]["ungrounded_dropped"] for d in ok),
    }
    cost = {name: sum(d["cost"].get(name, 0) for d in ok) for name in COST_FIELDS}
    seconds = sum(d.get("seconds", 0.0) for d in ok)
    cost["seconds"] = round(seconds, 3)
    cost["seconds_per_document"] = round(seconds / len(ok), 3) if ok else None
    summary["cost"] = cost
    return summary


def per_key_tables(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Fact and reason scores per key over all documents."""
    facts = per_key([d["facts"] for d in docs if d.get("facts", {}).get("scored")])
    reasons: dict[str, Counts] = {}
    for doc in docs:
        for item in doc.get("reasons", {}).get("items", []):
            reasons[item["key"]] = reasons.get(item["key"], Counts()) + Counts.from_dict(item)
    return {
        "facts": {k: v.as_dict() for k, v in sorted(facts.items())},
        "reasons": {k: v.as_dict() for k, v in sorted(reasons.items())},
    }


def _rate(numerator: int, denominator: int) -> float | None:
    return rounded(numerator / denominator) if denominator else None
