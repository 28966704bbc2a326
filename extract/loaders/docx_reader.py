""".docx: paragraphs and tables in body order, merged cells emitted once, deleted text,
text boxes and fallback drawings left out."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from budgetlens.errors import LoadError
from budgetlens.extract.loaders.convention import (
    MB,
    LoadedText,
    _clean_cell,
    _display_name,
    _finish,
    _TextBuilder,
)

_W: Final = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_NS: Final = {
    "w": _W[1:-1],
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}
_W_P, _W_TBL, _W_TR, _W_TC = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc"
_W_SDT, _W_SDT_CONTENT, _W_CUSTOM_XML = f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"
_WRAPPERS: Final = frozenset({_W_SDT, _W_SDT_CONTENT, _W_CUSTOM_XML})
_ZIP_KINDS: Final = (
    ("xl/workbook.xml", "an Excel workbook (.xlsx), not a Word document; save it as .docx or PDF"),
    ("ppt/presentation.xml", "a PowerPoint file (.pptx), not a Word document; save it as PDF"),
    ("OFD.xml", "an OFD document, not supported; export it to PDF"),
    ("content.xml", "an OpenDocument file, not supported; save it as .docx or PDF"),
)
_CORRUPT_DOCX: Final = "not a valid .docx: the zip archive is truncated or corrupt"


def _docx_run_parts() -> Any:
    from lxml import etree

    # Visible run content in order; deleted text, text boxes and the duplicate fallback copy
    # of drawings are left out, tab stops in w:pPr are not runs so they never match.
    return etree.XPath(
        ".//w:r[not(ancestor::w:txbxContent) and not(ancestor::w:del)"
        " and not(ancestor::w:moveFrom) and not(ancestor::mc:Fallback)]"
        "/*[self::w:t or self::w:tab or self::w:br or self::w:cr or self::w:noBreakHyphen]",
        namespaces=_NS,
    )


def _docx_paragraph_text(p_el: Any, run_parts: Callable[[Any], list[Any]]) -> str:
    parts: list[str] = []
    for el in run_parts(p_el):
        tag = el.tag
        if tag == f"{_W}t":
            parts.append(el.text or "")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        elif tag == f"{_W}br" and el.get(f"{_W}type") in ("page", "column"):
            parts.append("\f")  # page break: a line break, but never an extra empty line
        else:
            parts.append("\n")
    return "".join(parts).strip("\f").replace("\f", "\n")


def _iter_children(el: Any, wanted: str) -> Iterator[Any]:
    """Children with tag ``wanted``, looking through content controls and custom XML."""
    for child in el.iterchildren():
        if child.tag == wanted:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _iter_children(child, wanted)


def _docx_int(tc_pr: Any, tag: str, default: int) -> int:
    el = tc_pr.find(f"{_W}{tag}") if tc_pr is not None else None
    try:
        return max(0, min(int(el.get(f"{_W}val")), 1000)) if el is not None else default
    except (TypeError, ValueError):
        return default


def _docx_continues(tc_pr: Any, tag: str) -> bool:
    """True for a w:vMerge / w:hMerge that continues the cell before (val absent or 'continue')."""
    if tc_pr is None:
        return False
    el = tc_pr.find(f"{_W}{tag}")
    return el is not None and el.get(f"{_W}val", "continue") != "restart"


def _docx_table_rows(tbl: Any, run_parts: Callable[[Any], list[Any]]) -> list[list[str]]:
    """Rows of distinct cells: a merged cell is emitted once per row, like python-docx's
    row.cells deduplicated; a vertically merged cell repeats its text in each row it spans."""
    rows: list[list[str]] = []
    above: dict[int, tuple[int, str]] = {}
    serial = 0  # cell identity; id() of lxml proxies is reused and cannot serve
    for tr in _iter_children(tbl, _W_TR):
        tr_pr = tr.find(f"{_W}trPr")
        col = _docx_int(tr_pr, "gridBefore", 0)
        grid: dict[int, tuple[int, str]] = {}
        cells: list[tuple[int, str]] = []
        for tc in _iter_children(tr, _W_TC):
            tc_pr = tc.find(f"{_W}tcPr")
            span = max(1, _docx_int(tc_pr, "gridSpan", 1))
            if _docx_continues(tc_pr, "vMerge") and col in above:
                cell = above[col]
            elif _docx_continues(tc_pr, "hMerge") and cells:
                cell = cells[-1]
            else:
                serial += 1
                cell = (serial, _docx_cell_text(tc, run_parts))
            for k in range(span):
                grid[col + k] = cell
            if not cells or cells[-1][0] != cell[0]:
                cells.append(cell)
            col += span
        above = grid
        rows.append([text for _, text in cells])
    return rows


def _docx_cell_text(tc: Any, run_parts: Callable[[Any], list[Any]]) -> str:
    """Cell paragraphs joined by a space; a nested table is flattened into the same line."""
    pieces: list[str] = []
    for child in tc.iterchildren():
        if child.tag == _W_P:
            pieces.append(_docx_paragraph_text(child, run_parts))
        elif child.tag == _W_TBL:
            for row in _docx_table_rows(child, run_parts):
                pieces.extend(row)
        elif child.tag in _WRAPPERS:
            pieces.append(_docx_cell_text(child, run_parts))
    return _clean_cell(" ".join(piece for piece in pieces if piece.strip()))


def _docx_body(container: Any, out: _TextBuilder, run_parts: Callable[[Any], list[Any]]) -> None:
    """Body paragraphs and tables in document order (w:p and w:tbl children of w:body)."""
    for child in container.iterchildren():
        if child.tag == _W_P:
            out.paragraph(_docx_paragraph_text(child, run_parts))
        elif child.tag == _W_TBL:
            out.table(_docx_table_rows(child, run_parts))
        elif child.tag in _WRAPPERS:
            _docx_body(child, out, run_parts)


def _open_docx(data: bytes, p: Path) -> Any:
    """python-docx Document, or a LoadError that says what kind of broken it is."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise LoadError(p, _CORRUPT_DOCX) from None
    names = {info.filename for info in infos}
    if "word/document.xml" not in names:
        for member, kind in _ZIP_KINDS:
            if member in names:
                raise LoadError(p, f"is {kind}")
        raise LoadError(p, "not a valid .docx: the zip archive has no word/document.xml")
    if sum(info.file_size for info in infos) > 2000 * MB:
        raise LoadError(p, "not a valid .docx: unpacks to over 2 GB (zip bomb?)")

    import docx
    from lxml import etree

    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise LoadError(p, _CORRUPT_DOCX) from None
    except NotImplementedError as e:
        raise LoadError(p, f"not a valid .docx: unsupported zip feature ({e})") from None
    except etree.XMLSyntaxError as e:
        raise LoadError(p, f"not a valid .docx: broken XML ({e})") from None
    except KeyError as e:
        raise LoadError(p, f"not a valid .docx: missing part {e}") from None
    except Exception as e:  # python-docx raises ValueError and its own errors for non-Word zips
        raise LoadError(p, f"not a valid .docx: {e}") from None


def _read_docx(data: bytes, p: Path, warnings: list[str]) -> LoadedText:
    document = _open_docx(data, p)
    out = _TextBuilder(_display_name(p), warnings)
    _docx_body(document.element.body, out, _docx_run_parts())
    return _finish(p, out.text(), "docx", None, warnings)
