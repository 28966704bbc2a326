"""Tables a web page flattened to one cell per line, rebuilt into rows.

Pages copied from a CMS often lose a table's grid: every cell becomes a line of its own
("一、一般公共预算拨款收入 |" / "675.82 |", or cells between blank lines, or between lines
holding only "|"). The figures are all there; only the row breaks are gone. The row width
is recovered from the cells themselves, never guessed: once the header is over, the body
repeats a pattern of label cells and figure cells with a fixed period, and the width is that
period, or a multiple of it when the header says the table has side-by-side halves (收入 |
支出) each starting at its first item ("一、"). A stream whose pattern does not repeat is left
alone. Column labels come from the header cells when they line up with the columns' kinds;
otherwise only a header that names every figure column the same way (预算数, 金额) is used,
and a table whose figure columns cannot be told apart is not rebuilt.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from budgetlens.extract.document import Cell, Row, Span
from budgetlens.extract.lexicon import SUBPARTS, match_table_label
from budgetlens.extract.numbers import FULLWIDTH
from budgetlens.extract.reading import PINYIN_GLOSS_RE, fold

# a cell that is a bare figure ("2,277,100.00"), and a row's numbering marker ("一、", "（二）",
# "3.", "其中"): structure's typed text tables read rows with the same two patterns
FIGURE_CELL_RE = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_WAN_CELL_RE = re.compile(r"^(?P<figure>[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*万元$")
_SMALL_INTEGER_RE = re.compile(r"^\d{1,3}$")
_DASH_RE = re.compile(r"^[-—–－/／…]+$")
_FIRST_ITEM_RE = re.compile(r"^(?:一[、.．]|[（(]一[）)]|1[、.．](?!\d))")
_TOTAL_RE = re.compile(r"^(?:合\s*计|总\s*计)$")
ROW_MARKER_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十\d]{1,2}[）)]|\d{1,2}[、.．](?!\d)|其中)"
)
_PROSE_RE = re.compile(r"[。；！？]|[，,](?!\d{3})")
_META_RE = re.compile(r"[:：]|表$|^公开\d+表|^\d{4}年度?$")
_CODE_WORD_RE = re.compile(r"行次|栏次|序号|编码|代码")
_LABEL_WORD_RE = re.compile(r"^(?:项\s*目|科\s*目|名\s*称|按)(?!.*(?:支出|收入)$)")
_VALUE_WORD_RE = re.compile(r"金额|预算数|决算数|执行数|合计|小计|本年|上年|数$|支出$|收入$|费$")
SIDE_WORDS = ("收入", "支出")  # the merged cells over the two halves of a 收支总表
MAX_CELL = 40
MAX_PERIOD = 12
MIN_ROWS = 3


@dataclass(slots=True)
class FlatTable:
    rows: list[Row]  # a cell printed with 万元 holds the figure alone (see wan_cells)
    columns: list[str]
    title_span: Span  # the caption line before the table ("收入支出决算总表"), or (0, 0)
    line_span: Span  # the lines the table's cells take, header included


def _cells(text: str) -> list[tuple[Cell, bool]]:
    """The text as a stream of (cell, starts_a_region) in document order. A region is a run
    of short, non-prose lines; inside it a line is one cell, a line of only "|" is an empty
    cell where the other lines end in "|"; where they do not, "|" lines separate the cells and
    a second one in a row stands for an empty cell."""
    lines: list[tuple[int, int]] = []
    position = 0
    for line in text.split("\n"):
        lines.append((position, position + len(line)))
        position += len(line) + 1
    out: list[tuple[Cell, bool]] = []
    region: list[tuple[int, int]] = []

    def flush() -> None:
        filled = [(s, e) for s, e in region if text[s:e].strip() not in ("", "|")]
        suffixed = sum(1 for s, e in filled if text[s:e].rstrip().endswith("|"))
        bars_are_cells = bool(filled) and suffixed >= 0.6 * len(filled)
        first = True
        previous_bar = False
        for s, e in region:
            line = text[s:e]
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.strip("| ") == "":
                if bars_are_cells or previous_bar:
                    out.append((Cell("", (s, s)), first))
                    first = False
                previous_bar = True
                continue
            previous_bar = False
            body = stripped.split("|")[0].strip() if bars_are_cells else stripped
            at = s + line.find(body) if body else s
            suffixed_unit = _WAN_CELL_RE.match(body)
            if suffixed_unit:  # "44万元": the figure (its unit is checked against the table's)
                body = suffixed_unit["figure"]
            out.append((Cell(body, (at, at + len(body))), first))
            first = False
        region.clear()

    for s, e in lines:
        stripped = text[s:e].strip()
        body = stripped.split("|")[0].strip() if "|" in stripped else stripped
        short = len(body) <= MAX_CELL and not _PROSE_RE.search(body)
        tabbed = text[s:e].startswith("\t")
        if short and not tabbed and stripped.count("|") <= 3:
            region.append((s, e))
        else:
            flush()
    flush()
    return out


def _kind(text: str) -> str:
    """E (empty), I (a small integer: 行次, 序号, or an amount), V (a figure), L (a label)."""
    if not text or _DASH_RE.match(text):
        return "E"
    plain = text.translate(FULLWIDTH).replace("，", ",")
    if _SMALL_INTEGER_RE.match(plain):
        return "I"
    if FIGURE_CELL_RE.match(plain):
        return "V"
    return "L"


def _compatible(a: str, b: str) -> bool:
    if "E" in (a, b) or a == b:
        return True
    return {a, b} == {"I", "V"}


def _profile(kinds: list[str], start: int, period: int, rows: int) -> list[str] | None:
    """Each column's kind over the first ``rows`` rows, or None if a column mixes labels and
    figures."""
    profile = ["E"] * period
    for row in range(rows):
        for column in range(period):
            kind = kinds[start + row * period + column]
            if not _compatible(profile[column], kind):
                return None
            if profile[column] == "E" or (profile[column] == "I" and kind == "V"):
                profile[column] = kind
    return profile


def _period(kinds: list[str], start: int) -> int | None:
    """The smallest period whose first rows repeat one pattern of label and figure columns."""
    for period in range(2, MAX_PERIOD + 1):
        if start + period * MIN_ROWS > len(kinds):
            return None
        profile = _profile(kinds, start, period, MIN_ROWS)
        if (
            profile is not None
            and profile[0] != "V"
            and "L" in profile
            and any(k in ("V", "I") for k in profile[profile.index("L") :])
        ):
            return period
    return None


def _after_basis_header(cells: list[Cell], kinds: list[str], index: int) -> bool:
    """A named item right under a header that names bases (预算数 | 决算数 …): the first
    row of a table whose rows are not numbered ("因公出国(境)费" under the header)."""
    if match_table_label(cells[index].text) is None:
        return False
    header = [cells[i].text for i in _header_cells(cells, kinds, index)]
    return any(_BASIS_CELL_RE.match(re.sub(r"\s+", "", w)) for w in header)


def _header_cells(cells: list[Cell], kinds: list[str], start: int) -> list[int]:
    """Indexes of the header cells right before the body: back over a 栏次 1 2 3 row, then
    short words up to the table's caption, unit line or compiler."""
    index = start - 1
    while index >= 0 and (kinds[index] in ("I", "E") or cells[index].text == "栏次"):
        index -= 1
    return _labels_before(
        cells,
        kinds,
        index,
        lambda text: bool(_META_RE.search(text) or len(text) > 14 or ROW_MARKER_RE.match(text)),
    )


def _labels_before(
    cells: list[Cell], kinds: list[str], index: int, stops: Callable[[str], bool]
) -> list[int]:
    """Indexes, in order, of the label cells back from ``index`` to the first that ``stops``
    (a caption, a unit line, a sentence): a header's words."""
    found: list[int] = []
    while index >= 0 and kinds[index] in ("L", "E"):
        text = cells[index].text
        if text and stops(text):
            break
        if text:
            found.append(index)
        index -= 1
    return found[::-1]


def _caption(cells: list[Cell], start: int) -> Span:
    for index in range(start - 1, max(-1, start - 30), -1):
        if re.search(r"表$|表[（(]", cells[index].text):
            return cells[index].span
    return (0, 0)


def _numbering(rows: list[Row], profile: list[str]) -> list[str]:
    """The profile with columns of small integers told apart: row numbers (1, 2, 3 …: 行次,
    序号) stay "I", any other column of small integers holds figures ("V")."""
    out = list(profile)
    for column, kind in enumerate(profile):
        if kind != "I":
            continue
        values = [int(r.cells[column].text) for r in rows if r.cells[column].text.isdigit()]
        steps = [b - a for a, b in pairwise(values)]
        if not (len(values) >= 2 and all(step == 1 for step in steps)):
            out[column] = "V"
    return out


def _columns(profile: list[str], header: list[str]) -> list[str] | None:
    """Column labels from the header's last cells when they line up with the columns' kinds,
    else one shared figure word; None when figure columns cannot be told apart."""
    # "预 算 数": letter-spaced words; "預算數(shù)": a mirror's traditional characters and glosses
    header = [re.sub(r"\s+", "", PINYIN_GLOSS_RE.sub("", fold(w))) for w in header]
    width = len(profile)
    while width > 1 and profile[width - 1] == "E":
        width -= 1  # the empty cell a row's closing "|" leaves: no column of its own
    if len(header) >= width:
        last = header[len(header) - width :]
        if all(_fits(kind, word) for kind, word in zip(profile, last, strict=False)):
            return last + [""] * (len(profile) - width)
    nested = _nested_columns(profile[:width], header)
    if nested is not None:
        return nested + [""] * (len(profile) - width)
    values = [
        w
        for w in header
        if _VALUE_WORD_RE.search(w) and not _CODE_WORD_RE.search(w) and w not in SIDE_WORDS
    ]
    figure_columns = [i for i, k in enumerate(profile) if k == "V"]
    if len(figure_columns) > profile.count("L") or not values or len(set(values)) > 1:
        return None  # 上年 | 本年, 合计 | 基本支出 | 项目支出 without their header: not told apart
    word = values[-1]
    out = []
    for kind in profile:
        if kind == "L":
            out.append("项目")
        elif kind == "I":
            out.append("行次")
        else:
            out.append(word)
    return out


def _nested_columns(profile: list[str], header: list[str]) -> list[str] | None:
    """A header of groups over repeated sub-headers ("项目 | 预算数 | 决算数" over "合计 |
    一般公共预算财政拨款 | 政府性基金预算财政拨款" twice): each figure column is group/sub,
    only when the sub-headers repeat exactly once per group and the groups are bases."""
    if not profile or profile[0] != "L" or any(k != "V" for k in profile[1:]):
        return None
    figures = len(profile) - 1
    for count in (2, 3, 4):
        if figures % count or len(header) < count + figures:
            continue
        size = figures // count
        subs = header[len(header) - figures :]
        groups = header[len(header) - figures - count : len(header) - figures]
        if (
            size >= 2
            and subs == subs[:size] * count
            and len(set(groups)) == count
            and all(_BASIS_CELL_RE.match(g) for g in groups)
        ):
            return ["项目"] + [f"{g}/{sub}" for g in groups for sub in subs[:size]]
    return None


def _fits(kind: str, word: str) -> bool:
    """A header word over a column of this kind: 行次 over small integers, 项目 over labels,
    a figure word over figures (a column of small integers is row numbers, not figures)."""
    if _CODE_WORD_RE.search(word):
        return kind in ("I", "E")
    if _LABEL_WORD_RE.match(word):
        return kind in ("L", "E")
    return kind in ("V", "E") and bool(_VALUE_WORD_RE.search(word))


def header_pattern(words: list[str]) -> list[str] | None:
    """The kind of cell each header word stands over (行次 → "I", 项目 → "L", 金额 → "V"), or
    None when a word says nothing certain."""
    pattern = []
    for word in words:
        word = fold(word)
        if _CODE_WORD_RE.search(word):
            pattern.append("I")
        elif _LABEL_WORD_RE.match(word):
            pattern.append("L")
        elif _VALUE_WORD_RE.search(word):
            pattern.append("V")
        else:
            return None
    return pattern


def realigned(pattern: list[str], cells: list[Cell]) -> list[Cell] | None:
    """A typed row that lost its empty cells ("二、上级补助收入 | 2 | 二、外交支出 | 29 |" under
    项目 | 行次 | 金额 | 项目 | 行次 | 金额) laid out on the header's columns: each cell in the
    first column its kind fits, the skipped columns empty. None when a cell fits nowhere."""
    out: list[Cell] = []
    for cell in cells:
        kind = _kind(cell.text)
        while len(out) < len(pattern) and not (
            kind == "E" or kind == pattern[len(out)] or (kind == "I" and pattern[len(out)] == "V")
        ):
            out.append(Cell("", (cell.span[0], cell.span[0])))
        if len(out) >= len(pattern):
            return None
        out.append(cell)
    end = cells[-1].span[1] if cells else 0
    return out + [Cell("", (end, end))] * (len(pattern) - len(out))


def _stream(text: str) -> tuple[list[tuple[Cell, bool]], list[Cell], list[str]]:
    """The text's cells (with where each region starts), the cells alone, and their kinds."""
    stream = _cells(text)
    cells = [c for c, _ in stream]
    return stream, cells, [_kind(c.text) for c in cells]


def find_all_flat_tables(text: str) -> list[FlatTable]:
    """Both kinds of flattened table in ``text``, from one pass over its cells."""
    cells = _stream(text)
    return [*_flat_tables_in(cells), *_label_free_rows_in(cells)]


def find_flat_tables(text: str) -> list[FlatTable]:
    """Every flattened table in ``text`` whose rows can be recovered."""
    return _flat_tables_in(_stream(text))


def _flat_tables_in(
    found: tuple[list[tuple[Cell, bool]], list[Cell], list[str]],
) -> list[FlatTable]:
    stream, cells, kinds = found
    tables: list[FlatTable] = []
    index = 0
    while index < len(cells):
        if not (
            kinds[index] == "L"
            and (
                _FIRST_ITEM_RE.match(cells[index].text)
                or _TOTAL_RE.match(fold(cells[index].text))
                or _after_basis_header(cells, kinds, index)
            )
        ):
            index += 1
            continue
        start = index
        if start > 0 and cells[start - 1].text == "1":
            start -= 1  # a 序号 column
        period = _period(kinds, start)
        if period is None:
            index += 1
            continue
        header = _header_cells(cells, kinds, start)
        width = period
        for multiple in range(MAX_PERIOD // period, 1, -1):
            candidate = period * multiple
            if candidate > max(len(header), period) or start + candidate > len(kinds):
                continue
            if all(
                _FIRST_ITEM_RE.match(_first_label(cells, kinds, start + half * period, period))
                for half in range(multiple)
            ):
                width = candidate
                break
        profile = _profile(kinds, start, width, 1)
        # a column empty in every one of the first rows is the gap a closing "|" leaves: a cell
        # there is the next line of the page ("二、…情况说明"), not the table's
        first_rows = (
            _profile(kinds, start, width, MIN_ROWS)
            if start + width * MIN_ROWS <= len(kinds)
            else None
        )
        gaps = [k == "E" for k in first_rows] if first_rows else [False] * width
        rows: list[Row] = []
        position = start
        while position + width <= len(cells):
            row_kinds = kinds[position : position + width]
            assert profile is not None
            if not all(_compatible(p, k) for p, k in zip(profile, row_kinds, strict=True)):
                break
            closed = any(gap and k != "E" for gap, k in zip(gaps, row_kinds, strict=False))
            if closed:
                # the last row: its gap holds the page's next line, which ends the table
                kept = [j for j in range(width) if not gaps[j]]
                if not any(stream[position + j][1] for j in kept):
                    row_cells = [
                        c if j in kept else Cell("", (c.span[0], c.span[0]))
                        for j, c in enumerate(cells[position : position + width])
                    ]
                    end = cells[position + kept[-1]].span[1]
                    rows.append(Row(cells=row_cells, span=(row_cells[0].span[0], end)))
                    position += kept[-1] + 1
                break
            if all(k == "E" for k in row_kinds):
                break
            if rows and any(stream[position + j][1] for j in range(width)):
                break  # a prose line came between: the table ended
            row_cells = cells[position : position + width]
            rows.append(
                Row(cells=list(row_cells), span=(row_cells[0].span[0], row_cells[-1].span[1]))
            )
            position += width
        row_kinds = [_kind(c.text) for row in rows for c in row.cells]
        full = _profile(row_kinds, 0, width, len(rows)) if rows else None
        if full is not None:
            full = _numbering(rows, full)
        columns = _columns(full, [cells[i].text for i in header]) if full else None
        if len(rows) >= MIN_ROWS and columns is not None:
            first_cell = cells[header[0]] if header else cells[start]
            tables.append(
                FlatTable(
                    rows=rows,
                    columns=columns,
                    title_span=_caption(cells, header[0] if header else start),
                    line_span=(first_cell.span[0], rows[-1].span[1]),
                )
            )
            index = position
        else:
            index += 1
    return tables


_BASIS_CELL_RE = re.compile(r"^(?:预算数|决算数|执行数|上年数|本年数|预算|决算)$")
_SUBTOTAL_CELL_RE = re.compile(r"^小\s*计$")


def find_label_free_rows(text: str) -> list[FlatTable]:
    """The one-row tables a page flattened with no label column: the standard “三公”经费
    支出决算表 prints group headers (合计 | 因公出国（境）费 | 公务用车购置及运行维护费 (小计 |
    购置费 | 运行维护费) | 公务接待费), then 预算数 | 决算数 under each, then one figure per
    leaf. A row is rebuilt only when the figures are exactly as many as the leaves and the
    groups, expanded by the one whose parts the sub-headers name, fill the leaves."""
    return _label_free_rows_in(_stream(text))


def _label_free_rows_in(
    found: tuple[list[tuple[Cell, bool]], list[Cell], list[str]],
) -> list[FlatTable]:
    stream, cells, kinds = found
    tables: list[FlatTable] = []
    index = 0
    while index < len(cells):
        if not _BASIS_CELL_RE.match(cells[index].text):
            index += 1
            continue
        start = index
        while index < len(cells) and _BASIS_CELL_RE.match(cells[index].text):
            index += 1
        bases = [cells[i].text for i in range(start, index)]
        figures = index
        while figures < len(cells) and kinds[figures] in ("V", "I") and not stream[figures][1]:
            figures += 1
        count = figures - index
        table = _label_free_table(cells, kinds, start, bases, index, count)
        if table is not None:
            tables.append(table)
            index = figures
    return tables + _basis_free_rows(stream, kinds, [t.line_span for t in tables])


def _basis_free_rows(
    stream: list[tuple[Cell, bool]], kinds: list[str], taken: list[Span]
) -> list[FlatTable]:
    """The same row with no 预算数 | 决算数 between the header and the figures (“三公”经费合计
    | 因公出国（境）费 | 公务用车购置及运行费 (小计 | 购置费 | 运行费) | 公务接待费 over
    "79 | 0 | 75 | 50 | 25 | 4"): its basis is the caption's (…预算表 / …决算表), and a caption
    that names neither leaves the row unread."""
    cells = [c for c, _ in stream]
    tables: list[FlatTable] = []
    index = 0
    while index < len(cells):
        if kinds[index] not in ("V", "I") or index == 0 or kinds[index - 1] not in ("L", "E"):
            index += 1
            continue
        first = index
        while index < len(cells) and kinds[index] in ("V", "I") and not stream[index][1]:
            index += 1
        count = index - first
        index = max(index, first + 1)
        if count < 4 or any(a <= cells[first].span[0] < b for a, b in taken):
            continue
        labels = _group_labels(cells, kinds, first)
        groups = _expanded(labels) if labels is not None else None
        if groups is None or len(groups) != count:
            continue
        header = _labels_before(cells, kinds, first - 1, lambda text: bool(_META_RE.search(text)))
        header_start = header[0] if header else first
        title_span = _caption(cells, header_start)
        caption = re.sub(r"\s+", "", "".join(c.text for c in cells if c.span == title_span))
        basis = "决算数" if "决算" in caption else "预算数" if "预算" in caption else None
        if basis is None:
            continue
        row_cells = cells[first:index]
        row = Row(cells=list(row_cells), span=(row_cells[0].span[0], row_cells[-1].span[1]))
        tables.append(
            FlatTable(
                rows=[row],
                columns=[f"{group}/{basis}" for group in groups],
                title_span=title_span,
                line_span=(cells[header_start].span[0], row.span[1]),
            )
        )
    return tables


def _label_free_table(
    cells: list[Cell], kinds: list[str], start: int, bases: list[str], first: int, count: int
) -> FlatTable | None:
    period = next(
        (
            p
            for p in range(1, len(bases) + 1)
            if len(bases) % p == 0 and bases == bases[:p] * (len(bases) // p)
        ),
        len(bases),
    )
    if count != len(bases) or count < 4 or period == len(bases):
        return None
    labels = _group_labels(cells, kinds, start)
    if labels is None:
        return None
    groups = _expanded(labels)
    if groups is None or len(groups) * period != count:
        return None
    columns = [f"{group}/{basis}" for group in groups for basis in bases[:period]]
    row_cells = cells[first : first + count]
    row = Row(cells=list(row_cells), span=(row_cells[0].span[0], row_cells[-1].span[1]))
    header = _labels_before(cells, kinds, start - 1, lambda text: bool(_META_RE.search(text)))
    header_start = header[0] if header else start
    return FlatTable(
        rows=[row],
        columns=columns,
        title_span=_caption(cells, header_start),
        line_span=(cells[header_start].span[0], row.span[1]),
    )


def _group_labels(cells: list[Cell], kinds: list[str], start: int) -> list[str] | None:
    """The header cells above the 预算数 | 决算数 run, fragments a wrapped cell left joined
    ("因公出国" + "(境)费", "公务用车" + "购置费"), back to the caption or unit line."""
    raw = [
        cells[i].text
        for i in _labels_before(
            cells,
            kinds,
            start - 1,
            lambda text: bool(_META_RE.search(text) or len(text) > 30 or _PROSE_RE.search(text)),
        )
    ]
    joined: list[str] = []
    for text in raw:
        if joined and (
            text[0] in "(（"
            or (
                match_table_label(joined[-1]) is None
                and match_table_label(joined[-1] + text) is not None
            )
        ):
            joined[-1] += text  # one cell the page wrapped
        else:
            joined.append(text)
    if len(joined) > 1 and _TOTAL_RE.match(joined[1]):
        joined = joined[1:]  # "一般公共预算财政拨款“三公”经费" over its own 合计
    if not joined or any(
        match_table_label(t) is None and not _SUBTOTAL_CELL_RE.match(t) and not _TOTAL_RE.match(t)
        for t in joined
    ):
        return None
    return joined


def _expanded(labels: list[str]) -> list[str] | None:
    """Leaf groups: the top row, one of them split into the sub-headers after a 小计."""
    if not any(_SUBTOTAL_CELL_RE.match(t) for t in labels):
        return labels
    split = next(i for i, t in enumerate(labels) if _SUBTOTAL_CELL_RE.match(t))
    top, subs = labels[:split], labels[split + 1 :]
    parts = [match_table_label(t) for t in subs]
    owners = [
        i
        for i, t in enumerate(top)
        if (keys := match_table_label(t)) is not None
        and all(p is not None and set(p) <= set(SUBPARTS.get(keys[0], ())) for p in parts)
    ]
    if len(owners) != 1:
        return None
    owner = top[owners[0]]
    inner = [f"{owner}/小计", *(f"{owner}/{t}" for t in subs)]
    return top[: owners[0]] + inner + top[owners[0] + 1 :]


def _first_label(cells: list[Cell], kinds: list[str], start: int, period: int) -> str:
    for offset in range(period):
        if start + offset < len(cells) and kinds[start + offset] == "L":
            return cells[start + offset].text
    return ""


def wan_cells(text: str, rows: list[Row]) -> bool:
    """Some figure of these rows was printed with 万元 after it ("44万元")."""
    return any(
        c.text and text[c.span[1] : c.span[1] + 3].lstrip().startswith("万元")
        for row in rows
        for c in row.cells
    )
