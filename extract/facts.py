"""Canonical facts read clause by clause, each with the exact raw span it was read from.

No model is involved. A sentence of a disclosure is a chain of clauses around figures:

    2023年度一般公共预算财政拨款“三公”经费支出预算为3万元，支出决算为1.71万元，完成预算的43%，
    较上年减少1.29万元，下降43%。

Each figure is read with the words before it in its clause: a *term* names the fact
(“三公”经费, 基本支出; :mod:`budgetlens.extract.lexicon`), *qualifiers* say its basis (预算数,
决算数, 上年) and scope (财政拨款, 一般公共预算), a *comparison* and a *direction* word make it a
change, 完成…的 a completion rate, 占 a share. A clause without a term of its own ("支出决算为
1.71万元", "较上年减少1.29万元") takes the subject of its sentence; parts listed after a total
("一般公共预算财政拨款支出X万元，其中：基本支出A万元") take the total's scope. A figure whose label
is not a term (a functional line, an economic line) is left unlabelled, never forced into a
key: precision first.

Tables are read by typed columns (:mod:`budgetlens.extract.tables`). Reading happens on the
reading view (:mod:`budgetlens.extract.reading`); every span is mapped back to the raw text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from budgetlens.extract.document import Document, Kind, Span, is_prose_line
from budgetlens.extract.lexicon import (
    GENERAL_BUDGET_RE,
    SCOPED,
    SOURCE_SCOPES,
    THREE_PUBLIC_PARTS,
    UNDATED_KEYS,
    UNSCOPABLE,
    VEHICLE_CONTEXT_RE,
    Term,
    find_terms,
    is_bare_total,
    scoped_key,
    split_key,
)
from budgetlens.extract.numbers import UNIT_IN_WAN, half_unit_of, to_decimal
from budgetlens.extract.reading import Reading, fold, read


@dataclass(slots=True)
class Statement:
    """One place where the document states a fact."""

    key: str
    value: Decimal  # 万元 (or percent for change_pct_/completion_), signed for changes
    half_unit: Decimal  # rounding half-unit of the printed figure, same unit as value
    span: Span  # raw: label through figure
    figure_span: Span  # raw: the printed figure alone (or the 持平 phrase)
    source: str  # "text" | "table"
    sentence: int  # sentence counter; statements of one sentence share it (tables: -index)
    unit: str = "万元"
    table: int | None = None  # the table a table statement comes from
    row: int | None = None
    column: int | None = None
    # "rule" (the fact reader), or "model" (an unlabelled figure the model named and the
    # arithmetic confirmed: :mod:`budgetlens.extract.amount_labels`)
    method: str = "rule"


@dataclass(slots=True)
class Share:
    """ "占X%": a part's stated share of a whole."""

    part: str | None  # key of the part (None when its label is not a term)
    part_value: Decimal | None
    part_half: Decimal
    part_span: Span | None
    whole: str | None  # key of the whole when the clause names it ("占收入合计的…")
    percent: Decimal
    percent_half: Decimal
    span: Span
    sentence: int


@dataclass(slots=True)
class ItemParagraph:
    """A numbered paragraph about one classification line: “X（类）Y（款）Z（项）”A万元，…
    2023年当年预算执行数为B万元，2024年预算安排C万元，比2023年…增加P%。"""

    name: str
    heading: tuple[Decimal, Decimal, Span] | None = None  # value, half unit, raw span
    previous: tuple[Decimal, Decimal, Span] | None = None
    current: tuple[Decimal, Decimal, Span] | None = None
    percent: tuple[Decimal, Decimal, Span] | None = None  # signed
    span: Span = (0, 0)


@dataclass(slots=True)
class Facts:
    statements: dict[str, list[Statement]] = field(default_factory=dict)
    unlabelled: list[Span] = field(default_factory=list)  # raw spans of unread figures
    # every amount of the prose as (sentence, value, half unit, raw figure span), labelled
    # or not: what a check asks when a change might belong to another figure of its sentence
    amounts: list[tuple[int, Decimal, Decimal, Span]] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    items: list[ItemParagraph] = field(default_factory=list)

    def add(self, statement: Statement) -> None:
        self.statements.setdefault(statement.key, []).append(statement)

    def get(self, key: str) -> Statement | None:
        """The fact's value: its first statement in the prose, else in a table."""
        found = self.statements.get(key)
        if not found:
            return None
        prose = [s for s in found if s.source == "text"]
        return min(prose, key=lambda s: s.span[0]) if prose else found[0]


# --- figures ---------------------------------------------------------------------------

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
FIGURE_RE = re.compile(
    rf"(?P<sign>[-−])?(?P<num>{_NUMBER})"
    r"(?:(?P<unit>百万元|千万元|亿元|万元|千元|元)|(?P<wan>万)(?=[。，,；;、)）\n]|$)|(?P<pct>%|％)"
    # "政府性基金拨款支出预算为0；": nought needs no unit
    r"|(?:(?<=[为是]0)|(?<=[为是]0\.00))(?=[。，,；;)）\n]|$))"
)
SENTENCE_END = "。！？!?\n"
CLAUSE_BREAK = "，,；;：:、"

DIRECTION_RE = re.compile(
    r"(?P<word>增加|增长|上升|提高|多|减少|下降|降低|节约|节省|压减|缩减|少|增|减)(?:了|为|约|至|达)?$"
)
INCREASE = {"增加", "增长", "上升", "提高", "多", "增"}
RATE_WORD_RE = re.compile(
    r"(?P<word>增幅|降幅|增长率|下降率|减少率|减幅|增长幅度|下降幅度)(?:为|约|是)?$"
)
SHARE_RE = re.compile(r"占(?P<whole>[^，,；;。%]{0,24}?)(?:的|比重|比例)?(?:为|约|达)?$")
COMPLETION_RE = re.compile(
    r"(?:完成(?:了)?(?:年初|全年|调整后?)?(?:预算)?(?:数)?(?:[\d.,]+万元)?的?|为(?:年初|全年|调整)?预算(?:数)?的|"
    r"(?:预算)?完成率(?:为|是|达)?|执行率(?:为|是|达)?)$"
)
# a paragraph about one line of the functional classification: "…支出（类）…（款）…（项）"
CLASSIFICATION_LINE_RE = re.compile(r"[(（](?:类|款|项|\d{2,3}项)[)）]")
FRAGMENT_START_RE = re.compile(
    r"^\s*(?:[-−]?[\d,]+(?:\.\d+)?\s*(?:万元|元|%)|[，,。；;、)）的和及])"
)
SHARE_SCOPE_RE = re.compile(r"占(?:一般公共预算|财政拨款)[^，,。；;%]{0,12}")
# "分别为", "各是", "分别比上年增加", "各减少": the figures that follow go one to each named fact
RESPECTIVELY_RE = re.compile(
    r"(?:分别|各(?=是|为|自|增|减|下降|比|较|与)|均(?=为|是))(?:是|为|达到?|约)?"
    r"(?:(?:比|较|与)(?:上年|去年|上一年度?|(?:19|20)\d{2}年度?)(?:预算|决算)?(?:数)?(?:相比)?)?"
    r"(?P<direction>增加|减少|增长|下降|降低|上升)?(?:了|为|约)?"
)
LISTED_FIGURE_RE = re.compile(
    rf"(?P<sign>[-−])?(?P<num>{_NUMBER})(?:(?P<unit>亿元|万元|元)|(?P<pct>%|％))?"
)
LIST_SEPARATOR_RE = re.compile(r"[、,，和及与]")
NARRATED_CAUSE_RE = re.compile(r"主要是|主要原因|原因是|由于|因为")
CAUSE_LEAD_RE = re.compile(r"^(?:主要是|主要原因是|主要由于|主要因为)")
POSTFIX_ABSENT_RE = re.compile(r"无(?=[，,、。；;)）\n]|$)")
SOURCE_BUDGET_NAME_RE = re.compile(r"一般公共预算|公共财政预算|政府性基金预算|国有资本经营预算")
SOURCE_WORD_RE = re.compile(
    r"财政拨款|一般公共预算|政府性基金|国有资本经营|财政专户|自有资金|其他资金"
)
QIZHONG_START_RE = re.compile(r"\s*(?:其中|包括)")
BARE_PREVIOUS_RE = re.compile(r"(?<=上年)\d+(?:\.\d+)?(?=增加|减少|增长|下降)")
# the mark that numbers a heading or an item: "（二）", "2、", "二、"
ITEM_MARK = (
    r"(?:[(（][一二三四五六七八九十\d]{1,2}[)）]|\d{1,2}[、.．](?!\d)"
    r"|[一二三四五六七八九十]{1,2}[、.．])"
)
# "（二）公务接待费。" alone, and "（一）收入预算：" opening its paragraph
INLINE_HEADING_RE = re.compile(rf"\s*{ITEM_MARK}\s*(?P<name>[^，,。；;:：\d]{{2,20}})[。:：]\s*$")
INLINE_LEAD_RE = re.compile(rf"\s*{ITEM_MARK}\s*(?P<name>[^，,。；;:：\d]{{2,12}})[:：]")
HEADING_TAIL_RE = re.compile(r"(?:支出|预算|决算)*(?:具体情况|总体情况|情况说明|情况|说明)$")
# a final account compared with a budget other than the one first set: vs_budget_ keeps one
# basis (年初预算 or 预算), so these are left out
ADJUSTED_BUDGET_RE = re.compile(r"调整(?:后)?预算|全年预算|预算调整")
# the wholes of one side a bare 收入/支出 may go on naming
SIDE_WHOLES = frozenset(
    f"{side}_{what}"
    for side in ("income", "expenditure")
    for what in ("total", "current_year", "fiscal", "general_budget", "total_fiscal")
)
# "…各增加", "…均为": each fact named
EACH_RE = re.compile(r"\s*(?:各(?=是|为|自|增|减|下降|比|较|与)|均(?=为|是))")
# "无机关运行经费", "未安排因公出国（境）费预算": none of it, a figure of 0
ABSENT_RE = re.compile(r"(?<![有])(?:没有使用|未使用|无|没有|未安排|未发生)")
ABSENT_TAIL_RE = re.compile(
    r"(?:(?<=费)用)?(?:预算|决算|支出|收入|安排|资金|经费|拨款|事项)*(?=[，,。；;、)）\n]|$)"
)
# "未使用政府性基金预算拨款安排的支出": spending from a source
SPENT_FROM_RE = re.compile(r"(?:预算)?安排的?(?:支出|经费)")
ABSENT_TAIL_END_RE = re.compile(r"(?=[，,。；;)）\n]|$)")
# "本单位2022年无政府性基金预算。": no such budget at all
ABSENT_BUDGET_RE = re.compile(
    r"(?P<name>政府性基金|国有资本经营)预算(?:收支|收入和支出|收入及支出)?(?=[，,。；;)）\n]|$)"
)
ABSENT_BOTH_RE = re.compile(r"(?:和|及|与)支出(?:预算|决算)?(?=[，,。；;、)）\n]|$)")
# "无“三公”经费的预算与支出": neither a budget nor spending (a final account's two bases)
ABSENT_BASES_RE = re.compile(
    r"(?:(?<=费)用)?的?(?:年初)?预算(?:数)?(?:和|及|与)(?:决算|实际)?(?:支出|决算)(?:数)?"
    r"(?=[，,。；;、)）\n]|$)"
)
HEADING_FILLER_RE = re.compile(
    r"(?:[\s、.．:：()（）“”\"]|[一二三四五六七八九十\d]|(?:19|20)\d{2}年度?|部门|单位|本级|"
    r"情况|说明|总体|安排|预算|决算|的)*"
)
# a source of money named alone ("一般公共预算拨款2752.8万元"): income or expenditure by context
SOURCE_NAME_RE = re.compile(
    r"(?P<name>一般公共预算|公共财政预算|公共预算(?=拨款)|政府性基金(?:预算)?|国有资本经营预算"
    r"|财政(?=拨款))"
    # "其中,一般公共预算1,077.36万元": the source's name alone, right before its figure
    r"(?:(?:财政)?拨款(?:[(（]补助[)）])?(?:资金)?(?!收入|支出)|(?=\s*(?:\d|$|(?:较上年|比上年)?(?:增加|减少|增长|下降))))"
)
# the totals whose sources are listed after them: they say which side a source is on
SIDE_TOTALS = (
    "income_total",
    "expenditure_total",
    "income_current_year",
    "expenditure_current_year",
)
LEAD_IN_END_RE = re.compile(r"(?:其中|包括|具体(?:如下|情况如下)?|如下)[:：]\s*$")
ENUMERATION_RE = re.compile(r"其中|包括|分别为|分别是")
ITEM_START_RE = re.compile(r"(?:^|\n)\s*(?:\d{1,2}[、.．](?!\d)|[(（]\d{1,2}[)）])")
COMPLETION_BASE_RE = re.compile(r"完成(?:了)?(?:年初|全年|调整后?)?预算(?:数)?$")
YEAR_RE = re.compile(r"((?:19|20)\d{2})年度?")
# A comparison and what is compared with: the previous year (a change) or this year's
# budget (a final account's execution, not a change).
COMPARISON_RE = re.compile(
    r"(?:相比|相较|比|较|与|同)(?P<what>上年度?|上一年度?|去年|(?P<year>(?:19|20)\d{2})年度?)?"
    r"(?:\([^)]{0,8}\))?(?:当年)?(?P<basis>年初预算|全年预算|调整预算|预算执行|预算|决算|执行)?"
    r"(?:数字|数|同期)?(?:相比|比较|对比)?|同比|对比"
)
# a sentence about the units below the department ("另外,…下属共有6个事业单位,")
SUBORDINATES_RE = re.compile(
    r"\s*(?:另外|此外|同时)[，,]?[^，,。；;]{0,30}下属(?:共有)?\s*\d+\s*个[^，,。；;]{0,8}单位[，,]"
)
BUDGET_GAP_RE = re.compile(
    r"决算数?(?P<word>大于|高于|多于|超过|小于|低于|少于)(?:年初|全年)?预算数?$"
)
ANAPHOR_RE = re.compile(r"\s*(?:此项|该项|这项|此类|该类)(?:支出|经费|费用|资金)?")
COMPARED_AFTER_RE = re.compile(r"\s*(?:相比|相较|比较|对比)")
# a comparison right before its figure: the figure is the level compared with
COMPARED_LEVEL_RE = re.compile(rf"(?:{COMPARISON_RE.pattern})(?:的|为|是)?\s*$")
ZERO_CHANGE_RE = re.compile(r"持平|无增减|无变化|未发生变化|没有变化|保持不变|基本持平|一致|相同")
# "比上年增加(减少)0万元": a template's unfilled direction; a sign is only certain for 0
AMBIGUOUS_DIRECTION_RE = re.compile(
    r"(?:(?:增加|增长|上升|增)[(（/](?:减少|下降|减)|(?:减少|下降|减)[(（/](?:增加|增长|上升|增))"
    r"[)）]?(?:了|为)?$"
)
BUDGET_BASIS_RE = re.compile(r"年初预算|全年预算|调整预算|预算数|预算安排|预算为|预算")
ACTUAL_BASIS_RE = re.compile(r"决算|实际支出|实际|执行数|支出决算")
PREVIOUS_RE = re.compile(r"上年|去年|上一年")
# what may stand between a term and its figure: qualifiers, filler, years, a comparison
FILLER_RE = re.compile(
    r"^(?:[“”\"'()（）、]|(?:19|20)\d{2}年(?:度|初)?|本年度?|当年|全年|年初|年度|调整后?|预算安排|预算数?|"
    r"决算数?|支出决算|支出预算|执行数|实际支出|实际|支出|安排|拨入|拨款|财政拨款|一般公共预算|"
    r"合计|总计|共计|总额|金额|累计|小计|为|是|共|计|达到?|约|了|的|其中|包括|分别|各|均|数|预计|开支|资金|"
    r"增加|减少|增长|下降|降低|上升|提高|节约|增|减|比上年|较上年|同比|上年|去年)*$"
)
REMARK_RE = re.compile(r"[(（][^()（）]{2,14}[)）]")
LEADING_RE = re.compile(
    rf"^\s*(?:{ITEM_MARK}|[一二三四五六七八九十]是)?[\s(（]*(?:其中|包括|含|即)?[:：]?\s*"
)


# Amounts in 万元 are kept to 0.01万元 in these documents. A small one printed without decimals
# ("公务接待费预算为1万元") has its zeros dropped: it is 1.00, not anything from 0.5 to 1.5 (which
# would leave no completion rate checkable). Large totals are the ones documents round to a
# whole 万元 ("收入总计17192万元" beside tables of 17191.5169), so they keep that tolerance.
WHOLE_WAN_HALF = Decimal("0.005")
SMALL_WHOLE_WAN = 100


def _amount(match: re.Match[str]) -> tuple[Decimal, Decimal, str]:
    """(value in 万元 or %, half unit, unit) of a figure match."""
    number = match["num"]
    value = to_decimal(number)
    half = half_unit_of(number)
    if match["pct"]:
        unit = "%"
    else:
        unit = match["unit"] or "万元"
        factor = UNIT_IN_WAN[unit]
        if unit == "万元" and "." not in number and value < SMALL_WHOLE_WAN:
            half = WHOLE_WAN_HALF  # "预算为3万元" is 3.00万元 with its zeros dropped
        value, half = value * factor, half * factor
    if match["sign"]:
        value = -value
    return value, half, ("%" if match["pct"] else "万元")


@dataclass(slots=True)
class _Subject:
    keys: tuple[str, ...]  # base keys (scope applied)
    scope: str | None


def _scope_of(text: str) -> str | None:
    """The scope words name, outside a remark in parentheses ("(含使用非财政拨款结转结余…)"
    says what a total includes, not its scope) and never as 非财政拨款 (the money that is not)."""
    text = re.sub(r"[(（][^()（）]*[)）]", "", text).replace("非财政拨款", "")
    if GENERAL_BUDGET_RE.search(text):
        return "general_budget"
    if "财政拨款" in text:
        return "fiscal"
    return None


class _Reader:
    """Reads the prose of one document into ``facts``."""

    def __init__(self, doc: Document, facts: Facts) -> None:
        self.doc = doc
        self.view: Reading = doc.reading
        self.facts = facts
        self.year = doc.meta.year
        self.final = doc.meta.kind == "final_account"
        self.sentence_id = 0
        self.sentence_span = (0, 0)  # the sentence being read, in the view
        # what the last sentence compared with: its 其中 sentence compares the parts the same way
        self.carried_comparison: str | None = None
        self.paragraph_start = 0
        self.paragraph_scope: str | None = None  # the scope of the paragraph's first total
        self.topic: _Subject | None = None  # the first fact a paragraph states
        self.paragraph_side: str | None = None  # the side of the paragraph's last total named
        self.inline_subject: _Subject | None = None  # the fact a "（二）公务接待费。" opening names
        # the same, when a heading line of its own names one fact that is not a bare total
        self.heading_fact: _Subject | None = None
        self.subject_prefix: str | None = None  # the prefix of the level that set the subject
        # the last amount read in the sentence: (key, value, half unit, figure span)
        self.last_level: tuple[str | None, Decimal, Decimal, Span] | None = None

    # ---- spans ---------------------------------------------------------------------

    def raw(self, start: int, end: int) -> Span:
        return self.view.raw_span(start, end)

    # ---- the walk ------------------------------------------------------------------

    def read(self) -> None:
        text = self.view.text
        body_start = self.view.view_position(self.doc.meta.body_start)
        body_end = self.view.view_position(self.doc.meta.body_end)
        position = 0
        first = True
        lead_in: str | None = None  # the scope a line ending in "其中：" hands to the next
        parent: set[str] = set()  # the fact that line breaks down
        listing = False  # the lines are the parts a line ending in "其中：" lists
        lead_side: str | None = None  # and the side (income / expenditure) of that line's total
        for line in text.split("\n"):
            start, end = position, position + len(line)
            position = end + 1
            if end <= body_start or start >= body_end or not is_prose_line(line):
                continue
            opening = first and bool(line.strip())
            first = first and not line.strip()
            if not (
                FIGURE_RE.search(line) or ZERO_CHANGE_RE.search(line) or ABSENT_RE.search(line)
            ):
                if line.strip():
                    lead_in, listing = None, False
                continue
            heading_scope = self.heading_scope(start)
            self.topic = None
            self.inline_subject = None
            self.heading_fact = None
            self.paragraph_start = start
            if listing and not _starts_with_term(line, parent):
                lead_in, listing = None, False  # the list of parts is over
            self.paragraph_side = lead_side if listing else None
            # "…基本支出911.7万元，其中：" ending a line: its parts on the next line take its scope
            self.paragraph_scope = lead_in
            sentence_start = start
            if opening and FRAGMENT_START_RE.match(line):
                # a page cut out of a longer document begins mid-sentence ("19816.81 元，项目支出
                # 0元。"): what that sentence is about was on the page before, so skip it
                cut = min((line.find(c) for c in "。！？!?" if c in line), default=-1)
                if cut < 0:
                    continue
                sentence_start = start + cut + 1
            for i in range(start, end + 1):
                if i == end or text[i] in SENTENCE_END:
                    stop = min(end, i + 1)
                    if stop > sentence_start:
                        self.sentence_id += 1
                        self.sentence(sentence_start, stop, heading_scope)
                    sentence_start = stop
            if LEAD_IN_END_RE.search(line):
                listing, lead_side = True, self.paragraph_side
                lead_in = self.paragraph_scope
                topic_keys: tuple[str, ...] = self.topic.keys if self.topic else ()
                parent = {split_key(k)[1] for k in topic_keys}

    def budget_basis(self, words: str) -> bool:
        """The clause is about budgets (预算数), not actuals."""
        quals = _strip_terms(words)
        return bool(BUDGET_BASIS_RE.search(quals)) and not ACTUAL_BASIS_RE.search(quals)

    def about_a_line(self, view_offset: int) -> bool:
        """The paragraph, or the numbered item or heading it is under, names a
        classification line (类/款/项)."""
        text = self.view.text
        start = self.paragraph_start
        items = list(ITEM_START_RE.finditer(text, max(0, view_offset - 300), view_offset))
        if items:
            start = min(start, items[-1].start())
        if CLASSIFICATION_LINE_RE.search(text, start, view_offset):
            return True
        section = self.doc.section_at(self.view.raw_span(view_offset, view_offset + 1)[0])
        return section is not None and bool(CLASSIFICATION_LINE_RE.search(section.title))

    def heading_subject(self, view_offset: int) -> _Subject | None:
        """The fact the innermost heading names when it names nothing else ("（一）收入预算",
        "“三公”经费支出决算情况"), for a paragraph whose first figure has no name of its own."""
        section = self.doc.section_at(self.view.raw_span(view_offset, view_offset + 1)[0])
        if section is None:
            return None
        title = fold(section.title)
        terms = find_terms(title)
        if len(terms) != 1:
            return None
        rest = title[: terms[0].start] + title[terms[0].end :]
        if not HEADING_FILLER_RE.fullmatch(rest):
            return None
        return _Subject(terms[0].keys, _scope_of(title[: terms[0].start]))

    def heading_scope(self, view_offset: int) -> str | None:
        """The scope the innermost heading names (一般公共预算 / 财政拨款), if any."""
        section = self.doc.section_at(self.view.raw_span(view_offset, view_offset + 1)[0])
        while section is not None:
            scope = _scope_of(section.title)
            if scope is not None:
                return scope
            section = self.doc.sections[section.parent] if section.parent is not None else None
        return None

    def sentence(self, start: int, end: int, heading_scope: str | None) -> None:
        text = self.view.text
        self.sentence_span = (start, end)
        if SUBORDINATES_RE.match(text, start):
            # "另外,梧州市民政局下属共有6个事业单位,事业运行经费总预算…": the money of the
            # units below the department, not the document's own facts
            for match in FIGURE_RE.finditer(text, start, end):
                self.facts.unlabelled.append(self.raw(match.start("num"), match.end()))
            return
        inline = INLINE_HEADING_RE.match(text[start:end])
        if inline is not None:
            # "（三）公务接待费支出情况。": the name, less the words a heading adds
            name = HEADING_TAIL_RE.sub("", inline["name"])
            terms = find_terms(name)
            if len(terms) == 1 and terms[0].start == 0 and terms[0].end == len(name):
                self.inline_subject = _Subject(terms[0].keys, None)
                if not set(terms[0].keys) <= GENERIC_TOTAL_KEYS:
                    self.heading_fact = self.inline_subject
            return
        opening = INLINE_LEAD_RE.match(text[start:end])
        if opening is not None:
            # "（一）收入预算：2022年年初预算数504.51万元": the paragraph's own heading
            terms = find_terms(opening["name"])
            if len(terms) == 1 and terms[0].start == 0 and terms[0].end == len(opening["name"]):
                self.inline_subject = _Subject(terms[0].keys, None)
        subject: _Subject | None = None
        # the scope of the first total the sentence names; else of the paragraph's; else the
        # whole the sentence measures its parts against ("…，占一般公共预算支出的84.06%")
        sentence_scope: str | None = None
        share_whole = SHARE_SCOPE_RE.search(text, start, end)
        fallback_scope = self.paragraph_scope or (
            _scope_of(share_whole.group()) if share_whole else None
        )
        year: int | None = None  # the year the clauses are about so far
        previous_end = start
        completion_next = False  # the last figure was the budget of a completion rate
        last_sign: int | None = None  # the sign of the sentence's last change amount
        sentence_prefix: str | None = None  # the basis of the sentence's first named figure
        self.last_level = None
        self.subject_prefix = None
        zeros = list(ZERO_CHANGE_RE.finditer(text, start, end))
        figures_before = False
        handled = self.respectively(start, end)  # the (start, end) of every listed figure
        was_inside = False  # the last figure stood inside a parenthesis
        just_changed = False  # the last figure was a change
        # "income" / "expenditure": the side of its first total; a sentence opening with 其中
        # lists the parts of the sentence before it
        sentence_side = (
            self.paragraph_side
            if QIZHONG_START_RE.match(text, start) or start == self.paragraph_start
            else None
        )
        outer_subject: _Subject | None = None  # the subject of the last figure outside one
        named_levels: list[_Subject] = []  # the facts the sentence named with their levels
        labelled_since_named = False  # a figure was given a name since the last of them
        current_keys: set[str] = set()  # facts whose own year's level the sentence states
        self.absent(start, end, heading_scope)
        self.absent_after(start, end)
        for match in FIGURE_RE.finditer(text, start, end):
            if any(a < match.end() and match.start() < b for a, b in handled):
                previous_end = match.end()
                figures_before = True
                continue
            if _glued(text, match):
                self.facts.unlabelled.append(self.raw(match.start("num"), match.end()))
                previous_end = match.end()
                continue
            while zeros and zeros[0].start() < match.start():
                named = self.zero_change(zeros.pop(0), previous_end, start, subject, figures_before)
                subject = named or subject  # "…维护费支出比上年无变化，比预算增加1.05万元"
            figures_before_this = figures_before
            figures_before = True
            if not was_inside:
                outer_subject = subject
            inside = _depth(text, start, match.start()) > 0
            if not inside and was_inside:
                subject = outer_subject  # "…87.15万元(其中，…运行费87.15万元),较上年增长…"
            was_inside = inside
            value, half, unit = _amount(match)
            lead = text[previous_end : match.start()]
            previous_end = match.end()
            cut = max((lead.rfind(c) for c in CLAUSE_BREAK), default=-1)
            for spanning in find_terms(lead):
                if spanning.start <= cut < spanning.end:  # "收、支总计": the 、 is inside a term
                    cut = spanning.start - 1
            joined = False
            if _direction(lead[cut + 1 :]) and self.term_in(lead[cut + 1 :]) is None:
                # "收入支出总体与上年相比，增加58.21万元": the clause before names what changed
                earlier = max((lead.rfind(c, 0, cut) for c in CLAUSE_BREAK), default=-1)
                for spanning in find_terms(lead[:cut]):
                    if spanning.start <= earlier < spanning.end:  # "收、支与2023年度相比"
                        earlier = spanning.start - 1
                clause = lead[earlier + 1 : cut]
                subject_term = self.term_in(clause)
                if (
                    subject_term is not None
                    and COMPARISON_RE.search(clause, subject_term.end)
                    and FILLER_RE.match(_without_comparisons(clause[subject_term.end :]))
                ):
                    cut, joined = earlier, True
            segment = lead[cut + 1 :]
            segment_start = match.start() - len(segment)
            lead_junk = LEADING_RE.match(segment)
            if lead_junk:
                segment_start += lead_junk.end()
                segment = segment[lead_junk.end() :]
            if re.search(r"本年度|今年", lead):
                year = self.year
            for y in YEAR_RE.finditer(lead):
                if (
                    not COMPARISON_RE.match(lead, max(0, y.start() - 1))
                    and not re.search(r"[比较与同]$", lead[: y.start()])
                    # "2023年度相比,减少…": a compared year that lost its 与
                    and not COMPARED_AFTER_RE.match(lead, y.end())
                ):
                    year = int(y.group(1))
            term = self.term_in(segment)
            if term is not None:
                tail = segment[term.end :]
                if joined:
                    tail = re.sub(rf"[{CLAUSE_BREAK}]", "", tail)
                if not FILLER_RE.match(_without_comparisons(_without_remarks(tail))):
                    term = None  # "基本支出中的工资福利支出…": the term is not this figure's label
            label_start = segment_start + (term.start if term else 0)
            listed: list[Term] = []
            if term is not None and EACH_RE.match(segment, term.end):
                clause_from = max(lead.rfind(c) for c in "，,；;：:") + 1
                listed = _listed_terms(lead[clause_from:])
                if listed:
                    label_start = match.start() - len(lead) + clause_from + listed[0].start
            span = self.raw(label_start, match.end())
            figure = self.raw(match.start("num") - (1 if match["sign"] else 0), match.end())
            comparison = self.compared(segment if term is None else segment[term.end :])
            if comparison is None and _direction(lead):
                comparison = self.compared(text[start : match.start()])
            direction = _direction(lead)
            gap = BUDGET_GAP_RE.search(lead) if self.final and direction is None else None
            if gap is not None and unit != "%":
                # "决算数大于预算数55.93万元": the actual's difference from its own budget
                direction = "增加" if gap["word"] in ("大于", "高于", "多于", "超过") else "减少"
                comparison = "budget"
                if segment.endswith(gap.group()):
                    segment = segment[: len(segment) - len(gap.group())]  # named by the subject
            if direction is None and AMBIGUOUS_DIRECTION_RE.search(lead):
                if value == 0:
                    direction = "增加"  # zero either way
                elif unit == "%" and last_sign is not None:
                    # "减少0.15万元，下降（增长）27.78%": the amount's change gives the sign
                    direction = "增加" if last_sign > 0 else "减少"
                else:
                    self.facts.unlabelled.append(figure)
                    continue
            rate = RATE_WORD_RE.search(lead)
            changed_before, just_changed = just_changed, False
            if (
                direction is None
                and unit == "%"
                and changed_before
                and last_sign is not None
                and re.fullmatch(r"\s*[(（，,]\s*", lead)
            ):
                # "较上年减少1.5万元(42.86%)": the rate of the change it stands beside
                direction = "增加" if last_sign > 0 else "减少"
                comparison = "previous"
            keys: tuple[str, ...]
            scope: str | None
            each_subject = False
            if (
                term is not None
                and subject is not None
                and is_bare_total(segment, term)
                and not any(
                    k.startswith(("income_total", "expenditure_total")) for k in subject.keys
                )
            ):
                keys, scope = subject.keys, subject.scope
            elif (
                term is not None
                and subject is None
                and is_bare_total(segment, term)
                and self.about_a_line(segment_start)
            ):
                keys, scope = (), None  # "…行政单位离退休（项）…支出决算为54.53万元": that line's
            elif (
                term is not None
                and set(term.keys) <= GENERIC_TOTAL_KEYS
                and self.heading_fact is not None
            ):
                # "（二）公务接待费。2021年预算支出11.77万元": the spending the heading names
                keys, scope = self.heading_fact.keys, None
            elif term is not None and segment[term.start : term.end] in ("收入", "支出"):
                # "机关运行经费支出20万元,支出比上年增加1万元": a bare 支出 goes on with the fact
                # already named, unless that is the other side's or a part; else the total
                bare = self.bare_side_subject(segment[term.start : term.end], subject)
                keys, scope = (bare.keys, bare.scope) if bare else (term.keys, None)
            elif (
                term is not None
                and self.topic is not None
                and (anaphor := ANAPHOR_RE.match(segment)) is not None
                and COMPARISON_RE.match(segment, anaphor.end())
            ):
                # "此项支出比2014年财政拨款支出决算数减少76.2万元": "this item" is the paragraph's
                # fact; the term inside the comparison names only what it is compared with
                keys, scope = self.topic.keys, self.topic.scope
            elif term is not None:
                scope = _scope_of(segment[: term.start]) or _scope_of(text[start:segment_start])
                keys = ()
                for each in listed or [term]:  # "基本支出、项目支出各增加5万元": each of them
                    more, scope = self.keys_for(
                        each, scope, sentence_scope or fallback_scope, heading_scope
                    )
                    keys = tuple(dict.fromkeys(keys + more))
            elif (
                term is None
                and direction is not None
                and EACH_RE.match(_strip_leading(segment))
                and len(named_levels) >= 2
            ):
                # "收入总计A万元,支出总计A万元,与上年相比,各减少X万元": each fact named before
                keys = tuple(dict.fromkeys(k for named in named_levels for k in named.keys))
                scope = None
                each_subject = True
            elif (
                term is None
                and sentence_side is not None
                and (side_word := _strip_leading(segment).strip()) in ("收入", "支出")
            ):
                # "2016年部门收入5649006.18元,支出5238630.16元": the other side's total, named
                # by its bare word after the first (a bare 支出 alone is no total)
                keys, scope = (
                    (("income_total",) if side_word == "收入" else ("expenditure_total",)),
                    None,
                )
            elif (
                term is None
                and sentence_side is not None
                and (source := SOURCE_NAME_RE.match(_strip_cause(segment))) is not None
                and self.only_qualifiers(_strip_cause(segment)[source.end() :])
            ):
                # "收入预算2752.8万元，其中：一般公共预算拨款2752.8万元": a source of money named
                # alone is the side of the sentence's total (收入 or 支出)
                keys, scope = (f"{sentence_side}_{SOURCE_SCOPES[source['name'][:2]]}",), None
            elif subject is not None and COMPLETION_BASE_RE.search(segment) and unit != "%":
                # "完成全年预算84.82万元的73.2%": the budget the subject is measured against
                for key in subject.keys:
                    self.add(f"budget_{key}", value, half, span, figure)
                completion_next = True
                continue
            elif (
                subject is not None
                and (
                    self.only_qualifiers(segment)
                    or (
                        unit == "%"
                        and (COMPLETION_RE.search(segment) or RATE_WORD_RE.search(segment))
                    )
                )
                and not (
                    re.search(r"(?:其中|包括)[:：，,]?\s*(?:[^，,；;。]*)$", lead)
                    and SOURCE_WORD_RE.search(segment)
                )
            ):
                # (not "…预算3620.65万元,其中:财政拨款安排320.6万元": a part by its source)
                keys, scope = subject.keys, subject.scope
            elif (
                subject is None
                and not figures_before_this
                and self.topic is not None
                and (direction is not None or rate is not None)
                and self.only_qualifiers(segment)
            ):
                # "…公务接待费预算8万元。较上年预算下降20%": the paragraph's fact
                keys, scope = self.topic.keys, self.topic.scope
            elif (
                subject is None
                and not figures_before_this
                and self.topic is None
                and unit != "%"
                and direction is None
                and segment.strip()
                and self.only_qualifiers(segment)
                and (heading := self.inline_subject or self.heading_subject(segment_start))
                is not None
            ):
                # "（一）收入预算" / "2025年初预算数2752.8万元": the heading names the figure
                keys, scope = heading.keys, heading.scope
            elif (
                subject is None
                and not figures_before_this
                and self.topic is not None
                and unit != "%"
                and year is not None
                and year != self.year
                and self.only_qualifiers(segment)
            ):
                # "…运行维护费预算数50万元。2015年预算数160万元，…下降68.8%": the paragraph's
                # fact in another year
                keys, scope = self.topic.keys, self.topic.scope
            elif (
                term is None
                and subject is None
                and (direction is not None or rate is not None)
                and named_levels
                and not labelled_since_named
                and self.only_qualifiers(segment)
            ):
                # "收支总预算4,471.22万元,含…经费250万元,…经费537.31万元;比2012年预算增加
                # 755.18万元": only unnamed figures since the sentence's named total
                keys, scope = named_levels[-1].keys, named_levels[-1].scope
            else:
                keys, scope = (), None
            if keys and not (term is not None and direction is None):
                labelled_since_named = True
            if unit != "%" and direction is None:
                self.facts.amounts.append((self.sentence_id, value, half, figure))
            if unit == "%":
                if completion_next and re.fullmatch(r"的?", segment):
                    lead = "完成预算的"
                self.percent(match, value, half, lead, keys, direction, rate, comparison, span)
                completion_next = False
                continue
            completion_next = False
            if direction is not None:
                if (
                    comparison == "budget"
                    and self.final
                    and keys
                    and not ADJUSTED_BUDGET_RE.search(text, start, match.start())
                ):
                    # "较年初预算数减少4万元": a final account against its own budget, kept
                    # (vs_budget_) for the checks, never a change
                    sign = 1 if direction in INCREASE else -1
                    for key in keys:
                        self.add(f"vs_budget_{key}", sign * abs(value), half, span, figure)
                    last_sign, just_changed = sign, True
                    continue
                if comparison is not None and comparison != "previous":
                    continue  # against this year's budget, or an older year: not a change
                if self.final and self.budget_basis(
                    segment if term is None else segment[: term.start]
                ):
                    continue  # a final account's "部门预算“三公经费”增加41.20万元": budgets
                if not keys or (
                    term is None
                    and self.subject_prefix == "previous_"
                    and not set(keys) & current_keys
                    and NARRATED_CAUSE_RE.search(text, start, match.start())
                ):
                    # "主要是2018年…支出49865元与上年比减少30431元": a cause that tells of last
                    # year, its level and its change: last year's change, not this one's
                    self.facts.unlabelled.append(figure)
                    continue
                sign = 1 if direction in INCREASE else -1
                for key in keys:
                    self.add(f"change_{key}", sign * abs(value), half, span, figure)
                if sentence_side is None and keys[0].startswith(SIDE_TOTALS):
                    sentence_side = self.paragraph_side = keys[0].split("_")[0]
                if term is not None or subject is None or each_subject:
                    subject = _Subject(keys, scope)  # "收入支出总计增加X万元，增长Y%"
                last_sign = sign
                just_changed = True
                continue
            self.last_level = (keys[0] if len(keys) == 1 else None, value, half, figure)
            if not keys:
                self.facts.unlabelled.append(figure)
                subject = None
                continue
            prefix = self.level_prefix(segment, year, keys)
            opening = COMPARISON_RE.match(segment)
            if prefix == "" and (
                COMPARED_LEVEL_RE.search(segment)
                # "较2014年度部门决算公开“三公”经费合计16.08万元增加…": the clause opens with
                # the other year, then names the level compared with
                or (
                    term is not None
                    and opening is not None
                    and opening["what"] is not None
                    and opening.end() <= term.start
                )
            ):
                # "收入预算3309.58万元,比2022年年初预算数3683.76万元减少…": the level compared
                # with is the other year's, never this year's
                compared = self.compared(segment)
                if compared == "other":
                    self.facts.unlabelled.append(figure)
                    subject = None
                    continue
                if compared == "previous":
                    prefix = "previous_"
            if (
                prefix == ""
                and sentence_prefix
                and ENUMERATION_RE.search(text, start, match.start())
                and not _strip_terms(segment).strip("()（）、，,：: ")
            ):
                prefix = sentence_prefix  # "预算为20万元，其中：因公出国(境)费0万元": the parts too
            if sentence_prefix is None and term is not None:
                sentence_prefix = prefix
            subject = _Subject(keys, scope)
            self.subject_prefix = prefix
            if prefix == "":
                current_keys.update(keys)
            if term is not None and prefix == "" and all(k.startswith(SIDE_TOTALS) for k in keys):
                named_levels.append(subject)  # the totals a later "各…" may refer to
                labelled_since_named = False
            if sentence_side is None and keys[0].startswith(SIDE_TOTALS):
                sentence_side = self.paragraph_side = keys[0].split("_")[0]
            if self.topic is None and prefix == "":
                self.topic = subject
            if sentence_scope is None and term is not None:
                sentence_scope = scope
                if self.paragraph_scope is None:
                    self.paragraph_scope = scope
            if prefix is None:
                continue
            for key in keys:
                self.add(prefix + key, value, half, span, figure)
        for zero in zeros:
            self.zero_change(zero, previous_end, start, subject, figures_before)
        compared = self.compared(text[start:end])
        if compared is not None or not re.match(r"\s*其中", text[start:end]):
            self.carried_comparison = compared

    # ---- pieces --------------------------------------------------------------------

    def compared(self, text: str) -> str | None:
        """What a clause compares with: "previous" (the year before: a change), "budget"
        (this year's budget), "other" (another year), or None."""
        found = _comparison(text)
        if found == "previous_budget":
            return "other" if self.final else "previous"
        if found is not None and found.startswith("year:"):
            year = int(found.split(":")[1])
            if self.year is None or year == self.year - 1:
                return "other" if self.final and ":budget" in found else "previous"
            if year == self.year and not self.final and found.endswith(":budget:plain"):
                # a budget cannot be compared with itself: "2026年预算…比2026年预算增加" is a
                # slip for the year before
                return "previous"
            return "budget" if year == self.year else "other"
        return found

    def term_in(self, segment: str) -> Term | None:
        """The last term of the segment (the one nearest the figure), if the context allows
        it (货物/服务 are procurement facts only in a procurement sentence)."""
        terms = find_terms(segment)
        for term in reversed(terms):
            parts = (k.startswith("procurement_") and k != "procurement_total" for k in term.keys)
            if any(parts) and "采购" not in segment:
                continue
            if (
                term.keys == ("income_special_account",)
                and "收入" not in segment[term.start : term.end]
                and "采购" in self.view.text[self.sentence_span[0] : self.sentence_span[1]]
            ):
                continue  # "政府采购预算…,财政专户管理资金安排778.09万元": procurement's source
            if (
                term.keys[0] in ("three_public_vehicle_purchase", "three_public_vehicle_operation")
                and not VEHICLE_CONTEXT_RE.search(segment, 0, term.end)
                and not VEHICLE_CONTEXT_RE.search(self.view.text, *self.sentence_span)
            ):
                continue  # "购置费" / "运行费" alone: a 公务用车 part only in a 公务用车 sentence
            if (
                set(term.keys) <= GENERIC_TOTAL_KEYS
                and term.start > 0
                and not GENERIC_ALLOWED_BEFORE_RE.search(segment, 0, term.start)
            ):
                return None  # "工资福利支出预算", "教育支出决算": a classification line
            return term
        return None

    def keys_for(
        self,
        term: Term,
        scope: str | None,
        sentence_scope: str | None,
        heading_scope: str | None,
    ) -> tuple[tuple[str, ...], str | None]:
        keys = []
        for base in term.keys:
            if base in SCOPED:
                own = scope or sentence_scope or heading_scope
                keys.append(scoped_key(base, own))
                scope = own
            elif base in SCOPABLE_TOTALS and scope is not None:
                keys.append(scoped_key(base, scope))
            else:
                keys.append(base)
        return tuple(dict.fromkeys(keys)), scope

    def only_qualifiers(self, segment: str) -> bool:
        """The clause says nothing but the basis, year, comparison or filler."""
        return bool(FILLER_RE.match(_without_comparisons(_without_remarks(segment))))

    def level_prefix(self, segment: str, year: int | None, keys: tuple[str, ...]) -> str | None:
        """ "" for the document's own figure, "budget_" for a final account's 预算数,
        "previous_" for last year's; None for another year."""
        if all(k in UNDATED_KEYS for k in keys):
            return ""
        if PREVIOUS_RE.search(segment):
            return "previous_"
        if year is not None and self.year is not None and year != self.year:
            return "previous_" if year == self.year - 1 else None
        # a source's name ("政府性基金预算0万元") says where money comes from, not its basis
        quals = SOURCE_BUDGET_NAME_RE.sub("", _strip_terms(segment))
        if self.final:
            if BUDGET_BASIS_RE.search(quals) and not ACTUAL_BASIS_RE.search(quals):
                return "budget_"
            return ""
        if re.search(r"决算|执行数", quals):
            return "previous_"  # a budget quoting last year's actual
        return ""

    def percent(
        self,
        match: re.Match[str],
        value: Decimal,
        half: Decimal,
        lead: str,
        keys: tuple[str, ...],
        direction: str | None,
        rate: re.Match[str] | None,
        comparison: str | None,
        span: Span,
    ) -> None:
        figure = self.raw(match.start("num"), match.end())
        share = SHARE_RE.search(lead)
        if share is not None:
            whole_terms = find_terms(share["whole"])
            # "…0.53万元，占69%": the share of the amount right before it
            part = self.last_level if not lead[: share.start()].strip("，,；; ") else None
            self.facts.shares.append(
                Share(
                    part=part[0] if part else None,
                    part_value=part[1] if part else None,
                    part_half=part[2] if part else Decimal(0),
                    part_span=part[3] if part else None,
                    whole=whole_terms[-1].keys[0] if whole_terms else None,
                    percent=value,
                    percent_half=half,
                    span=figure,
                    sentence=self.sentence_id,
                )
            )
            return
        if not keys:
            return
        if COMPLETION_RE.search(lead):
            for key in keys:
                self.add(f"completion_{key}", value, half, span, figure, unit="%")
            return
        if (
            comparison is not None
            and comparison != "previous"
            and not (comparison == "budget" and self.final)
        ):
            return
        word = direction or (rate["word"] if rate else None)
        if word is None:
            return
        sign = 1 if word in INCREASE or word in ("增幅", "增长率", "增长幅度") else -1
        if comparison == "budget" and ADJUSTED_BUDGET_RE.search(lead):
            return  # against an adjusted budget: one basis per key (年初 / plain only)
        prefix = "vs_budget_pct_" if comparison == "budget" else "change_pct_"
        for key in keys:
            self.add(f"{prefix}{key}", sign * abs(value), half, span, figure, unit="%")

    def zero_change(
        self,
        match: re.Match[str],
        window_start: int,
        sentence_start: int,
        subject: _Subject | None,
        figures_before: bool,
    ) -> _Subject | None:
        """持平 / 无增减 / 一致 against the previous year: a change of 0 for the fact its clause
        names, else the fact of the figure before it, else the paragraph's first fact. Returns
        the fact its clause names (the subject of the clauses after it), if it names one."""
        text = self.view.text
        lead = text[window_start : match.start()]
        own = self.term_in(lead)
        between = ZERO_CHANGE_RE.sub("", _without_comparisons(lead[own.end :])) if own else ""
        between = re.sub(rf"[{CLAUSE_BREAK}]|变化", "", between)
        named: _Subject | None = None
        if own is not None and FILLER_RE.match(between):
            keys_named = self.keys_for(own, _scope_of(lead[: own.start]), None, None)[0]
            named = _Subject(keys_named, None)
        compared = self.compared(lead)
        if (
            compared is None
            and self.carried_comparison == "previous"
            and re.match(r"\s*其中", text[sentence_start:])
        ):
            compared = "previous"  # "…与2023年度持平。其中：因公出国（境）费支出决算持平"
        if compared != "previous":
            return named  # "比预算无增减变化": not a change, but it names the clauses' fact
        tail = text[match.end() : min(len(text), match.end() + 6)]
        if re.match(r"[^，,。；;]{0,3}[\d.]+[万%]", tail):
            return named  # "持平，为3万元" is read with its figure
        keys: tuple[str, ...]
        if named is not None:
            keys = named.keys
        elif subject is not None:
            keys = subject.keys
        elif not figures_before and self.topic is not None:
            keys = self.topic.keys  # "与2022年相比持平": the paragraph's fact
        else:
            return None
        raw = self.raw(match.start(), match.end())
        clause = max((lead.rfind(c) for c in CLAUSE_BREAK), default=-1) + 1
        span = self.raw(window_start + clause, match.end())
        for key in keys:
            said = self.facts.statements.get(f"change_{key}", [])
            if not any(s.sentence == self.sentence_id for s in said):
                self.add(f"change_{key}", Decimal(0), Decimal(0), span, raw)
        return named

    def absent(self, start: int, end: int, heading_scope: str | None) -> None:
        """ "本单位无政府性基金预算拨款收入", "2024年无机关运行经费": a fact stated as none is 0."""
        text = self.view.text
        for match in ABSENT_RE.finditer(text, start, end):
            after = text[match.end() : min(end, match.end() + 40)]
            if self.absent_source(match, after, start):
                continue
            terms = find_terms(after)
            if not terms or terms[0].start != 0:
                continue
            term = terms[0]
            tail = ABSENT_TAIL_RE.match(after, term.end)
            both = ABSENT_BOTH_RE.match(after, term.end) if tail is None else None
            if both is not None and all(k.startswith("income_") for k in term.keys):
                tail = both  # "无政府性基金预算财政拨款收入和支出": neither
            bases = ABSENT_BASES_RE.match(after, term.end) if tail is None else None
            if bases is not None:
                tail = bases
            if tail is None or FIGURE_RE.match(after, tail.end()):
                continue
            lead = text[start : match.start()]
            clause = lead[max((lead.rfind(c) for c in CLAUSE_BREAK), default=-1) + 1 :]
            if PREVIOUS_RE.search(clause):
                continue  # "上年无公务接待费支出": last year's
            scope = _scope_of(lead[-12:]) or _scope_of(after[: term.start])
            keys, _ = self.keys_for(term, scope, self.paragraph_scope, heading_scope)
            if not keys:
                continue
            if tail is both:
                keys = keys + tuple("expenditure_" + k.removeprefix("income_") for k in keys)
            own_years = [
                int(y.group(1))
                for y in YEAR_RE.finditer(clause)
                if not re.search(r"[比较与同]$", clause[: y.start()])
            ]
            year = own_years[-1] if own_years else None
            prefix = self.level_prefix(after[term.end : tail.end()], year, keys)
            if prefix is None:
                continue
            prefixes = [prefix]
            if tail is bases:
                prefixes = ["", "budget_"] if self.final else [""]
            span = self.raw(match.start(), match.end() + tail.end())
            for key in keys:
                for level in prefixes:
                    self.add(level + key, Decimal(0), Decimal(0), span, span)

    def bare_side_subject(self, word: str, subject: _Subject | None) -> _Subject | None:
        """What a bare 收入/支出 names when a fact is already in play: that fact (the
        sentence's, else the paragraph's) unless it is on the other side; None: the total."""
        side = "income" if word == "收入" else "expenditure"
        for known in (subject, self.topic):
            if known is None:
                continue
            own = known.keys[0].split("_")[0]
            if own == side and known.keys[0] in SIDE_WHOLES:
                return known  # "一般公共预算财政拨款支出80万元。…支出减少5万元"
            if own not in ("income", "expenditure") and side == "expenditure":
                return known  # "机关运行经费支出20万元,支出比上年增加1万元"
            break  # a part of that side ("上年结转…;收入较去年增加"), or the other side's
        heading = self.inline_subject
        if heading is not None and heading.keys[0].split("_")[0] == side:
            return heading  # "（一）收入预算：…;收入较去年增加76.05万元"
        return None

    def absent_after(self, start: int, end: int) -> None:
        """A fact named, then stated as none: "其中：购置经费无、运行维护费34万元"."""
        text = self.view.text
        for match in POSTFIX_ABSENT_RE.finditer(text, start, end):
            clause_start = max(text.rfind(c, start, match.start()) for c in "，,、；;：:。") + 1
            clause = text[max(start, clause_start) : match.start()]
            term = self.term_in(clause)
            if term is None or not re.fullmatch(r"(?:支出|预算|决算)*", clause[term.end :]):
                continue
            if _strip_terms(_strip_leading(clause[: term.start])).strip():
                continue  # "上年…无": only the name may come before
            if any(k in UNDATED_KEYS or k in UNSCOPABLE for k in term.keys):
                continue  # "其中:上年结转无": the money of one item, not the unit's carry-over
            prefix = self.level_prefix(clause[term.start : match.start()], None, term.keys)
            if prefix is None:
                continue
            span = self.raw(max(start, clause_start) + term.start, match.end())
            for key in term.keys:
                self.add(prefix + key, Decimal(0), Decimal(0), span, span)

    def absent_source(self, match: re.Match[str], after: str, start: int) -> bool:
        """A source of money stated as none: "未使用政府性基金预算拨款安排的支出" (its spending),
        "其中：一般公共预算拨款455.04万元，无政府性基金预算拨款" (the side of the sentence's
        total), "本单位无政府性基金预算" (neither income nor spending from it)."""
        text = self.view.text
        source = SOURCE_NAME_RE.match(after)
        budget = ABSENT_BUDGET_RE.match(after)
        keys: tuple[str, ...] = ()
        end = 0
        if source is not None:
            scope = SOURCE_SCOPES[source["name"][:2]]
            spent = SPENT_FROM_RE.match(after, source.end())
            if spent is not None:
                keys, end = (f"expenditure_{scope}",), spent.end()
            elif ABSENT_TAIL_END_RE.match(after, source.end()):
                side = next(
                    (
                        t.keys[0].split("_")[0]
                        for t in find_terms(text[start : match.start()])
                        if t.keys[0].startswith(SIDE_TOTALS)
                    ),
                    self.paragraph_side if QIZHONG_START_RE.match(text, start) else None,
                )
                if side is not None:
                    keys, end = (f"{side}_{scope}",), source.end()
        elif budget is not None:
            scope = SOURCE_SCOPES[budget["name"][:2]]
            keys, end = (f"income_{scope}", f"expenditure_{scope}"), budget.end()
        if not keys:
            return False
        lead = text[start : match.start()]
        clause = lead[max((lead.rfind(c) for c in CLAUSE_BREAK), default=-1) + 1 :]
        if PREVIOUS_RE.search(clause):
            return True  # "上年无…": last year's
        years = [int(y.group(1)) for y in YEAR_RE.finditer(clause)]
        if years and self.year is not None and years[-1] != self.year:
            return True  # "2021年无政府性基金预算,2022年…": another year's
        span = self.raw(match.start(), match.end() + end)
        for key in keys:
            self.add(key, Decimal(0), Decimal(0), span, span)
        return True

    def respectively(self, start: int, end: int) -> set[tuple[int, int]]:
        """ "收、支总计各是4125.49,4143.91万元", "基本支出、项目支出分别比上年增加5万元、3万元":
        n named facts, then 分别/各, then n figures, the i-th figure the i-th fact's. Returns
        the view spans of the figures it read (or left unlabelled: when the counts differ no
        figure is given to any fact). The unit printed after the last figure is theirs."""
        text = self.view.text
        handled: set[tuple[int, int]] = set()
        keys_before: list[tuple[str, ...]] = []
        for cue in RESPECTIVELY_RE.finditer(text, start, end):
            figures: list[re.Match[str]] = []
            position = cue.end()
            while True:
                number = LISTED_FIGURE_RE.match(text, position)
                if number is None:
                    break
                figures.append(number)
                position = number.end()
                separator = LIST_SEPARATOR_RE.match(text, position)
                if separator is None or not LISTED_FIGURE_RE.match(text, separator.end()):
                    break
                position = separator.end()
            last = figures[-1] if figures else None
            if last is None or not (last["unit"] or last["pct"]):
                continue
            each = cue.group().startswith(("各", "均"))
            if len(figures) < 2 and each:
                # "收、支总计各增加1785.35万元", "…,与上年相比,各减少X万元": one figure for
                # each fact named; the sentence reader gives it to them all
                continue
            if len(figures) < 2:
                if _listed_terms(text[max(start, cue.start() - 40) : cue.start()]):
                    handled.add((last.start(), last.end()))  # two facts, one figure: whose?
                    self.facts.unlabelled.append(self.raw(last.start("num"), last.end()))
                continue
            if len({bool(n["pct"]) for n in figures if n["unit"] or n["pct"]}) > 1:
                continue  # "分别为5万元、10%": not one list
            clause_start = max(
                (text.rfind(c, start, cue.start()) for c in "，,；;：:。"), default=-1
            )
            clause_start = max(clause_start + 1, start)
            clause = text[clause_start : cue.start()]
            named = _listed_terms(clause)
            keys = [k for t in named for k in t.keys] if named else []
            if named:
                scope = _scope_of(clause[: named[0].start]) or self.paragraph_scope
                keys = [
                    scoped_key(k, scope) if k in SCOPED or k in SCOPABLE_TOTALS else k for k in keys
                ]
                keys_before = [tuple(keys)]
            elif keys_before and not find_terms(clause):
                keys = list(keys_before[-1])  # "…各减少A,B万元，各下降C%、D%": the same facts
            for number in figures:
                handled.add((number.start(), number.end()))
            if len(keys) != len(figures):
                self.facts.unlabelled.extend(self.raw(n.start("num"), n.end()) for n in figures)
                continue
            direction = cue["direction"] or _direction(clause)
            comparison = self.compared(clause + cue.group())
            if comparison is None and direction is not None:
                comparison = self.compared(text[start : cue.end()])  # "与年初预算相比，…分别增加"
            if direction is not None and (
                comparison not in (None, "previous")
                or (self.final and self.budget_basis(clause[: named[0].start] if named else ""))
            ):
                continue
            year_match = list(YEAR_RE.finditer(clause))
            year = int(year_match[-1].group(1)) if year_match and comparison is None else None
            percent = bool(last["pct"])
            for key, number in zip(keys, figures, strict=True):
                unit_name = number["unit"] or last["unit"]
                factor = Decimal(1) if percent else UNIT_IN_WAN[unit_name]
                value = to_decimal(number["num"]) * factor
                half = half_unit_of(number["num"]) * factor
                if (
                    not percent
                    and unit_name == "万元"
                    and "." not in number["num"]
                    and to_decimal(number["num"]) < SMALL_WHOLE_WAN
                ):
                    half = WHOLE_WAN_HALF  # as _amount: "3万元" is 3.00万元
                if number["sign"]:
                    value = -value
                figure = self.raw(number.start("num"), number.end())
                span = self.raw(clause_start, number.end())
                unit = "%" if percent else "万元"
                if direction is not None:
                    sign = 1 if direction in INCREASE else -1
                    prefix = "change_pct_" if percent else "change_"
                    self.add(prefix + key, sign * abs(value), half, span, figure, unit=unit)
                elif not percent:
                    level = self.level_prefix(clause, year, (key,))
                    if level is not None:
                        self.add(level + key, value, half, span, figure)
        return handled

    def add(
        self,
        key: str,
        value: Decimal,
        half: Decimal,
        span: Span,
        figure: Span,
        *,
        unit: str = "万元",
    ) -> None:
        self.facts.add(
            Statement(
                key=key,
                value=value,
                half_unit=half,
                span=span,
                figure_span=figure,
                source="text",
                sentence=self.sentence_id,
                unit=unit,
            )
        )


GENERIC_TOTAL_KEYS = frozenset({"income_total", "expenditure_total"})
# what may stand right before a bare 收入/支出 total: a year, the unit, a qualifier; any other
# word makes it the name of a line ("工资福利支出预算", "社会保障和就业支出决算")
GENERIC_ALLOWED_BEFORE_RE = re.compile(
    r"(?:[\d年度门位级的总是为及和与、“”\"()（）\s]|全年|本年|当年|年初|部门|单位|机关|本级|"
    r"[会局委院厅办部署处所站队校馆社厂场司团室庭镇乡府心协]|决算|预算|全部|整体|汇总|财政拨款)$"
)
SCOPABLE_TOTALS = (
    "income_total",
    "expenditure_total",
    "income_current_year",
    "expenditure_current_year",
)


def _glued(text: str, match: re.Match[str]) -> bool:
    """A figure printed against the one before it ("394.85万元2014247.15万元": 2014年 and
    247.15 run together) or a year run into a figure after 比/与: not readable."""
    before = text[match.start() - 1] if match.start() > 0 else ""
    number = match["num"]
    integer = number.split(".")[0].replace(",", "")
    if before in "元%":
        return True
    return before in "比与较" and len(integer) >= 6 and integer[:2] in ("19", "20")


def _strip_terms(segment: str) -> str:
    """The qualifiers of a clause: its words without the terms (一般公共预算 in a term is not
    a basis)."""
    out = segment
    for term in reversed(find_terms(segment)):
        out = out[: term.start] + out[term.name_end :]
    return out.replace("一般公共预算", "")


def _without_remarks(text: str) -> str:
    """ "金额（以合同签订为准）为": a remark in brackets says nothing about which fact it is."""
    return REMARK_RE.sub("", text)


def _without_comparisons(text: str) -> str:
    # "较上年2.5减少1.95万元": last year's figure printed bare inside the comparison
    return COMPARISON_RE.sub("", BARE_PREVIOUS_RE.sub("", text))


def _strip_leading(segment: str) -> str:
    return LEADING_RE.sub("", segment, count=1)


def _strip_cause(segment: str) -> str:
    """The segment without its lead-in and a cause's opening ("主要是一般公共预算拨款减少…":
    the part of the change the cause names)."""
    return CAUSE_LEAD_RE.sub("", _strip_leading(segment), count=1)


def _depth(text: str, start: int, end: int) -> int:
    """How many parentheses are open at ``end`` (counted from ``start``)."""
    depth = 0
    for char in text[start:end]:
        if char in "(（":
            depth += 1
        elif char in ")）" and depth:
            depth -= 1
    return depth


def _listed_terms(clause: str) -> list[Term]:
    """The run of terms ending a clause, joined only by 、/和/及/与 ("收入总计、支出总计",
    "基本支出和项目支出"); empty unless at least two facts are named."""
    terms = find_terms(clause)
    if not terms:
        return []
    run = [terms[-1]]
    for term in reversed(terms[:-1]):
        between = clause[term.end : run[0].start]
        if not re.fullmatch(r"[、,，和及与\s]*", between):
            break
        run.insert(0, term)
    tail = clause[run[-1].end :]
    if not FILLER_RE.match(_without_comparisons(tail)):
        return []
    return run if sum(len(t.keys) for t in run) >= 2 else []


def _starts_with_term(line: str, parent: set[str]) -> bool:
    """ "人员经费489.18万元，主要包括…", "2.公用经费…": a line that is one part of a list (not
    the list's own total named again: "基本支出1200万元…" after the parts of 基本支出)."""
    head = re.sub(
        r"^\s*(?:\d{1,2}[、.．](?!\d)|[(（][一二三四五六七八九十\d]{1,2}[)）])?", "", line
    )
    if SOURCE_NAME_RE.match(head):
        return True  # "(一)一般公共预算拨款12676620.29元": a source of the total before
    terms = find_terms(head[:16])
    if not terms or terms[0].start != 0:
        return False
    named = {k.removesuffix("_general_budget").removesuffix("_fiscal") for k in terms[0].keys}
    own = {k.removesuffix("_general_budget").removesuffix("_fiscal") for k in parent}
    return not named & own


def _direction(lead: str) -> str | None:
    match = DIRECTION_RE.search(lead)
    return match["word"] if match else None


def _comparison(text: str) -> str | None:
    """ "previous" when ``text`` compares with the previous year, "budget" with this year's
    budget or execution, "other" with another year; None when it compares with nothing."""
    found = None
    for match in COMPARISON_RE.finditer(text):
        if match.group() in ("对比",) and found is not None:
            continue
        what, basis = match["what"], match["basis"]
        if what is None and (
            match.group() in ("同比", "对比") or text.startswith("同比", match.start())
        ):  # "同" matched alone by the first branch is still 同比
            found = "previous"
        elif what is None:
            if basis is not None:
                found = "budget"
            continue
        elif match["year"] is not None:
            budget_basis = basis is not None and "预算" in basis and basis != "预算执行"
            found = "year:" + match["year"] + (":budget" if budget_basis else "")
            found += ":plain" if basis == "预算" else ""
        elif basis is not None and "预算" in basis and basis != "预算执行":
            found = "previous_budget"  # 比上年预算: a change for a budget, not for a final account
        else:
            found = "previous"
    return found


# --- item paragraphs ----------------------------------------------------------------------

# "31. “住房保障支出（类）…住房公积金（项）”350.35万元" or, unquoted,
# "1、公共安全支出（204类）司法（06款）行政运行（01项）1434.89万元"
ITEM_HEAD_RE = re.compile(
    rf"^\s*\d{{1,3}}[.、．]?\s*(?:[“\"](?P<quoted>[^”\"]{{2,80}})[”\"]"
    rf"|(?P<name>[^“”\"。，,；;:：\d][^“”\"。，,；;:：]{{1,80}}?[(（]\d{{0,3}}(?:类|款|项)[)）]))"
    rf"[:：]?(?P<amount>{FIGURE_RE.pattern})"
)
ITEM_PREVIOUS_RE = re.compile(rf"(?:预算)?执行数(?:为|是)?(?P<amount>{FIGURE_RE.pattern})")
ITEM_CURRENT_RE = re.compile(rf"预算(?:安排|数)(?:为|是)?(?P<amount>{FIGURE_RE.pattern})")
ITEM_PERCENT_RE = re.compile(
    rf"比(?:19|20)\d{{2}}年(?:当年)?(?:预算)?执行数(?P<word>增加|减少|增长|下降)(?P<amount>{FIGURE_RE.pattern})"
)


def read_items(doc: Document, facts: Facts) -> None:
    """Numbered paragraphs about classification lines (the 财政拨款支出主要内容 lists)."""
    view = doc.reading
    text = view.text
    position = 0
    for line in text.split("\n"):
        start = position
        position += len(line) + 1
        head = ITEM_HEAD_RE.match(line)
        if head is None:
            continue
        amount = FIGURE_RE.match(line, head.start("amount"))
        if amount is None or amount["pct"]:
            continue
        group = "quoted" if head["quoted"] else "name"
        name = view.raw_quote(start + head.start(group), start + head.end(group))
        item = ItemParagraph(name=name, span=view.raw_span(start, start + len(line)))
        value, half, _ = _amount(amount)
        item.heading = (
            value,
            half,
            view.raw_span(start + head.start("amount"), start + amount.end()),
        )
        for pattern, slot in ((ITEM_PREVIOUS_RE, "previous"), (ITEM_CURRENT_RE, "current")):
            found = pattern.search(line, head.end())
            if found:
                figure = FIGURE_RE.match(line, found.start("amount"))
                if figure is not None and not figure["pct"]:
                    v, h, _ = _amount(figure)
                    span = view.raw_span(start + figure.start(), start + figure.end())
                    setattr(item, slot, (v, h, span))
        found = ITEM_PERCENT_RE.search(line, head.end())
        if found:
            figure = FIGURE_RE.match(line, found.start("amount"))
            if figure is not None and figure["pct"]:
                v, h, _ = _amount(figure)
                v = abs(v) if found["word"] in ("增加", "增长") else -abs(v)
                item.percent = (v, h, view.raw_span(start + found.start(), start + figure.end()))
        facts.items.append(item)


def extract_facts(doc: Document) -> Facts:
    from budgetlens.extract.tables import read_table_facts

    facts = Facts()
    _Reader(doc, facts).read()
    read_items(doc, facts)
    for table in doc.tables:
        read_table_facts(doc, table, facts)
    return facts


def facts_in_snippet(snippet: str, year: int | None = None, kind: Kind | None = None) -> Facts:
    """The facts a short free text states (e.g. a model's answer), read like a sentence."""
    from budgetlens.extract.document import Metadata

    doc = Document(name="snippet", text=snippet)
    doc.meta = Metadata(year=year, kind=kind, body_end=len(snippet))
    facts = Facts()
    _Reader(doc, facts).read()
    return facts


__all__ = [
    "THREE_PUBLIC_PARTS",
    "Facts",
    "ItemParagraph",
    "Share",
    "Statement",
    "extract_facts",
    "facts_in_snippet",
    "read",
]
