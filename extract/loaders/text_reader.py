"""Plain text: encodings detected (BOM, UTF-8, GB18030/GBK, UTF-16 without BOM), controls and
binary content refused with a clear message."""

from __future__ import annotations

import codecs
import threading
from pathlib import Path
from typing import Final

from budgetlens.errors import LoadError
from budgetlens.extract.loaders.convention import (
    _BINARY_PROBLEM,
    _CONTROL_RE,
    _MAX_WARNINGS_PER_KIND,
    LoadedText,
    _display_name,
    _finish,
)

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
