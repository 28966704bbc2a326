"""Rules on the document's identity: the unit its opening sentence names, the years it states."""

from __future__ import annotations

import re
from decimal import Decimal

from budgetlens.extract.checks.base import CheckResult, Operand
from budgetlens.extract.document import Document
from budgetlens.extract.facts import NARRATED_CAUSE_RE, Facts
from budgetlens.extract.identity import is_same_unit
from budgetlens.extract.lexicon import find_terms
from budgetlens.extract.reading import fold


def opening_unit_check(doc: Document) -> CheckResult | None:
    """ "现将XX2021年部门预算公开如下" names the unit the title names."""
    meta = doc.meta
    title_unit = meta.unit if meta.unit_span != meta.opening_unit_span else ""
    if not title_unit or not meta.opening_unit:
        return None
    same = is_same_unit(fold(title_unit), fold(meta.opening_unit)) or fold(
        meta.opening_unit
    ) in fold(title_unit)
    return CheckResult(
        id="opening_unit_matches_title",
        rule="unit in the opening sentence = unit in the title",
        status="pass" if same else "fail",
        operands=[
            Operand("标题中的单位", None, meta.unit_span, title_unit),
            Operand("开头一句中的单位", None, meta.opening_unit_span, meta.opening_unit),
        ],
        message="" if same else f"标题是{title_unit}，开头一句却写{meta.opening_unit}",
    )


_LABELLED_YEAR_RE = re.compile(r"((?:19|20)\d{2})年度?[^，,。；;]{0,30}?[\d.]+万?元")
_AGAINST_LAST_YEAR_RE = re.compile(r"(?:较|比|与)(?:上年|去年|上一年)")


def year_check(doc: Document) -> CheckResult | None:
    """A figure labelled with another year but compared with 上年 in its own sentence is this
    year's figure with the wrong year: "2022年…决算为3.46万元，…较上年增加2.4万元" in 2023."""
    year = doc.meta.year
    if year is None:
        return None
    view = doc.reading
    text = view.text
    bad = []
    for sentence in re.finditer(r"[^。\n]+", text):
        body = sentence.group()
        match = _LABELLED_YEAR_RE.search(body)
        if match is None or int(match.group(1)) in (year,):
            continue
        stated = int(match.group(1))
        if stated > year or not _AGAINST_LAST_YEAR_RE.search(body, match.end()):
            continue
        if re.search(r"(?:较|比|与)\s*$", body[: match.start()]):
            continue
        if NARRATED_CAUSE_RE.search(body, 0, match.start()):
            continue  # "…主要是2018年…支出49865元与上年比减少30431元": a cause tells of that year
        start = sentence.start() + match.start(1)
        span = view.raw_span(start, start + 4)
        bad.append(
            Operand(
                f"写作{stated}年",
                Decimal(stated),
                span,
                doc.quote(
                    view.raw_span(sentence.start() + match.start(), sentence.start() + match.end())
                ),
            )
        )
    if not bad:
        return None
    title = doc.meta.year_span
    operands = (
        ([Operand("文件年度", Decimal(year), title, doc.quote(title))] if title else [])
        + bad
        + _right_year_mentions(doc, year, bad)
    )
    return CheckResult(
        id="year_consistent",
        rule="the year stated everywhere agrees",
        status="fail",
        expected=Decimal(year),
        operands=operands,
        message=f"文件是{year}年度，但"
        + "、".join(f"“{o.text}”" for o in bad)
        + "写的是另一年，又与上年比较",
    )


def _right_year_mentions(doc: Document, year: int, bad: list[Operand]) -> list[Operand]:
    """Where the document names the same fact with its own year ("2023年“三公”经费…中"), the
    other side of the disagreement."""
    view = doc.reading
    found = []
    for operand in bad:
        terms = find_terms(fold(operand.text))
        if not terms:
            continue
        name = fold(operand.text)[terms[0].start : terms[0].name_end]
        pattern = re.compile(rf"{year}\s*年度?[^。\n]{{0,6}}?{re.escape(name)}[^。\n，,]{{0,16}}")
        match = pattern.search(view.text)
        if match is not None:
            span = view.raw_span(match.start(), match.end())
            found.append(Operand(f"写作{year}年", Decimal(year), span, doc.quote(span)))
    return found[:1]


def identity_checks(doc: Document, facts: Facts) -> list[CheckResult]:
    return [r for r in (opening_unit_check(doc), year_check(doc)) if r is not None]
