"""One handler per kind of question.

- figure, change, why, use: answered from one document's record, citing the span the figure
  or reason was parsed from (no search, no model);
- compare: one figure across documents, with the arithmetic shown;
- open: one hybrid search, then the model, whose quotes must be verbatim in the passages.

A record handler returns None when the record cannot answer (the figure or reason is not in
it); the dispatcher then hands the question to ``open``. Numbers never come from the model:
an ``open`` answer whose figures are not printed in its verified quotes is declined.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel, Field

from budgetlens.extract.facts import facts_in_snippet
from budgetlens.extract.instructions import mask
from budgetlens.extract.lexicon import UNDATED_KEYS, display_name
from budgetlens.extract.types import Answer, Citation, Fact, Record
from budgetlens.llm.base import LLM, ModelOutputError
from budgetlens.prompts import load_prompt
from budgetlens.qa.citations import (
    SENTENCE_END,
    CitedDoc,
    cite_quote,
    cite_span,
    instruction_spans,
    passage,
    segment_around,
)
from budgetlens.qa.query import AMOUNT_RE, Query

NOT_FOUND = "文件中没有找到相关信息"
NEEDS_MODEL = "这个问题要由模型阅读原文才能回答，但模型未启用（--no-model）；下面是最接近的段落"


class Searcher(Protocol):
    def search(self, question: str, *, docs: list[str] | None = None, k: int = 6) -> list: ...


def decline(query: Query, why: str = "", closest: list[Citation] | None = None) -> Answer:
    answer = f"{NOT_FOUND}：{why}" if why else NOT_FOUND
    return Answer(
        question=query.text, answer=answer, declined=True, citations=closest or [], route="none"
    )


# --- from the record ---------------------------------------------------------------------


def _describe(doc: CitedDoc, key: str, fact: Fact) -> str:
    """The figure as the document printed it (0.00万元 stays 0.00万元)."""
    printed = fact.printed or doc.text[fact.figure_span[0] : fact.figure_span[1]]
    if not key.startswith("change_"):
        return printed
    if fact.value == 0:
        return "持平（无增减变化）"
    return f"{'增加' if fact.value > 0 else '减少'}{printed}"


def _who(doc: CitedDoc, key: str) -> str:
    """ "廊坊市科学技术协会2023年" — a stock at year-end (固定资产) is not of the budget year."""
    record = doc.record
    if key in UNDATED_KEYS:
        return record.unit
    return f"{record.unit}{record.year or ''}年"


def _fact_citation(doc: CitedDoc, fact: Fact) -> Citation | None:
    return cite_span(doc, fact.text, fact.span)


def check_notes(doc: CitedDoc, facts: Sequence[Fact]) -> list[str]:
    """The failed checks of the record that read one of these figures, in the reader's words:
    an answer built on a figure the document contradicts says so."""
    notes: list[str] = []
    spans = [(f.figure_span[0], f.figure_span[1]) for f in facts] + [
        (o.span[0], o.span[1]) for f in facts for o in f.others
    ]

    def on_figure(span: tuple[int, int]) -> bool:
        return any(span[0] < b and a < span[1] for a, b in spans)

    for check in doc.record.checks:
        if check.status != "fail" or check.id.startswith("instruction:"):
            continue
        places = [(o, (o.span[0], o.span[1])) for o in check.operand_details if o.span]
        if not any(on_figure(span) for _, span in places):
            continue
        others = [o for o, span in places if not on_figure(span)]
        where = "、".join(
            f"第{o.page}页“{o.text[:24]}”" if o.page else f"“{o.text[:24]}”" for o in others[:2]
        )
        detail = check.message or check.rule_zh
        notes.append(f"注意：{detail}" + (f"（另见{where}）" if where else ""))
    return list(dict.fromkeys(notes))[:3]


def _with_notes(answer: Answer, doc: CitedDoc, facts: Sequence[Fact]) -> Answer:
    notes = check_notes(doc, facts)
    if notes:
        answer.warnings = notes
        answer.answer = answer.answer + "\n" + "\n".join(notes)
    return answer


def _key_in(record: Record, query: Query) -> str | None:
    keys = [k for k in query.keys if k in record.facts or f"change_{k}" in record.facts]
    return keys[0] if keys else None


def answer_why(query: Query, doc: CitedDoc) -> Answer | None:
    record = doc.record
    key = _key_in(record, query) or query.key
    if key is None:
        return None
    found = record.reasons.get(f"change_{key}")
    if not found:
        return None
    change = record.facts.get(f"change_{key}")
    start = min([found[0].span[0]] + ([change.span[0]] if change else []))
    end = max(item.span[1] for item in found)
    quote = doc.text[start:end]
    citation = cite_span(doc, quote, (start, end))
    if citation is None:
        return None
    reasons = "；".join(item.text for item in found)
    what = _describe(doc, f"change_{key}", change) if change else "有所变化"
    answer = Answer(
        question=query.text,
        answer=f"{_who(doc, key)}{display_name(key)}{what}，原因：{reasons}。",
        declined=False,
        citations=[citation],
        route="why",
    )
    return _with_notes(answer, doc, [change] if change else [])


def answer_use(query: Query, doc: CitedDoc) -> Answer | None:
    record = doc.record
    key = _key_in(record, query)
    if key is None or key not in record.facts:
        return None
    fact = record.facts[key]
    segment = segment_around(doc.text, *fact.span, limit=400)
    use = doc.text.find("主要用于", fact.span[1], segment[1])
    if use < 0:
        return None
    level = _fact_citation(doc, fact)
    uses = cite_quote(doc, doc.text[use : segment[1]], (use, segment[1]), widen=None)
    if level is None or uses is None:
        return None
    answer = Answer(
        question=query.text,
        answer=f"{display_name(key)}{_describe(doc, key, fact)}，{uses.quote}",
        declined=False,
        citations=[level, uses],
        route="use",
    )
    return _with_notes(answer, doc, [fact])


def answer_figure(query: Query, doc: CitedDoc) -> Answer | None:
    """The level and/or the change of the fact the question names."""
    record = doc.record
    key = _key_in(record, query)
    if key is None:
        return None
    parts: list[str] = []
    facts: list[Fact] = []
    if key in record.facts and (query.wants_amount or not query.wants_change):
        parts.append(f"{display_name(key)}为{_describe(doc, key, record.facts[key])}")
        facts.append(record.facts[key])
    change = record.facts.get(f"change_{key}")
    if query.wants_change and change is not None:
        parts.append(f"比上年{_describe(doc, f'change_{key}', change)}")
        facts.append(change)
    if not parts:
        return None
    start, end = min(f.span[0] for f in facts), max(f.span[1] for f in facts)
    if end - start < 200:
        joint = cite_span(doc, doc.text[start:end], (start, end))
        citations = [joint] if joint is not None else []
    else:
        citations = [c for f in facts if (c := _fact_citation(doc, f)) is not None]
    if len(citations) < (1 if end - start < 200 else len(facts)):
        return None  # a stored quote no longer matches the indexed text: not from the record
    answer = Answer(
        question=query.text,
        answer=_who(doc, key) + "，".join(parts) + "。",
        declined=False,
        citations=citations,
        route=query.intent,
    )
    return _with_notes(answer, doc, facts)


RECORD_HANDLERS = {
    "why": answer_why,
    "use": answer_use,
    "change": answer_figure,
    "figure": answer_figure,
}


def _fmt(value: float) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def answer_compare(query: Query, docs: Sequence[CitedDoc]) -> Answer | None:
    """One figure across documents, with the arithmetic shown."""
    rows: list[tuple[CitedDoc, Fact]] = []
    key = None
    for candidate in query.keys:
        present = [(d, d.record.facts[candidate]) for d in docs if candidate in d.record.facts]
        # one row per unit and year: a second copy of a document (another format, which the
        # content check could not match) must not be listed twice
        seen: set[tuple[str, int | None]] = set()
        present = [
            (d, f)
            for d, f in present
            if (d.record.unit, d.record.year) not in seen
            and not seen.add((d.record.unit, d.record.year))  # type: ignore[func-returns-value]
        ]
        if len(present) >= 2:
            rows, key = present, candidate
            break
    if key is None:
        return None
    citations = [_fact_citation(d, fact) for d, fact in rows]
    if any(c is None for c in citations):
        return None
    lines = [
        f"{d.record.unit}{d.record.year or '（年度未说明）'}"
        f"{'年' if d.record.year else ''}{display_name(key)}：{_describe(d, key, fact)}"
        for d, fact in rows
    ]
    years = {d.record.year for d, _ in rows}
    caution = (
        "注意：比较的是不同年度的数字（"
        + "、".join(f"{d.record.unit}{d.record.year}年" for d, _ in rows)
        + "）"
        if len(years) > 1
        else ""
    )
    (high_doc, high), (low_doc, low) = (
        max(rows, key=lambda r: r[1].value),
        min(rows, key=lambda r: r[1].value),
    )
    difference = Decimal(str(high.value)) - Decimal(str(low.value))
    ratio = (
        f"，是后者的{Decimal(str(high.value)) / Decimal(str(low.value)):.2f}倍" if low.value else ""
    )
    lines.append(
        f"{high_doc.record.unit}比{low_doc.record.unit}多 {_fmt(high.value)} − {_fmt(low.value)} "
        f"= {difference.normalize():f}万元{ratio}。"
    )
    answer = Answer(
        question=query.text,
        answer="；".join(lines) + (f"\n{caution}" if caution else ""),
        declined=False,
        citations=[c for c in citations if c is not None],
        route="compare",
        warnings=[caution] if caution else [],
    )
    for d, fact in rows:
        notes = check_notes(d, [fact])
        answer.warnings += notes
        answer.answer += "".join(f"\n{n}" for n in notes)
    return answer


# --- retrieval and the model ------------------------------------------------------------


class QuotedCitation(BaseModel):
    passage: int = Field(description="所引用片段的编号（方括号中的数字）")
    quote: str = Field(description="从该片段中逐字复制的、支持答案的原文句子")


class CitedAnswer(BaseModel):
    """根据编号片段回答问题，并逐字引用原文。片段中没有答案时 found 为 false。"""

    found: bool = Field(description="片段中是否有能回答问题的信息")
    answer: str = Field(description="简洁的中文回答；没有找到时写“文件中没有找到相关信息”")
    citations: list[QuotedCitation] = Field(
        default_factory=list, description="支持答案的引用，每条逐字复制片段原文"
    )


def answer_open(
    query: Query, docs: Sequence[CitedDoc], index: Searcher, llm: LLM | None, k: int = 5
) -> Answer:
    """One search over the scoped documents, then the model with forced verbatim quotes."""
    by_name = {d.name: d for d in docs}
    hits = [h for h in index.search(query.text, docs=list(by_name), k=k) if h.chunk.doc in by_name]
    closest = [passage(by_name[h.chunk.doc], h.chunk.span) for h in hits[:3]]
    if not hits:
        return decline(query, "", closest)
    if llm is None:
        return Answer(
            question=query.text,
            answer=NEEDS_MODEL,
            declined=True,
            citations=closest,
            route="needs_model",
        )
    listing = "\n".join(
        f"[{i}] （{by_name[h.chunk.doc].record.unit}{by_name[h.chunk.doc].record.year or ''}"
        f"｜{h.chunk.section}）" + _passage_text(by_name[h.chunk.doc], h.chunk.text, h.chunk.span)
        for i, h in enumerate(hits, 1)
    )
    request = load_prompt("answer").render(passages=listing, question=query.text)
    try:
        result = llm.structured(request, CitedAnswer, max_retries=1)
    except ModelOutputError:
        return decline(query, "", closest)
    citations: list[Citation] = []
    for quoted in result.citations if result.found else []:
        # the cited passage first; a small model sometimes misnumbers, and what matters is
        # that the quote is verbatim in a passage it was shown
        order = sorted(range(len(hits)), key=lambda i: i != quoted.passage - 1)
        for i in order:
            hit = hits[i]
            citation = cite_quote(
                by_name[hit.chunk.doc], quoted.quote, hit.chunk.span, widen=SENTENCE_END
            )
            if citation is not None:
                citations.append(citation)
                break
    units = " ".join(d.record.unit for d in docs)
    if not citations or not supports(query, result.answer, citations, units):
        return decline(query, "", closest)
    conflict = _conflict(result.answer, [by_name[c.doc] for c in citations])
    if conflict is not None:
        return conflict_decline(query, *conflict)
    return Answer(
        question=query.text,
        answer=result.answer.strip(),
        declined=False,
        citations=citations,
        route="open",
    )


def _passage_text(doc: CitedDoc, text: str, span: tuple[int, int]) -> str:
    """A passage as the model may read it: planted instructions masked out."""
    spans = instruction_spans(doc.record)
    return mask(text, span[0], spans) if spans and text == doc.text[span[0] : span[1]] else text


def _conflict(answer: str, docs: Sequence[CitedDoc]) -> tuple[str, CitedDoc, str, Fact] | None:
    """A figure the answer states for a fact the record has parsed with another value: the
    model's words ("机关运行经费…共计999万元") against the document's (10.23万元)."""
    for doc in dict.fromkeys(docs):
        record = doc.record
        stated = facts_in_snippet(answer, record.year, record.kind)
        for key, found in stated.statements.items():
            fact = record.facts.get(key)
            if fact is None or fact.value is None:
                continue
            for statement in found:
                difference = abs(Decimal(str(fact.value)) - statement.value)
                if difference > 2 * statement.half_unit + Decimal("0.01"):
                    printed = answer[statement.figure_span[0] : statement.figure_span[1]]
                    return f"{display_name(key)}为{printed}", doc, key, fact
    return None


def conflict_decline(query: Query, claim: str, doc: CitedDoc, key: str, fact: Fact) -> Answer:
    """A model answer whose figure contradicts the parsed one: declined, both shown."""
    citation = _fact_citation(doc, fact)
    where = f"第{fact.page}页" if fact.page else "文件中"
    return Answer(
        question=query.text,
        answer=f"{NOT_FOUND}：模型的回答称“{claim}”，与{where}解析出的{display_name(key)}"
        f"“{fact.printed}”不一致，不予采用。",
        declined=True,
        citations=[citation] if citation is not None else [],
        route="conflict",
    )


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return {a + b for a, b in itertools.pairwise(chars)}


STOP_BIGRAMS = _bigrams("多少是什么哪些为什么如何怎么年度预算支出收入情况主要有关这个那个计划安排")
NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


def supports(query: Query, answer: str, citations: list[Citation], units: str) -> bool:
    """Guards against a verbatim but irrelevant quote offered for a question the document
    cannot answer: the quotes must share the question's subject (not merely the unit's name),
    and every number in the answer must be one the quotes print (numbers never come from the
    model); a "多少" question needs such a number."""
    question = query.text
    subject = _bigrams(question) - STOP_BIGRAMS - _bigrams(units)
    quoted_text = "".join(c.quote for c in citations)
    quoted = _bigrams(quoted_text)
    if subject and len(subject & quoted) < max(1, len(subject) // 3):
        return False
    question_numbers = set(NUMBER_RE.findall(question))
    numbers = [n for n in NUMBER_RE.findall(answer) if n not in question_numbers]
    if any(n not in quoted_text for n in numbers):
        return False
    return not (AMOUNT_RE.search(question) and not numbers)


__all__ = [
    "NEEDS_MODEL",
    "NOT_FOUND",
    "RECORD_HANDLERS",
    "CitedAnswer",
    "answer_compare",
    "answer_open",
    "decline",
]
