"""A question, parsed once into what it asks.

Every handler reads this one :class:`Query` instead of re-reading the question: which
canonical facts it names, which years, whether it asks for an amount, a change, a reason, a
use or a comparison, and the direction of change it assumes. Units are left as text here and
resolved against the indexed documents by :mod:`budgetlens.qa.scope`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from budgetlens.extract.lexicon import SCOPED, find_terms, scoped_key
from budgetlens.extract.reading import fold

Intent = Literal["why", "use", "change", "figure", "compare", "open"]

WHY_RE = re.compile(r"为什么|为何|原因|什么原因|怎么会")
CHANGE_RE = re.compile(r"增减|增加|减少|变化|变动|增长|下降|比上年|较上年|相比|比\d{4}年|较\d{4}年")
INCREASE_RE = re.compile(r"增加|增长|上升|提高")
DECREASE_RE = re.compile(r"减少|下降|降低|压减")
AMOUNT_RE = re.compile(r"多少|几|金额|数额|是多少|安排了")
USE_RE = re.compile(r"用于|用在|用途")
SUBITEM_RE = re.compile(r"(?:支出|收入|经费|预算)中(?:的)?[^，。？?]{2,}")
WHAT_RE = re.compile(r"哪些|什么|哪几|哪个")
COMPARE_RE = re.compile(r"对比|比较|相比哪|哪个(?:更|多|少|高|低)|和.{1,12}(?:的|相比)")
YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    intent: Intent
    base_intent: Intent = "open"  # what is asked of each document (for a comparison too)
    keys: tuple[str, ...] = ()  # canonical fact keys named, head label first
    years: frozenset[int] = field(default_factory=frozenset)
    direction: Literal["increase", "decrease"] | None = None
    wants_amount: bool = False
    wants_change: bool = False
    compares: bool = False

    @property
    def key(self) -> str | None:
        return self.keys[0] if self.keys else None


def fact_keys_in(question: str) -> tuple[str, ...]:
    """Canonical keys the question names, in the order it names them, read with the same
    lexicon as the documents (a term inside a longer one counts only as the longer one;
    "财政拨款基本支出" is the 财政拨款 scope of 基本支出)."""
    text = fold(question)
    named: list[str] = []
    for term in find_terms(text):
        scope = None
        before = text[max(0, term.start - 8) : term.start]
        if "一般公共预算" in before:
            scope = "general_budget"
        elif "财政拨款" in before:
            scope = "fiscal"
        for base in term.keys:
            key = scoped_key(base, scope) if base in SCOPED else base
            if key not in named:
                named.append(key)
    return tuple(named)


def parse_query(question: str) -> Query:
    """What ``question`` asks, decided once."""
    text = question.strip()
    keys = fact_keys_in(text)
    years = frozenset(int(y) for y in YEAR_RE.findall(text))
    wants_change = bool(CHANGE_RE.search(text))
    wants_amount = bool(AMOUNT_RE.search(text))
    direction: Literal["increase", "decrease"] | None = None
    if DECREASE_RE.search(text):
        direction = "decrease"
    elif INCREASE_RE.search(text):
        direction = "increase"
    compares = bool(COMPARE_RE.search(text))
    intent: Intent
    if not keys or SUBITEM_RE.search(text):
        intent = "open"  # "项目支出中科普活动支出…": not a canonical figure itself
    elif WHY_RE.search(text):
        intent = "why"
    elif USE_RE.search(text):
        intent = "use"
    elif WHAT_RE.search(text) and not (wants_amount or wants_change):
        intent = "open"  # "拟购置哪些固定资产": a list, not the figure
    elif wants_change and not wants_amount:
        intent = "change"
    else:
        intent = "figure"
    return Query(
        text=text,
        intent="compare" if compares and keys else intent,
        base_intent=intent,
        keys=keys,
        years=years,
        direction=direction,
        wants_amount=wants_amount,
        wants_change=wants_change,
        compares=compares,
    )


FOLLOW_UP_RE = re.compile(
    r"^(?:那|那么|那末|还有|再问|另外|以及)?(?P<rest>.{1,20}?)(?:呢|怎么样|如何)?[？?。！!]*$"
)
INTENT_WORDS_RE = re.compile(
    r"为什么|为何|原因|多少|几|金额|增减|增加|减少|变化|增长|下降|用于|用途|哪些|什么"
)


def follow_up(question: str, previous: str | None) -> str:
    """The question a short follow-up stands for, given the one before it in the chat:
    "那基本支出呢？" after "廊坊市科协2023年项目支出为什么减少？" asks
    "廊坊市科协2023年基本支出为什么减少？" (the unit, year and what is asked carry over; only
    the fact changes). A question that names its own unit, year or intent is left alone."""
    text = question.strip()
    if not previous:
        return text
    before = previous.strip()
    match = FOLLOW_UP_RE.match(text)
    new_terms = find_terms(fold(text))
    old_terms = find_terms(fold(before))
    if (
        match is None
        or not new_terms
        or not old_terms
        or YEAR_RE.search(text)
        or INTENT_WORDS_RE.search(text)
    ):
        return text
    new = fold(match["rest"]).strip()
    old = old_terms[0]
    folded = fold(before)
    start = old.start
    for scope in ("一般公共预算", "财政拨款"):
        if folded[:start].endswith(scope):
            start -= len(scope)  # the old fact's scope goes with it
    return folded[:start] + new + folded[old.end :]
