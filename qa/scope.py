"""Which indexed documents a question is about: the units it names, the years it names.

An answer may cite only documents of the unit (and year) asked about. When the question
names a unit that no indexed document belongs to, the answer is the decline, never a figure
from some other unit's document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from budgetlens.extract.identity import is_same_unit
from budgetlens.qa.query import Query

MENTION_SPLIT_RE = re.compile(r"[和与及跟同、，,。？?！!\s]|对比|比较|相比|请问")
# Words that end a unit's name in a question ("廊坊市科协2023年…"): the name is what precedes.
UNIT_MENTION_RE = re.compile(
    r"(?P<name>[\u4e00-\u9fff（）()]{2,30}?"
    r"(?:委员会|协会|科协|联合会|人民政府|政府|办公厅|办公室|中心|学校|大学|学院|医院|法院|检察院|"
    r"街道办事处|街道|镇|乡|[会局委院厅办部署处所站队校馆社厂场司团室庭]))"
    r"(?=\d{4}年|的|[，,。？?“\"‘]|今年|去年|在|$|[有是为]"
    r"|一般公共预算|财政拨款|三公|收入|支出|项目|基本|机关|公务|因公|政府采购|固定资产|预算|决算)"
)


class Listed(Protocol):
    """What scoping needs of an indexed document."""

    name: str
    unit: str
    year: int | None


@dataclass(slots=True)
class Scope:
    docs: list[Listed] = field(default_factory=list)
    refusal: str | None = None  # why nothing can be answered (unit or year not indexed)
    named_units: list[str] = field(default_factory=list)  # the units the question named


def mentions(question: str, unit: str) -> bool:
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


def unit_mentions(question: str) -> list[str]:
    """Names of units the question seems to name, whether indexed or not."""
    return [m["name"] for m in UNIT_MENTION_RE.finditer(question)]


def resolve(query: Query, docs: Iterable[Listed]) -> Scope:
    """The documents ``query`` is about, or the reason to decline."""
    listed = list(docs)
    named = [d for d in listed if mentions(query.text, d.unit)]
    mentioned = unit_mentions(query.text)
    unknown = [
        m for m in mentioned if not any(mentions(m, d.unit) or mentions(d.unit, m) for d in listed)
    ]
    if not named and unknown:
        return Scope(refusal=f"没有“{unknown[0]}”的文件", named_units=unknown)
    candidates = named or listed
    if query.years:
        # a stock at the previous year-end (2020年末固定资产) belongs to the 2021 document
        fitting = [
            d
            for d in candidates
            if d.year is None or any(y in (d.year, d.year - 1) for y in query.years)
        ]
        if not fitting:
            years = "、".join(str(y) for y in sorted(query.years))
            who = f"{named[0].unit}" if named else ""
            return Scope(refusal=f"没有{who}{years}年的文件", named_units=[d.unit for d in named])
        candidates = fitting
    return Scope(docs=candidates, named_units=[d.unit for d in named])
