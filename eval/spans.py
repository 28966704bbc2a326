"""Character-span arithmetic and quote location for scoring against document text.

Why its own module: every score (facts, reasons, duties, Q&A) compares positions in the
document text, and the same few operations (merge, intersect, locate a quote) must agree
everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from budgetlens.extract.grounding import Grounder

Span = tuple[int, int]


def merge(spans: Iterable[Span]) -> list[Span]:
    """The union of half-open spans as sorted, disjoint spans (empty spans dropped)."""
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def length(spans: Iterable[Span]) -> int:
    return sum(end - start for start, end in merge(spans))


def overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def intersection_length(a: Iterable[Span], b: Iterable[Span]) -> int:
    """Characters covered by both span sets (each set may overlap itself)."""
    left, right = merge(a), merge(b)
    total, i, j = 0, 0, 0
    while i < len(left) and j < len(right):
        total += overlap(left[i], right[j])
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return total


def inside(inner: Span, outer: Span) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def occurrences(text: str, quote: str) -> list[Span]:
    """Every exact occurrence (overlapping ones included)."""
    found: list[Span] = []
    if not quote:
        return found
    position = text.find(quote)
    while position >= 0:
        found.append((position, position + len(quote)))
        position = text.find(quote, position + 1)
    return found


def occurrences_ignoring_space(text: str, quote: str) -> list[Span]:
    """Every occurrence of ``quote`` when blank space and line breaks are ignored on both
    sides, as raw spans of ``text``."""
    needle = "".join(quote.split())
    if not needle:
        return []
    kept = [(i, c) for i, c in enumerate(text) if not c.isspace()]
    hay = "".join(c for _, c in kept)
    found: list[Span] = []
    position = hay.find(needle)
    while position >= 0:
        found.append((kept[position][0], kept[position + len(needle) - 1][0] + 1))
        position = hay.find(needle, position + 1)
    return found


def locate(text: str, quote: str, grounder: Grounder | None = None) -> list[Span]:
    """Where a gold quote sits: its occurrences (exact, or ignoring blank space), else the one
    place the grounder (punctuation-width and whitespace folding, then fuzzy) aligns it to;
    [] if nowhere.

    Gold files are typed by people, who may write a half-width comma where the source has
    a full-width one; that must not turn a correct extraction into an error."""
    # a table row quoted "合计 689.35" stands on several lines, maybe twice; a reason may be
    # printed once on one line and once broken over two: every place counts (LABELLING.md)
    places = sorted(set(occurrences(text, quote)) | set(occurrences_ignoring_space(text, quote)))
    if places:
        return places
    grounded = (grounder or Grounder(text)).ground(quote)
    return [] if grounded is None else [(grounded.start, grounded.end)]


def context(text: str, span: Span, width: int = 40) -> dict[str, object]:
    """A span with the text around it, for reports that show where an item sits."""
    start, end = max(0, span[0]), min(len(text), span[1])
    return {
        "span": [start, end],
        "before": text[max(0, start - width) : start],
        "match": text[start:end],
        "after": text[end : end + width],
    }
