"""Answers with verified citations.

Questions about a canonical figure (金额、变化) or why it changed are answered from the
document's record, citing the span the figure or reason was parsed from; comparisons across
documents show their arithmetic. Everything else goes to hybrid retrieval and the model,
which must cite chunk numbers with verbatim quotes. Every quote is checked against the
document text before it is shown; without a verified citation the answer is
"文件中没有找到相关信息" with the closest passages. Document text is data: it reaches the
model only inside the numbered passages, never as instructions.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from extract.checks import is_same_unit
from extract.grounding import Grounder
from extract.lexicon import LABELS, UNDATED_KEYS, display_name
from extract.llm.base import LLM, StructuredOutputError
from extract.structure import enclosing
from prompts import load_prompt
from qa.index import Index, StoredDoc

NOT_FOUND = "文件中没有找到相关信息"
WHY_RE = re.compile(r"为什么|为何|原因|什么原因|怎么会")
CHANGE_RE = re.compile(r"增减|增加|减少|变化|变动|增长|下降|比上年|较上年|相比|比\d{4}年|较\d{4}年")
AMOUNT_Q_RE = re.compile(r"多少|几|金额|数额|是多少|安排了")
USE_Q_RE = re.compile(r"用于|用在|用途")
SUBITEM_RE = re.compile(r"(?:支出|收入|经费|预算)中(?:的)?[^，。？?]{2,}")
WHAT_RE = re.compile(r"哪些|什么|哪几|哪个")
COMPARE_RE = re.compile(r"对比|比较|相比哪|哪个(?:更|多|少|高|低)|和.{1,12}(?:的|相比)")
QUESTION_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
SEGMENT_END = "。；;！？!?\n"
_LABELS = tuple((re.compile(pattern), keys) for pattern, keys in LABELS)


@dataclass(slots=True)
class Citation:
    doc: str
    section: str
    span: tuple[int, int]
    quote: str
    verified: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc": self.doc,
            "section": self.section,
            "span": list(self.span),
            "quote": self.quote,
            "verified": self.verified,
        }


@dataclass(slots=True)
class Answer:
    question: str
    answer: str
    declined: bool
    citations: list[Citation] = field(default_factory=list)
    route: str = ""  # "record" | "compare" | "retrieval" | "none"

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "declined": self.declined,
            "citations": [c.as_dict() for c in self.citations],
            "route": self.route,
        }


# --- scoping --------------------------------------------------------------------------------

MENTION_SPLIT_RE = re.compile(r"[和与及跟同、，,。？?！!\s]|对比|比较|相比|请问")


def _mentions(question: str, unit: str) -> bool:
    """Does the question name this unit, in full or abbreviated (张家口市科协, 廊坊)?"""
    if not unit:
        return False
    if unit in question:
        return True
    for token in MENTION_SPLIT_RE.split(question):
        for start in range(min(len(token), 12)):
            for size in range(min(len(token) - start, 14), 1, -1):
                if is_same_unit(token[start : start + size], unit):
                    return True
    return False


def scope(question: str, docs: dict[str, StoredDoc]) -> tuple[list[StoredDoc], str | None]:
    """The documents a question is about; a reason to decline when none can be."""
    named = [d for d in docs.values() if _mentions(question, d.unit)]
    candidates = named or list(docs.values())
    years = {int(y) for y in QUESTION_YEAR_RE.findall(question)}
    if years:
        # a stock at the previous year-end (2020年末固定资产) belongs to the 2021 document
        fitting = [
            d for d in candidates if d.year is None or any(y in (d.year, d.year - 1) for y in years)
        ]
        if not fitting:
            return [], f"没有{'、'.join(str(y) for y in sorted(years))}年的文件"
        candidates = fitting
    return candidates, None


# --- citations --------------------------------------------------------------------------------


def segment_around(text: str, start: int, end: int, limit: int = 160) -> tuple[int, int]:
    """The clause-group (up to ；/。) holding a span, so a quote reads as a statement."""
    left, right = enclosing(text, start, end, SEGMENT_END, limit)
    while left < start and text[left] in " \t（(":
        left += 1
    return left, right


def cite(doc: StoredDoc, span: tuple[int, int], *, widen: bool = True) -> Citation:
    start, end = segment_around(doc.text, *span) if widen else span
    quote = doc.text[start:end]
    return Citation(
        doc=doc.name,
        section=_section_of(doc, start),
        span=(start, end),
        quote=quote,
        verified=doc.text[start:end] == quote and bool(quote.strip()),
    )


def _section_of(doc: StoredDoc, offset: int) -> str:
    best = ""
    best_start = -1
    for section in doc.record.get("sections", []):
        start, stop = section["span"]
        if start <= offset < stop and start >= best_start:
            best, best_start = section["number"] + section["title"], start
    return best


# --- record route --------------------------------------------------------------------------


def fact_keys_in(question: str) -> list[str]:
    """Canonical keys the question names, head label first (as facts are read)."""
    found: list[tuple[int, int, str]] = []
    for pattern, keys in _LABELS:
        for match in pattern.finditer(question):
            for key in keys:
                found.append((match.start(), -(match.end() - match.start()), key))
    found.sort()
    keys: list[str] = []
    covered: list[tuple[int, int]] = []
    for start, negative_length, key in found:
        end = start - negative_length
        if any(a <= start and end <= b and (a, b) != (start, end) for a, b in covered):
            continue  # "基金预算收入" also contains "预算收入": keep the longer label only
        covered.append((start, end))
        if key not in keys:
            keys.append(key)
    return keys


def _fmt(value: float) -> str:  # for arithmetic shown in comparisons
    return f"{Decimal(str(value)).normalize():f}"


def _describe(doc: StoredDoc, key: str, fact: dict[str, Any]) -> str:
    """The figure as the document printed it (0.00万元 stays 0.00万元)."""
    start, end = fact.get("figure_span") or fact["span"]
    printed = doc.text[start:end]
    if not key.startswith("change_"):
        return printed
    if fact["value"] == 0:
        return "持平（无增减变化）"
    return f"{'增加' if fact['value'] > 0 else '减少'}{printed}"


def answer_from_record(question: str, doc: StoredDoc) -> Answer | None:
    facts = doc.record.get("facts", {})
    reasons = doc.record.get("reasons", {})
    keys = [k for k in fact_keys_in(question) if k in facts or f"change_{k}" in facts]
    if not keys:
        return None
    key = keys[0]
    name = display_name(key)
    if SUBITEM_RE.search(question) or (
        WHAT_RE.search(question)
        and not (
            AMOUNT_Q_RE.search(question)
            or CHANGE_RE.search(question)
            or WHY_RE.search(question)
            or USE_Q_RE.search(question)
        )
    ):
        return None  # "项目支出中科普活动支出…", "拟购置哪些…": not the figure itself
    if WHY_RE.search(question):
        found = reasons.get(f"change_{key}")
        if not found:
            return None
        change = facts.get(f"change_{key}")
        start = change["span"][0] if change else found[0]["span"][0]
        end = max(item["span"][1] for item in found)
        citation = cite(doc, (min(start, found[0]["span"][0]), end))
        reason_text = "；".join(item["text"] for item in found)
        what = _describe(doc, f"change_{key}", change) if change else "有所变化"
        return Answer(
            question,
            f"{_who(doc, key)}{name}{what}，原因：{reason_text}。",
            False,
            [citation],
            "record",
        )
    if USE_Q_RE.search(question) and key in facts:
        segment = segment_around(doc.text, *facts[key]["span"], limit=400)
        use = doc.text.find("主要用于", facts[key]["span"][1], segment[1])
        if use < 0:
            return None
        citation = cite(doc, (use, segment[1]), widen=False)
        level = f"{name}{_describe(doc, key, facts[key])}，"
        return Answer(
            question,
            f"{level}{citation.quote}",
            False,
            [cite(doc, facts[key]["span"]), citation],
            "record",
        )
    wants_change = bool(CHANGE_RE.search(question))
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    if key in facts and (AMOUNT_Q_RE.search(question) or not wants_change):
        parts.append(f"{name}为{_describe(doc, key, facts[key])}")
        spans.append(tuple(facts[key]["span"]))  # type: ignore[arg-type]
    change = facts.get(f"change_{key}")
    if wants_change and change is not None:
        parts.append(f"比上年{_describe(doc, f'change_{key}', change)}")
        spans.append(tuple(change["span"]))  # type: ignore[arg-type]
    if not parts:
        return None
    start, end = min(s[0] for s in spans), max(s[1] for s in spans)
    citations = [cite(doc, (start, end))] if end - start < 200 else [cite(doc, s) for s in spans]
    return Answer(question, _who(doc, key) + "，".join(parts) + "。", False, citations, "record")


def _who(doc: StoredDoc, key: str) -> str:
    """ "廊坊市科学技术协会2023年" — a stock at year-end (固定资产) is not of the budget year."""
    if key in UNDATED_KEYS:
        return f"{doc.unit}"
    return f"{doc.unit}{doc.year or ''}年"


def answer_compare(question: str, docs: list[StoredDoc]) -> Answer | None:
    """One figure across documents, with the arithmetic shown."""
    keys = fact_keys_in(question)
    rows = []
    for key in keys:
        present = [(d, d.record["facts"][key]) for d in docs if key in d.record.get("facts", {})]
        if len(present) >= 2:
            rows = present
            break
    if len(rows) < 2:
        return None
    key = keys[0]
    lines = [
        f"{d.unit}{d.year}年{display_name(key)}：{_describe(d, key, fact)}" for d, fact in rows
    ]
    (high_doc, high), (low_doc, low) = (
        max(rows, key=lambda r: r[1]["value"]),
        min(rows, key=lambda r: r[1]["value"]),
    )
    difference = Decimal(str(high["value"])) - Decimal(str(low["value"]))
    ratio = (
        f"，是后者的{Decimal(str(high['value'])) / Decimal(str(low['value'])):.2f}倍"
        if low["value"]
        else ""
    )
    lines.append(
        f"{high_doc.unit}比{low_doc.unit}多 {_fmt(high['value'])} − {_fmt(low['value'])} "
        f"= {difference.normalize():f}万元{ratio}。"
    )
    return Answer(
        question,
        "；".join(lines),
        False,
        [cite(d, tuple(fact["span"])) for d, fact in rows],
        "compare",
    )


# --- retrieval route ---------------------------------------------------------------------------


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

    @model_validator(mode="after")
    def quotes_are_verbatim(self, info: ValidationInfo) -> CitedAnswer:
        context = info.context or {}
        passages: dict[int, str] = context.get("passages", {})
        if not passages or not self.found:
            return self
        context["attempts"] = context.get("attempts", 0) + 1
        bad = [
            c
            for c in self.citations
            if c.passage not in passages or Grounder(passages[c.passage]).ground(c.quote) is None
        ]
        if bad and context["attempts"] == 1:
            raise ValueError(
                "引用必须逐字复制对应编号片段中的原文："
                + "；".join(f"[{c.passage}]「{c.quote[:40]}」" for c in bad)
            )
        return self


def answer_from_retrieval(
    question: str, docs: list[StoredDoc], index: Index, llm: LLM | None, k: int = 5
) -> Answer:
    hits = index.search(question, docs=[d.name for d in docs], k=k)
    by_name = {d.name: d for d in docs}
    closest = [
        cite(by_name[h.chunk.doc], h.chunk.span, widen=False)
        for h in hits[:3]
        if h.chunk.doc in by_name
    ]
    if llm is None or not hits:
        return Answer(question, NOT_FOUND, True, closest, "none")
    passages = {i: h.chunk.text for i, h in enumerate(hits, 1)}
    listing = "\n".join(
        f"[{i}] （{by_name[h.chunk.doc].unit}{by_name[h.chunk.doc].year or ''}｜{h.chunk.section}）"
        f"{h.chunk.text}"
        for i, h in enumerate(hits, 1)
    )
    messages = load_prompt("answer").messages(passages=listing, question=question)
    context: dict[str, Any] = {"passages": passages}
    try:
        result = llm.structured(messages, CitedAnswer, validation_context=context, max_retries=1)
    except StructuredOutputError:
        return Answer(question, NOT_FOUND, True, closest, "retrieval")
    citations = []
    for quoted in result.citations if result.found else []:
        # the cited passage first; a small model sometimes misnumbers, and what matters is
        # that the quote is verbatim in a passage it was shown
        order = sorted(range(len(hits)), key=lambda i: i != quoted.passage - 1)
        for i in order:
            hit = hits[i]
            if hit.chunk.doc not in by_name:
                continue
            doc = by_name[hit.chunk.doc]
            grounded = Grounder(doc.text).ground(quoted.quote, hit.chunk.span)
            if grounded is not None:
                citations.append(cite(doc, (grounded.start, grounded.end), widen=False))
                break
    units = " ".join(d.unit for d in docs)
    if not citations or not _supports(question, result.answer, citations, units):
        return Answer(question, NOT_FOUND, True, closest, "retrieval")
    return Answer(question, result.answer.strip(), False, citations, "retrieval")


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    return {a + b for a, b in itertools.pairwise(chars)}


STOP_BIGRAMS = _bigrams("多少是什么哪些为什么如何怎么年度预算支出收入情况主要有关这个那个计划安排")
NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


def _supports(question: str, answer: str, citations: list[Citation], units: str) -> bool:
    """Guards against a verbatim but irrelevant quote offered for a question the document
    cannot answer: the quotes must share the question's subject (not merely the unit's name),
    and every number in the answer must be one the quotes print (numbers never come from
    the model); a "多少" question needs such a number."""
    subject = _bigrams(question) - STOP_BIGRAMS - _bigrams(units)
    quoted_text = "".join(c.quote for c in citations)
    quoted = _bigrams(quoted_text)
    if subject and len(subject & quoted) < max(1, len(subject) // 3):
        return False
    question_numbers = set(NUMBER_RE.findall(question))
    numbers = [n for n in NUMBER_RE.findall(answer) if n not in question_numbers]
    if any(n not in quoted_text for n in numbers):
        return False
    return not (AMOUNT_Q_RE.search(question) and not numbers)


# --- entry point -------------------------------------------------------------------------------


def ask(question: str, index: Index, llm: LLM | None, *, docs: list[str] | None = None) -> Answer:
    stored = index.documents()
    if docs is not None:
        stored = {name: d for name, d in stored.items() if name in set(docs)}
    if not stored:
        return Answer(question, f"{NOT_FOUND}（没有已索引的文件）", True, [], "none")
    scoped, refusal = scope(question, stored)
    if refusal is not None:
        return Answer(question, f"{NOT_FOUND}：{refusal}", True, [], "none")
    if len(scoped) > 1 and COMPARE_RE.search(question):
        compared = answer_compare(question, scoped)
        if compared is not None:
            return compared
    if len(scoped) == 1 or len({d.unit for d in scoped}) == 1:
        answered = answer_from_record(question, scoped[0])
        if answered is not None and all(c.verified for c in answered.citations):
            return answered
    return answer_from_retrieval(question, scoped, index, llm)
