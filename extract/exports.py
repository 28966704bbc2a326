"""Records as files an auditor can open: JSON lines, a CSV of facts, an XLSX workbook.

Every row says where its figure came from (document path, page, section, the quoted text)
and keeps the figure as printed (451.60 stays 451.60, not 451.6), beside the value in 万元.
Documents that failed are listed too, so a reader never mistakes a missing document for an
empty one. Column headers are Chinese with the English key in brackets.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from budgetlens.extract.lexicon import KIND_NAMES, STATUS_NAMES, display_name
from budgetlens.extract.types import Record

FORMATS = ("jsonl", "csv", "xlsx")

FACT_COLUMNS = [
    ("文件", "doc"),
    ("路径", "path"),
    ("单位", "unit"),
    ("年度", "year"),
    ("类别", "kind"),
    ("项目", "label"),
    ("键", "key"),
    ("金额（印刷）", "printed"),
    ("数值", "value"),
    ("计量单位", "unit_of_value"),
    ("页码", "page"),
    ("章节", "section"),
    ("原文", "text"),
    ("起", "span_start"),
    ("止", "span_end"),
    ("来源", "source"),
    ("方法", "method"),
    ("状态", "status"),
]
CHECK_COLUMNS = [
    ("文件", "doc"),
    ("核对", "rule_zh"),
    ("规则", "rule"),
    ("结果", "status"),
    ("说明", "message"),
    ("应为", "expected"),
    ("实际", "actual"),
    ("各项（原文、页码）", "operands"),
]
REASON_COLUMNS = [
    ("文件", "doc"),
    ("项目", "label"),
    ("键", "key"),
    ("原因（原文）", "text"),
    ("页码", "page"),
    ("起", "span_start"),
    ("止", "span_end"),
    ("方法", "method"),
    ("匹配", "match"),
]
ERROR_COLUMNS = [("文件", "doc"), ("路径", "path"), ("阶段", "stage"), ("问题", "error")]


def header(columns: list[tuple[str, str]]) -> list[str]:
    return [f"{zh}（{key}）" for zh, key in columns]


def _printed_number(printed: str) -> str:
    """The digits as printed: '451.60万元' → '451.60'."""
    match = re.search(r"[-−]?[\d,，.．]+", printed)
    return match.group() if match else printed


def fact_rows(record: Record) -> Iterator[list[Any]]:
    if record.error is not None:
        row: list[Any] = [""] * len(FACT_COLUMNS)
        row[:5] = [record.doc, record.path, record.unit, record.year, ""]
        row[-1] = f"出错（{record.stage}）：{record.error}"
        yield row
        return
    for key, fact in record.facts.items():
        yield [
            record.doc,
            record.path,
            record.unit,
            record.year,
            KIND_NAMES.get(record.kind or "", ""),
            fact.label or display_name(key),
            key,
            _printed_number(fact.printed),
            fact.value,
            fact.unit,
            fact.page,
            fact.section,
            fact.text,
            fact.span[0],
            fact.span[1],
            {"text": "正文", "table": "表格"}[fact.source],
            fact.method,
            "",
        ]


def _operands_text(check: Any) -> str:
    parts = []
    for o in check.operand_details:
        where = f"第{o.page}页 " if o.page else ""
        value = "" if o.value is None else f"{o.value}"
        quote = f"「{o.text}」" if o.text else "（未说明）"
        parts.append(f"{o.label or o.name} {value} {where}{quote}".strip())
    return "；".join(parts)


def check_rows(record: Record) -> Iterator[list[Any]]:
    for check in record.checks:
        yield [
            record.doc,
            check.rule_zh or check.rule,
            check.rule,
            STATUS_NAMES.get(check.status, check.status),
            check.message,
            check.expected,
            check.actual,
            _operands_text(check),
        ]


def reason_rows(record: Record) -> Iterator[list[Any]]:
    for key, items in record.reasons.items():
        for item in items:
            yield [
                record.doc,
                display_name(key),
                key,
                item.text,
                item.page,
                item.span[0],
                item.span[1],
                item.method,
                item.match,
            ]


def export_name(stem: str, fmt: str) -> str:
    """``<batch or document name>.facts.csv`` / ``.records.xlsx`` / ``.records.jsonl``."""
    safe = re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", stem).strip("._") or "budgetlens"
    return f"{safe}.facts.csv" if fmt == "csv" else f"{safe}.records.{fmt}"


def write_export(records: Iterable[Record], target: Path, fmt: str) -> Path:
    """Write ``records`` (streamed) as ``fmt`` to ``target``; returns ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        with target.open("w", encoding="utf-8") as out:
            for record in records:
                out.write(record.model_dump_json() + "\n")
        return target
    if fmt == "csv":
        with target.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header(FACT_COLUMNS))
            for record in records:
                writer.writerows(fact_rows(record))
        return target
    if fmt == "xlsx":
        _write_xlsx(records, target)
        return target
    raise ValueError(f"unknown export format {fmt!r} (choose {', '.join(FORMATS)})")


def _write_xlsx(records: Iterable[Record], target: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheets = {
        name: book.create_sheet(name)
        for name in ("数字 facts", "核对 checks", "原因 reasons", "出错 errors")
    }
    sheets["数字 facts"].append(header(FACT_COLUMNS))
    sheets["核对 checks"].append(header(CHECK_COLUMNS))
    sheets["原因 reasons"].append(header(REASON_COLUMNS))
    sheets["出错 errors"].append(header(ERROR_COLUMNS))
    printed_column = [key for _, key in FACT_COLUMNS].index("printed")
    facts = sheets["数字 facts"]
    for record in records:
        if record.error is not None:
            sheets["出错 errors"].append([record.doc, record.path, record.stage, record.error])
        for row in fact_rows(record):
            cells: list[Any] = list(row)
            # the printed figure as text, so Excel keeps 451.60 and never shows 451.6
            cell = WriteOnlyCell(facts, value=row[printed_column])
            cell.number_format = "@"
            cells[printed_column] = cell
            facts.append(cells)
        for row in check_rows(record):
            sheets["核对 checks"].append(row)
        for row in reason_rows(record):
            sheets["原因 reasons"].append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    target.write_bytes(buffer.getvalue())
