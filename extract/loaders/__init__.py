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

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Final

from budgetlens.errors import LoadError
from budgetlens.extract.loaders.convention import DEFAULT_MAX_BYTES, MB, LoadedText, _display_name
from budgetlens.extract.loaders.docx_reader import _read_docx
from budgetlens.extract.loaders.html_reader import _read_html
from budgetlens.extract.loaders.pdf_reader import _read_pdf
from budgetlens.extract.loaders.text_reader import _read_txt
from budgetlens.files import FORMAT_BY_SUFFIX

__all__ = ["DEFAULT_MAX_BYTES", "LoadError", "LoadedText", "load_bytes", "load_text"]


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


_READERS: Final[dict[str, Callable[[bytes, Path, list[str]], LoadedText]]] = {
    "txt": _read_txt,
    "docx": _read_docx,
    "pdf": _read_pdf,
    "html": _read_html,
}
