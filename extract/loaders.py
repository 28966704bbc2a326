"""Turn a budget disclosure file (.txt, .docx, .pdf, .html) into ONE plain text string.

Everything downstream (sections, table rebuilding, numbers, citations) works on character
spans of that one string, so the loader fixes a single text convention for every format,
the one of the project's .txt exports:

* paragraphs one per line; newlines are ``"\\n"`` only; no BOM;
* a table is a blank line, then per row each cell on its own line as ``"\\t" + text``
  (an empty cell is a lone ``"\\t"``) followed by one blank line, then one more blank line.
  Inside a cell, newlines and tabs become a space, so outside .txt input a line that starts
  with a tab is always a table cell.

Bad input raises :class:`LoadError` with a one-line message naming the file and the problem;
anything recoverable becomes a warning in :attr:`LoadedText.warnings` instead.
"""

from __future__ import annotations

import codecs
import io
import re
import stat
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from budgetlens.errors import LoadError
from budgetlens.files import FORMAT_BY_SUFFIX

MB: Final = 1024 * 1024
DEFAULT_MAX_BYTES: Final = 20 * MB

_BINARY_PROBLEM: Final = "binary file, not a text/.docx/.pdf/.html document"
_MAX_WARNINGS_PER_KIND: Final = 10

__all__ = ["DEFAULT_MAX_BYTES", "LoadError", "LoadedText", "load_bytes", "load_text"]


@dataclass(slots=True)
class LoadedText:
    """The one text of a document plus how it was read."""

    text: str  # the document text; all character spans in the product index into THIS string
    source_format: str  # "txt" | "docx" | "pdf" | "html"
    encoding: str | None  # for txt/html: the detected encoding ("utf-8", "utf-8-sig", "gb18030")
    warnings: list[str] = field(default_factory=list)  # non-fatal problems, file and place named


def load_text(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Read a file from disk; the size is checked with stat() before a single byte is read."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise LoadError(p, "file not found") from None
    except PermissionError:
        raise LoadError(p, "cannot read the file: permission denied") from None
    except OSError as e:
        raise LoadError(p, f"cannot read the file: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise LoadError(p, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise LoadError(p, "is not a regular file")
    _check_size(p, st.st_size, max_bytes)
    try:
        with p.open("rb") as f:
            data = f.read(max_bytes + 1)  # +1: a file that grew since stat() is still caught
    except PermissionError:
        raise LoadError(p, "cannot read the file: permission denied") from None
    except OSError as e:
        raise LoadError(p, f"cannot read the file: {e.strerror or e}") from None
    _check_size(p, len(data), max_bytes)
    return _load(data, p)


def load_bytes(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Same as :func:`load_text` for an upload; ``name`` gives the extension and the messages."""
    p = Path(name or "upload")
    _check_size(p, len(data), max_bytes)
    return _load(bytes(data), p)


# --------------------------------------------------------------------------- dispatch


def _display_name(path: Path) -> str:
    return path.name or str(path) or "<input>"


def _check_size(p: Path, size: int, max_bytes: int) -> None:
    if size <= max_bytes:
        return
    if max_bytes >= MB // 10:
        limit = f"{max_bytes / MB:.1f}".removesuffix(".0") + " MB"
        shown = f"{size / MB:.1f} MB"
        if size / MB > max_bytes / MB >= round(size / MB, 1):
            shown = f"{size / MB:.3f} MB"  # never "is 20.0 MB, over the 20 MB limit"
    else:
        limit, shown = f"{max_bytes} bytes", f"{size} bytes"
    raise LoadError(
        p, f"is {shown}, over the {limit} limit; set BUDGETLENS_MAX_FILE_MB to raise it"
    )


def _load(data: bytes, p: Path) -> LoadedText:
    """Pick the reader; any failure that is not already a LoadError still becomes one."""
    fmt = "file"
    try:
        warnings: list[str] = []
        fmt = _choose_format(data, p, warnings)
        return _READERS[fmt](data, p, warnings)
    except LoadError:
        raise
    except MemoryError:
        raise LoadError(p, "too large to process in memory") from None
    except RecursionError:
        raise LoadError(p, f"not a valid .{fmt}: structure nested too deeply") from None
    except Exception as e:  # the promise is: a LoadError, never a raw traceback
        raise LoadError(p, f"could not be read as .{fmt}: {type(e).__name__}: {e}") from e


_FORMAT_NAMES: Final = {"pdf": "a PDF", "docx": "a zip archive (.docx?)", "html": "an HTML page"}


def _choose_format(data: bytes, p: Path, warnings: list[str]) -> str:
    """Trust strong content signatures over the extension; sniff when the extension is unknown.

    Government sites often serve a PDF or an HTML page under a .doc/.docx name, so a clear
    signature wins over the name, with a warning when the two disagree.
    """
    if not data:
        raise LoadError(p, "empty file (0 bytes)")
    declared = FORMAT_BY_SUFFIX.get(p.suffix.lower())
    sniffed = _sniff(data)
    if sniffed.startswith("unsupported:"):
        raise LoadError(p, "is " + sniffed.removeprefix("unsupported:"))
    if sniffed == "html" and declared == "txt":
        return "txt"  # a .txt holding markup is kept verbatim
    if sniffed in ("pdf", "docx", "html"):
        if declared is not None and declared != sniffed:
            warnings.append(
                f"{_display_name(p)}: the content is {_FORMAT_NAMES[sniffed]}, not "
                f"{p.suffix.lower()} as the name says; read as .{sniffed}"
            )
        return sniffed
    if declared == "docx":
        raise LoadError(p, "not a valid .docx: the file is not a zip archive")
    if declared == "pdf":
        raise LoadError(p, "not a valid .pdf: no %PDF header (truncated, corrupt or not a PDF)")
    return declared or "txt"


_IMAGE_MAGIC: Final = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_HTML_MARKERS: Final = (b"<html", b"<body", b"<!doctype html", b"<head")


def _sniff(data: bytes) -> str:
    """Classify by content: 'pdf', 'docx' (any zip), 'html', 'text' or 'unsupported:<why>'."""
    head = data[:4096]
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "docx"  # the .docx reader names other zip kinds (xlsx, ofd...) precisely
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return (
            "unsupported:an old binary Office/WPS file (e.g. Word 97-2003 .doc), not "
            "supported; save it as .docx or PDF"
        )
    if head.startswith(b"{\\rtf"):
        return "unsupported:an RTF document, not supported; save it as .docx or PDF"
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return f"unsupported:a {kind} image, not a text document; OCR is not supported"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(b"<") and any(m in stripped for m in _HTML_MARKERS):
        return "html"
    return "text"


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

    def paragraph(self, text: str) -> None:
        self.lines.extend(_clean_paragraph(text).split("\n"))

    def table(self, rows: list[list[str]]) -> None:
        rows = [[_clean_cell(c) for c in row] for row in rows if row]
        if not rows:
            return
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


# --------------------------------------------------------------------------- .txt decoding

_ERRORS = threading.local()


def _record_decode_error(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: replace with U+FFFD and remember the byte offset for a warning."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _ERRORS.offsets.append(exc.start)
    return "\ufffd", exc.end


codecs.register_error("budgetlens-record", _record_decode_error)


def _decode_recording(data: bytes, encoding: str) -> tuple[str, list[int]]:
    _ERRORS.offsets = []
    try:
        text = data.decode(encoding, "budgetlens-record")
        return text, _ERRORS.offsets
    finally:
        _ERRORS.offsets = []


_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_PLAUSIBLE_RANGES: Final = (
    (0x00A0, 0x024F),  # Latin-1 symbols and pinyin letters with tone marks
    (0x02B0, 0x02FF),  # bopomofo tone marks
    (0x0370, 0x04FF),  # Greek, Cyrillic (both in GB2312)
    (0x2000, 0x27BF),  # punctuation, letterlike, numbers, arrows, math, box drawing, symbols
    (0x3000, 0x33FF),  # CJK punctuation, kana, bopomofo, enclosed and compatibility CJK
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # full-width forms
)


def _plausible_char(c: str) -> bool:
    o = ord(c)
    return any(lo <= o <= hi for lo, hi in _PLAUSIBLE_RANGES)


def _looks_chinese(text: str) -> bool:
    """True when non-ASCII characters are mostly CJK text; GB18030 decodes garbage 'cleanly'."""
    sample = text[:200_000]
    non_ascii = [c for c in sample if ord(c) > 0x7F]
    if not non_ascii:
        return True
    return sum(map(_plausible_char, non_ascii)) >= 0.9 * len(non_ascii)


def _control_ratio(text: str) -> float:
    sample = text[:200_000]
    if not sample:
        return 0.0
    return len(_CONTROL_RE.findall(sample.replace("\ufeff", ""))) / len(sample)


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 saved without a BOM: NUL bytes, yet one byte order reads as sensible text.

    The wrong byte order also lands in the CJK block for ASCII text, but turns the newlines
    into unrelated scripts, so the order with more plausible characters wins.
    """
    if len(data) < 4 or len(data) % 2:
        return None
    best: tuple[int, str, str] | None = None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:100_000]
        good = sum(1 for c in sample if " " <= c <= "~" or c in "\t\n\r" or _plausible_char(c))
        if good >= 0.95 * len(sample) and (best is None or good > best[0]):
            best = (good, text, encoding)
    return None if best is None else (best[1], best[2])


def _offset_warning(name: str, encoding: str, offsets: list[int]) -> str:
    shown = ", ".join(str(o) for o in offsets[:_MAX_WARNINGS_PER_KIND])
    more = (
        f" (and {len(offsets) - _MAX_WARNINGS_PER_KIND} more)"
        if len(offsets) > _MAX_WARNINGS_PER_KIND
        else ""
    )
    plural = "s" if len(offsets) > 1 else ""
    return (
        f"{name}: undecodable bytes at byte offset{plural} {shown}{more} "
        f"replaced with U+FFFD (decoded as {encoding})"
    )


def _decode_text(data: bytes, p: Path, warnings: list[str]) -> tuple[str, str]:
    """Bytes to str for .txt (and undeclared .html): BOM, UTF-8, GB18030, then a guess."""
    name = _display_name(p)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text, offsets = _decode_recording(data, encoding)
            if offsets:
                warnings.append(_offset_warning(name, encoding, offsets))
            return _reject_binary(text, p), encoding

    if b"\x00" in data:
        found = _utf16_without_bom(data)
        if found is not None:
            warnings.append(f"{name}: no byte order mark; decoded as {found[1]}")
            return found
        trimmed = data.rstrip(b"\x00")
        if b"\x00" in trimmed or not trimmed:
            raise LoadError(p, _BINARY_PROBLEM)
        warnings.append(
            f"{name}: {len(data) - len(trimmed)} NUL bytes of padding at byte offset "
            f"{len(trimmed)} ignored"
        )
        data = trimmed

    try:
        return _reject_binary(data.decode("utf-8"), p), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        if _looks_chinese(text):
            return _reject_binary(text, p), "gb18030"
    except UnicodeDecodeError:
        pass

    # A few bad bytes (a truncated last character, one corrupted byte) in otherwise clean text.
    best: tuple[int, str, str, list[int]] | None = None
    for encoding in ("utf-8", "gb18030"):
        text, offsets = _decode_recording(data, encoding)
        few = len(offsets) <= max(4, len(data) // 1000) and len(offsets) <= 0.1 * len(text)
        plausible = encoding == "utf-8" or _looks_chinese(text)
        if few and plausible and (best is None or len(offsets) < best[0]):
            best = (len(offsets), encoding, text, offsets)
    if best is not None:
        _, encoding, text, offsets = best
        warnings.append(_offset_warning(name, encoding, offsets))
        return _reject_binary(text, p), encoding

    guess = _charset_normalizer_guess(data)
    if guess is not None:
        text, encoding = guess
        warnings.append(
            f"{name}: not UTF-8 or GB18030; encoding guessed as {encoding}, check the text"
        )
        return _reject_binary(text, p), encoding
    raise LoadError(
        p, "cannot decode the text: not UTF-8, UTF-16 or GB18030, and no other encoding fits"
    )


_GUESSABLE_ENCODINGS: Final = (
    "big5",
    "cp950",
    "big5hkscs",
    "gb18030",
    "utf_16_le",
    "utf_16_be",
    "cp932",
    "euc_jp",
    "cp949",
    "cp1252",
    "latin_1",
)


def _charset_normalizer_guess(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    # Only encodings a Chinese (or plain Western) document plausibly uses: on short or odd
    # input charset-normalizer will otherwise happily "find" EBCDIC or Cyrillic.
    best = from_bytes(data, cp_isolation=list(_GUESSABLE_ENCODINGS)).best()
    if best is None or not best.encoding:
        return None
    try:
        return str(best), best.encoding
    except (UnicodeDecodeError, LookupError):
        return None


def _reject_binary(text: str, p: Path) -> str:
    if "\x00" in text or _control_ratio(text) > 0.10:
        raise LoadError(p, _BINARY_PROBLEM)
    return text


def _read_txt(data: bytes, p: Path, warnings: list[str]) -> LoadedText:
    if not data.strip():
        raise LoadError(p, "empty file (only whitespace)")
    text, encoding = _decode_text(data, p, warnings)
    return _finish(p, text, "txt", encoding, warnings)


# --------------------------------------------------------------------------- .docx

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


# --------------------------------------------------------------------------- .pdf

_SCANNED: Final = "no text layer (scanned PDF?); OCR is not supported"
_CORRUPT_PDF: Final = "not a valid .pdf: the file is truncated or corrupt"


def _pdf_cell(text: str | None) -> str:
    """A wrapped line inside a cell: Chinese joins without a space, anything else with one."""
    return _CJK_SEGMENT_BREAK_RE.sub("", text or "")


def _page_ranges(pages: list[int]) -> str:
    spans: list[str] = []
    for n in pages:
        if spans and spans[-1].split("-")[-1] == str(n - 1):
            spans[-1] = f"{spans[-1].split('-')[0]}-{n}"
        else:
            spans.append(str(n))
    return ", ".join(spans)


def _pdf_page(page: Any, number: int, out: _TextBuilder, warnings: list[str]) -> bool:
    """Tables at their vertical position plus the remaining text lines; False if no text."""
    if not page.chars:
        return False
    items: list[tuple[float, int, Any]] = []
    boxes: list[tuple[float, float, float, float]] = []
    for t in page.find_tables():
        rows = [[_pdf_cell(c) for c in row if c is not None] for row in t.extract()]
        rows = [r for r in rows if r]
        if sum(map(len, rows)) <= 1:
            continue  # a frame drawn around text (a box, a page border) is not a data table
        boxes.append(t.bbox)
        items.append((t.bbox[1], 1, rows))

    def outside_tables(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    rest = page.filter(outside_tables) if boxes else page
    for line in rest.extract_text_lines(return_chars=False):
        items.append((line["top"], 0, line["text"]))
    items.sort(key=lambda item: (item[0], item[1]))
    page_text: list[str] = []
    for _, kind, content in items:
        if kind == 1:
            out.table(content)
            page_text.extend(cell for row in content for cell in row)
        else:
            out.paragraph(content)
            page_text.append(content)
    if "(cid:" in "".join(page_text):
        warnings.append(
            f"{out.name}: page {number}: some characters have no Unicode mapping in the PDF "
            "and appear as (cid:N)"
        )
    return True


def _read_pdf(data: bytes, p: Path, warnings: list[str]) -> LoadedText:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise LoadError(p, "is password-protected; remove the password and try again") from None
    except (PDFSyntaxError, PSException):
        raise LoadError(p, _CORRUPT_PDF) from None
    except Exception as e:
        raise LoadError(p, f"{_CORRUPT_PDF} ({e})") from None
    out = _TextBuilder(_display_name(p), warnings)
    blank_pages: list[int] = []
    failed_pages: list[int] = []
    with pdf:
        try:
            pages = pdf.pages
        except Exception:
            raise LoadError(p, _CORRUPT_PDF) from None
        if not pages:
            raise LoadError(p, "not a valid .pdf: it has no pages")
        for number, page in enumerate(pages, 1):
            try:
                if not _pdf_page(page, number, out, warnings):
                    blank_pages.append(number)
            except Exception:
                failed_pages.append(number)
            finally:
                close = getattr(page, "close", None)
                if close is not None:
                    close()
    if len(failed_pages) == len(pages):
        raise LoadError(p, _CORRUPT_PDF)
    if len(blank_pages) + len(failed_pages) == len(pages):
        raise LoadError(p, _SCANNED)
    if failed_pages:
        warnings.append(f"{out.name}: page {_page_ranges(failed_pages)} could not be read")
    if blank_pages:
        warnings.append(
            f"{out.name}: page {_page_ranges(blank_pages)} has no text layer (scanned page?); "
            "its content is missing"
        )
    return _finish(p, out.text(), "pdf", None, warnings)


# --------------------------------------------------------------------------- .html

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
_CJK: Final = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
# A source line break between two Chinese characters is not a space (CSS Text 3, segment
# breaks): "预算\n说明" in the HTML source reads 预算说明 in the browser.
_CJK_SEGMENT_BREAK_RE: Final = re.compile(rf"(?<=[{_CJK}])[ \t\r\xa0]*\n[ \t\r\n\xa0]*(?=[{_CJK}])")
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


_READERS: Final[dict[str, Callable[[bytes, Path, list[str]], LoadedText]]] = {
    "txt": _read_txt,
    "docx": _read_docx,
    "pdf": _read_pdf,
    "html": _read_html,
}
