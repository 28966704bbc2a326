"""The wording that names each fact, as data: one place to extend for a new province's phrasing.

Terms are matched on the reading view (simplified characters, ASCII punctuation, no blank
space; see :mod:`budgetlens.extract.reading`). A term names a *base* fact; the words around it
say its scope (财政拨款, 一般公共预算 or the whole budget), its basis (预算数, 决算数, a
previous year) and its role (a level, a change, a percentage), which the fact reader turns
into the key's suffix and prefix. Keys follow the record contract (eval/corpus/LABELLING.md):
``<prefix><base><scope suffix>``, e.g. ``change_expenditure_basic_general_budget``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from budgetlens.extract.reading import fold

Q = r"[“”\"'‘’「」]?"  # optional quotes around 三公
JING = r"(?:\(境\)|（境）|境)"

# (pattern, base keys). Order matters only between equally long matches; the longest term
# ending closest to the figure wins (see :func:`find_terms`).
TERMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # totals of income and expenditure
    (
        r"财政拨款收入支出(?:预算|决算)?总计|财政拨款收、?支(?:预算|决算)?(?:总计|总额)",
        ("income_total_fiscal", "expenditure_total_fiscal"),
    ),
    (
        r"收、?支(?:预算|决算)?(?:总计|总额|总预算)|收支(?:预算|决算)?安排|收支预算|收入支出(?:预算|决算)?总计"
        r"|收、?支(?=[较比与同])|收入支出总体|收支总体"
        r"|收入、支出(?:预算|决算)?总计",
        ("income_total", "expenditure_total"),
    ),
    # 收入合计 is this year's income (本年收入合计); 收入总计 adds what was carried over
    (r"本年收入(?:合计)?|(?<![总])收入合计", ("income_current_year",)),
    (r"本年支出(?:合计)?|(?<![总])支出合计", ("expenditure_current_year",)),
    (
        r"(?:预算|决算)?收入(?:预算|决算)?(?:总计|总额)|(?:预算|决算)收入合计|收入(?:预算|决算)合计|"
        r"(?:全年|(?<!本)年度)?收入(?:预算|决算)(?:数)?|"
        r"预算收入|决算收入|总收入|收入总预算|"
        # "本单位收入为1687.45万元，其中：…": the unit's income, all of it
        r"(?:本|我|全)?(?:单位|部门)(?:全年)?收入(?=为|是|共|\s*$)|"
        # "收入较2023年减少5521.28万元", "比上年收入增加50.8%": income named alone against a
        # year (right before its figure it is a total only after the other side's: see facts)
        r"(?:(?<![\u4e00-\u9fff])|(?<=上年))收入(?=较|比上年|比(?:19|20)\d{2}年|增加|减少|增长|下降)",
        ("income_total",),
    ),
    (
        r"(?:预算|决算)?支出(?:预算|决算)?(?:总计|总额)|(?:预算|决算)支出合计|支出(?:预算|决算)合计|"
        r"(?:全年|(?<!本)年度)?支出(?:预算|决算)(?:数)?|"
        r"预算支出|决算支出|总支出|支出总预算|"
        r"(?:本|我|全)?(?:单位|部门)(?:全年)?支出(?=为|是|共|\s*$)|"
        r"(?:(?<![\u4e00-\u9fff])|(?<=上年))支出(?=较|比上年|比(?:19|20)\d{2}年|增加|减少|增长|下降)",
        ("expenditure_total",),
    ),
    # income by source
    # 财政拨款收入总计 is the fiscal 收入总计 (with its carry-over), not 财政拨款收入
    (r"财政拨款(?:预算)?收入(?!总计|总额|支出)", ("income_fiscal",)),
    # "一般财政拨款收入支出预算1,779.74万元": the year's income and spending of that scope
    (
        r"(?<=财政拨款)收入支出预算(?!总计|总体|总额)",
        ("income_current_year", "expenditure_current_year"),
    ),
    (
        r"一般公共预算(?:财政)?拨款收入|一般公共预算收入|一般公共预算资金|公共财政(?:预算)?(?:拨款)?收入"
        r"|一般预算(?:财政)?拨款收入",  # its name before 2015
        ("income_general_budget",),
    ),
    (
        r"政府性基金(?:预算)?(?:财政)?拨款收入|政府性基金(?:预算)?收入|基金预算收入",
        ("income_fund",),
    ),
    (r"国有资本经营预算(?:财政)?拨款收入|国有资本经营预算收入", ("income_state_capital",)),
    (
        r"财政专户管理资金(?:收入)?|财政专户核拨(?:资金)?收入|(?:财政)?专户管理的?非税收入",
        ("income_special_account",),
    ),
    (r"事业收入", ("income_business",)),
    (r"(?:事业单位)?经营收入", ("income_operating",)),
    (r"其他(?:来源)?收入", ("income_other",)),
    (
        r"上年结转(?:和|及)?(?:结余)?(?:收入|资金)?|年初结转(?:和|及)?结余|使用上年结余",
        ("income_carryover",),
    ),
    (r"年末结转(?:和|及)?结余|年终结转(?:和|及)?结余", ("carryover_end",)),
    # expenditure by source and purpose
    (r"财政拨款(?:预算)?支出(?!总计|总额)", ("expenditure_fiscal",)),
    (
        r"一般公共预算(?:财政)?拨款支出|一般公共预算支出|公共财政(?:预算)?(?:拨款)?支出"
        r"|一般预算(?:财政)?拨款支出",
        ("expenditure_general_budget",),
    ),
    (r"政府性基金(?:预算)?(?:财政)?拨款支出|基金预算支出", ("expenditure_fund",)),
    (r"国有资本经营预算(?:财政)?拨款支出", ("expenditure_state_capital",)),
    (r"基本支出", ("expenditure_basic",)),
    (r"项目支出", ("expenditure_project",)),
    (r"人员(?:类项目)?经费|人员支出", ("expenditure_personnel",)),
    (r"(?:日常)?公用(?:类项目)?经费|(?:日常)?公用支出|运转类公用项目经费", ("expenditure_public",)),
    # operating expenses, 三公, meetings, training
    (r"机关运行经费|机关运行费|(?<!事业)(?<!行政)运行经费", ("operating_expenses",)),
    (rf"{Q}三公{Q}经费{Q}|{Q}三公经费{Q}", ("three_public_total",)),
    (
        rf"因公出国{JING}?(?:费用|经费|费|支出)|出国{JING}?(?:费用|经费|费)",
        ("three_public_abroad",),
    ),
    (
        r"(?:公务用车|公务车|公车)购置(?:及|和|与)运(?:行|维)(?:维护)?(?:费|经费)"
        r"|(?:公务用车|公务车|公车)运(?:行|维)(?:维护)?(?:费)?(?:及|和|与)购置(?:费|经费)"
        r"|公务用车费",
        ("three_public_vehicle",),
    ),
    (r"公务用车购置费?|公务车购置费?|车辆购置(?:费|支出)", ("three_public_vehicle_purchase",)),
    (
        r"公务用车运(?:行|维)(?:维护)?(?:费用?|经费|支出)|公务车(?:辆)?运(?:行|维)(?:维护)?(?:费用?)?"
        r"|公务用车运行维护费|公车运行维护费|(?<![用务])车辆?运行(?:维护)?费",
        ("three_public_vehicle_operation",),
    ),
    # "公务用车购置及运行费17万元，其中：购置费0万元…运行费17万元": the parts by their short
    # names, facts only in a sentence about 公务用车 (see VEHICLE_CONTEXT_RE)
    (r"(?:^|(?<=[、，,：:(（\s])|(?<=其中))购置(?:经)?费", ("three_public_vehicle_purchase",)),
    (
        r"(?:^|(?<=[、，,：:(（\s])|(?<=其中))运(?:行|维)(?:维护)?(?:经)?费(?:用)?",
        ("three_public_vehicle_operation",),
    ),
    # not 外事接待费 (the foreign guests' part of it)
    (r"公务接待(?:费用?|经费|支出)?|(?<![公务])(?<!外事)接待费", ("three_public_reception",)),
    (r"会议费", ("meeting_expenses",)),
    (r"培训费", ("training_expenses",)),
    # procurement, assets
    (r"政府采购(?:预算|支出)?(?:总额|合计|金额|总计)?", ("procurement_total",)),
    (r"(?:政府采购)?货物(?:类)?(?:采购)?(?:预算)?", ("procurement_goods",)),
    (r"(?:政府采购)?工程(?:类)?(?:采购)?(?:预算)?", ("procurement_works",)),
    (r"(?:政府采购)?服务(?:类)?(?:采购)?(?:预算)?", ("procurement_services",)),
    (r"资产总额|固定资产(?:金额|原值|总额|总值|账面(?:原值|价值))?", ("assets_total",)),
    (r"拟(?:新)?购置(?:固定)?资产(?:总额|金额)?", ("assets_purchase_planned",)),
)
# a source of money by the first two characters of its name: the scope of its key
SOURCE_SCOPES = {
    "财政": "fiscal",
    "一般": "general_budget",
    "公共": "general_budget",
    "政府": "fund",
    "国有": "state_capital",
}
VEHICLE_CONTEXT_RE = re.compile(r"公务用车|公务车|公车|车辆")
THREE_PUBLIC_PARTS = {
    "three_public_abroad",
    "three_public_vehicle",
    "three_public_vehicle_purchase",
    "three_public_vehicle_operation",
    "three_public_reception",
}
# a fact's parts that a text may list in place of the fact itself (财政拨款收入 by its sources)
SUBPARTS = {
    "three_public_vehicle": ("three_public_vehicle_purchase", "three_public_vehicle_operation"),
    "income_fiscal": ("income_general_budget", "income_fund", "income_state_capital"),
    "expenditure_fiscal": (
        "expenditure_general_budget",
        "expenditure_fund",
        "expenditure_state_capital",
    ),
}
# the four that exist per scope (whole budget, 财政拨款, 一般公共预算)
SCOPED = ("expenditure_basic", "expenditure_project", "expenditure_personnel", "expenditure_public")
# A total within a scope. 本年收入 within 财政拨款 is 财政拨款收入; the 收支总计 of a
# 财政拨款收支总表 adds the carried-over money, so it is a key of its own (not in the record
# contract's canonical list, but compared across the text and the tables like any other).
SCOPE_TOTALS = {
    ("income_total", "fiscal"): "income_total_fiscal",
    ("income_total", "general_budget"): "income_total_general_budget",
    ("expenditure_total", "fiscal"): "expenditure_total_fiscal",
    ("expenditure_total", "general_budget"): "expenditure_total_general_budget",
    ("income_current_year", "fiscal"): "income_fiscal",
    ("income_current_year", "general_budget"): "income_general_budget",
    ("expenditure_current_year", "fiscal"): "expenditure_fiscal",
    ("expenditure_current_year", "general_budget"): "expenditure_general_budget",
}
EXTENDED_NAMES = {
    "income_total_fiscal": "财政拨款收入总计",
    "expenditure_total_fiscal": "财政拨款支出总计",
    "income_total_general_budget": "一般公共预算收入总计",
    "expenditure_total_general_budget": "一般公共预算支出总计",
}
# keys with no meaning inside a narrower scope: a scoped table's row of one is skipped
UNSCOPABLE = frozenset(
    {
        "income_carryover",
        "carryover_end",
        "income_business",
        "income_operating",
        "income_other",
        "income_special_account",
    }
)
# 公共财政预算 and 一般预算: its names before 2015
GENERAL_BUDGET_RE = re.compile(r"一般公共预算|公共财政|一般财政拨款|一般预算(?=财政拨款|拨款|$)")
FISCAL_RE = re.compile(r"财政拨款")

DISPLAY_NAMES: dict[str, str] = {
    "income_total": "收入总计",
    "income_current_year": "本年收入合计",
    "income_fiscal": "财政拨款收入",
    "income_general_budget": "一般公共预算拨款收入",
    "income_fund": "政府性基金预算拨款收入",
    "income_state_capital": "国有资本经营预算拨款收入",
    "income_special_account": "财政专户管理资金收入",
    "income_business": "事业收入",
    "income_operating": "经营收入",
    "income_other": "其他收入",
    "income_carryover": "上年结转",
    "expenditure_total": "支出总计",
    "expenditure_current_year": "本年支出合计",
    "expenditure_fiscal": "财政拨款支出",
    "expenditure_general_budget": "一般公共预算拨款支出",
    "expenditure_fund": "政府性基金预算拨款支出",
    "expenditure_state_capital": "国有资本经营预算拨款支出",
    "expenditure_basic": "基本支出",
    "expenditure_project": "项目支出",
    "expenditure_personnel": "人员经费",
    "expenditure_public": "公用经费",
    "carryover_end": "年末结转和结余",
    "operating_expenses": "机关运行经费",
    "three_public_total": "“三公”经费",
    "three_public_abroad": "因公出国（境）费",
    "three_public_vehicle": "公务用车购置及运行维护费",
    "three_public_vehicle_purchase": "公务用车购置费",
    "three_public_vehicle_operation": "公务用车运行维护费",
    "three_public_reception": "公务接待费",
    "meeting_expenses": "会议费",
    "training_expenses": "培训费",
    "procurement_total": "政府采购",
    "procurement_goods": "政府采购货物",
    "procurement_works": "政府采购工程",
    "procurement_services": "政府采购服务",
    "assets_total": "固定资产",
    "assets_purchase_planned": "拟购置固定资产",
}
SCOPE_NAMES = {"fiscal": "财政拨款", "general_budget": "一般公共预算"}
PREFIX_NAMES = {
    "change_pct_": "{name}增减率（%）",
    "change_": "{name}比上年增减",
    "budget_": "{name}预算数",
    "completion_": "{name}预算完成率（%）",
    "previous_": "上年{name}",
    "vs_budget_pct_": "{name}比预算增减率（%）",
    "vs_budget_": "{name}比预算增减",
}

CANONICAL_BASE_KEYS: frozenset[str] = frozenset(
    {
        *DISPLAY_NAMES,
        *(f"{key}_fiscal" for key in SCOPED),
        *(f"{key}_general_budget" for key in SCOPED),
    }
)
BASE_KEYS: frozenset[str] = CANONICAL_BASE_KEYS | frozenset(EXTENDED_NAMES)
KEY_PREFIXES = (
    "change_pct_",
    "change_",
    "budget_",
    "completion_",
    "previous_",
    "vs_budget_pct_",
    "vs_budget_",
)
CANONICAL_PREFIXES = ("change_pct_", "change_", "budget_", "completion_")


def split_key(key: str) -> tuple[str, str]:
    """("change_", "three_public_total") for "change_three_public_total"; ("", key) else."""
    for prefix in KEY_PREFIXES:
        if key.startswith(prefix) and key.removeprefix(prefix) in BASE_KEYS:
            return prefix, key.removeprefix(prefix)
    return "", key


def is_canonical_key(key: str) -> bool:
    """A key of the record contract (``previous_`` levels and ``vs_budget_`` differences are
    kept for the checks but not canonical)."""
    prefix, base = split_key(key)
    return base in CANONICAL_BASE_KEYS and prefix in ("", *CANONICAL_PREFIXES)


def base_name(base: str) -> str:
    for scope, name in SCOPE_NAMES.items():
        if base.endswith(f"_{scope}") and base.removesuffix(f"_{scope}") in SCOPED:
            return name + DISPLAY_NAMES[base.removesuffix(f"_{scope}")]
    return DISPLAY_NAMES.get(base) or EXTENDED_NAMES.get(base, base)


def display_name(key: str) -> str:
    """The Chinese name of a fact key (基本支出比上年增减 for change_expenditure_basic); names
    that are not keys pass through."""
    prefix, base = split_key(key)
    if base not in BASE_KEYS:
        return key
    name = base_name(base)
    return PREFIX_NAMES[prefix].format(name=name) if prefix else name


_KEY_TOKEN_RE = re.compile(r"\b[a-z][a-z_]*[a-z]\b")


def rule_in_chinese(rule: str) -> str:
    """A check's identity with every fact key replaced by its Chinese name."""
    return _KEY_TOKEN_RE.sub(
        lambda m: display_name(m.group()) if split_key(m.group())[1] in BASE_KEYS else m.group(),
        rule,
    )


def scoped_key(base: str, scope: str | None) -> str:
    """The key of ``base`` within ``scope`` ("fiscal", "general_budget" or None: whole)."""
    if scope is None:
        return base
    if base in SCOPED:
        return f"{base}_{scope}"
    return SCOPE_TOTALS.get((base, scope), base)


# Facts about a stock at a date rather than the budget year, so another year in the label is normal.
UNDATED_KEYS = frozenset({"assets_total", "income_carryover", "carryover_end"})


@dataclass(frozen=True, slots=True)
class Term:
    keys: tuple[str, ...]
    start: int
    end: int
    core_end: int = -1  # where the name ends before an absorbed 支出预算/收入决算 (-1: at end)

    @property
    def name_end(self) -> int:
        return self.end if self.core_end < 0 else self.core_end


_COMPILED = tuple((re.compile(pattern), keys) for pattern, keys in TERMS)


def find_terms(text: str) -> list[Term]:
    """Every term in ``text``, a term inside a longer one left out ("支出" in "基本支出")."""
    found: list[Term] = []
    for pattern, keys in _COMPILED:
        for match in pattern.finditer(text):
            if match.end() > match.start():
                found.append(Term(keys, match.start(), match.end()))
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    kept: list[Term] = []
    for term in found:
        if any(k.start <= term.start and term.end <= k.end for k in kept):
            continue
        kept = [k for k in kept if not (term.start <= k.start and k.end <= term.end)]
        kept.append(term)
    kept.sort(key=lambda t: t.start)
    # "公务接待费支出预算", "“三公”经费财政拨款支出决算": a generic 支出/收入 with its basis right
    # after a named fact is part of that fact's name, not a fact of its own
    merged: list[Term] = []
    for term in kept:
        if merged and term.start < merged[-1].end:
            continue  # inside the suffix the previous term absorbed
        if term.keys not in _GENERIC_SUFFIX_KEYS:
            # "公务用车购置及运行维护费用支出": 费用 is the same name as 费
            fee = _FEE_SUFFIX_RE.match(text, term.end)
            name_end = fee.end() if fee is not None else term.end
            suffix = _GENERIC_SUFFIX_RE.match(text, name_end)
            if suffix is not None and suffix.end() > name_end:
                term = Term(term.keys, term.start, suffix.end(), name_end)
            elif name_end > term.end:
                term = Term(term.keys, term.start, name_end)
        merged.append(term)
    return merged


_GENERIC_SUFFIX_KEYS = (
    ("income_total",),
    ("expenditure_total",),
    ("income_fiscal",),
    ("expenditure_fiscal",),
    ("income_general_budget",),
    ("expenditure_general_budget",),
)
_GENERIC_SUFFIX_RE = re.compile(
    r"(?:一般公共预算)?(?:财政拨款)?(?:预算|决算)?(?:收入|支出)(?:预算|决算)?(?:数|总额|合计|总计)?"
    r"(?![\u4e00-\u9fff]{0,2}(?:支出|收入))"  # not "支出功能支出": another name follows
)
_FEE_SUFFIX_RE = re.compile(r"(?<=费)用(?![于途])")
_BARE_TOTAL_RE = re.compile(r"(?:收入|支出)(?:预算|决算)(?:数)?")


def is_bare_total(text: str, term: Term) -> bool:
    """ "支出决算", "收入预算数": a generic total with nothing but its basis, which after a named
    fact in the same sentence ("“三公”经费支出预算为3万元，支出决算为1.71万元") means that fact."""
    return term.keys in _GENERIC_SUFFIX_KEYS[:2] and bool(
        _BARE_TOTAL_RE.fullmatch(text, term.start, term.end)
    )


TABLE_LABEL_STRIP_RE = re.compile(
    r"^(?:\s+|[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}[、.．](?!\d)|[(（][一二三四五六七八九十\d]{1,2}[)）]"
    r"|其中|[:：])*|\s+|[:：]$"
)
TABLE_LABEL_TOTAL_RE = re.compile(r"(?:合计|小计|总计)$")


def match_table_label(cell: str) -> tuple[str, ...] | None:
    """Keys for a table row label only when the whole cell is one term (traditional
    characters and full-width forms folded first, as the reading view does)."""
    label = TABLE_LABEL_STRIP_RE.sub("", fold(cell))
    for candidate in (label, TABLE_LABEL_TOTAL_RE.sub("", label)):  # "“三公”经费合计"
        for pattern, keys in _COMPILED:
            if candidate and pattern.fullmatch(candidate):
                return keys
    return None


# --- names a reader sees for the record's own words ---------------------------------------

STATUS_NAMES = {"pass": "通过", "fail": "不一致", "rounding": "舍入差异", "deferred": "无法核对"}
STATUS_EXPLAINED = {
    "pass": "数字完全相符",
    "fail": "文件中的数字相互矛盾，请看下面列出的各处原文",
    "rounding": "相差不超过数字本身的舍入（或截尾），不算矛盾",
    "deferred": "缺少某个数字或口径不同，无法核对（不作猜测）",
}
KIND_NAMES = {"budget": "预算", "final_account": "决算"}
