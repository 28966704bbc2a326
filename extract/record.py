"""The deterministic part of the pipeline (load → structure → facts → checks) and the typed
:class:`~budgetlens.extract.types.Record` it produces.

No model is involved here; :mod:`budgetlens.pipeline` adds the narrative (reasons, duties)
on top and is what every caller uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from budgetlens.extract.checks import CheckResult, run_checks
from budgetlens.extract.document import Document, Span
from budgetlens.extract.facts import Facts, Statement, extract_facts
from budgetlens.extract.lexicon import display_name, rule_in_chinese
from budgetlens.extract.loaders import DEFAULT_MAX_BYTES, LoadedText, load_text
from budgetlens.extract.numbers import json_number
from budgetlens.extract.rows import indicator_rows, procurement_rows
from budgetlens.extract.structure import build_structure
from budgetlens.extract.types import (
    Check,
    Fact,
    FactStatement,
    Operand,
    Record,
    SectionInfo,
    TableInfo,
)

__all__ = ["ParsedDocument", "build_record", "parse_file", "parse_loaded", "parse_text"]

PARSER_VERSION = "2"
"""Bumped whenever the deterministic parser's output changes, so ``--resume`` redoes records."""


@dataclass(slots=True)
class ParsedDocument:
    """A document with its parsed facts and checks, before any model step."""

    doc: Document
    facts: Facts
    checks: list[CheckResult]
    loaded: LoadedText | None = None
    extra_checks: list[CheckResult] = field(default_factory=list)

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.all_checks if c.status == "fail"]

    @property
    def all_checks(self) -> list[CheckResult]:
        return [*self.checks, *self.extra_checks]


def parse_text(text: str, name: str, source_format: str = "txt") -> ParsedDocument:
    doc = build_structure(Document(name=name, text=text, source_format=source_format))
    facts = extract_facts(doc)
    return ParsedDocument(doc=doc, facts=facts, checks=run_checks(doc, facts))


def parse_loaded(loaded: LoadedText, name: str) -> ParsedDocument:
    """Parse what a loader returned, keeping its warnings."""
    parsed = parse_text(loaded.text, name, loaded.source_format)
    parsed.doc.page_starts = list(loaded.page_starts)
    parsed.doc.warnings[:0] = loaded.warnings
    parsed.loaded = loaded
    return parsed


def parse_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedDocument:
    """Load and parse one file; raises :class:`~budgetlens.errors.LoadError` naming it."""
    return parse_loaded(load_text(path, max_bytes=max_bytes), Path(path).name)


def _span(span: Span) -> tuple[int, int]:
    return (int(span[0]), int(span[1]))


def _number(value: Decimal | None) -> float | None:
    return json_number(value)


def _statement(doc: Document, statement: Statement) -> FactStatement:
    return FactStatement(
        value=json_number(statement.value) or 0.0,
        printed=doc.quote(statement.figure_span),
        text=doc.quote(statement.span),
        span=_span(statement.span),
        figure_span=_span(statement.figure_span),
        page=doc.page_of(statement.span[0]),
        source="table" if statement.source == "table" else "text",
    )


def build_fact(doc: Document, key: str, statements: list[Statement], first: Statement) -> Fact:
    return Fact(
        value=json_number(first.value) or 0.0,
        printed=doc.quote(first.figure_span),
        text=doc.quote(first.span),
        span=_span(first.span),
        figure_span=_span(first.figure_span),
        page=doc.page_of(first.span[0]),
        section=doc.section_path(first.span[0]),
        source="table" if first.source == "table" else "text",
        method="table"
        if first.source == "table"
        else "model"
        if first.method == "model"
        else "rule",
        label=display_name(key),
        others=[_statement(doc, s) for s in statements if s is not first],
    )


# what each kind of check verifies, as a reader says it
RULE_TITLES = {
    "sum": "分项相加等于合计",
    "consistent": "同一数字各处一致",
    "change": "增减额等于本年减上年",
    "percent": "增减率与增减额、上年数相符",
    "completion": "完成率等于决算数除以预算数",
    "share": "占比等于分项除以总额",
    "share_whole": "同一总额的各项占比相互一致",
    "balance": "预算收支平衡",
    "table_level": "表中上级科目等于下级科目之和",
    "table_total": "表中合计等于各行之和",
    "table_row": "表中一行的合计等于其分列之和",
    "line_amount": "数量乘单价等于金额",
    "empty_note": "空表说明与表内数字一致",
    "item_heading": "科目说明的标题金额等于段中预算安排",
    "item_percent": "科目说明的增减率与执行数、预算安排相符",
    "item_table": "科目说明的金额与表中该科目一致",
    "opening_unit_matches_title": "开头的单位名称与标题一致",
    "year_consistent": "年度前后一致",
    "model_number": "模型给出的数字与原文一致",
    "instruction": "文件中没有写给AI助手的指令",
}


def rule_title(check_id: str) -> str:
    """The Chinese name of a check's kind, from its id ("sum:expenditure_total" → 分项相加…)."""
    return RULE_TITLES.get(check_id.split(":")[0], "")


def _rule_zh(check: CheckResult) -> str:
    """ "分项相加等于合计：支出总计 = 基本支出 + 项目支出"; table and paragraph rules name their
    subject in the message instead."""
    title = rule_title(check.id)
    kind = check.id.split(":")[0]
    if kind in ("sum", "consistent", "change", "percent", "completion", "share", "balance"):
        identity = rule_in_chinese(check.rule)
        identity = identity.replace("every statement of ", "").replace(" agrees", "")
        identity = identity.replace("share of ", "").replace("previous × 100", "上年数 × 100")
        return f"{title}：{identity}" if title else identity
    return title or rule_in_chinese(check.rule)


def build_check(doc: Document, check: CheckResult) -> Check:
    return Check(
        id=check.id,
        rule=check.rule,
        rule_zh=_rule_zh(check),
        status=check.status,
        expected=_number(check.expected),
        actual=_number(check.actual),
        operands=[o.name for o in check.operands],
        operand_details=[
            Operand(
                name=o.name,
                label=display_name(o.name),
                value=_number(o.value),
                text=o.text,
                span=_span(o.span) if o.span else None,
                page=doc.page_of(o.span[0]) if o.span else None,
            )
            for o in check.operands
        ],
        message=check.message,
    )


_STATUS_ORDER = {"fail": 0, "rounding": 1, "deferred": 2, "pass": 3}


def build_record(parsed: ParsedDocument) -> Record:
    """The typed record of a parsed document (narrative fields empty; the pipeline adds them)."""
    doc, facts = parsed.doc, parsed.facts
    meta = doc.meta
    record = Record(
        doc=doc.name,
        unit=meta.unit,
        year=meta.year,
        kind=meta.kind,
        scope=meta.scope,
        title=meta.title.replace("\n", " "),
        source_format=doc.source_format,
        pages=len(doc.page_starts) or None,
        page_starts=list(doc.page_starts),
    )
    for key, statements in facts.statements.items():
        first = facts.get(key)
        assert first is not None
        record.facts[key] = build_fact(doc, key, statements, first)
    for check in sorted(parsed.all_checks, key=lambda c: _STATUS_ORDER[c.status]):
        record.checks.append(build_check(doc, check))
    record.sections = [
        SectionInfo(
            title=s.title,
            number=s.number,
            level=s.level,
            span=_span(s.span),
            parent=s.parent,
            page=doc.page_of(s.span[0]),
        )
        for s in doc.sections
    ]
    record.tables = [
        TableInfo(
            index=t.index,
            title=t.title,
            unit=t.unit,
            columns=t.columns,
            header_rows=t.header_rows,
            empty=t.is_empty,
            span=_span(t.span),
            page=doc.page_of(t.span[0]),
            section=doc.section_path(t.span[0]),
            rows=[[c.text for c in row.cells] for row in t.rows],
        )
        for t in doc.tables
    ]
    record.indicators = indicator_rows(doc)
    record.procurement_items = procurement_rows(doc)
    record.warnings = list(doc.warnings)
    return record
