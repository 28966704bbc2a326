"""Narrative extraction: why each figure changed, duties, institutions, goals, uses.

The model reads only the sentences it must (each sentence that states a change, plus a
following sentence that starts with a reason cue), answers into a pydantic model built for
exactly the changes that sentence states, and every answer is grounded to a span of the
source before it is kept. Where the document's own structure already says it (numbered duty
items, an institutions table, 绩效目标 rows, "主要用于…"), structure is read directly and the
model is not asked. Figures never come from here: amounts inside model output are only
compared with the parsed facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from budgetlens.extract.checks import CheckResult, Operand, grade
from budgetlens.extract.document import Document, Span, is_prose_line
from budgetlens.extract.facts import Facts, Statement, facts_in_snippet
from budgetlens.extract.grounding import Grounder
from budgetlens.extract.numbers import FULLWIDTH
from budgetlens.extract.reasons import cue_reasons
from budgetlens.extract.record import ParsedDocument
from budgetlens.extract.structure import enclosing
from budgetlens.extract.types import Goal, GroundedText, Institution, MatchKind, TextMethod
from budgetlens.llm.base import LLM, ModelOutputError
from budgetlens.prompts import Prompt, load_prompt

SENTENCE_END = "。！？!?\n"
REASON_CUE_RE = re.compile(
    r"^[\s，,；;]*(?P<cue>主要(?:原因)?(?:是|为|系)(?:由于|因为)?|主要由于|主要因为|原因(?:是|为|系|主要是)"
    r"|由于|因为|系|为)"
)
USE_CUE_RE = re.compile(r"主要用于")
NUMBERED_ITEM_RE = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十]{1,3}[）)]|[（(]\d{1,2}[）)]|\d{1,2}[、.．](?!\d)|[０-９]{1,2}[、.．])\s*"
)
DUTY_TITLE_RE = re.compile(r"职责|职能|主要任务")
DUTY_STOP_RE = re.compile(r"^\s*(?:机构设置|内设机构|单位构成|部门构成|人员编制|[二三四五]、)")
INSTITUTION_TITLE_RE = re.compile(r"单位构成|部门构成|机构设置|所属单位|预算单位")


def extracted(
    doc: Document, span: Span, method: TextMethod, match: MatchKind = "exact", score: float = 1.0
) -> GroundedText:
    """A grounded string: its text is always ``doc.text[span]``."""
    return GroundedText(
        text=doc.quote(span),
        span=(span[0], span[1]),
        page=doc.page_of(span[0]),
        method=method,
        match=match,
        score=score,
    )


@dataclass(slots=True)
class Narrative:
    reasons: dict[str, list[GroundedText]] = field(default_factory=dict)
    duties: list[GroundedText] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    operating_uses: list[GroundedText] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # model strings that could not be grounded
    model_calls: int = 0


# --- reasons -----------------------------------------------------------------------------


def _sentence_around(text: str, span: Span) -> Span:
    """The sentence holding ``span``, with its closing 。 when it has one."""
    start, end = enclosing(text, span[0], span[1], SENTENCE_END)
    return start, end + 1 if end < len(text) and text[end] != "\n" else end


def _passage_for(text: str, statements: list[Statement]) -> Span:
    """The sentence(s) holding these changes, plus a next sentence that gives the reason."""
    start = min(s.span[0] for s in statements)
    end = max(s.span[1] for s in statements)
    first, last = _sentence_around(text, (start, start)), _sentence_around(text, (end, end))
    passage = (first[0], last[1])
    following = text[passage[1] : passage[1] + 300]
    if following and not following.startswith("\n") and REASON_CUE_RE.match(following):
        passage = (passage[0], _sentence_around(text, (passage[1] + 1, passage[1] + 1))[1])
    return passage


class ChangeReasons(BaseModel):
    """每个比上年增减事项在原文中给出的原因（原文逐字复制）。"""

    reasons: list[str] = Field(
        description="按事项顺序，每个事项一项：原文中逐字复制的增减原因；原文没有给出原因则为空字符串"
    )

    @model_validator(mode="after")
    def copied_from_the_passage(self, info: ValidationInfo) -> ChangeReasons:
        """One item per change, each empty or verbatim in the passage. Pure: it reads the
        (read-only) context and keeps nothing, so a cached answer is judged the same way."""
        context = info.context
        if not context:
            return self
        expected = context["count"]
        if len(self.reasons) != expected:
            raise ValueError(f"需要恰好{expected}项（每个事项一项，没有原因填空字符串）")
        grounder: Grounder = context["grounder"]
        problems = [
            f"第{i + 1}项「{value}」不是原文中的连续文字，请逐字复制原文，或填空字符串"
            for i, value in enumerate(self.reasons)
            if value.strip()
            and grounder.ground(without_added_cue(value), context["window"]) is None
        ]
        if problems:
            raise ValueError("；".join(problems))
        return self


ADDED_CUE_RE = re.compile(
    r"^(?:主要原因是|主要是由于|主要是因为|主要是|主要为|原因是|由于|因为)[:：]?"
)


def without_added_cue(value: str) -> str:
    """A model's reason without a cue word it put in front ("主要是…" where the source has no
    cue): what is left must still be verbatim in the source."""
    return ADDED_CUE_RE.sub("", value.strip()) or value


def _reason_reach(text: str, after: int, passage: Span, figure_starts: list[int]) -> Span:
    """Where a change's reason may lie: after its figure, before the clause of the next
    figure (whose label sits after the last separator) or the passage end."""
    limit = min([p for p in figure_starts if p > after] + [passage[1]])
    if limit < passage[1]:
        cut = max(text.rfind(sep, after, limit) for sep in "，,；;")
        if cut > after:
            limit = cut
    return after, limit


def _clip_reason(text: str, span: Span) -> Span | None:
    """The reason itself: without a leading cue word (主要是/由于…, as labelled), a trailing
    "主要用于…" (a use, not a reason) or separators; None if too short."""
    cue = REASON_CUE_RE.match(text[span[0] : span[1]].translate(FULLWIDTH))
    if cue is not None and span[1] - span[0] - cue.end() >= 2:
        span = (span[0] + cue.end(), span[1])
    body = text[span[0] : span[1]]
    use = USE_CUE_RE.search(body)
    if use:
        body = body[: use.start()]
    body = body.rstrip("，,；;。 \n")
    return (span[0], span[0] + len(body)) if len(body) >= 2 else None


def extract_reasons(
    parsed: ParsedDocument,
    llm: LLM | None,
    narrative: Narrative,
    on_sentence: Callable[[int, int], None] | None = None,
) -> None:
    """Reasons by their cue words first (:mod:`budgetlens.extract.reasons`); the model is
    asked only about the sentences whose changes no cue explains, and only what it copies
    verbatim from them is kept."""
    doc, facts = parsed.doc, parsed.facts
    text = doc.text
    for key, spans in cue_reasons(doc, facts).items():
        for span in spans:
            narrative.reasons.setdefault(key, []).append(extracted(doc, span, "cue"))
    if llm is None:
        return
    grounder = Grounder(text)
    groups: dict[int, list[Statement]] = {}
    for key, statements in facts.statements.items():
        if key.startswith("change_"):
            for statement in statements:
                if statement.source == "text":
                    groups.setdefault(statement.sentence, []).append(statement)
    figure_starts = sorted(s.span[0] for sts in facts.statements.values() for s in sts)
    figure_starts += [start for start, _ in facts.unlabelled]
    figure_starts.sort()
    explained = {k for k in narrative.reasons}
    explained |= {"change_pct_" + k.removeprefix("change_") for k in narrative.reasons}
    prompt = load_prompt("reasons")
    pending = [
        kept
        for statements in groups.values()
        if (kept := [s for s in statements if s.key not in explained])
    ]
    for number, statements in enumerate(pending, 1):
        if on_sentence is not None:
            on_sentence(number, len(pending))
        passage = _passage_for(text, statements)
        keys = list(dict.fromkeys(s.key for s in statements))
        found = _reasons_from_model(
            doc, facts, llm, prompt, grounder, passage, statements, keys, narrative,
            figure_starts,
        )  # fmt: skip
        for key, item in found.items():
            if key.startswith("change_pct_"):
                amount = "change_" + key.removeprefix("change_pct_")
                if any(s.key == amount for s in statements):
                    key = amount
            narrative.reasons.setdefault(key, []).append(item)


def _reasons_from_model(
    doc: Document,
    facts: Facts,
    llm: LLM,
    prompt: Prompt,
    grounder: Grounder,
    passage: Span,
    statements: list[Statement],
    keys: list[str],
    narrative: Narrative,
    figure_starts: list[int],
) -> dict[str, GroundedText]:
    text = doc.text
    descriptions = {s.key: text[s.span[0] : s.span[1]] for s in statements}
    items = "\n".join(f"{i}. {descriptions[key]}" for i, key in enumerate(keys, 1))
    request = prompt.render(passage=text[passage[0] : passage[1]].strip(), items=items)
    context = {"grounder": grounder, "window": passage, "count": len(keys)}
    before = llm.stats.calls
    try:
        answer = llm.structured(request, ChangeReasons, context=context, max_retries=1)
    except ModelOutputError:
        # even after a re-ask some item was not verbatim: the cue reader takes these changes
        narrative.dropped.append(f"(rejected answer for {len(keys)} change(s))")
        return {}
    finally:
        narrative.model_calls += llm.stats.calls - before
    found: dict[str, GroundedText] = {}
    figures = {s.key: s.figure_span for s in statements}
    for key, value in zip(keys, answer.reasons, strict=True):
        value = without_added_cue(value) if grounder.ground(value, passage) is None else value
        grounded = grounder.ground(value, passage) if value.strip() else None
        if grounded is None:
            continue
        value = text[grounded.start : grounded.end]
        narrative.checks.extend(check_model_numbers(doc, facts, value, f"reason for {key}"))
        # the reason of a change lies after its own figure, before the next figure's clause
        reach = _reason_reach(text, figures[key][1], passage, figure_starts)
        value = USE_CUE_RE.split(value.strip())[0].rstrip("，,；; ")  # a use is not a reason
        if not value:
            continue
        placed = grounder.ground(value, reach)
        if placed is None:
            narrative.dropped.append(value)
            continue
        span = _clip_reason(text, (placed.start, placed.end))
        if span is not None:
            found[key] = extracted(doc, span, "model", grounded.method, grounded.score)
    return found


def check_model_numbers(doc: Document, facts: Facts, value: str, where: str) -> list[CheckResult]:
    """Every figure a model wrote is compared with the parsed fact its words name."""
    results = []
    for key, statements in facts_in_snippet(value, doc.meta.year).statements.items():
        fact = facts.get(key)
        if fact is None:
            continue
        for stated in statements:
            status = grade(fact.value, stated.value, fact.half_unit + stated.half_unit)
            results.append(
                CheckResult(
                    id=f"model_number:{key}",
                    rule=f"a figure in the model's {where} = parsed {key}",
                    status=status,
                    expected=fact.value,
                    actual=stated.value,
                    operands=[
                        Operand(key, fact.value, fact.span, doc.quote(fact.span)),
                        Operand(f"model: {where}", stated.value, None, value),
                    ],
                    message=""
                    if status != "fail"
                    else f"the model wrote {value[stated.span[0] : stated.span[1]]} where "
                    f"the document states {doc.quote(fact.span)}",
                )
            )
    return results


# --- duties, institutions, goals, uses ----------------------------------------------------


def _line_spans(text: str, start: int, end: int) -> list[Span]:
    spans = []
    position = start
    while position < end:
        stop = text.find("\n", position, end)
        stop = end if stop < 0 else stop
        spans.append((position, stop))
        position = stop + 1
    return spans


def extract_duties(parsed: ParsedDocument, llm: LLM | None, narrative: Narrative) -> None:
    doc = parsed.doc
    text = doc.text
    section = next((s for s in doc.sections if DUTY_TITLE_RE.search(s.title)), None)
    if section is None:
        return
    end = section.span[1]
    for child in doc.sections[section.index + 1 :]:
        if child.parent == section.index and not DUTY_TITLE_RE.search(child.title):
            end = min(end, child.heading_span[0])
            break
    items: list[GroundedText] = []
    prose: list[Span] = []
    for start, stop in _line_spans(text, section.body_start, end):
        line = text[start:stop]
        if DUTY_STOP_RE.match(line) or not is_prose_line(line):
            if items or prose:
                break
            continue
        marker = NUMBERED_ITEM_RE.match(line)
        if marker:
            body = line[marker.end() :].strip()
            if body:
                offset = start + line.index(body, marker.end())
                items.append(extracted(doc, (offset, offset + len(body)), "structure"))
        elif line.strip() and not line.rstrip().endswith(("：", ":")):
            prose.append((start, stop))
    if len(items) >= 2:
        narrative.duties = items
        return
    if llm is None or not prose:
        return
    window = (prose[0][0], prose[-1][1])
    narrative.duties = _duties_from_model(doc, llm, window, narrative)


class DutyList(BaseModel):
    """单位职责，逐条、逐字复制原文。"""

    duties: list[str] = Field(description="每一条职责，原文中连续出现的文字，按原文顺序")


def _duties_from_model(
    doc: Document, llm: LLM, window: Span, narrative: Narrative
) -> list[GroundedText]:
    text = doc.text
    request = load_prompt("duties").render(passage=text[window[0] : window[1]])
    before = llm.stats.calls
    try:
        answer = llm.structured(request, DutyList, max_retries=1)
    except ModelOutputError:
        return []
    finally:
        narrative.model_calls += llm.stats.calls - before
    grounder = Grounder(text)
    duties = []
    for value in answer.duties:
        grounded = grounder.ground(value, window)
        if grounded is None:
            narrative.dropped.append(value)
            continue
        duties.append(
            extracted(doc, (grounded.start, grounded.end), "model", grounded.method, grounded.score)
        )
    return duties


INSTITUTION_COLUMNS = {
    "name": "单位名称",
    "nature": "单位性质",
    "level": "单位规格",
    "funding": "经费保障形式",
}
UNIT_NAME_RE = re.compile(
    r"^\s*(?P<name>[^\s，。,；;（(]{3,40}?(?:委员会|机关|局|院|校|学校|中心|馆|站|所|队|处|会|办公室|总队|支队|段))"
    r"\s*(?:[（(][^)）]*[)）])?\s*$"
)


def extract_institutions(parsed: ParsedDocument, narrative: Narrative) -> None:
    doc = parsed.doc
    for table in doc.tables:
        columns = [c.replace(" ", "") for c in table.columns]
        if "单位名称" not in columns:
            continue
        index = {
            field_name: columns.index(label)
            for field_name, label in INSTITUTION_COLUMNS.items()
            if label in columns
        }
        for row in table.body:
            cells = row.cells
            if len(cells) <= index["name"] or not cells[index["name"]].text:
                continue
            values = {name: cells[i].text if i < len(cells) else "" for name, i in index.items()}
            narrative.institutions.append(Institution(**values, span=cells[index["name"]].span))
    if narrative.institutions:
        return
    section = next((s for s in doc.sections if INSTITUTION_TITLE_RE.search(s.title)), None)
    if section is None:
        return
    for start, stop in _line_spans(doc.text, section.body_start, section.span[1]):
        match = UNIT_NAME_RE.match(doc.text[start:stop])
        if match:
            name_start = start + match.start("name")
            narrative.institutions.append(
                Institution(name=match["name"], span=(name_start, name_start + len(match["name"])))
            )


GOAL_LINE_RE = re.compile(r"^\s*绩效目标[:：]\s*")


def extract_goals(parsed: ParsedDocument, narrative: Narrative) -> None:
    doc = parsed.doc
    text = doc.text
    for section in doc.sections:
        if "总体绩效目标" in section.title:
            body = text[section.body_start : section.span[1]].strip()
            if body and not body.startswith("\t"):
                start = text.index(body, section.body_start)
                narrative.goals.append(
                    Goal(
                        scope="overall",
                        text=body,
                        span=(start, start + len(body)),
                        page=doc.page_of(start),
                    )
                )
    for section in doc.sections:
        lines = _line_spans(text, section.body_start, section.span[1])
        for i, (start, stop) in enumerate(lines):
            match = GOAL_LINE_RE.match(text[start:stop])
            if match and i > 0 and stop > start + match.end():
                previous = text[lines[i - 1][0] : lines[i - 1][1]].strip()
                narrative.goals.append(
                    Goal(
                        scope="project",
                        project=previous,
                        text=text[start + match.end() : stop],
                        span=(start + match.end(), stop),
                        page=doc.page_of(start),
                    )
                )
    for table in doc.tables:
        for row in table.rows:
            texts = row.texts()
            if len(texts) >= 2 and texts[0] == "绩效目标" and texts[1]:
                owner = doc.sections[table.section] if table.section is not None else None
                project = re.sub(r"绩效目标[表吧]?$", "", owner.title) if owner else ""
                narrative.goals.append(
                    Goal(
                        scope="project",
                        project=project,
                        text=texts[1],
                        span=row.cells[1].span,
                        page=doc.page_of(row.cells[1].span[0]),
                    )
                )


def extract_operating_uses(parsed: ParsedDocument, narrative: Narrative) -> None:
    """'…运行经费X万元…。主要用于：办公费…' in the figure's sentence or the next one."""
    statement = parsed.facts.get("operating_expenses")
    if statement is None:
        return
    text = parsed.doc.text
    sentence = _sentence_around(text, statement.span)
    following = _sentence_around(text, (sentence[1], sentence[1]))
    end = following[1] if text[sentence[1] - 1 : sentence[1]] != "\n" else sentence[1]
    match = USE_CUE_RE.search(text, statement.span[1], end)
    if match:
        stop = _sentence_around(text, (match.end(), match.end()))[1]
        body = text[match.end() : stop].lstrip(":： ").rstrip("。 \n")
        if body:
            start = text.index(body, match.end())
            narrative.operating_uses.append(
                extracted(parsed.doc, (start, start + len(body)), "cue")
            )


def extract_narrative(
    parsed: ParsedDocument,
    llm: LLM | None,
    on_sentence: Callable[[int, int], None] | None = None,
) -> Narrative:
    """All narrative fields of one parsed document; ``llm=None`` uses structure and cues only.
    ``on_sentence(n, m)`` is told before the model reads the n-th of m sentences."""
    narrative = Narrative()
    extract_reasons(parsed, llm, narrative, on_sentence)
    extract_duties(parsed, llm, narrative)
    extract_institutions(parsed, narrative)
    extract_goals(parsed, narrative)
    extract_operating_uses(parsed, narrative)
    return narrative


__all__ = ["ChangeReasons", "DutyList", "Narrative", "check_model_numbers", "extract_narrative"]
