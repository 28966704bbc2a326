""".pdf: the text layer read with PDFium, ruled tables rebuilt from the page's own lines.

Why PDFium and not pdfminer: pdfminer (under pdfplumber) parses every page's layout in
Python, ~50 ms a page; PDFium gives the characters with their boxes and the drawn lines in a
few milliseconds. Tables are found the way pdfplumber's "lines" strategy finds them (its edge,
intersection and cell functions are reused on PDFium's lines), cells are filled with the
characters whose centre they hold, and a table that runs over a page break, with its header
repeated or not, is joined into one. The text records where every page begins, so every span
downstream has a page number.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

from budgetlens.errors import LoadError
from budgetlens.extract.loaders.convention import (
    _CJK_SEGMENT_BREAK_RE,
    LoadedText,
    _display_name,
    _finish,
    _TextBuilder,
)

_SCANNED: Final = "no text layer (scanned PDF?); OCR is not supported"
_CORRUPT_PDF: Final = "not a valid .pdf: the file is truncated or corrupt"
_THIN: Final = 2.5  # a drawn path thinner than this (pt) is a ruling line
_TOLERANCE: Final = 3.0  # pt: lines this close are one line; edges this close are one edge
_PAGE_NUMBER_RE: Final = re.compile(
    r"^\s*(?:[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4})\s*$"
)
_NUMERIC_RE: Final = re.compile(r"^[-−]?[\d,，]+(?:\.\d+)?%?$")


@dataclass(slots=True)
class _Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    order: int = 0  # position in PDFium's reading order

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(slots=True)
class _Grid:
    """One ruled table: its box, its column edges and its rows of cell texts."""

    top: float
    bbox: tuple[float, float, float, float]
    xs: list[float]
    rows: list[list[str]]
    contents: bool = False  # a 目录 drawn in a grid: read as lines, not as a table


@dataclass(slots=True)
class _Line:
    """A text line and where it sits: enough to tell a wrapped line from a paragraph's end."""

    top: float
    text: str
    x0: float
    x1: float
    char_width: float  # the line's median character width


@dataclass(slots=True)
class _Page:
    chars: list[_Char | None] = field(default_factory=list)  # None: a line break
    items: list[tuple[str, Any]] = field(default_factory=list)  # ("line", str) | ("table", _Grid)


def _page_ranges(pages: list[int]) -> str:
    spans: list[str] = []
    for n in pages:
        if spans and spans[-1].split("-")[-1] == str(n - 1):
            spans[-1] = f"{spans[-1].split('-')[0]}-{n}"
        else:
            spans.append(str(n))
    return ", ".join(spans)


def _chars(page: Any) -> list[_Char | None]:
    """The page's characters in PDFium's reading order, with boxes from the page top."""
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        height = page.get_height()
        whole = textpage.get_text_range(0, count) if count else ""
        one_per_index = len(whole) == count  # else characters outside the BMP: read singly
        out: list[_Char | None] = []
        for index in range(count):
            char = whole[index] if one_per_index else textpage.get_text_range(index, 1)
            if char in ("\r", "\n", ""):
                if char == "\n" or not one_per_index:
                    out.append(None)
                continue
            left, bottom, right, top = textpage.get_charbox(index)
            out.append(_Char(char, left, height - top, right, height - bottom, index))
        return out
    finally:
        textpage.close()


def _edges(page: Any) -> list[dict[str, float | str]]:
    """Ruling lines as pdfplumber edge objects: thin paths, and the four sides of cell boxes."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    height = page.get_height()
    edges: list[dict[str, float | str]] = []

    def add(orientation: str, x0: float, top: float, x1: float, bottom: float) -> None:
        edges.append(
            {
                "orientation": orientation,
                "x0": x0,
                "x1": x1,
                "top": top,
                "bottom": bottom,
                "doctop": top,
                "width": x1 - x0,
                "height": bottom - top,
            }
        )

    # the raw API: pypdfium2's object wrappers cost more than the whole table search
    box = [ctypes.c_float() for _ in range(4)]
    for number in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        obj = pdfium_c.FPDFPage_GetObject(page.raw, number)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, *(ctypes.byref(v) for v in box)):
            continue
        left, bottom, right, top = (v.value for v in box)
        top, bottom = height - top, height - bottom
        width, tall = right - left, bottom - top
        if tall <= _THIN and width > _THIN:
            y = (top + bottom) / 2
            add("h", left, y, right, y)
        elif width <= _THIN and tall > _THIN:
            x = (left + right) / 2
            add("v", x, top, x, bottom)
        elif width > _THIN and tall > _THIN:
            add("h", left, top, right, top)
            add("h", left, bottom, right, bottom)
            add("v", left, top, left, bottom)
            add("v", right, top, right, bottom)
    return edges


def _cluster(values: Iterable[float]) -> list[float]:
    """Sorted distinct coordinates, those within the tolerance merged."""
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > _TOLERANCE:
            out.append(value)
    return out


def _slot(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def _cell_text(chars: list[_Char]) -> str:
    """Characters of one cell in reading order; a wrapped line joins Chinese without a space."""
    parts: list[str] = []
    previous: _Char | None = None
    for char in sorted(chars, key=lambda c: c.order):
        if previous is not None and char.top >= previous.bottom - 1 and char.x0 < previous.x0:
            parts.append("\n")  # the cell's text wrapped onto a new line
        parts.append(char.text)
        previous = char
    text = "".join(parts).strip()
    return _CJK_SEGMENT_BREAK_RE.sub("", text).replace("\n", " ")


def _grids(edges: list[dict[str, float | str]], chars: list[_Char]) -> list[_Grid]:
    """Ruled tables of a page; a frame around text (one cell) is not a table."""
    if not edges:
        return []
    from pdfplumber.table import (
        cells_to_tables,
        edges_to_intersections,
        intersections_to_cells,
        merge_edges,
    )

    merged = merge_edges(edges, _TOLERANCE, _TOLERANCE, _TOLERANCE, _TOLERANCE)
    cells = intersections_to_cells(edges_to_intersections(merged, 1, 1))
    grids = []
    for table in cells_to_tables(cells):
        xs = _cluster(v for cell in table for v in (cell[0], cell[2]))
        ys = _cluster(v for cell in table for v in (cell[1], cell[3]))
        if len(xs) < 2 or len(ys) < 2:
            continue
        owner: list[list[int | None]] = [[None] * (len(xs) - 1) for _ in range(len(ys) - 1)]
        spans = []
        for number, (x0, top, x1, bottom) in enumerate(table):
            c0, c1 = _slot(xs, x0), _slot(xs, x1)
            r0, r1 = _slot(ys, top), _slot(ys, bottom)
            spans.append((r0, c0))
            for r in range(r0, max(r1, r0 + 1)):
                for c in range(c0, max(c1, c0 + 1)):
                    if owner[r][c] is None:
                        owner[r][c] = number
        box = (xs[0], ys[0], xs[-1], ys[-1])
        held: list[list[_Char]] = [[] for _ in table]
        for char in chars:
            if box[0] <= char.cx <= box[2] and box[1] <= char.cy <= box[3]:
                r = min(bisect_right(ys, char.cy) - 1, len(ys) - 2)
                c = min(bisect_right(xs, char.cx) - 1, len(xs) - 2)
                cell = owner[r][c]
                if cell is not None:
                    held[cell].append(char)
        texts = [_cell_text(found).strip() for found in held]
        slots: list[list[str | None]] = [[None] * (len(xs) - 1) for _ in range(len(ys) - 1)]
        for r, row in enumerate(owner):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                text = texts[cell]
                # a merged label covers every slot it spans; a merged figure counts once
                first = spans[cell] == (r, c)
                slots[r][c] = text if first or not _NUMERIC_RE.match(text) else ""
        rows = [[cell or "" for cell in row] for row in slots]
        rows = [row for row in rows if any(row)]
        if sum(bool(cell) for row in rows for cell in row) <= 1:
            continue  # a box drawn around text (a page border, a framed note)
        grids.append(_Grid(top=box[1], bbox=box, xs=xs, rows=rows, contents=_is_contents(rows)))
    return grids


_LEADER_RE: Final = re.compile(r"[…．.·]{3,}|…{2,}")


def _is_contents(rows: list[list[str]]) -> bool:
    """A table of contents laid out in a grid: most rows end in dot leaders or page numbers."""
    led = sum(1 for row in rows if any(_LEADER_RE.search(cell) for cell in row))
    return led >= max(2, len(rows) // 2)


def _lines_outside(chars: list[_Char | None], grids: list[_Grid]) -> list[_Line]:
    """Each text line in reading order with its extent, characters inside tables left out."""

    def in_table(c: _Char) -> bool:
        return any(
            g.bbox[0] - 1 <= c.cx <= g.bbox[2] + 1 and g.bbox[1] - 1 <= c.cy <= g.bbox[3] + 1
            for g in grids
        )

    lines: list[_Line] = []
    current: list[_Char] = []

    def flush() -> None:
        text = "".join(c.text for c in current).strip()
        if text:
            inked = [c for c in current if c.text.strip()]
            widths = sorted(c.x1 - c.x0 for c in inked)
            lines.append(
                _Line(
                    top=min(c.top for c in current),
                    text=text,
                    x0=min(c.x0 for c in inked),
                    x1=max(c.x1 for c in inked),
                    char_width=widths[len(widths) // 2] if widths else 0.0,
                )
            )
        current.clear()

    for char in chars:
        if char is None:
            flush()
        elif not grids or not in_table(char):
            current.append(char)
        elif current:
            flush()
    flush()
    return lines


_HARD_END: Final = "。！？；：:;!?）)"
_HEADING_START_RE: Final = re.compile(
    r"^\s*(?:第[一二三四五六七八九十\d]+[部分章节]|[一二三四五六七八九十]{1,3}[、.．]|"
    r"[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[、.．](?!\d)|[①-⑳]|附[件表])"
)


def _wraps(line: _Line, following: _Line, left: float, right: float, pitch: float = 0.0) -> bool:
    """``line`` was only wrapped at the text block's right edge and ``following`` goes on
    with the same paragraph: it starts at the left edge (a new paragraph is indented) and is
    not a heading."""
    width = line.char_width or 10.0
    # a figure is not broken across lines, so a line before one may stop well short
    number_next = re.match(r"[\d.,%]", following.text) or (
        line.text[-1].isdigit() and re.match(r"(?:万元|元|%|亿元)", following.text)
    )
    slack = 8 * width if number_next else 1.6 * width
    if line.text[-1] in _HARD_END or line.x1 < right - slack:
        return False
    if following.x0 > left + 0.8 * width or _HEADING_START_RE.match(following.text):
        return False
    # the next line, not one further down (a double-spaced page has a wide pitch; a median
    # character width is small where a line is mostly digits)
    return following.top - line.top < max(3 * width, 1.3 * pitch)


def _paragraphs(lines: list[_Line]) -> list[_Line]:
    """Wrapped lines of the page joined into their paragraphs."""
    if len(lines) < 2:
        return lines
    left = min(line.x0 for line in lines)
    # the right edge of the text block: where at least three lines end (a justified margin);
    # a page without one (a title, two short lines) joins nothing
    ends = sorted((line.x1 for line in lines), reverse=True)
    right = next(
        (
            x
            for i, x in enumerate(ends)
            if sum(1 for other in ends if abs(other - x) <= 2 * (lines[0].char_width or 10)) >= 3
        ),
        None,
    )
    if right is None:
        return lines
    steps = sorted(b.top - a.top for a, b in pairwise(lines) if b.top > a.top)
    pitch = steps[len(steps) // 2] if steps else 0.0  # the page's usual line pitch
    out = [lines[0]]
    for line in lines[1:]:
        last = out[-1]
        if _wraps(last, line, left, right, pitch):
            joiner = " " if last.text[-1].isascii() and line.text[0].isascii() else ""
            # the joined line sits where its last line does: the next one is measured from it
            out[-1] = _Line(
                line.top, last.text + joiner + line.text, last.x0, line.x1, line.char_width
            )
            out[-1].x1 = line.x1
        else:
            out.append(line)
    return out


def _read_page(page: Any) -> _Page:
    read = _Page(chars=_chars(page))
    boxed = [c for c in read.chars if c is not None and c.text.strip()]
    grids = _grids(_edges(page), boxed) if boxed else []
    lines = _lines_outside(read.chars, grids)
    lines = [line for line in lines if not _PAGE_NUMBER_RE.match(line.text)]
    pending = sorted(grids, key=lambda g: g.top)
    run: list[_Line] = []  # lines between two tables, joined into paragraphs together
    for line in lines:
        if pending and pending[0].top <= line.top:
            read.items.extend(("line", p.text) for p in _paragraphs(run))
            run = []
            while pending and pending[0].top <= line.top:
                read.items.append(("table", pending.pop(0)))
        run.append(line)
    read.items.extend(("line", p.text) for p in _paragraphs(run))
    read.items.extend(("table", g) for g in pending)
    return read


def _continues(previous: _Grid | None, grid: _Grid) -> bool:
    """The same table going on after a page break: the same outer edges, and every column
    edge one of the table's own (a 合计 row alone on the new page merges the code cells)."""
    if previous is None or len(grid.xs) > len(previous.xs):
        return False
    near = 2 * _TOLERANCE
    if abs(previous.xs[0] - grid.xs[0]) > near or abs(previous.xs[-1] - grid.xs[-1]) > near:
        return False
    return all(any(abs(x - y) <= near for y in previous.xs) for x in grid.xs)


def _widened(previous: _Grid, grid: _Grid) -> list[list[str]]:
    """The continued rows laid out on the table's own columns: a merged label covers every
    column it spans (as in :func:`_grids`), a merged figure stands in the first."""
    if len(grid.xs) == len(previous.xs):
        return grid.rows
    starts = [min(range(len(previous.xs)), key=lambda i: abs(previous.xs[i] - x)) for x in grid.xs]
    rows = []
    for row in grid.rows:
        wide = [""] * (len(previous.xs) - 1)
        for number, text in enumerate(row):
            first, last = starts[number], starts[number + 1]
            for column in range(first, last):
                if column == first or not _NUMERIC_RE.match(text):
                    wide[column] = text
        rows.append(wide)
    return rows


def _without_repeated_header(previous: _Grid, rows: list[list[str]]) -> list[list[str]]:
    """A header printed again at the top of the continued table is not data."""
    repeated = 0
    while (
        repeated < len(rows)
        and repeated < len(previous.rows)
        and rows[repeated] == previous.rows[repeated]
        and not any(_NUMERIC_RE.match(cell) for cell in rows[repeated] if cell)
    ):
        repeated += 1
    return rows[repeated:]


def _read_pdf(data: bytes, p: Path, warnings: list[str]) -> LoadedText:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise LoadError(p, "is password-protected; remove the password and try again") from None
        raise LoadError(p, _CORRUPT_PDF) from None
    out = _TextBuilder(_display_name(p), warnings)
    page_starts: list[int] = []
    blank_pages: list[int] = []
    failed_pages: list[int] = []
    replaced = 0
    last_table: _Grid | None = None  # the table that ended the previous page, if one did
    try:
        pages = len(pdf)
        if not pages:
            raise LoadError(p, "not a valid .pdf: it has no pages")
        for number in range(1, pages + 1):
            page_starts.append(out.offset)
            page = pdf[number - 1]
            try:
                read = _read_page(page)
            except Exception:
                failed_pages.append(number)
                last_table = None
                continue
            finally:
                page.close()
            if not any(c is not None and c.text.strip() for c in read.chars):
                blank_pages.append(number)
                continue
            replaced += sum(1 for c in read.chars if c is not None and c.text == "\ufffd")
            items = [
                item
                for item in read.items
                if not (item[0] == "line" and _PAGE_NUMBER_RE.match(item[1]))
            ]
            for position, (kind, content) in enumerate(items):
                if kind == "line":
                    out.paragraph(content)
                    last_table = None
                    continue
                rows = content.rows
                if content.contents:
                    for row in rows:
                        out.paragraph(" ".join(cell for cell in row if cell))
                    last_table = None
                    continue
                joined = position == 0 and _continues(last_table, content)
                if joined and last_table is not None:
                    rows = _without_repeated_header(last_table, _widened(last_table, content))
                out.table(rows, continues=joined)
                if not joined or last_table is None:
                    last_table = content
    finally:
        pdf.close()
    if len(failed_pages) == pages:
        raise LoadError(p, _CORRUPT_PDF)
    if len(blank_pages) + len(failed_pages) == pages:
        raise LoadError(p, _SCANNED)
    if failed_pages:
        warnings.append(f"{out.name}: page {_page_ranges(failed_pages)} could not be read")
    if blank_pages:
        warnings.append(
            f"{out.name}: page {_page_ranges(blank_pages)} has no text layer (scanned page?); "
            "its content is missing"
        )
    if replaced:
        warnings.append(
            f"{out.name}: {replaced} characters have no Unicode mapping in the PDF and appear as "
            "U+FFFD"
        )
    loaded = _finish(p, out.text(), "pdf", None, warnings)
    loaded.page_starts = page_starts
    return loaded
