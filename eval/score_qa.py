"""Q&A against gold questions, through any ``ask`` callable.

Why a callable: the Q&A layer (qa/) is built separately; the harness only needs
``ask(question, doc_names) -> answer dict`` in the record contract's Answer format, so
any implementation (or a stub in a test) plugs in without the harness knowing its insides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

AskFn = Callable[[str, list[str]], dict[str, Any]]


def score_answer(item: dict[str, Any], answer: dict[str, Any], doc: str) -> dict[str, Any]:
    """One gold question against one answer.

    answerable (default): correct when not declined and the answer text holds any of
    ``answer_any``; the citation is correct when a verified citation of this document
    quotes ``citation_contains``. Unanswerable: correct when the answer is declined.
    """
    answerable = item.get("answerable", True) is not False
    declined = bool(answer.get("declined"))
    text = str(answer.get("answer") or "")
    citations = answer.get("citations") or []
    result: dict[str, Any] = {
        "question": item["question"],
        "answerable": answerable,
        "declined": declined,
        "answer": text,
        "citations": [
            {k: c.get(k) for k in ("doc", "span", "quote", "verified")} for c in citations
        ],
    }
    if not answerable:
        result["correct"] = declined
        return result
    wanted = item.get("answer_any") or []
    result["correct"] = not declined and any(str(w) in text for w in wanted)
    result["expected_any"] = wanted
    needle = item.get("citation_contains")
    if needle:
        result["citation_contains"] = needle
        # a declined answer's "closest passages" are not citations of an answer
        result["citation_correct"] = not declined and any(
            c.get("verified")
            and c.get("doc") in (None, doc, *item.get("also_docs", []))
            and needle in str(c.get("quote"))
            for c in citations
        )
    return result


def score_questions(gold: dict[str, Any], ask: AskFn | None) -> dict[str, Any]:
    questions = gold.get("qa")
    if not questions:
        return {"scored": False, "why": "the gold file asks no questions"}
    if ask is None:
        return {"scored": False, "why": "not run (no Q&A layer given)", "not_run": True}
    items = []
    for item in questions:
        try:
            answer = ask(item["question"], [gold["doc"], *item.get("also_docs", [])])
        except Exception as exc:  # one failing question must not end the evaluation
            answer = {"answer": "", "declined": False, "citations": []}
            scored = score_answer(item, answer, gold["doc"])
            scored.update(correct=False, error=f"{type(exc).__name__}: {exc}")
            if "citation_correct" in scored:
                scored["citation_correct"] = False
            items.append(scored)
            continue
        items.append(score_answer(item, answer, gold["doc"]))
    return {"scored": True, **qa_summary(items), "items": items}


def qa_summary(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts that add up over documents; rates are computed from them."""
    answerable = [i for i in items if i["answerable"]]
    cited = [i for i in answerable if "citation_correct" in i]
    unanswerable = [i for i in items if not i["answerable"]]
    return {
        "answerable": len(answerable),
        "answer_correct": sum(i["correct"] for i in answerable),
        "cited": len(cited),
        "citation_correct": sum(i["citation_correct"] for i in cited),
        "unanswerable": len(unanswerable),
        "declined_correctly": sum(i["correct"] for i in unanswerable),
        "false_declines": sum(i["declined"] for i in answerable),
        "errors": sum("error" in i for i in items),
    }


def qa_rates(summary: dict[str, Any]) -> dict[str, float | None]:
    def rate(n: str, d: str) -> float | None:
        return round(summary[n] / summary[d], 4) if summary.get(d) else None

    return {
        "answer_accuracy": rate("answer_correct", "answerable"),
        "citation_accuracy": rate("citation_correct", "cited"),
        "decline_accuracy": rate("declined_correctly", "unanswerable"),
    }
