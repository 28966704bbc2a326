"""The public output: one JSON record per document, in the shape of the record contract.

``parse_file``/``parse_text`` are the deterministic pipeline (load → structure → facts →
checks, no model); later stages (narrative extraction) add ``reasons`` and ``duties``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extract.checks import CheckResult, run_checks
from extract.document import Document
from extract.facts import Facts, extract_facts
from extract.numbers import json_number as number
from extract.rows import indicator_rows, procurement_rows
from extract.structure import build_structure

__all__ = ["ParsedDocument", "parse_file", "parse_loaded", "parse_text"]


@dataclass(slots=True)
class ParsedDocument:
    doc: Document
    facts: Facts
    checks: list[CheckResult]
    extra: dict[str, Any] = field(default_factory=dict)  # reasons, duties… from later stages

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "fail"]

    def record(self, *, include_tables: bool = True) -> dict[str, Any]:
        return build_record(self, include_tables=include_tables)


def parse_text(text: str, name: str, source_format: str = "txt") -> ParsedDocument:
    doc = build_structure(Document(name=name, text=text, source_format=source_format))
    facts = extract_facts(doc)
    return ParsedDocument(doc=doc, facts=facts, checks=run_checks(doc, facts))


def parse_file(path: str | Path, *, max_bytes: int = 20 * 1024 * 1024) -> ParsedDocument:
    """Load and parse one file; raises ``extract.loaders.LoadError`` naming the file and problem."""
    from extract.loaders import load_text  # the loaders pull in docx/pdf/html libraries

    return parse_loaded(load_text(path, max_bytes=max_bytes), Path(path).name)


def parse_loaded(loaded: Any, name: str) -> ParsedDocument:
    """Parse what a loader returned (``extract.loaders.LoadedText``), keeping its warnings."""
    parsed = parse_text(loaded.text, name, loaded.source_format)
    parsed.doc.warnings[:0] = loaded.warnings
    return parsed


def build_record(parsed: ParsedDocument, *, include_tables: bool = True) -> dict[str, Any]:
    doc, facts = parsed.doc, parsed.facts
    meta = doc.meta
    record: dict[str, Any] = {
        "doc": doc.name,
        "unit": meta.unit,
        "year": meta.year,
        "kind": meta.kind,
        "scope": meta.scope,
        "title": meta.title.replace("\n", " "),
        "facts": {},
        "reasons": {},
        "duties": [],
        "checks": [],
    }
    for key in facts.statements:
        statement = facts.get(key)
        assert statement is not None
        record["facts"][key] = {
            "value": number(statement.value),
            "text": doc.quote(statement.span),
            "span": list(statement.span),
            "figure_span": list(statement.figure_span),
            "source": statement.source,
            "unit": "万元",
            "section": doc.section_path(statement.span[0]),
        }
        if statement.percent is not None and statement.percent_span is not None:
            record["facts"][key]["percent"] = number(statement.percent)
            record["facts"][key]["percent_span"] = list(statement.percent_span)
    order = {"fail": 0, "rounding": 1, "deferred": 2, "pass": 3}
    for check in sorted(parsed.checks, key=lambda c: order[c.status]):
        record["checks"].append(
            {
                "id": check.id,
                "rule": check.rule,
                "status": check.status,
                "expected": number(check.expected),
                "actual": number(check.actual),
                "operands": [o.name for o in check.operands],
                "operand_details": [
                    {
                        "name": o.name,
                        "value": number(o.value),
                        "span": list(o.span) if o.span else None,
                        "text": o.text,
                    }
                    for o in check.operands
                ],
                "message": check.message,
            }
        )
    record.update(parsed.extra)
    if include_tables:
        record["sections"] = [
            {
                "title": s.title,
                "number": s.number,
                "level": s.level,
                "span": list(s.span),
                "parent": s.parent,
            }
            for s in doc.sections
        ]
        record["tables"] = [
            {
                "index": t.index,
                "title": t.title,
                "unit": t.unit,
                "columns": t.columns,
                "header_rows": t.header_rows,
                "empty": t.is_empty,
                "span": list(t.span),
                "section": doc.section_path(t.span[0]),
                "rows": [[c.text for c in row.cells] for row in t.rows],
            }
            for t in doc.tables
        ]
        record["indicators"] = indicator_rows(doc)
        record["procurement_items"] = procurement_rows(doc)
    record["warnings"] = doc.warnings
    return record
