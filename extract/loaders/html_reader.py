""".html: the visible text in reading order, leaf data tables as tables (rowspans repeated),
layout tables walked as text, the declared charset checked against the bytes."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from budgetlens.errors import LoadError
from budgetlens.extract.loaders.convention import (
    _CJK_SEGMENT_BREAK_RE,
    _CONTROL_RE,
    _LINE_BREAKS_RE,
    LoadedText,
    _clean_cell,
    _display_name,
    _finish,
    _TextBuilder,
)
from budgetlens.extract.loaders.text_reader import _decode_text, _looks_chinese, _reject_binary

_BLOCK_TAGS: Final = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_SKIP_TAGS: Final = frozenset(
    [
        "script",
        "style",
        "noscript",
        "head",
        "template",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "select",
        "title",
    ]
)
_HTML_SPACE_RE: Final = re.compile(r"[ \t\n\r\x0c\xa0]+")
_HARD_BREAK: Final = "\u2028"  # <br> and block boundaries inside a table cell
_META_CHARSET_RE: Final = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE
)
_XML_DECL_RE: Final = re.compile(r"^\s*<\?xml[^>]*\?>")
_GB_LABELS: Final = frozenset(
    [
        "gb2312",
        "gbk",
        "x-gbk",
        "cp936",
        "ms936",
        "windows-936",
        "gb_2312-80",
        "csgb2312",
        "chinese",
        "euc-cn",
        "gb18030",
    ]
)
_SINGLE_BYTE_WESTERN: Final = frozenset({"latin_1", "iso8859-1", "ascii", "cp1252", "iso8859-15"})


def _html_codec(label: str) -> str | None:
    label = label.strip().lower()
    if label in _GB_LABELS:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return None if name.startswith(("utf-16", "utf-32")) else name


def _decode_html(data: bytes, p: Path, warnings: list[str]) -> tuple[str, str]:
    """The meta charset when it fits the bytes; otherwise the same detection as .txt."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_text(data, p, warnings)
    match = _META_CHARSET_RE.search(data[:8192])
    declared = _html_codec(match.group(1).decode("ascii")) if match else None
    if declared is None or b"\x00" in data:
        return _decode_text(data, p, warnings)
    name = _display_name(p)
    if declared != "utf-8" and not data.isascii():
        try:  # valid UTF-8 with non-ASCII bytes is UTF-8, whatever the page claims
            text = data.decode("utf-8")
            warnings.append(f"{name}: page declares {declared} but is UTF-8; decoded as utf-8")
            return _reject_binary(text, p), "utf-8"
        except UnicodeDecodeError:
            pass
    if declared in _SINGLE_BYTE_WESTERN and not data.isascii():
        try:
            text = data.decode("gb18030")
            if _looks_chinese(text):
                warnings.append(
                    f"{name}: page declares {declared} but is Chinese; decoded as gb18030"
                )
                return _reject_binary(text, p), "gb18030"
        except UnicodeDecodeError:
            pass
    try:
        return _reject_binary(data.decode(declared), p), declared
    except UnicodeDecodeError:
        text, encoding = _decode_text(data, p, warnings)
        warnings.append(
            f"{name}: declared charset {declared} does not fit the bytes; decoded as {encoding}"
        )
        return text, encoding


def _hidden(el: Any) -> bool:
    if el.get("hidden") is not None:
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _inline_text(raw: str) -> str:
    """Browser-like whitespace: CJK segment breaks vanish, other runs collapse to one space.

    A hard break (<br>, a block edge) inside a table cell also reads as one space; it is
    swapped in only after the CJK rule so that 预算<br>说明 keeps its space.
    """
    text = _CJK_SEGMENT_BREAK_RE.sub("", raw).replace(_HARD_BREAK, " ")
    return _HTML_SPACE_RE.sub(" ", text).strip(" ")


def _direct_rows(table: Any) -> list[Any]:
    rows: list[Any] = []
    for child in table.iterchildren():
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child.iterchildren() if c.tag == "tr")
    return rows


def _span(el: Any, attr: str) -> int:
    match = re.match(r"\s*(\d+)", el.get(attr) or "")
    return max(1, min(int(match.group(1)), 1000)) if match else 1


def _html_table_rows(rows: list[Any]) -> list[list[str]]:
    """Cells per row in grid order; colspan emitted once, rowspan repeated in each row it spans
    (the same shape the .docx reader gives a vertically merged cell)."""
    result: list[list[str]] = []
    pending: dict[int, tuple[int, str, int]] = {}  # column -> (rows left, text, colspan)
    for tr in rows:
        tds = [c for c in tr.iterchildren() if c.tag in ("td", "th") and not _hidden(c)]
        carried = pending
        pending = {}
        out: list[str] = []
        col = 0
        i = 0
        while i < len(tds) or any(c >= col for c in carried):
            if col in carried:
                left, text, colspan = carried.pop(col)
                out.append(text)
                if left > 1:
                    pending[col] = (left - 1, text, colspan)
                col += colspan
                continue
            if i >= len(tds):
                col = min(c for c in carried if c >= col)
                continue
            td = tds[i]
            i += 1
            colspan, rowspan = _span(td, "colspan"), _span(td, "rowspan")
            text = _html_cell_text(td)
            out.append(text)
            if rowspan > 1:
                pending[col] = (rowspan - 1, text, colspan)
            col += colspan
        result.append(out)  # a carried cell skipped over by a wide cell is dropped, not kept
    return result


def _html_cell_text(td: Any) -> str:
    raw: list[str] = []
    _walk_html(td, raw.append, lambda: raw.append(_HARD_BREAK), None, include_tail=False)
    return _clean_cell(_inline_text("".join(raw)))


def _is_layout_table(table: Any, rows: list[Any]) -> bool:
    """Old government sites lay out whole pages with tables; only leaf data tables are tables."""
    if table.find(".//table") is not None:
        return True
    return all(sum(1 for c in tr.iterchildren() if c.tag in ("td", "th")) <= 1 for tr in rows)


def _walk_html(
    root: Any,
    emit: Callable[[str], None],
    brk: Callable[[], None],
    on_table: Callable[[Any], bool] | None,
    *,
    include_tail: bool = True,
) -> None:
    """Depth-first text walk without recursion (HTML can nest thousands of levels deep).

    ``on_table`` returns True when it rendered a table itself; otherwise the table's
    content is walked like any other block content.
    """
    pre_depth = 0

    def text(s: str) -> None:
        # Inside <pre> a source newline is a real line break, not collapsible space.
        emit(s.replace("\n", _HARD_BREAK) if pre_depth else s)

    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        el, leaving = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else None
        if leaving:
            if tag == "pre":
                pre_depth -= 1
            if tag in _BLOCK_TAGS:
                brk()
            if el.tail and (el is not root or include_tail):
                emit(el.tail)
            continue
        if tag is None or tag in _SKIP_TAGS or _hidden(el):  # comments, scripts, hidden
            if el is not root and el.tail:
                emit(el.tail)
            continue
        if tag in _BLOCK_TAGS:
            brk()
        if tag == "table" and on_table is not None and on_table(el):
            if el.tail and el is not root:
                emit(el.tail)
            continue
        if tag == "pre":
            pre_depth += 1
        if el.text:
            text(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))


def _read_html(data: bytes, p: Path, warnings: list[str]) -> LoadedText:
    import lxml.html
    from lxml import etree

    if not data.strip():
        raise LoadError(p, "empty file (only whitespace)")
    text, encoding = _decode_html(data, p, warnings)
    text = _XML_DECL_RE.sub("", _CONTROL_RE.sub("", _LINE_BREAKS_RE.sub("\n", text)))
    if not text.strip():
        raise LoadError(p, "empty file (only whitespace)")
    try:
        root = lxml.html.document_fromstring(text)
    except etree.ParserError:  # lxml's "Document is empty": nothing but comments or markup
        raise LoadError(p, "contains no text (empty .html document)") from None
    except (etree.XMLSyntaxError, ValueError) as e:
        raise LoadError(p, f"not a readable HTML page ({e})") from None

    out = _TextBuilder(_display_name(p), warnings)
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            raw = "".join(buffer)
            buffer.clear()
            for part in raw.split(_HARD_BREAK):
                if line := _inline_text(part):
                    out.paragraph(line)

    def on_table(table: Any) -> bool:
        rows = _direct_rows(table)
        if _is_layout_table(table, rows):
            return False
        flush()
        caption = table.find("caption")
        if caption is not None:
            out.paragraph(_html_cell_text(caption))
        out.table(_html_table_rows(rows))
        return True

    _walk_html(root, buffer.append, flush, on_table)
    flush()
    return _finish(p, out.text(), "html", encoding, warnings)
