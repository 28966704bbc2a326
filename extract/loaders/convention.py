"""The one text convention every loader produces, and the helpers that build it.

* paragraphs one per line; newlines are ``"\\n"`` only; no BOM;
* a table is a blank line, then per row each cell on its own line as ``"\\t" + text``
  (an empty cell is a lone ``"\\t"``) followed by one blank line, then one more blank line.
  Inside a cell, newlines and tabs become a space, so outside .txt input a line that starts
  with a tab is always a table cell.

Everything downstream (sections, tables, numbers, citations) works on character spans of that
one string, so one table rebuilder and one span arithmetic serve every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from budgetlens.errors import LoadError

MB: Final = 1024 * 1024
DEFAULT_MAX_BYTES: Final = 20 * MB

_BINARY_PROBLEM: Final = "binary file, not a text/.docx/.pdf/.html document"
_MAX_WARNINGS_PER_KIND: Final = 10


@dataclass(slots=True)
class LoadedText:
    """The one text of a document plus how it was read."""

    text: str  # the document text; all character spans in the product index into THIS string
    source_format: str  # "txt" | "docx" | "pdf" | "html"
    encoding: str | None  # for txt/html: the detected encoding ("utf-8", "utf-8-sig", "gb18030")
    warnings: list[str] = field(default_factory=list)  # non-fatal problems, file and place named
    page_starts: list[int] = field(default_factory=list)  # where each page begins (paged formats)


def _display_name(path: Path) -> str:
    return path.name or str(path) or "<input>"


_CJK: Final = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
# A source line break between two Chinese characters is not a space (CSS Text 3, segment
# breaks): "预算\n说明" in the HTML source reads 预算说明 in the browser.
_CJK_SEGMENT_BREAK_RE: Final = re.compile(rf"(?<=[{_CJK}])[ \t\r\xa0]*\n[ \t\r\n\xa0]*(?=[{_CJK}])")


# --------------------------------------------------------------------------- text building


_CELL_BREAKS_RE: Final = re.compile(r" *[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+ *")
_LINE_BREAKS_RE: Final = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# C0/C1 controls (tab and newline excepted) and BOMs: never meaningful in extracted text.
_CONTROL_RE: Final = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff]")


def _clean_paragraph(text: str) -> str:
    """Paragraph text for docx/html/pdf: no tabs (a leading tab would read as a table cell)."""
    text = _LINE_BREAKS_RE.sub("\n", text)
    return _CONTROL_RE.sub("", text).replace("\t", " ")


def _clean_cell(text: str) -> str:
    """Cell text on one line: newlines and tabs become one space, edges trimmed."""
    return _CELL_BREAKS_RE.sub(" ", _CONTROL_RE.sub("", text)).strip()


class _TextBuilder:
    """Accumulates lines in the project's text convention (see module docstring)."""

    def __init__(self, name: str, warnings: list[str]) -> None:
        self.lines: list[str] = []
        self.name = name
        self.warnings = warnings
        self.tables = 0

    @property
    def offset(self) -> int:
        """Where the next line will begin in the finished text."""
        return sum(len(line) + 1 for line in self.lines)

    def paragraph(self, text: str) -> None:
        self.lines.extend(_clean_paragraph(text).split("\n"))

    def table(self, rows: list[list[str]], *, continues: bool = False) -> None:
        """Rows in the convention; ``continues`` appends them to the table just written (a
        table that runs over a page break) instead of starting a new one."""
        rows = [[_clean_cell(c) for c in row] for row in rows if row]
        if not rows:
            return
        if continues and self.lines[-2:] == ["", ""]:
            self.lines.pop()  # reopen: drop the blank line that closed the table
        else:
            self.tables += 1
            if self.lines and self.lines[-1] != "":
                self.lines.append("")
        for row in rows:
            self.lines.extend("\t" + cell for cell in row)
            self.lines.append("")
        self.lines.append("")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n" if self.lines else ""


def _finish(p: Path, text: str, fmt: str, encoding: str | None, warnings: list[str]) -> LoadedText:
    """Final newline/BOM normalisation and the 'nothing to read' check shared by all formats."""
    text = _LINE_BREAKS_RE.sub("\n", text).replace("\ufeff", "")
    if not text.strip():
        if fmt == "txt":
            raise LoadError(p, "empty file (only whitespace)")
        raise LoadError(p, f"contains no text (empty .{fmt} document)")
    return LoadedText(text=text, source_format=fmt, encoding=encoding, warnings=warnings)
