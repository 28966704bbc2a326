"""Rebuild a document's structure from its text: page noise, title metadata, sections, tables.

Works on the text every loader returns (tables as one tab-indented line per cell, rows
separated by a blank line), so .txt exports, .docx, .pdf and .html share one code path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from budgetlens.extract.document import Cell, Document, Row, Section, Table
from budgetlens.extract.flat_tables import (
    FIGURE_CELL_RE,
    ROW_MARKER_RE,
    find_all_flat_tables,
    header_pattern,
    realigned,
    wan_cells,
)
from budgetlens.extract.identity import find_metadata
from budgetlens.extract.numbers import FULLWIDTH
from budgetlens.extract.reading import fold

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

# --- tables ------------------------------------------------------------------------------

TABLE_UNIT_RE = re.compile(
    r"(?:金额)?单位[:：]\s*(?P<unit>万元|千元|亿元|元)|[（(](?P<unit2>万元|千元|亿元|元)[）)]"
)
EMPTY_NOTE_RE = re.compile(r"注[:：].{0,40}空表")
HEADER_WORDS_RE = re.compile(
    r"指标|名称|项目|科目|数量|单价|金额|合计|单位|序号|编码|说明|类型|性质|规格"
)
YEAR_LABEL_RE = re.compile(r"^(?:19|20)\d{2}\s*年")
CAPTION_CELL_RE = re.compile(r"表$|表[（(]|^单位[:：]|^金额单位[:：]")
LABEL_HEADER_RE = re.compile(r"^\s*(?:项\s*目|科\s*目|名\s*称|类\s*别)")
NUMERIC_CELL_RE = re.compile(r"^[≥≤＞＜><=≧≦]?\s*[-−]?\d[\d,]*(?:\.\d+)?\s*\S{0,4}$")


def _is_numeric_cell(text: str) -> bool:
    if YEAR_LABEL_RE.match(text.strip()):
        return False  # "2023年预算数": a column's label, not a figure
    return bool(text) and bool(NUMERIC_CELL_RE.match(text.translate(FULLWIDTH)))


def rebuild_tables(doc: Document) -> list[Table]:
    """Group tab-indented lines into tables; a blank line ends a row, two end the table."""
    text = doc.text
    tables: list[Table] = []
    rows: list[Row] = []
    cells: list[Cell] = []
    blank_run = 0
    previous_line = (0, 0)  # the last non-table line, a candidate title
    title_line = (0, 0)  # the last one that is not a 单位：万元 / 编制单位 line

    def close_row() -> None:
        nonlocal cells
        if cells:
            rows.append(Row(cells=cells, span=(cells[0].span[0], cells[-1].span[1])))
            cells = []

    def close_table() -> None:
        nonlocal rows
        close_row()
        if rows:
            tables.append(_finish_table(doc, len(tables) + 1, rows, previous_line, title_line))
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
            if not TABLE_META_LINE_RE.match(line.strip()):
                title_line = (start, end)
    close_table()
    flat = _flat_tables(doc, len(tables))
    claimed = [t.span for t in flat]
    tables += [
        t
        for t in _text_tables(doc, len(tables) + len(flat))
        if not any(t.span[0] < b and a < t.span[1] for a, b in claimed)
    ]
    tables += flat
    tables.sort(key=lambda t: t.span[0])
    for number, table in enumerate(tables, 1):
        table.index = number
    _attach_empty_notes(doc, tables)
    return tables


# --- tables typed as text -------------------------------------------------------------------
# Pages copied as text keep a table as one line per row: "合 计 | 46 |" or
# "一、“三公”经费合计 21.63 21.63". Such a run of rows (with the header line above it) is the
# same table as a drawn one, and is read the same way.

_PROSE_PUNCTUATION_RE = re.compile(r"[。，；！？]|[,;](?!\d)")


def _split_text_row(line: str, start: int) -> list[Cell] | None:
    """The cells of one typed table row, each with its span; None if the line is prose."""
    if "|" in line:
        cells = []
        position = 0
        for part in line.split("|"):
            stripped = part.strip()
            offset = start + position + (len(part) - len(part.lstrip()))
            cells.append(Cell(text=stripped, span=(offset, offset + len(stripped))))
            position += len(part) + 1
        while cells and not cells[-1].text:
            cells.pop()  # the trailing "|" of "合 计 | 46 |"
        return cells or None
    stripped = line.strip()
    if not stripped or len(stripped) > 80 or _PROSE_PUNCTUATION_RE.search(stripped):
        return None
    tokens = [(m.group(), start + m.start()) for m in re.finditer(r"\S+", line)]
    if len(tokens) < 2 and not ROW_MARKER_RE.match(line):
        return None
    # the label runs up to the first figure ("合 计 46": one label "合 计")
    first_number = next(
        (i for i, (t, _) in enumerate(tokens) if i and FIGURE_CELL_RE.match(t)), len(tokens)
    )
    if first_number == len(tokens):
        first_number = 1
    label_start = tokens[0][1]
    label_end = tokens[first_number - 1][1] + len(tokens[first_number - 1][0])
    cells = [Cell(line[label_start - start : label_end - start], (label_start, label_end))]
    cells += [Cell(t, (at, at + len(t))) for t, at in tokens[first_number:]]
    return cells


def _is_value_row(cells: list[Cell]) -> bool:
    return any(FIGURE_CELL_RE.match(c.text.replace("，", ",")) for c in cells[1:])


def _text_tables(doc: Document, already: int) -> list[Table]:
    """Tables typed as lines of text: a run of row-like lines, two of them with figures."""
    text = doc.text
    lines = list(iter_lines(text))
    tables: list[Table] = []
    number = 0
    while number < len(lines):
        run: list[list[Cell]] = []
        probe = number
        while probe < len(lines):
            s, e = lines[probe]
            line = text[s:e]
            cells = None if line.startswith("\t") else _split_text_row(line, s)
            if cells is None:
                break
            run.append(cells)
            probe += 1
        if sum(1 for r in run if _is_value_row(r)) < 2:
            number = max(probe, number + 1)
            continue
        # a caption or unit line typed as a row of its own ("…情况统计表 | ||||", "单位:万元 |"):
        # the table starts after it (rows above it, a page's 索引号 | 发布机构 box, are not its)
        first_value = next(i for i, r in enumerate(run) if _is_value_row(r))
        captions = [
            i
            for i in range(first_value)
            if len([c for c in run[i] if c.text]) == 1
            and CAPTION_CELL_RE.search(next(c.text for c in run[i] if c.text))
        ]
        if captions and captions[-1] + 1 < first_value:
            # (only when a header follows it: a unit line typed under the header is not a cut)
            run = run[captions[-1] + 1 :]
            number += captions[-1] + 1
        while run and not _is_value_row(run[-1]) and not ROW_MARKER_RE.match(run[-1][0].text):
            run.pop()  # a note under the table
        width = max(len(r) for r in run)
        run = _realigned_rows(run, width)
        rows = []
        for cells in run:
            if len(cells) < width and not _is_value_row(cells) and len(cells) > 1:
                pad = width - len(cells)  # a lower header row sits over the figure columns
                cells = [Cell("", (cells[0].span[0], cells[0].span[0]))] * pad + cells
            rows.append(Row(cells=cells, span=(cells[0].span[0], cells[-1].span[1])))
        back = number - 1
        before = lines[back] if back >= 0 else (0, 0)
        while back >= 0 and (
            not text[slice(*lines[back])].strip()
            or TABLE_META_LINE_RE.match(text[slice(*lines[back])].strip())
        ):
            back -= 1
        title_line = lines[back] if back >= 0 else (0, 0)
        table = _finish_table(doc, already + len(tables) + 1, rows, before, title_line)
        if table.unit is None:
            window = text[max(0, rows[0].span[0] - 300) : rows[0].span[0]]
            unit = TABLE_UNIT_RE.search(window)
            if unit:
                table.unit = unit["unit"] or unit["unit2"]
        tables.append(table)
        number = probe
    return tables


def _flat_tables(doc: Document, already: int) -> list[Table]:
    """Tables flattened to one cell per line (see :mod:`budgetlens.extract.flat_tables`)."""
    tables: list[Table] = []
    for found in find_all_flat_tables(doc.text):
        title = found.title_span
        # look back from the table's first cell (its header), not from the top of the text
        before = (found.line_span[0], found.line_span[0])
        table = _finish_table(doc, already + len(tables) + 1, found.rows, before, title)
        table.header_rows = 0
        table.columns = found.columns
        table.span = found.line_span
        # the unit line nearest above the table (its own 单位：万元, not a paragraph's above it)
        window = doc.text[max(0, found.line_span[0] - 300) : found.line_span[0]]
        units = list(TABLE_UNIT_RE.finditer(window))
        table.unit = (units[-1]["unit"] or units[-1]["unit2"]) if units else table.unit
        if wan_cells(doc.text, found.rows):
            if table.unit not in (None, "万元"):
                continue  # "44万元" cells under 单位：元: which is right is not certain
            table.unit = "万元"
        tables.append(table)
    return tables


def _realigned_rows(run: list[list[Cell]], width: int) -> list[list[Cell]]:
    """Rows that lost their empty cells, laid out on the columns of the header row right above
    the figures (项目 | 行次 | 金额 …) when it names every column's kind and has a 行次 column to
    anchor them; the rows as typed when any row does not fit."""
    first_value = next((i for i, r in enumerate(run) if _is_value_row(r)), None)
    if first_value is None or first_value == 0:
        return run
    header = [c.text for c in run[first_value - 1]]
    pattern = header_pattern(header) if len(header) == width else None
    if pattern is None or "I" not in pattern:
        return run
    out = run[:first_value]
    for cells in run[first_value:]:
        if len(cells) == width or (not _is_value_row(cells) and len(cells) <= 1):
            out.append(cells)
            continue
        fitted = realigned(pattern, cells)
        if fitted is None:
            return run
        out.append(fitted)
    return out


# the lines between a table's title and the table: unit, compiler, date, page number
TABLE_META_LINE_RE = re.compile(
    r"^(?:(?:金额)?单位[:：]|编制(?:单位|部门)[:：]|填报单位|截[止至](?:时间|日期)?[:：]?|[（(]?(?:万元|元)[)）]?$|"
    r"\d{1,4}$|第\s*\d+\s*页|[-—–]\s*\d+\s*[-—–]$|公开\d+表|表\s*\d+$)"
)
TABLE_CAPTION_RE = re.compile(r"表$|表[（(][^）)]*[）)]$|情况$|明细$")


def _caption_of(row: Row) -> str | None:
    """The caption a row holds when it is one (a title, 编制单位, 单位：元 drawn inside the
    grid): one text, whether in one cell or repeated over merged cells; a row that adds only
    a unit or a compiler beside it counts too."""
    texts = [t for t in row.texts() if t]
    distinct = list(dict.fromkeys(texts))
    words = [t for t in distinct if not TABLE_META_LINE_RE.match(t)]
    if not distinct or any(_is_numeric_cell(t) for t in distinct):
        return None
    if len(distinct) == 1 or (len(words) <= 1 and len(distinct) <= 3):
        return words[0] if words else distinct[0]
    return None


def _finish_table(
    doc: Document,
    index: int,
    rows: list[Row],
    before: tuple[int, int],
    title_line: tuple[int, int] = (0, 0),
) -> Table:
    text = doc.text
    table = Table(index=index, rows=rows, span=(rows[0].span[0], rows[-1].span[1]))
    # "收入支出决算总表" above its "单位：万元" line names the table
    before_title = title_line if title_line[1] and 0 <= before[0] - title_line[1] <= 120 else before
    table.title = (
        EXPORT_NOISE_RE.sub("", text[before_title[0] : before_title[1]]).strip()
        if before_title[1]
        else ""
    )
    # a caption row inside the table ("廊坊市市直单位固定资产占用情况表") names it better than
    # the paragraph before it
    captions = 0
    for row in rows[:4]:
        caption = _caption_of(row)
        if caption is None:
            break
        captions += 1
        if TABLE_CAPTION_RE.search(caption) and len(caption) <= 60:
            table.title = caption
    # folded: a mirror prints "單位:萬元"
    unit_source = fold(" ".join(cell.text for row in rows[:4] for cell in row.cells))
    match = TABLE_UNIT_RE.search(unit_source) or TABLE_UNIT_RE.search(fold(table.title))
    if match is None:
        # A 单位：万元 line may sit between the title and the table.
        window = fold(text[max(0, before[0] - 200) : rows[0].span[0]])
        match = TABLE_UNIT_RE.search(window)
    if match:
        table.unit = match["unit"] or match["unit2"]
    table.header_rows = _count_header_rows(rows)
    header = rows[min(captions, table.header_rows) : table.header_rows]
    table.columns = _column_labels(header, table.width)
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
        if count >= 6:
            break
    if count == len(rows):
        # No numbers at all (an organisation list): only a first row of label words is a header.
        first = rows[0].texts() if rows else []
        return 1 if first and sum(bool(HEADER_WORDS_RE.search(t)) for t in first) >= 2 else 0
    return count


def _column_labels(header: list[Row], width: int) -> list[str]:
    """One label per column: the path of its header cells from the top row down, joined by
    "/" ("“三公”经费预算数/公务用车购置及运行费/小计"), so a column's group is its path's prefix.
    A short header row (merged cells not repeated) is spread over the runs of the row below."""
    if not header:
        return [""] * width
    rows = [_filled(row.texts()) for row in header]
    for number, texts in enumerate(rows):
        first = next((i for i, t in enumerate(texts) if t.strip()), 0)
        if first and LABEL_HEADER_RE.match(texts[first]):
            rows[number] = texts[first:]  # "项目" heads the label column, whatever the padding
    for number in range(1, len(rows)):
        upper, lower = rows[number - 1], rows[number]
        if (
            len(lower) == width - 1
            and upper
            and LABEL_HEADER_RE.match(upper[0])
            and not LABEL_HEADER_RE.match(lower[0])
        ):
            # "项目 | 预算数 | 决算数" over "合计 | 一般公共预算 | …": the lower row leaves out
            # the label column its upper cell spans, so it sits under the figure columns
            rows[number] = ["", *lower]
    grid: list[list[str]] = []
    for number, texts in enumerate(rows):
        if len(texts) < width and number + 1 < len(rows):
            spread = _spread(texts, rows[number + 1])
            if spread is not None and len(spread) == width:
                texts = spread
        grid.append(texts + [""] * (width - len(texts)))
    labels = []
    for column in range(width):
        path: list[str] = []
        for cells in grid:
            text = cells[column].strip()
            if text and text not in path:
                path.append(text)
        labels.append("/".join(path))
    return labels


def _filled(texts: list[str]) -> list[str]:
    """A header row without the empty cells a closing "|" leaves at its end."""
    end = len(texts)
    while end > 0 and not texts[end - 1].strip():
        end -= 1
    return texts[:end]


def _spread(upper: list[str], lower: list[str]) -> list[str] | None:
    """Map each upper cell over the lower columns: an empty lower cell takes one upper
    cell, a run of filled lower cells shares one upper (merged) cell; the last run, when it
    repeats one group of cells once per upper cell left (合计 | 一般公共预算 | 政府性基金 twice
    under 预算数 | 决算数), gives each upper cell one group."""
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
            left = len(upper) - pointer
            run = lower[position:run_end]
            if run_end == len(lower) and left > 1 and len(run) % left == 0:
                size = len(run) // left
                if size > 1 and all(run[i] == run[i % size] for i in range(len(run))):
                    for group in range(left):
                        out.extend([upper[pointer + group]] * size)
                    return out
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
    if not stack and style in ("part", "cn"):
        return 0  # a page cut to start after its first headings ("四、…" opens the text)
    if style == "part" and number > 1:
        # "第二部分" is never a list item: the top level, even when "第一部分" lay before the
        # body (the title lines) and was not seen
        return next((d for d, entry in enumerate(stack) if entry[0] == style), 0)
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
    doc.meta = find_metadata(doc)  # identity: unit, year, kind, scope, title, body bounds
    doc.tables = rebuild_tables(doc)
    doc.sections = find_sections(doc)
    assign_table_sections(doc)
    return doc
