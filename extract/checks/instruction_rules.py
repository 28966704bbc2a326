"""A document holds no instructions to an AI assistant (:mod:`budgetlens.extract.instructions`).

Each such sentence fails this check with its span and page, so the reader of a record sees it;
question answering masks the same spans before any passage reaches a model and never cites
them.
"""

from __future__ import annotations

from budgetlens.extract.checks.base import CheckResult, Operand
from budgetlens.extract.document import Document
from budgetlens.extract.instructions import find_instructions


def instruction_checks(doc: Document) -> list[CheckResult]:
    results = []
    for number, found in enumerate(find_instructions(doc)):
        quote = doc.quote(found.span)
        page = doc.page_of(found.span[0]) if doc.page_starts else None
        where = f"第{page}页" if page else "文件中"
        results.append(
            CheckResult(
                id=f"instruction:{number}",
                rule="the document holds no instructions to an assistant",
                status="fail",
                operands=[Operand("疑似写给AI助手的指令", None, found.span, quote)],
                message=f"{where}有一段像是写给AI助手的指令（“{found.cue}”）：“{quote[:60]}”。"
                "它不是预算内容：问答不会把它交给模型，也不会引用它。",
            )
        )
    return results
