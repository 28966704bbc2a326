"""Citations that are checked, not assumed.

A citation is made only from an actual match of a quote against the cited document's text:
the record's stored quote of a fact or reason (which must still be found at its span in the
indexed text), or the model's quote of a passage (which must be found in that passage). The
match says how it was found (exact, normalised, fuzzy); a quote that is found nowhere gives
no citation at all, and a sentence planted for an AI assistant is never cited. The shown quote
is widened to its whole clause or sentence, so whatever precedes a cited figure in the same
sentence (a qualifier, a planted prefix) is visible.
"""

from __future__ import annotations

from typing import Protocol

from budgetlens.extract.grounding import Grounder
from budgetlens.extract.structure import enclosing
from budgetlens.extract.types import Citation, Record

SEGMENT_END = "。；;！？!?\n"
SENTENCE_END = "。！？!?\n"


class CitedDoc(Protocol):
    name: str

    @property
    def text(self) -> str: ...

    @property
    def record(self) -> Record: ...


def instruction_spans(record: Record) -> list[tuple[int, int]]:
    """Spans of the document's sentences addressed to an AI assistant (its failed
    ``instruction:`` checks; see :mod:`budgetlens.extract.instructions`)."""
    return [
        (o.span[0], o.span[1])
        for c in record.checks
        if c.id.startswith("instruction:")
        for o in c.operand_details
        if o.span
    ]


def segment_around(
    text: str, start: int, end: int, limit: int = 160, stops: str = SEGMENT_END
) -> tuple[int, int]:
    """The clause group (up to ；/。) holding a span, so a quote reads as a statement."""
    left, right = enclosing(text, start, end, stops, limit)
    while left < start and text[left] in " \t（(":
        left += 1
    return left, right


def section_of(record: Record, offset: int) -> str:
    best, best_start = "", -1
    for section in record.sections:
        start, stop = section.span
        if start <= offset < stop and start >= best_start:
            best, best_start = section.number + section.title, start
    return best


def cite_quote(
    doc: CitedDoc,
    quote: str,
    window: tuple[int, int] | None = None,
    *,
    widen: str | None = SEGMENT_END,
) -> Citation | None:
    """A citation of ``quote`` found in ``doc.text`` (within ``window``), or None.

    ``widen`` widens the shown span to the enclosing clause (``SEGMENT_END``) or sentence
    (``SENTENCE_END``); None shows exactly the matched text.
    """
    text = doc.text
    grounded = Grounder(text).ground(quote, window)
    if grounded is None:
        return None
    start, end = grounded.start, grounded.end
    if any(a < end and start < b for a, b in instruction_spans(doc.record)):
        return None  # a sentence planted for an assistant is never a source
    if widen is not None:
        start, end = segment_around(text, start, end, stops=widen)
    shown = text[start:end]
    return Citation(
        doc=doc.name,
        section=section_of(doc.record, start),
        span=(start, end),
        page=doc.record.page_of(start),
        quote=shown,
        verified=True,
        match=grounded.method,
        claimed=None if quote.strip() == text[grounded.start : grounded.end] else quote,
    )


def cite_span(
    doc: CitedDoc,
    quote: str,
    span: tuple[int, int],
    *,
    widen: str | None = SEGMENT_END,
) -> Citation | None:
    """A citation of a record's stored ``quote`` said to stand at ``span``: it must still be
    found there (give or take a few characters) in the indexed text, else None."""
    slack = 40
    window = (max(0, span[0] - slack), min(len(doc.text), span[1] + slack))
    return cite_quote(doc, quote, window, widen=widen)


def passage(doc: CitedDoc, span: tuple[int, int]) -> Citation:
    """A retrieved passage shown as "closest" beside a decline: not a claim, not verified."""
    return Citation(
        doc=doc.name,
        section=section_of(doc.record, span[0]),
        span=span,
        page=doc.record.page_of(span[0]),
        quote=doc.text[span[0] : span[1]],
        verified=False,
        match=None,
    )
