"""Q&A for the evaluation harness: index what the harness just built, then answer."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from eval.qa_hook import QAContext
from eval.score_qa import AskFn
from extract.record import parse_text
from qa.answer import ask
from qa.index import Index


def make_ask(context: QAContext) -> AskFn:
    directory = Path(tempfile.mkdtemp(prefix="budgetlens-eval-index-"))
    index = Index(directory)
    for name, text in context.texts.items():
        index.add(name, text, context.records[name], parse_text(text, name).doc)

    def answer(question: str, doc_names: list[str]) -> dict[str, Any]:
        return ask(question, index, context.llm, docs=doc_names or None).as_dict()

    return answer
