"""Amounts the rules found but could not name, named by the model from a closed list of keys.

The fact reader leaves a figure unlabelled when no term of the lexicon stands before it
("…安排12.5万元，主要用于接待上级检查" after a heading the reader did not tie to it). The model
is shown the sentence and a numbered list of those figures and answers, for each, one key of
the record contract or "none", under a schema whose key field is an enum: it never writes a
number, and the value always comes from the parsed figure. A proposal becomes a fact
(``method="model"``) only when the document's own arithmetic confirms it: some check that
reads it passes and none fails. A proposal no check can confirm is not used anywhere (the
record says how many were left out), so a wrong guess never raises or hides a disagreement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, create_model, field_validator

from budgetlens.extract.checks import CheckResult, run_checks
from budgetlens.extract.facts import FIGURE_RE, SENTENCE_END, YEAR_RE, Statement, _amount
from budgetlens.extract.lexicon import CANONICAL_BASE_KEYS, display_name
from budgetlens.extract.record import ParsedDocument
from budgetlens.llm.base import LLM, ModelOutputError
from budgetlens.prompts import load_prompt

NONE = "none"
CLAUSE_BREAK = "，,；;：:。\n"
DIRECTION_RE = re.compile(r"(增加|增长|上升|提高|减少|下降|降低|压减)(?:了|为|约)?$")
# clauses whose figure is not this year's level: other years, budgets, rates
SKIP_CLAUSE_RE = re.compile(r"上年|去年|上一年|预算数|年初预算|完成|占|为预算的")
LABELS: tuple[str, ...] = tuple(sorted(CANONICAL_BASE_KEYS))


@dataclass(slots=True)
class Candidate:
    """One unlabelled figure: where it is and what it is worth."""

    figure: tuple[int, int]
    clause_start: int
    value: Decimal
    half: Decimal


def _label_model(count: int) -> type[BaseModel]:
    """The answer schema: exactly ``count`` labels, each one of the closed set."""
    label = Literal[(*LABELS, NONE)]  # type: ignore[valid-type]

    def exact_count(cls: type, value: list[str], info: ValidationInfo) -> list[str]:
        if len(value) != count:
            raise ValueError(f"give exactly {count} labels, one per listed figure")
        return value

    return create_model(
        "AmountLabels",
        labels=(list[label], Field(description="one key per listed figure, or none")),
        __validators__={"exact_count": field_validator("labels")(exact_count)},
    )


def candidates(parsed: ParsedDocument) -> list[Candidate]:
    """The unlabelled amounts worth asking about: this year's levels in 万元 (not a change,
    a rate, another year's figure or a budget beside an actual)."""
    text = parsed.doc.text
    named = {s.figure_span for sts in parsed.facts.statements.values() for s in sts}
    out = []
    for start, end in parsed.facts.unlabelled:
        if (start, end) in named:
            continue
        match = FIGURE_RE.fullmatch(text, start, end) or FIGURE_RE.fullmatch(text, start + 1, end)
        if match is None or match["pct"]:
            continue
        clause_start = max(text.rfind(c, 0, start) for c in CLAUSE_BREAK) + 1
        clause = text[clause_start:start]
        years = {int(y) for y in YEAR_RE.findall(clause)}
        if SKIP_CLAUSE_RE.search(clause) or years - {parsed.doc.meta.year}:
            continue
        if DIRECTION_RE.search(clause.strip()):
            continue  # a change: what changed is named by its sentence, not asked of the model
        value, half, _ = _amount(match)
        out.append(Candidate((start, end), clause_start, value, half))
    return out


def _sentence(text: str, position: int) -> tuple[int, int]:
    start = max(text.rfind(c, 0, position) for c in SENTENCE_END) + 1
    ends = [i for c in SENTENCE_END if (i := text.find(c, position)) >= 0]
    return start, (min(ends) + 1 if ends else len(text))


def _settleable(parsed: ParsedDocument, start: int, end: int) -> bool:
    """The sentence holds a figure of a deferred check ("未说明公务接待费，无法核对"): only
    there can a name be confirmed, so only there is the model asked."""
    return any(
        check.status == "deferred"
        and any(o.span is not None and start <= o.span[0] < end for o in check.operands)
        for check in parsed.checks
    )


def propose(parsed: ParsedDocument, llm: LLM) -> list[tuple[Candidate, str]]:
    """The model's key for each candidate, sentence by sentence ("none" dropped), in the
    sentences where a check waits for one."""
    text = parsed.doc.text
    prompt = load_prompt("amount_labels")
    by_sentence: dict[tuple[int, int], list[Candidate]] = {}
    for candidate in candidates(parsed):
        by_sentence.setdefault(_sentence(text, candidate.figure[0]), []).append(candidate)
    keys = "\n".join(f"{key}: {display_name(key)}" for key in LABELS)
    proposals = []
    for (start, end), group in by_sentence.items():
        if not _settleable(parsed, start, end):
            continue  # no check there is waiting for a name: nothing could confirm one
        items = "\n".join(
            f"{number}. {text[c.clause_start : c.figure[1]].strip()}"
            for number, c in enumerate(group, 1)
        )
        request = prompt.render(sentence=text[start:end].strip(), items=items, keys=keys)
        try:
            answer: Any = llm.structured(request, _label_model(len(group)), max_retries=1)
        except ModelOutputError:
            continue
        for candidate, label in zip(group, answer.labels, strict=True):
            if label != NONE:
                proposals.append((candidate, label))
    return proposals


def _statement(parsed: ParsedDocument, candidate: Candidate, label: str) -> Statement:
    # the figure's own sentence, as the reader numbered it (every prose amount is listed)
    sentence = next(
        (n for n, _, _, span in parsed.facts.amounts if span == candidate.figure), -(10**6)
    )
    return Statement(
        key=label,
        value=candidate.value,
        half_unit=candidate.half,
        span=(candidate.clause_start, candidate.figure[1]),
        figure_span=candidate.figure,
        source="text",
        sentence=sentence,
        method="model",
    )


def confirm(parsed: ParsedDocument, proposals: list[tuple[Candidate, str]]) -> int:
    """Add each proposal the arithmetic confirms to the facts (and re-run the checks); the
    number left out. One at a time, so a proposal is judged by the document alone."""
    left_out = 0
    for candidate, label in proposals:
        statement = _statement(parsed, candidate, label)
        trial = replace(
            parsed.facts, statements={k: list(v) for k, v in parsed.facts.statements.items()}
        )
        trial.add(statement)
        checks = run_checks(parsed.doc, trial)
        if _confirmed(statement, parsed.checks, checks):
            parsed.facts = trial
            parsed.checks = checks
        else:
            left_out += 1
    return left_out


RANK = {"pass": 0, "rounding": 1, "deferred": 2, "fail": 3}


def _confirmed(statement: Statement, before: list[CheckResult], after: list[CheckResult]) -> bool:
    """A check that reads the statement passes (a mere restatement, the same fact printed
    twice, does not count) and no check anywhere got worse: a name that turns a deferred sum
    into a failure is refused, not reported."""
    was = {c.id: c.status for c in before}
    if any(RANK[c.status] > RANK[was.get(c.id, "pass")] for c in after):
        return False
    spans = {statement.span, statement.figure_span}
    reading = [
        c for c in after if any(o.span is not None and tuple(o.span) in spans for o in c.operands)
    ]
    confirming = [c for c in reading if c.status == "pass" and not c.id.startswith("consistent")]
    return bool(confirming) and all(c.status in ("pass", "rounding") for c in reading)


def label_amounts(parsed: ParsedDocument, llm: LLM | None) -> int:
    """Model labels for the unlabelled amounts, kept where confirmed; returns the number of
    proposals left out (0 without a model)."""
    if llm is None:
        return 0
    return confirm(parsed, propose(parsed, llm))


__all__ = ["Candidate", "candidates", "confirm", "label_amounts", "propose"]
