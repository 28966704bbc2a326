"""The document model every layer shares: text, section tree, tables, metadata.

All positions are ``(start, end)`` character offsets into :attr:`Document.text`, the text
exactly as the loader returned it, so anything shown to a user can be re-checked with
``text[start:end]``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from budgetlens.extract.reading import Reading

Span = tuple[int, int]
Kind = Literal["budget", "final_account"]
Scope = Literal["部门", "单位"]


def is_prose_line(line: str) -> bool:
    """A paragraph, not a table cell. By the text convention a tab starts a cell, but .txt
    exports of word processors indent whole paragraphs with one; a tabbed line that is a
    full sentence ("…固定资产金额为954.66万元。") is read as prose too."""
    if "|" in line:
        return False
    if not line.startswith("\t"):
        return True
    body = line.strip()
    return len(body) >= 20 and "。" in body


@dataclass(slots=True)
class Cell:
    text: str  # stripped cell text
    span: Span  # span of the stripped text (empty cells: a zero-width span at the line)


@dataclass(slots=True)
class Row:
    cells: list[Cell]
    span: Span

    def texts(self) -> list[str]:
        return [cell.text for cell in self.cells]

    def is_empty(self) -> bool:
        return all(not cell.text for cell in self.cells)


@dataclass(slots=True)
class Table:
    index: int  # 1-based, in document order
    rows: list[Row]
    span: Span
    title: str = ""  # the line just before the table, when it names it
    unit: str | None = None  # money unit of bare numbers: 元 / 万元 / 亿元, None if undeclared
    header_rows: int = 0
    columns: list[str] = field(default_factory=list)  # one label per column, from the header
    empty_note: str = ""  # "注：…空表…" when the document says the table is empty
    section: int | None = None  # index into Document.sections

    @property
    def width(self) -> int:
        return max((len(row.cells) for row in self.rows), default=0)

    @property
    def body(self) -> list[Row]:
        return self.rows[self.header_rows :]

    @property
    def is_empty(self) -> bool:
        return bool(self.empty_note) or all(row.is_empty() for row in self.body)


@dataclass(slots=True)
class Section:
    index: int
    title: str
    number: str  # the heading marker as printed: "一、", "（二）", "3、", "第一部分"
    style: str  # numbering style, e.g. "cn", "paren_cn", "arabic", "part"
    level: int  # 1 = top level
    heading_span: Span
    span: Span  # from the heading to the start of the next heading of the same or higher level
    parent: int | None = None

    @property
    def body_start(self) -> int:
        return self.heading_span[1]


@dataclass(slots=True)
class Metadata:
    title: str = ""
    title_span: Span | None = None
    unit: str = ""
    unit_span: Span | None = None
    opening_unit: str = ""  # the unit named in the opening sentence (现将XX…公开如下)
    opening_unit_span: Span | None = None
    year: int | None = None
    year_span: Span | None = None
    kind: Kind | None = None
    scope: Scope | None = None
    body_start: int = 0  # where the document proper begins (after web-page noise)
    body_end: int = 0  # where it ends (before page footers)


@dataclass(slots=True)
class Document:
    name: str  # file name, used in records and messages
    text: str
    source_format: str = "txt"
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    meta: Metadata = field(default_factory=Metadata)
    warnings: list[str] = field(default_factory=list)
    page_starts: list[int] = field(default_factory=list)  # offset where each page begins (PDF)

    _reading: Reading | None = field(default=None, repr=False)

    @property
    def reading(self) -> Reading:
        """The reading view of the text (wraps joined, traditional and full-width folded),
        built once."""
        if self._reading is None:
            from budgetlens.extract.reading import read

            self._reading = read(self.text)
        return self._reading

    def quote(self, span: Span) -> str:
        return self.text[span[0] : span[1]]

    def page_of(self, offset: int) -> int | None:
        """1-based page holding ``offset`` in a paged source; None for unpaged text."""
        if not self.page_starts:
            return None
        return max(1, bisect_right(self.page_starts, offset))

    def section_at(self, offset: int) -> Section | None:
        """The innermost section containing ``offset``."""
        found = None
        for section in self.sections:
            if section.span[0] <= offset < section.span[1]:
                found = section  # sections are in document order, children after parents
        return found

    def section_path(self, offset: int) -> str:
        parts: list[str] = []
        section = self.section_at(offset)
        while section is not None:
            parts.append(f"{section.number}{section.title}")
            section = self.sections[section.parent] if section.parent is not None else None
        return " > ".join(reversed(parts))
