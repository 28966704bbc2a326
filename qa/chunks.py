"""Retrieval units: sentences grouped into short passages, and table rows as sentences.

Every chunk keeps the exact span of the document text it stands for, so a citation can
be verified against ``text[start:end]``; the embedded text is prefixed with the unit/title
and section path so a passage about 项目支出 in one document is not confused with another's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from budgetlens.extract.document import Document, Span
from budgetlens.extract.structure import iter_lines

MAX_CHARS = 220
SENTENCE_END = "。！？!?；;"


@dataclass(slots=True)
class Chunk:
    id: str
    doc: str
    text: str  # what the reader sees: verbatim source, or a rendered table row
    span: Span
    section: str
    kind: str  # "text" | "row"

    def index_text(self, heading: str) -> str:
        return f"{heading} | {self.section} | {self.text}"


def _chunk_id(doc_id: str, span: Span) -> str:
    return f"{doc_id}:{span[0]}-{span[1]}"


def doc_id_for(name: str, text: str) -> str:
    return hashlib.sha1(f"{name}\n{text}".encode()).hexdigest()[:16]


def _sentences(text: str, start: int, end: int) -> list[Span]:
    spans = []
    position = start
    for i in range(start, end):
        if text[i] in SENTENCE_END:
            spans.append((position, i + 1))
            position = i + 1
    if position < end:
        spans.append((position, end))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def chunk_document(doc: Document, doc_id: str) -> list[Chunk]:
    text = doc.text
    chunks: list[Chunk] = []
    in_table = sorted((t.span[0], t.span[1]) for t in doc.tables)

    def inside_table(position: int) -> bool:
        return any(a <= position < b for a, b in in_table)

    for line_start, line_end in iter_lines(text):
        if line_start < doc.meta.body_start or line_start >= doc.meta.body_end:
            continue
        line = text[line_start:line_end]
        if not line.strip() or line.startswith("\t") or inside_table(line_start):
            continue
        group: list[Span] = []
        for sentence in _sentences(text, line_start, line_end):
            if group and sentence[1] - group[0][0] > MAX_CHARS:
                chunks.append(_text_chunk(doc, doc_id, group))
                group = []
            group.append(sentence)
        if group:
            chunks.append(_text_chunk(doc, doc_id, group))
    for table in doc.tables:
        columns = table.columns
        for number, row in enumerate(table.rows):
            cells = [c for c in row.cells if c.text]
            is_column_header = number < table.header_rows and all(len(c.text) <= 20 for c in cells)
            if not cells or (is_column_header and len(cells) > 1):
                continue  # column headers are folded into every row below
            parts = []
            for i, cell in enumerate(row.cells):
                if not cell.text:
                    continue
                label = columns[i] if i < len(columns) and columns[i] else ""
                parts.append(f"{label}: {cell.text}" if label else cell.text)
            rendered = "；".join(parts)
            title = table.title[:40]
            chunks.append(
                Chunk(
                    id=_chunk_id(doc_id, row.span),
                    doc=doc.name,
                    text=f"{title}｜{rendered}" if title else rendered,
                    span=row.span,
                    section=doc.section_path(row.span[0]),
                    kind="row",
                )
            )
    return chunks


def _text_chunk(doc: Document, doc_id: str, group: list[Span]) -> Chunk:
    span = (group[0][0], group[-1][1])
    raw = doc.text[span[0] : span[1]]
    lead = len(raw) - len(raw.lstrip())
    span = (span[0] + lead, span[0] + len(raw.rstrip()))
    return Chunk(
        id=_chunk_id(doc_id, span),
        doc=doc.name,
        text=doc.text[span[0] : span[1]],
        span=span,
        section=doc.section_path(span[0]),
        kind="text",
    )
