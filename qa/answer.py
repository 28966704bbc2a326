"""Answers with verified citations: parse the question once, scope it, dispatch it.

:func:`ask` parses the question into a :class:`~budgetlens.qa.query.Query`, resolves which
indexed documents it is about (:mod:`budgetlens.qa.scope`), and hands it to the one handler
for its intent (:mod:`budgetlens.qa.handlers`). Record handlers answer from the record with
no search and no model; when they cannot, the question goes to one hybrid search and the
model. Every citation comes from an actual match against the document text; without one,
the answer is "文件中没有找到相关信息" with the closest passages. Document text is data: it
reaches the model only inside numbered passages, never as instructions.
"""

from __future__ import annotations

from budgetlens.extract.types import Answer
from budgetlens.llm.base import LLM
from budgetlens.qa.handlers import RECORD_HANDLERS, answer_compare, answer_open, decline
from budgetlens.qa.index import Index
from budgetlens.qa.query import parse_query
from budgetlens.qa.scope import resolve

__all__ = ["ask"]


def ask(question: str, index: Index, llm: LLM | None, *, docs: list[str] | None = None) -> Answer:
    """Answer ``question`` from the indexed documents (only ``docs`` when given).

    ``llm`` is used only when the record cannot answer; pass a lazily started model
    (``settings.lazy_llm()``) so a record answer never starts one.
    """
    query = parse_query(question)
    stored = index.documents()
    if docs is not None:
        wanted = set(docs)
        stored = {name: d for name, d in stored.items() if name in wanted}
    if not stored:
        return decline(query, "没有已索引的文件")
    scope = resolve(query, stored.values())
    if scope.refusal is not None:
        return decline(query, scope.refusal)
    scoped = [stored[d.name] for d in scope.docs]
    if query.intent == "compare" and len(scoped) > 1:
        compared = answer_compare(query, scoped)
        if compared is not None:
            return compared
    handler = RECORD_HANDLERS.get(query.base_intent)
    if handler is not None and len({d.unit for d in scoped}) == 1:
        answered = handler(query, scoped[0])
        if answered is not None:
            return answered
    return answer_open(query, scoped, index, llm)
