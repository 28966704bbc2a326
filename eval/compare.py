"""Scores of two runs side by side: what got better, what got worse.

Why a flat metric table: a baseline is any earlier run's JSON, so comparison must not
depend on anything but the summary and per-document scores both runs carry; a metric
the baseline had and the new run lacks (a document that stopped scoring) counts as worse.
"""

from __future__ import annotations

from typing import Any

HIGHER, LOWER = "higher", "lower"
_EPSILON = 1e-9
PRF = ("precision", "recall", "f1")


def _metrics_of(scores: dict[str, Any], prefix: str, into: dict[str, tuple[float, str]]) -> None:
    def put(name: str, value: Any, better: str = HIGHER) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            into[prefix + name] = (float(value), better)

    for field in ("facts", "reasons", "duties"):
        for stat in PRF:
            put(f"{field}.{stat}", (scores.get(field) or {}).get(stat))
    put("reasons.found_rate", (scores.get("reasons") or {}).get("found_rate"))
    facts = scores.get("facts") or {}
    put("facts.wrong", facts.get("wrong"), LOWER)
    put("facts.extra", facts.get("extra"), LOWER)
    put("identity.rate", (scores.get("identity") or {}).get("rate"))
    checks = scores.get("checks") or {}
    put("checks.recall", checks.get("recall"))
    put("checks.false_failures", checks.get("false_failures"), LOWER)
    qa = scores.get("qa") or {}
    for stat in ("answer_accuracy", "citation_accuracy", "decline_accuracy"):
        put(f"qa.{stat}", qa.get(stat))
    put("grounding.rate", (scores.get("grounding") or {}).get("rate"))


def document_scores(doc: dict[str, Any]) -> dict[str, Any]:
    """One document's results in the summary's shape, so both read the same way."""
    if "error" in doc:
        return {}
    scores: dict[str, Any] = {}
    for field in ("facts", "reasons", "duties"):
        if doc.get(field, {}).get("scored"):
            scores[field] = dict(doc[field]["counts"])
    if "facts" in scores:
        scores["facts"].update(wrong=doc["facts"].get("wrong"), extra=doc["facts"].get("extra"))
    if doc.get("identity", {}).get("scored"):
        identity = doc["identity"]
        scores["identity"] = {"rate": identity["right"] / identity["total"]}
    if "reasons" in scores:
        scores["reasons"]["found_rate"] = doc["reasons"]["found_rate"]
    if doc.get("checks", {}).get("scored"):
        scores["checks"] = doc["checks"]
    if doc.get("qa", {}).get("scored"):
        from budgetlens.eval.score_qa import qa_rates

        scores["qa"] = qa_rates(doc["qa"])
    scores["grounding"] = doc.get("grounding")
    return scores


def metric_table(run: dict[str, Any]) -> dict[str, tuple[float, str]]:
    """``{"facts.f1": (value, "higher"), "doc:NAME/facts.f1": …}`` for every score."""
    table: dict[str, tuple[float, str]] = {}
    _metrics_of(run.get("summary") or {}, "", table)
    for doc in run.get("documents") or []:
        _metrics_of(document_scores(doc), f"doc:{doc['doc']}/", table)
    return table


def compare(baseline: dict[str, Any], run: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric of either run: before, after, delta, and worse/better/same/new/missing."""
    before, after = metric_table(baseline), metric_table(run)
    rows = []
    for name in [*before, *(n for n in after if n not in before)]:
        old, new = before.get(name), after.get(name)
        better = (old or new or (0.0, HIGHER))[1]
        row: dict[str, Any] = {
            "metric": name,
            "before": None if old is None else old[0],
            "after": None if new is None else new[0],
            "better": better,
        }
        if old is None:
            row["status"] = "new"
        elif new is None:
            row["status"] = "missing"
        else:
            delta = new[0] - old[0]
            row["delta"] = round(delta, 4)
            gain = delta if better == HIGHER else -delta
            row["status"] = "better" if gain > _EPSILON else "worse" if gain < -_EPSILON else "same"
        rows.append(row)
    return rows


def regressions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["status"] in ("worse", "missing")]
