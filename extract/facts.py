"""Canonical facts from sentences and tables, each with the exact span it was read from.

No model is involved: a figure is a parsed :class:`~extract.numbers.Amount`, its meaning
comes from the label in front of it (:mod:`extract.lexicon`), and a stated change takes its
sign from the direction word (增加/减少/持平…) next to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from budgetlens.extract.document import Document, Span, Table
from budgetlens.extract.lexicon import UNDATED_KEYS, match_label, match_table_label
from budgetlens.extract.numbers import (
    AMOUNT_RE,
    DIRECTION_WORDS,
    FULLWIDTH,
    INCREASE_WORDS,
    PERCENT_RE,
    ZERO_CHANGE_RE,
    amount_from_match,
    parse_cell_number,
    to_decimal,
)
from budgetlens.extract.structure import iter_lines


@dataclass(slots=True)
class Statement:
    """One place where the document states a fact."""

    key: str
    value: Decimal  # 万元, signed for changes
    half_unit: Decimal  # rounding half-unit of the printed figure, 万元
    span: Span  # label through figure
    figure_span: Span  # the printed figure alone (or the 持平 phrase)
    source: str  # "text" | "table"
    sentence: int  # sentence counter; statements of one enumeration share it
    percent: Decimal | None = None  # a stated % change next to a change figure
    percent_span: Span | None = None


@dataclass(slots=True)
class Facts:
    statements: dict[str, list[Statement]] = field(default_factory=dict)
    unlabelled: list[Span] = field(default_factory=list)  # figures whose label we cannot read

    def add(self, statement: Statement) -> None:
        self.statements.setdefault(statement.key, []).append(statement)

    def get(self, key: str) -> Statement | None:
        """The fact's value: its first statement in the prose, else in a table."""
        found = self.statements.get(key)
        if not found:
            return None
        prose = [s for s in found if s.source == "text"]
        return (prose or found)[0]


SENTENCE_END = "。！？!?"
CLAUSE_SEPARATORS = "，,；;：:、"
DIRECTION_BEFORE_FIGURE_RE = re.compile(rf"(?P<word>{DIRECTION_WORDS})(?:了|为|约|至)?[\s:：]*$")
COMPARISON_RE = re.compile(
    r"(?:较|比|与|同比|相比)(?:上年|上一年|去年|上年度|(?:19|20)\d{2}\s*年度?)?"
    r"(?:年初)?(?:预算数?|决算数?|执行数|同期)?(?:相比|比较)?"
)
YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
PREVIOUS_RE = re.compile(r"上年|去年|上一年")
LEADING_JUNK_RE = re.compile(r"^[\s（(]*(?:其中|包括|含)?[:：]?\s*")


def extract_facts(doc: Document) -> Facts:
    facts = Facts()
    _facts_from_text(doc, facts)
    for table in doc.tables:
        _facts_from_table(doc, table, facts)
    return facts


def facts_in_snippet(snippet: str, year: int | None = None) -> Facts:
    """The facts a short free text states (e.g. a model's answer), read like a sentence."""
    facts = Facts()
    probe = snippet.translate(FULLWIDTH)
    _facts_from_sentence(probe, 0, len(probe), year, 1, facts, None)
    return facts


def _facts_from_text(doc: Document, facts: Facts) -> None:
    text = doc.text
    probe = text.translate(FULLWIDTH)  # same offsets, ASCII digits
    year = doc.meta.year
    sentence_id = 0
    for line_start, line_end in iter_lines(text):
        if line_start < doc.meta.body_start or line_start >= doc.meta.body_end:
            continue
        if line_end - line_start < 4:
            continue
        if "元" not in probe[line_start:line_end] and not ZERO_CHANGE_RE.search(
            probe, line_start, line_end
        ):
            continue  # no figure and no 持平: nothing to read on this line
        paragraph_topic: tuple[str, ...] | None = None
        sentence_start = line_start
        for position in _sentence_ends(probe, line_start, line_end):
            sentence_id += 1
            topic = _facts_from_sentence(
                probe, sentence_start, position, year, sentence_id, facts, paragraph_topic
            )
            paragraph_topic = paragraph_topic or topic
            sentence_start = position


def _sentence_ends(probe: str, start: int, end: int) -> list[int]:
    ends = [i + 1 for i in range(start, end) if probe[i] in SENTENCE_END]
    if not ends or ends[-1] != end:
        ends.append(end)
    return ends


def _facts_from_sentence(
    probe: str,
    start: int,
    end: int,
    year: int | None,
    sentence_id: int,
    facts: Facts,
    paragraph_topic: tuple[str, ...] | None,
) -> tuple[str, ...] | None:
    """Read one sentence; returns the keys of its first level figure (the paragraph topic)."""
    sentence = probe[start:end]
    first_keys: tuple[str, ...] | None = None
    subject: tuple[str, ...] = ()  # keys of the latest level figure, for "较上年减少X" clauses
    previous_end = 0
    change_clauses: list[Span] = []
    for match in AMOUNT_RE.finditer(sentence):
        amount = amount_from_match(match, start)
        clause_start = previous_end
        for i in range(match.start() - 1, previous_end - 1, -1):
            if sentence[i] in CLAUSE_SEPARATORS:
                clause_start = i + 1
                break
        gap = sentence[clause_start : match.start()]
        previous_end = match.end()
        lead = LEADING_JUNK_RE.match(gap)
        span = (start + clause_start + (lead.end() if lead else 0), amount.end)
        figure_span = (amount.number_start, amount.end)
        direction = DIRECTION_BEFORE_FIGURE_RE.search(gap)
        label_text = COMPARISON_RE.sub(_blank, gap[: direction.start()] if direction else gap)
        label = match_label(label_text.rstrip())
        if direction is not None:
            sign = 1 if direction["word"] in INCREASE_WORDS else -1
            for key in label.keys if label is not None else subject:
                facts.add(
                    Statement(
                        key=f"change_{key}",
                        value=sign * abs(amount.value),
                        half_unit=amount.half_unit,
                        span=span,
                        figure_span=figure_span,
                        source="text",
                        sentence=sentence_id,
                    )
                )
            change_clauses.append((start + clause_start, amount.end))
            continue
        if label is None:
            facts.unlabelled.append((amount.start, amount.end))
            subject = ()  # a following "比上年减少" belongs to this unreadable figure
            continue
        subject = label.keys
        if not _is_current_year(label_text, year, label.keys):
            continue
        for key in label.keys:
            facts.add(
                Statement(
                    key=key,
                    value=amount.value,
                    half_unit=amount.half_unit,
                    span=span,
                    figure_span=figure_span,
                    source="text",
                    sentence=sentence_id,
                )
            )
        first_keys = first_keys or label.keys
    if "%" in sentence or "百分点" in sentence:
        _attach_percents(sentence, start, facts)
    # Changes stated without a figure: 持平 / 无变化 / 与上年一致 → 0.
    for match in ZERO_CHANGE_RE.finditer(sentence):
        phrase = (start + match.start(), start + match.end())
        if any(a <= phrase[0] < b for a, b in change_clauses):
            continue
        keys = _subject_before(facts, sentence_id, phrase[0])
        if not keys and first_keys is None:
            keys = paragraph_topic or ()
        for key in keys:
            facts.add(
                Statement(
                    key=f"change_{key}",
                    value=Decimal(0),
                    half_unit=Decimal(0),
                    span=phrase,
                    figure_span=phrase,
                    source="text",
                    sentence=sentence_id,
                )
            )
    return first_keys


def _blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def _subject_before(facts: Facts, sentence_id: int, position: int) -> tuple[str, ...]:
    """Keys of the last level figure stated before ``position`` in the same sentence."""
    best: Span | None = None
    keys: list[str] = []
    for key, statements in facts.statements.items():
        if key.startswith("change_"):
            continue
        for statement in statements:
            if statement.sentence != sentence_id or statement.figure_span[1] > position:
                continue
            if best is None or statement.figure_span[1] > best[1]:
                best, keys = statement.figure_span, [key]
            elif statement.figure_span == best:
                keys.append(key)
    return tuple(keys)


PERCENT_LINK_RE = re.compile(
    r"[，,、\s]*(?:同比)?(?:增长|增加|下降|减少|降低|上升|增幅|降幅|幅度)?(?:了|为)?"
)


def _attach_percents(sentence: str, start: int, facts: Facts) -> None:
    """A percentage right after a change figure ("减少110.61万元，下降13.8%")."""
    changes = [s for key, sts in facts.statements.items() if key.startswith("change_") for s in sts]
    for match in PERCENT_RE.finditer(sentence):
        position = start + match.start()
        for statement in changes:
            gap = sentence[statement.figure_span[1] - start : match.start()]
            if 0 <= position - statement.figure_span[1] <= 12 and PERCENT_LINK_RE.fullmatch(gap):
                statement.percent = to_decimal(match["num"])
                statement.percent_span = (position, start + match.end())


def _is_current_year(label_text: str, year: int | None, keys: tuple[str, ...]) -> bool:
    """A figure labelled with another year or 上年 is not this year's fact."""
    if all(key in UNDATED_KEYS for key in keys):
        return True
    if PREVIOUS_RE.search(label_text):
        return False
    years = {int(y) for y in YEAR_RE.findall(label_text)}
    return year is None or not years or years == {year}


HEADER_EXCLUDE_RE = re.compile(r"上年|增减|变动|比上年|同比|%|％|比例|数量|面积")


LINE_ITEM_TABLE_RE = re.compile(r"单价|指标")


def _facts_from_table(doc: Document, table: Table, facts: Facts) -> None:
    """A row whose whole label cell names a fact, read in the table's declared unit.

    Line-item tables (procurement, indicators) and labels repeated down a column are
    categories, not facts, so they are skipped.
    """
    if table.unit is None or table.is_empty:
        return
    if any(LINE_ITEM_TABLE_RE.search(column) for column in table.columns):
        return
    first_cells = [next((c.text for c in row.cells if c.text), "") for row in table.body]
    for row, label_text in zip(table.body, first_cells, strict=True):
        cells = row.cells
        if not label_text or first_cells.count(label_text) > 1:
            continue
        label_index = next(i for i, c in enumerate(cells) if c.text)
        keys = match_table_label(label_text)
        if not keys:
            continue
        for column in range(label_index + 1, len(cells)):
            header = table.columns[column] if column < len(table.columns) else ""
            if HEADER_EXCLUDE_RE.search(header):
                continue
            parsed = parse_cell_number(cells[column].text, table.unit)
            if parsed is None:
                continue
            value, half = parsed
            for key in keys:
                facts.add(
                    Statement(
                        key=key,
                        value=value,
                        half_unit=half,
                        span=(cells[label_index].span[0], cells[column].span[1]),
                        figure_span=cells[column].span,
                        source="table",
                        sentence=-table.index,
                    )
                )
            break
