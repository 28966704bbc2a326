"""The document as a reader sees it: one normalised string, every position mapped back.

Real disclosures reach us in shapes the parser must not care about: lines wrapped at a fixed
width in the middle of a word ("项目支\\n出预算"), spaces between a figure and its unit
("55.87  万元") or inside words ("项 目"), full-width digits, traditional characters on
mirror sites, page numbers between two halves of a sentence. The reading view undoes all of
that once: traditional characters become simplified and full-width become ASCII (one
character for one), blank space that no reader would notice is dropped, soft line breaks
are joined. ``offsets[i]`` is the raw position of view character ``i``, so everything found
in the view is cited in the raw text, verbatim.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import cache

from budgetlens.extract.numbers import FULLWIDTH

HARD_END = "。！？；：:;!?"
_HEADING_START_RE = re.compile(
    r"^\s*(?:第[一二三四五六七八九十\d]+[部分章节]|[一二三四五六七八九十]{1,3}[、.．]|"
    r"[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[、.．](?!\d)|[①-⑳]|表\s*\d)"
)
HEADING_END_RE = re.compile(r"(?:情况|说明|概况|情况说明|具体情况|总体情况)\s*$")
# words a sentence cannot stop on: a line ending in one goes on in the next line
CONTINUING_END_RE = re.compile(r"[^\s\d](?:为|的|比|较|与|和|及|完成|占|达|其中|比上年|较上年)$")
_PAGE_NUMBER_RE = re.compile(r"^\s*(?:[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d{1,4}\s*页|\d{1,4})\s*$")
_ASCII_WORD = re.compile(r"[0-9A-Za-z]")
# Some mirror sites gloss characters with their pinyin: "事業(yè)收入", "結(jié)轉(zhuǎn)". A gloss
# is a parenthesised syllable with a tone mark right after a Chinese character; no reader
# counts it as text, and it splits the terms the parser matches.
PINYIN_GLOSS_RE = re.compile(
    r"(?<=[\u4e00-\u9fff])\((?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ])[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)"
)


@cache
def _traditional() -> dict[int, str]:
    """Traditional → simplified, one character for one (zhconv's table, loaded once)."""
    import zhconv

    zhconv.loaddict()
    table = zhconv.zhconv.zhcdicts["zh2Hans"]
    return {ord(k): v for k, v in table.items() if len(k) == 1 and len(v) == 1 and k != v}


def fold(text: str) -> str:
    """Full-width to ASCII and traditional to simplified, same length (positions kept)."""
    return text.translate(FULLWIDTH).translate(_traditional())


@dataclass(slots=True)
class Reading:
    raw: str
    text: str
    offsets: array  # text index -> raw index

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw span a view span stands for (the raw text between its first and last
        character, line breaks and spaces included)."""
        if end <= start:
            position = self.offsets[start] if start < len(self.offsets) else len(self.raw)
            return position, position
        return self.offsets[start], self.offsets[end - 1] + 1

    def raw_quote(self, start: int, end: int) -> str:
        a, b = self.raw_span(start, end)
        return self.raw[a:b]

    def view_position(self, raw_offset: int) -> int:
        """The first view character at or after a raw offset."""
        from bisect import bisect_left

        return bisect_left(self.offsets, raw_offset)


_HALF_WIDTH_RE = re.compile(r"[0-9A-Za-z .%]")


def display_width(line: str) -> int:
    """How wide a line prints: digits, Latin letters and spaces take half a character's
    width ("2023 年收支总预算 12676620.29 元" is as wide as 22 characters, not 27)."""
    return len(line) - len(_HALF_WIDTH_RE.findall(line)) // 2


def _wrap_width(lengths: list[int]) -> int | None:
    """The width prose lines were wrapped at, if the text was wrapped at all: most long lines
    end within a few characters of one width (proportional fonts make it vary a little)."""
    long = [n for n in lengths if n >= 20]
    if len(long) < 6:
        return None
    counts = Counter(long)
    width = max(counts, key=lambda w: (sum(counts[v] for v in range(w - 3, w + 2)), w))
    near = sum(counts[v] for v in range(width - 3, width + 2))
    return width if width >= 24 and near >= 0.4 * len(long) else None


def read(raw: str) -> Reading:
    """The reading view of ``raw`` (the loader's text)."""
    folded = fold(raw)
    lines: list[tuple[int, int]] = []
    position = 0
    for line in folded.split("\n"):
        lines.append((position, position + len(line)))
        position += len(line) + 1
    prose = [
        (s, e)
        for s, e in lines
        if folded[s:e].strip() and not folded[s:e].startswith("\t") and "|" not in folded[s:e]
    ]
    width = _wrap_width([display_width(folded[s:e].strip()) for s, e in prose])
    out: list[str] = []
    offsets = array("l")
    glossed = bytearray(len(folded))
    for gloss in PINYIN_GLOSS_RE.finditer(folded):
        glossed[gloss.start() : gloss.end()] = b"\x01" * (gloss.end() - gloss.start())

    def emit(char: str, at: int) -> None:
        out.append(char)
        offsets.append(at)

    bridged = _bridged_blank_lines(folded, lines)
    for number, (start, end) in enumerate(lines):
        if number in bridged:
            continue  # a blank line inside a sentence ("三公经费预算共" / "" / "0 万元")
        line = folded[start:end]
        is_cell = line.startswith("\t")
        stripped = line.strip()
        if not is_cell and _PAGE_NUMBER_RE.match(line) and stripped and width:
            continue  # a page number between two halves of a wrapped paragraph
        for i in range(start, end):
            char = folded[i]
            if glossed[i]:
                continue
            if char in " \t\u3000\xa0" and not (is_cell and i == start):
                before = out[-1] if out else ""
                after = folded[i + 1] if i + 1 < end else ""
                if not (_ASCII_WORD.match(before or "") and _ASCII_WORD.match(after or "")):
                    continue  # blank space no reader sees: "项 目", "55.87  万元"
                if before == " ":
                    continue
                emit(" ", i)
                continue
            emit(char, i)
        if number == len(lines) - 1:
            break
        if number + 1 in bridged or _soft_break(folded, lines, number, width):
            continue
        emit("\n", end)
    return Reading(raw=raw, text="".join(out), offsets=offsets)


def _bridged_blank_lines(text: str, lines: list[tuple[int, int]]) -> set[int]:
    """Blank lines a page put inside a sentence: between a line that stops on a word and
    one that begins with that word's figure ("…公务接待费" / "" / "0 万元."), up to two."""
    bridged: set[int] = set()
    for number, (start, end) in enumerate(lines):
        line = text[start:end].rstrip()
        if not line or line.startswith("\t") or "|" in line or line[-1] in HARD_END:
            continue
        if not re.match(r"[\u4e00-\u9fff]", line[-1]):
            continue
        blanks = []
        following = number + 1
        while following < len(lines) and not text[slice(*lines[following])].strip():
            blanks.append(following)
            following += 1
        if not blanks or len(blanks) > 2 or following >= len(lines):
            continue
        if re.match(
            r"\s*[-−]?\d[\d,]*(?:\.\d+)?\s*(?:万元|亿元|元|%)", text[slice(*lines[following])]
        ):
            bridged.update(blanks)
    return bridged


def _soft_break(text: str, lines: list[tuple[int, int]], number: int, width: int | None) -> bool:
    """A line break inside a paragraph that was only wrapped at the page width."""
    start, end = lines[number]
    line = text[start:end].rstrip()
    if not line or line.startswith("\t") or line[-1] in HARD_END or "|" in line:
        return False
    following = number + 1
    if following < len(lines) and (
        (line[-1].isdigit() and re.match(r"\s*(?:万元|亿元|元|%)", text[slice(*lines[following])]))
        or (re.search(r"\d\s*[万亿]$", line) and re.match(r"\s*元", text[slice(*lines[following])]))
    ):
        return True  # "年初预算为 42.73" / "万元，…", "决算 1.5万" / "元。": a figure and its unit
    if (
        following < len(lines)
        and re.match(r"[\u4e00-\u9fff]", line[-1])
        and re.match(
            r"\s*[-−]?\d[\d,]*(?:\.\d+)?\s*(?:万元|亿元|元|%)", text[slice(*lines[following])]
        )
    ):
        return True  # "…增长" / "100.00%。": a sentence goes on into its figure
    if (
        (CONTINUING_END_RE.search(line) or line[-1] in "，,、")
        and following < len(lines)
        and text[slice(*lines[following])].strip()
        and not text[slice(*lines[following])].startswith("\t")
        and not _HEADING_START_RE.match(text[slice(*lines[following])])
    ):
        return True  # "…公务接待费支出决算为0.00万元，完成" / "预算的0%": no line ends on 完成
    if (
        following < len(lines)
        and len(line.strip()) >= 20
        and re.match(r"[\u4e00-\u9fff]", line[-1])
        and re.match(
            r"\s*[（(][^）)\d一二三四五六七八九十]{1,3}[）)]", text[slice(*lines[following])]
        )
    ):
        return True  # "…其中：因公出国" / "（境）费支出决算持平": a name broken before its remark
    if width is None or display_width(line.strip()) < width - 6:
        return False  # a short line ends its paragraph (or is a heading)
    if _HEADING_START_RE.match(line) and HEADING_END_RE.search(line):
        return False  # "（一）…“三公”经费支出决算总体情况": a heading as long as the page is wide
    while following < len(lines) and _PAGE_NUMBER_RE.match(text[slice(*lines[following])]):
        following += 1
    if following >= len(lines):
        return False
    nxt = text[slice(*lines[following])]
    return bool(nxt.strip()) and not nxt.startswith("\t") and not _HEADING_START_RE.match(nxt)
