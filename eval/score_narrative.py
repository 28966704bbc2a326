"""Narrative fields against gold: reasons by character overlap, duties item by item, and
whether every extracted string is really the document's text at its span.

Why characters for reasons: a reason is a fragment of a sentence and labellers cut its ends
differently ("主要是…" or not); counting overlapping characters at document positions
rewards the right place without demanding the same cut.

Why reasons are keyed by the fact: a reason explains the change of a fact, whether the
document printed that change as an amount (``change_<key>``) or only as a rate
(``change_pct_<key>``); labellers and the record key it either way, so both are scored as
``change_<key>``.
"""

from __future__ import annotations

from typing import Any

from budgetlens.eval.counts import Counts
from budgetlens.eval.spans import Span, context, intersection_length, length, locate, overlap
from budgetlens.extract.grounding import Grounder

DUTY_MIN_OVERLAP = 0.8
_TRIM = " \t\r\n；;。.，,、"


def _span_of(item: dict[str, Any]) -> Span | None:
    span = item.get("span")
    if isinstance(span, list | tuple) and len(span) == 2 and span[1] > span[0]:
        return int(span[0]), int(span[1])
    return None


def score_reasons(gold: dict[str, Any], record: dict[str, Any], text: str) -> dict[str, Any]:
    """Per change key: covered gold characters. Reasons for keys the gold does not list
    count against precision (the labeller saw no reason there)."""
    if gold.get("reasons") is None:
        return {"scored": False, "why": "the gold file lists no reasons"}
    gold_reasons: dict[str, list[str]] = _by_fact(gold["reasons"])
    extracted: dict[str, list[dict[str, Any]]] = _by_fact(record.get("reasons") or {})
    grounder = Grounder(text)
    items: list[dict[str, Any]] = []
    counts, found = Counts(), 0
    for key in [*gold_reasons, *(k for k in extracted if k not in gold_reasons)]:
        predicted = [s for s in map(_span_of, extracted.get(key, [])) if s is not None]
        spanless = sum(len(r.get("text", "")) for r in extracted.get(key, []) if not _span_of(r))
        gold_spans: list[Span] = []
        unlocated: list[str] = []
        for fragment in gold_reasons.get(key, []):
            places = locate(text, fragment, grounder)
            if not places:
                unlocated.append(fragment)
                continue
            # of several occurrences, judge the one the extraction points at
            gold_spans.append(
                max(places, key=lambda s: (sum(overlap(s, p) for p in predicted), -s[0]))
            )
        key_counts = Counts(
            intersection_length(gold_spans, predicted),
            length(predicted) + spanless,
            length(gold_spans) + sum(len(f) for f in unlocated),
        )
        listed = key in gold_reasons
        found += listed and key_counts.hit > 0
        counts = counts + key_counts
        item: dict[str, Any] = {
            "key": key,
            "listed": listed,
            "status": _reason_status(listed, key_counts),
            **key_counts.as_dict(),
            "gold_fragments": [context(text, s) for s in gold_spans],
            "extracted": [
                {**context(text, s), "method": r.get("method", "")}
                for r, s in ((r, _span_of(r)) for r in extracted.get(key, []))
                if s is not None
            ],
        }
        if unlocated:
            item["gold_problem"] = f"not in the document: {unlocated}"
        items.append(item)
    return {
        "scored": True,
        "counts": counts.as_dict(),
        "found": found,
        "gold_keys": len(gold_reasons),
        "found_rate": round(found / len(gold_reasons), 4) if gold_reasons else None,
        "items": items,
    }


def _by_fact(reasons: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Reasons keyed ``change_<key>`` whether they were keyed by the amount or the rate."""
    out: dict[str, list[Any]] = {}
    for key, items in reasons.items():
        fact = "change_" + key.removeprefix("change_pct_") if key.startswith("change_pct_") else key
        merged = out.setdefault(fact, [])
        merged.extend(item for item in items if item not in merged)
    return out


def _reason_status(listed: bool, counts: Counts) -> str:
    if not listed:
        return "unlisted"
    if counts.predicted == 0:
        return "not extracted"
    if counts.hit == 0:
        return "wrong place"
    if counts.hit == counts.gold == counts.predicted:
        return "exact"
    return "partial"


def _normal(value: str) -> str:
    return "".join(value.split()).strip(_TRIM)


def locate_duties(text: str, duties: list[str], grounder: Grounder) -> list[Span | None]:
    """One place per gold duty; where an item's words recur inside a longer item (a
    labeller splitting a run-on line), prefer the occurrence that stands on its own."""
    places = [locate(text, duty, grounder) for duty in duties]
    chosen: list[Span | None] = []
    for i, candidates in enumerate(places):
        others = [s for j, spans in enumerate(places) if j != i for s in spans]
        alone = [
            c
            for c in candidates
            if not any(o[0] <= c[0] and c[1] <= o[1] and o != c for o in others)
        ]
        chosen.append((alone or candidates)[0] if (alone or candidates) else None)
    return chosen


def score_duties(gold: dict[str, Any], record: dict[str, Any], text: str) -> dict[str, Any]:
    """A gold duty is found by an extracted item with the same text, or one whose span
    overlaps it by ≥ 80 % of the longer of the two; one extracted item finds one duty."""
    gold_duties: list[str] | None = gold.get("duties")
    if gold_duties is None:
        return {"scored": False, "why": "the gold file lists no duties"}
    extracted: list[dict[str, Any]] = record.get("duties") or []
    gold_spans = locate_duties(text, gold_duties, Grounder(text))
    pairs: list[tuple[float, int, int]] = []
    for i, (duty, g_span) in enumerate(zip(gold_duties, gold_spans, strict=True)):
        for j, item in enumerate(extracted):
            e_span = _span_of(item)
            if _normal(duty) == _normal(item.get("text", "")):
                score = 1.0
            elif g_span and e_span:
                score = overlap(g_span, e_span) / max(g_span[1] - g_span[0], e_span[1] - e_span[0])
            else:
                score = 0.0
            if score >= DUTY_MIN_OVERLAP:
                pairs.append((score, i, j))
    match_of_gold: dict[int, tuple[int, float]] = {}
    taken: set[int] = set()
    for score, i, j in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if i not in match_of_gold and j not in taken:
            match_of_gold[i] = (j, score)
            taken.add(j)
    items: list[dict[str, Any]] = []
    for i, duty in enumerate(gold_duties):
        g_span = gold_spans[i]
        item = {"index": i, "gold": duty, "gold_span": g_span and list(g_span)}
        if i in match_of_gold:
            j, score = match_of_gold[i]
            item.update(status="found", overlap=round(score, 4), extracted=extracted[j]["text"])
        else:
            item["status"] = "missed"
            if g_span:
                item["gold_context"] = context(text, g_span)
            if not g_span:
                item["gold_problem"] = "the gold duty is not in the document"
        items.append(item)
    for j, extra in enumerate(extracted):
        if j not in taken:
            e_span = _span_of(extra)
            items.append(
                {
                    "index": None,
                    "status": "extra",
                    "extracted": extra.get("text", ""),
                    "extracted_context": context(text, e_span) if e_span else None,
                }
            )
    counts = Counts(len(match_of_gold), len(extracted), len(gold_duties))
    return {"scored": True, "counts": counts.as_dict(), "items": items}


def score_grounding(record: dict[str, Any], text: str) -> dict[str, Any]:
    """Share of extracted strings (reasons, duties) that are exactly text[span]."""
    strings = [r for items in (record.get("reasons") or {}).values() for r in items]
    strings += record.get("duties") or []
    ungrounded = [
        {"text": s.get("text", ""), "span": s.get("span")}
        for s in strings
        if (span := _span_of(s)) is None or text[span[0] : span[1]] != s.get("text")
    ]
    grounded = len(strings) - len(ungrounded)
    return {
        "grounded": grounded,
        "total": len(strings),
        "rate": round(grounded / len(strings), 4) if strings else None,
        "ungrounded_dropped": int(record.get("ungrounded_dropped") or 0),
        "items": ungrounded,
    }
