"""Rebuild a document's structure from its text: page noise, title metadata, sections, tables.

Works on the text every loader returns (tables as one tab-indented line per cell, rows
separated by a blank line), so .txt exports, .docx, .pdf and .html share one code path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from budgetlens.extract.document import Cell, Document, Metadata, Row, Section, Table
from budgetlens.extract.numbers import FULLWIDTH

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def chinese_numeral(text: str) -> int | None:
    """一 -> 1, 十二 -> 12, 二十一 -> 21; None for anything else."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        high = CN_DIGITS.get(tens, -1) if tens else 1
        low = CN_DIGITS.get(units, -1) if units else 0
        return None if high < 0 or low < 0 else high * 10 + low
    if len(text) == 1:
        return CN_DIGITS.get(text)
    return None


# --- lines -----------------------------------------------------------------------------


def iter_lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every line, end excluding the newline."""
    start = 0
    length = len(text)
    while start <= length:
        end = text.find("\n", start)
        if end < 0:
            end = length
        yield start, end
        start = end + 1


def enclosing(
    text: str, start: int, end: int, stops: str, limit: int | None = None
) -> tuple[int, int]:
    """Widen ``[start, end)`` to the nearest ``stops`` characters on each side (excluded),
    going at most ``limit`` characters either way."""
    reach = len(text) if limit is None else limit
    left = start
    while left > 0 and text[left - 1] not in stops and start - left < reach:
        left -= 1
    right = end
    while right < len(text) and text[right] not in stops and right - end < reach:
        right += 1
    return left, right


EXPORT_NOISE_RE = re.compile(r"\[bookmark: [^\]]*\]")

# --- web-page noise and the title --------------------------------------------------------

FOOTER_RE = re.compile(
    r"打印本页|关闭窗口|版权所有|主办单位|承办单位|网站标识码|ICP备|公网安备|联系我们|扫一扫|"
    r"分享到|返回顶部|【字体|【打印】|【关闭】|网站地图|技术支持"
)
TITLE_RE = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年度?\s*(?P<scope>部门|单位)?\s*(?:整体)?\s*"
    r"(?P<kind>预算|决算)"
)
OPENING_RE = re.compile(
    r"现将(?P<unit>[^，。,；;：:\n]{2,60}?)(?:(?P<year>(?:19|20)\d{2})\s*年度?)\s*"
    r"(?P<scope>部门|单位)?\s*(?P<kind>预算|决算)"
)
UNIT_SUFFIX_RE = re.compile(
    r"(?:委员会|协会|联合会|政府|办公厅|办公室|中心|学校|大学|学院|医院|"
    r"[会局委院厅办部署处所站队校馆社厂场司团室庭])$"
)
UNIT_LINE_MAX = 40


def find_metadata(doc: Document) -> Metadata:
    meta = Metadata(body_end=len(doc.text))
    text = doc.text
    lines = [(s, e) for s, e in iter_lines(text) if text[s:e].strip()]
    # The title is the first line naming a year and 预算/决算 near the top; anything
    # before it (breadcrumbs, 索引号 blocks) is page chrome, unless it names the unit.
    for i, (start, end) in enumerate(lines[:25]):
        line = text[start:end]
        match = TITLE_RE.search(line)
        if not match or len(line.strip()) > 80 or line.startswith("\t"):
            continue
        title_start = start + (len(line) - len(line.lstrip()))
        unit_text = line[: match.start()].strip()
        unit_start = start + line.find(unit_text) if unit_text else None
        if not unit_text and i > 0:
            prev_start, prev_end = lines[i - 1]
            prev = text[prev_start:prev_end].strip()
            if (
                len(prev) <= UNIT_LINE_MAX
                and UNIT_SUFFIX_RE.search(prev)
                and not TITLE_RE.search(prev)
            ):
                unit_text = prev
                unit_start = prev_start + text[prev_start:prev_end].find(prev)
                title_start = unit_start
        meta.title = text[title_start:end].strip()
        meta.title_span = (title_start, end)
        meta.year = int(match["year"])
        meta.year_span = (start + match.start("year"), start + match.end("year"))
        meta.kind = "final_account" if match["kind"] == "决算" else "budget"
        meta.scope = match["scope"]  # type: ignore[assignment]
        if unit_text and unit_start is not None:
            meta.unit = unit_text
            meta.unit_span = (unit_start, unit_start + len(unit_text))
        meta.body_start = title_start
        break
    opening = OPENING_RE.search(text, meta.body_start, min(len(text), meta.body_start + 3000))
    if opening:
        meta.opening_unit = opening["unit"].strip()
        meta.opening_unit_span = opening.span("unit")
        if not meta.unit:
            meta.unit, meta.unit_span = meta.opening_unit, meta.opening_unit_span
        if meta.year is None:
            meta.year = int(opening["year"])
            meta.year_span = opening.span("year")
        if meta.kind is None:
            meta.kind = "final_account" if opening["kind"] == "决算" else "budget"
        if meta.scope is None:
            meta.scope = opening["scope"]  # type: ignore[assignment]
    # Footer: the first chrome line after the last third of the text ends the document.
    for start, end in reversed(lines):
        if start < len(text) * 2 // 3:
            break
        if FOOTER_RE.search(text[start:end]) and len(text[start:end]) < 120:
            meta.body_end = start
    return meta


# --- tables ------------------------------------------------------------------------------

TABLE_UNIT_RE = re.compile(
    r"(?:金额)?单位[:：]\s*(?P<unit>万元|千元|亿元|元)|[（(](?P<unit2>万元|千元|亿元|元)[）)]"
)
EMPTY_NOTE_RE = re.compile(r"注[:：].{0,40}空表")
HEADER_WORDS_RE = re.compile(
    r"指标|名称|项目|科目|数量|单价|金额|合计|单位|序号|编码|说明|类型|性质|规格"
)
NUMERIC_CELL_RE = re.compile(r"^[≥≤＞＜><=≧≦]?\s*[-−]?\d[\d,]*(?:\.\d+)?\s*\S{0,4}$")


def _is_numeric_cell(text: str) -> bool:
    return bool(text) and bool(NUMERIC_CELL_RE.match(text.translate(FULLWIDTH)))


def rebuild_tables(doc: Document) -> list[Table]:
    """Group tab-indented lines into tables; a blank line ends a row, two end the table."""
    text = doc.text
    tables: list[Table] = []
    rows: list[Row] = []
    cells: list[Cell] = []
    blank_run = 0
    previous_line = (0, 0)  # the last non-table line, a candidate title

    def close_row() -> None:
        nonlocal cells
        if cells:
            rows.append(Row(cells=cells, span=(cells[0].span[0], cells[-1].span[1])))
            cells = []

    def close_table() -> None:
        nonlocal rows
        close_row()
        if rows:
            tables.append(_finish_table(doc, len(tables) + 1, rows, previous_line))
            rows = []

    for start, end in iter_lines(text):
        line = text[start:end]
        if line.startswith("\t"):
            blank_run = 0
            raw = line[1:]
            stripped = raw.strip()
            offset = start + 1 + (len(raw) - len(raw.lstrip()))
            cells.append(Cell(text=stripped, span=(offset, offset + len(stripped))))
        elif not line.strip():
            close_row()
            blank_run += 1
            if blank_run >= 2:
                close_table()
        else:
            close_table()
            blank_run = 0
            previous_line = (start, end)
    close_table()
    _attach_empty_notes(doc, tables)
    return tables


def _finish_table(doc: Document, index: int, rows: list[Row], before: tuple[int, int]) -> Table:
    text = doc.text
    table = Table(index=index, rows=rows, span=(rows[0].span[0], rows[-1].span[1]))
    table.title = EXPORT_NOISE_RE.sub("", text[before[0] : before[1]]).strip() if before[1] else ""
    unit_source = " ".join(cell.text for row in rows[:4] for cell in row.cells)
    match = TABLE_UNIT_RE.search(unit_source) or TABLE_UNIT_RE.search(table.title)
    if match is None:
        # A 单位：万元 line may sit between the title and the table.
        window = text[max(0, before[0] - 200) : rows[0].span[0]]
        match = TABLE_UNIT_RE.search(window)
    if match:
        table.unit = match["unit"] or match["unit2"]
    table.header_rows = _count_header_rows(rows)
    table.columns = _column_labels(rows[: table.header_rows], table.width)
    # Leading one-cell rows are captions ("绩效目标", a sentence); any other row whose cell
    # count differs from the usual one has lost or gained a cell.
    first_full = next((i for i, row in enumerate(rows) if len(row.cells) > 1), len(rows))
    start = max(table.header_rows, first_full)
    counts = [len(row.cells) for row in rows[start:]]
    if counts:
        usual = max(set(counts), key=lambda n: (counts.count(n), n))  # ties: the wider row
        ragged = [
            (number, len(row.cells))
            for number, row in enumerate(rows, 1)
            if number > start and len(row.cells) != usual
        ]
        if ragged:
            number, found = ragged[0]
            more = f" ({len(ragged)} such rows)" if len(ragged) > 1 else ""
            doc.warnings.append(
                f"{doc.name}: table {index} ({table.title[:20] or 'untitled'}), row {number} "
                f"has {found} cells, the other rows {usual}{more}"
            )
    return table


def _count_header_rows(rows: list[Row]) -> int:
    """Leading rows without a numeric cell that look like column labels."""
    count = 0
    for row in rows:
        texts = row.texts()
        if any(_is_numeric_cell(t) for t in texts):
            break
        count += 1
        if count >= 4:
            break
    if count == len(rows):
        # No numbers at all (an organisation list): only a first row of label words is a header.
        first = rows[0].texts() if rows else []
        return 1 if first and sum(bool(HEADER_WORDS_RE.search(t)) for t in first) >= 2 else 0
    return count


def _column_labels(header: list[Row], width: int) -> list[str]:
    """One label per column; a short upper header row is spread over the runs below it."""
    if not header:
        return [""] * width
    last = header[-1].texts()
    if len(header) >= 2 and len(last) == width:
        upper = header[-2].texts()
        spread = _spread(upper, last)
        if spread is not None:
            return [
                f"{top}/{bottom}" if top and bottom and top != bottom else (bottom or top)
                for top, bottom in zip(spread, last, strict=True)
            ]
    return last + [""] * (width - len(last))


def _spread(upper: list[str], lower: list[str]) -> list[str] | None:
    """Map each upper cell over the lower columns: an empty lower cell takes one upper
    cell, a run of filled lower cells shares one upper (merged) cell."""
    out: list[str] = []
    pointer = 0
    position = 0
    while position < len(lower):
        if pointer >= len(upper):
            return None
        if lower[position]:
            run_end = position
            while run_end < len(lower) and lower[run_end]:
                run_end += 1
            out.extend([upper[pointer]] * (run_end - position))
            position = run_end
        else:
            out.append(upper[pointer])
            position += 1
        pointer += 1
    return out if pointer == len(upper) else None


def _attach_empty_notes(doc: Document, tables: list[Table]) -> None:
    for table in tables:
        after = doc.text[table.span[1] : table.span[1] + 80]
        match = EMPTY_NOTE_RE.search(after)
        if match:
            table.empty_note = after[
                match.start() : after.find("\n", match.start())
                if "\n" in after[match.start() :]
                else len(after)
            ].strip()


# --- sections ----------------------------------------------------------------------------

HEADING_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(r"第(?P<n>[一二三四五六七八九十\d]+)(?:部分|章|篇)")),
    ("cn", re.compile(r"(?P<n>[一二三四五六七八九十]{1,3})[、．.]")),
    ("paren_cn", re.compile(r"[（(](?P<n>[一二三四五六七八九十]{1,3})[）)]")),
    ("arabic", re.compile(r"(?P<n>\d{1,2})(?:[、．]|\.(?!\d))")),
    ("paren_arabic", re.compile(r"[（(](?P<n>\d{1,2})[）)]")),
)
TITLE_STOP_RE = re.compile(r"[，,；;：:]")
HEADING_MAX = 60
INLINE_HEADING_MAX = 20


def _parse_heading(line: str) -> tuple[str, str, int, int, int] | None:
    """(style, marker, number, title start, title end) relative to ``line``, or None."""
    probe = EXPORT_NOISE_RE.sub(lambda m: " " * len(m.group()), line).translate(FULLWIDTH)
    lead = len(probe) - len(probe.lstrip())
    for style, pattern in HEADING_PATTERNS:
        match = pattern.match(probe, lead)
        if not match:
            continue
        number = chinese_numeral(match["n"])
        if number is None:
            return None
        title_start = match.end()
        while title_start < len(probe) and probe[title_start] == " ":
            title_start += 1
        rest = probe[title_start:].rstrip()
        if style == "part" and not rest:
            return style, match.group().strip(), number, title_start, title_start
        if not rest:
            return None
        stop = rest.find("。")
        if 0 < stop < len(rest) - 1:  # "１.机关运行经费情况。2018年……" heading fused with body
            title = rest[:stop]
            if len(title) > INLINE_HEADING_MAX or TITLE_STOP_RE.search(title):
                return None
            return style, match.group().strip(), number, title_start, title_start + stop
        title = rest.rstrip("。：:")
        if len(title) > HEADING_MAX or TITLE_STOP_RE.search(title) or title.endswith("；"):
            return None
        return style, match.group().strip(), number, title_start, title_start + len(title)
    return None


def find_sections(doc: Document) -> list[Section]:
    text = doc.text
    meta = doc.meta
    sections: list[Section] = []
    stack: list[tuple[str, int, int]] = []  # (style, number, section index)
    for start, end in iter_lines(text):
        if start < meta.body_start or start >= meta.body_end:
            continue
        line = text[start:end]
        if not line.strip() or line.startswith("\t"):
            continue
        parsed = _parse_heading(line)
        if parsed is None:
            continue
        style, marker, number, title_start, title_end = parsed
        depth = _sibling_depth(stack, style, number)
        if depth is None:
            continue
        del stack[depth:]
        parent = stack[-1][2] if stack else None
        index = len(sections)
        sections.append(
            Section(
                index=index,
                title=text[start + title_start : start + title_end].strip(),
                number=marker,
                style=style,
                level=len(stack) + 1,
                heading_span=(start, start + title_end),
                span=(start, meta.body_end),
                parent=parent,
            )
        )
        stack.append((style, number, index))
    _close_spans(sections, meta.body_end)
    return sections


def _sibling_depth(stack: list[tuple[str, int, int]], style: str, number: int) -> int | None:
    """Stack position a new heading replaces (its sibling); len(stack) to nest it; None if
    the numbering says it is a list item rather than a heading.

    "5、" after "四、" continues the top level (cross-style, shallowest match), "1、" opens a
    new list, and "（十一）" with no open "（十）" or earlier sibling is a list item.
    """
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth][0] == style and stack[depth][1] == number - 1:
            return depth
    if number == 1:
        if style == "part":
            return next((d for d, entry in enumerate(stack) if entry[0] == style), len(stack))
        return len(stack)
    for depth, entry in enumerate(stack):
        if entry[1] == number - 1 and entry[0] != style:
            return depth
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth][0] == style and stack[depth][1] < number:
            return depth  # a skipped number (a heading too long to recognise)
    return None


def _close_spans(sections: list[Section], end: int) -> None:
    for i, section in enumerate(sections):
        stop = end
        for later in sections[i + 1 :]:
            if later.level <= section.level:
                stop = later.heading_span[0]
                break
        section.span = (section.heading_span[0], stop)


def assign_table_sections(doc: Document) -> None:
    for table in doc.tables:
        section = doc.section_at(table.span[0])
        table.section = section.index if section else None


def build_structure(doc: Document) -> Document:
    """Fill ``doc.meta``, ``doc.tables`` and ``doc.sections`` from ``doc.text``."""
    doc.meta = find_metadata(doc)
    doc.tables = rebuild_tables(doc)
    doc.sections = find_sections(doc)
    assign_table_sections(doc)
    return doc
