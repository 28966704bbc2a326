"""The typed record: what one document becomes, and what an answer cites.

These pydantic models are the contract. Their JSON Schema is committed as
``eval/record.schema.json`` (``budgetlens schema`` regenerates it; a test fails when the two
drift) and ``../shared/record-contract.md`` describes it in words. Exports, the index, the
app and the evaluation read these models; nothing builds a record as a loose dict.

Every string taken from a document carries its ``span`` (``[start, end)`` character offsets
into the document text as the loader returned it) and, for paged sources, its 1-based
``page``. A string a model proposed also says how it was matched against the text
(``match``: exact, normalised or fuzzy), from an actual match; a string that matched
nowhere never becomes one of these objects.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["budget", "final_account"]
Scope = Literal["部门", "单位"]
CheckStatus = Literal["pass", "fail", "rounding", "deferred"]
MatchKind = Literal["exact", "normalised", "fuzzy"]
FactMethod = Literal["rule", "table", "model"]
TextMethod = Literal["model", "cue", "structure"]

SpanList = tuple[int, int]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class FactStatement(_Model):
    """One more place where the document states a fact (with its own value)."""

    value: float
    printed: str = Field(description="the figure as printed, e.g. 451.60万元 or 4,516,000.00")
    text: str
    span: SpanList
    figure_span: SpanList
    page: int | None = None
    source: Literal["text", "table"] = "text"


class Fact(_Model):
    """A canonical figure (``value`` in 万元, or ``unit`` when it is a percentage or count)."""

    value: float = Field(description="万元 unless unit says otherwise; changes are signed")
    unit: str = "万元"
    printed: str = Field(description="the figure exactly as printed (precision kept)")
    text: str = Field(description="verbatim source text: label through figure")
    span: SpanList
    figure_span: SpanList
    page: int | None = None
    section: str = ""
    source: Literal["text", "table"] = "text"
    method: FactMethod = "rule"
    label: str = Field("", description="the fact's Chinese name, e.g. 基本支出")
    others: list[FactStatement] = Field(
        default_factory=list,
        description="further statements of the same fact (a check compares them)",
    )


class Operand(_Model):
    name: str = Field(description="fact key or table cell the check reads")
    label: str = Field("", description="Chinese name of the operand")
    value: float | None = None
    printed: str = ""
    text: str = ""
    span: SpanList | None = None
    page: int | None = None


class Check(_Model):
    id: str = Field(description="stable rule id, e.g. sum:expenditure_total")
    rule: str = Field(description="the identity with fact keys")
    rule_zh: str = Field(
        "", description="the identity in Chinese, e.g. 支出合计 = 基本支出 + 项目支出"
    )
    status: CheckStatus
    expected: float | None = None
    actual: float | None = None
    operands: list[str] = Field(default_factory=list)
    operand_details: list[Operand] = Field(default_factory=list)
    message: str = Field("", description="in Chinese: what disagrees, or why deferred")


class GroundedText(_Model):
    """A verbatim piece of the document: a reason, a duty, a use of funds."""

    text: str
    span: SpanList
    page: int | None = None
    method: TextMethod
    match: MatchKind = "exact"
    score: float = 1.0


class Institution(_Model):
    name: str
    nature: str = ""
    level: str = ""
    funding: str = ""
    span: SpanList


class Goal(_Model):
    scope: Literal["overall", "project"]
    project: str = ""
    text: str
    span: SpanList
    page: int | None = None


class SectionInfo(_Model):
    title: str
    number: str
    level: int
    span: SpanList
    parent: int | None = None
    page: int | None = None


class TableInfo(_Model):
    index: int
    title: str = ""
    unit: str | None = None
    columns: list[str] = Field(default_factory=list)
    column_kinds: list[str] = Field(default_factory=list)
    header_rows: int = 0
    empty: bool = False
    span: SpanList
    page: int | None = None
    section: str = ""
    rows: list[list[str]] = Field(default_factory=list)


class Indicator(_Model):
    table: int
    section: str = ""
    level1: str = ""
    level2: str = ""
    level3: str
    operator: str | None = None
    value: float | None = None
    unit: str = ""
    target_text: str = ""
    span: SpanList


class ProcurementItem(_Model):
    table: int
    item: str = ""
    code: str = ""
    measure: str = ""
    quantity: float | None = None
    unit_price: float | None = None
    amount: float | None = None
    span: SpanList


class Provenance(_Model):
    """How a record was made, so ``--resume`` can tell a stale record from a current one."""

    budgetlens: str = Field(description="BudgetLens version")
    parser: str = Field(description="version of the deterministic parser")
    model: str | None = Field(None, description="model name, or null for --no-model")
    prompts: dict[str, str] = Field(default_factory=dict, description="prompt name -> version")


class Record(_Model):
    """One document in, one record out (an error record when the document failed)."""

    doc: str
    path: str | None = None
    source_sha256: str | None = None
    content_key: str | None = Field(
        None, description="hash of the normalised text: equal for copies in other formats"
    )
    unit: str = ""
    year: int | None = None
    kind: Kind | None = None
    scope: Scope | None = None
    title: str = ""
    source_format: str | None = None
    pages: int | None = None
    page_starts: list[int] = Field(
        default_factory=list, description="offset where each page begins (paged sources)"
    )
    facts: dict[str, Fact] = Field(default_factory=dict)
    reasons: dict[str, list[GroundedText]] = Field(default_factory=dict)
    duties: list[GroundedText] = Field(default_factory=list)
    institutions: list[Institution] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    operating_uses: list[GroundedText] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    sections: list[SectionInfo] = Field(default_factory=list)
    tables: list[TableInfo] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    procurement_items: list[ProcurementItem] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    model_calls: int = 0
    ungrounded_dropped: int = 0
    model_labels_left_out: int = Field(
        0,
        description="unlabelled figures the model named but no check confirmed: not used",
    )
    seconds: float | None = None
    provenance: Provenance | None = None
    error: str | None = Field(None, description="set on an error record: the problem")
    stage: str | None = Field(None, description="on an error record: load, parse or extract")

    @property
    def failed(self) -> bool:
        return self.error is not None

    def page_of(self, offset: int) -> int | None:
        """1-based page holding ``offset`` (None for unpaged sources)."""
        if not self.page_starts:
            return None
        return max(1, bisect_right(self.page_starts, offset))

    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]


class Citation(_Model):
    """A verbatim quote of an indexed document supporting (or, declined, near) an answer."""

    doc: str
    section: str = ""
    span: SpanList
    page: int | None = None
    quote: str = Field(description="text[start:end] of the cited document")
    verified: bool = Field(
        description="the quote was matched against the document text for this answer"
    )
    match: MatchKind | None = None
    claimed: str | None = Field(None, description="the model's own words, when they differ")


class Answer(_Model):
    question: str
    answer: str
    declined: bool
    citations: list[Citation] = Field(default_factory=list)
    route: str = Field("", description="which handler answered: figure, why, compare, …")
    warnings: list[str] = Field(default_factory=list)
