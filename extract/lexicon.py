"""The wording that names each fact, as data: one place to extend for a new province's phrasing.

Each entry maps a label pattern to one or more canonical fact keys of the record contract
(``../shared/record-contract.md``). Of the labels in front of a figure followed only by
filler, the earliest wins, so "拟购置固定资产总额" beats "固定资产总额" and "“三公”经费支出合计"
is the 三公 total, not the expenditure total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Q = r"[“”\"‘’「」']?"  # optional quotes around 三公
PAREN_JING = r"[（(]\s*境\s*[）)]"

LABELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # income
    (
        r"(?:预算)?收支(?:预算|安排|总预算|总计)?|收支预算总额",
        ("income_total", "expenditure_total"),
    ),
    (r"(?:预算|全年)?收入(?:预算|合计|总计|总额)|预算收入|总收入|本年收入合计", ("income_total",)),
    (r"一般公共预算(?:财政)?(?:拨款)?(?:收入)?", ("income_general_budget",)),
    (r"(?:政府性)?基金预算(?:财政)?(?:拨款)?(?:收入)?|政府性基金(?:拨款)?收入", ("income_fund",)),
    (r"国有资本经营预算(?:财政)?(?:拨款)?(?:收入)?", ("income_state_capital",)),
    (r"财政专户(?:核拨|管理资金)?(?:收入)?", ("income_special_account",)),
    (r"事业收入", ("income_business",)),
    (r"(?:事业单位)?经营收入", ("income_operating",)),
    (r"其他(?:来源)?收入", ("income_other",)),
    (
        r"(?:使用)?上年(?:结转|结余|结转结余|结转和结余)(?:资金|收入)?|年初结转(?:和|及)?结余",
        ("income_carryover",),
    ),
    # expenditure
    (r"(?:预算)?支出(?:预算|合计|总计|总额)|预算支出|总支出|本年支出合计", ("expenditure_total",)),
    (r"一般公共预算(?:财政)?(?:拨款)?支出", ("expenditure_general_budget",)),
    (r"(?:政府性)?基金预算(?:财政)?(?:拨款)?支出", ("expenditure_fund",)),
    (r"基本支出", ("expenditure_basic",)),
    (r"人员(?:类项目)?经费|人员支出", ("expenditure_personnel",)),
    (r"(?:日常)?公用(?:类)?(?:项目)?经费|(?:日常)?公用支出", ("expenditure_public",)),
    (r"项目支出", ("expenditure_project",)),
    # operating expenses, 三公
    (r"(?:机关)?运行经费|机关运行费", ("operating_expenses",)),
    (rf"{Q}三公{Q}\s*经费", ("three_public_total",)),
    (rf"因公出国{PAREN_JING}?(?:费用?|经费)?|出国{PAREN_JING}?费", ("three_public_abroad",)),
    (
        r"公务用车购置(?:及|和|与)运(?:行)?(?:维护?)?(?:费|经费)|公务用车费",
        ("three_public_vehicle",),
    ),
    (r"公务用车购置费|车辆购置费", ("three_public_vehicle_purchase",)),
    (
        r"(?:公务用车|车)?运行维护费|公务用车运(?:行|维)费|公务用车运维费",
        ("three_public_vehicle_operation",),
    ),
    (r"公务接待费", ("three_public_reception",)),
    # procurement, assets
    (r"政府采购(?:预算)?(?:总额|总计|合计|金额)?|采购预算总额", ("procurement_total",)),
    (r"政府采购货物(?:类)?(?:预算)?", ("procurement_goods",)),
    (r"政府采购工程(?:类)?(?:预算)?", ("procurement_works",)),
    (r"政府采购服务(?:类)?(?:预算)?", ("procurement_services",)),
    (r"资产总额|固定资产(?:金额|原值|总额|总值|账面(?:原值|价值))?", ("assets_total",)),
    (r"拟(?:新)?购置(?:固定)?资产(?:总额|金额)?", ("assets_purchase_planned",)),
)

# How a fact is named in answers and reports.
DISPLAY_NAMES: dict[str, str] = {
    "income_total": "收入预算",
    "income_general_budget": "一般公共预算收入",
    "income_fund": "政府性基金预算收入",
    "income_state_capital": "国有资本经营预算收入",
    "income_special_account": "财政专户核拨收入",
    "income_business": "事业收入",
    "income_operating": "经营收入",
    "income_other": "其他收入",
    "income_carryover": "上年结转",
    "expenditure_total": "支出预算",
    "expenditure_general_budget": "一般公共预算支出",
    "expenditure_fund": "政府性基金预算支出",
    "expenditure_basic": "基本支出",
    "expenditure_personnel": "人员经费",
    "expenditure_public": "公用经费",
    "expenditure_project": "项目支出",
    "operating_expenses": "机关运行经费",
    "three_public_total": "“三公”经费",
    "three_public_abroad": "因公出国（境）费",
    "three_public_vehicle": "公务用车购置及运行维护费",
    "three_public_vehicle_purchase": "公务用车购置费",
    "three_public_vehicle_operation": "公务用车运行维护费",
    "three_public_reception": "公务接待费",
    "procurement_total": "政府采购预算",
    "procurement_goods": "政府采购货物预算",
    "procurement_works": "政府采购工程预算",
    "procurement_services": "政府采购服务预算",
    "assets_total": "固定资产",
    "assets_purchase_planned": "拟购置固定资产",
}


def display_name(key: str) -> str:
    """The Chinese name of a fact key (change_ keys read …增减); other names pass through."""
    base = key.removeprefix("change_")
    name = DISPLAY_NAMES.get(base, base)
    return f"{name}增减" if key.startswith("change_") else name


_KEY_TOKEN_RE = re.compile(r"\b(?:change_)?[a-z][a-z_]*[a-z]\b")


def rule_in_chinese(rule: str) -> str:
    """A check's identity with every fact key replaced by its Chinese name."""
    return _KEY_TOKEN_RE.sub(
        lambda m: (
            display_name(m.group())
            if m.group().removeprefix("change_") in DISPLAY_NAMES
            else m.group()
        ),
        rule,
    )


# The canonical fact keys of the record contract (eval/corpus/LABELLING.md). A key may carry
# one prefix: change_ (stated change, signed), change_pct_ (stated % change), budget_ (the
# 预算数 of an item in a final account), completion_ (决算数 as % of 预算数).
_SCOPED = (
    "expenditure_basic",
    "expenditure_project",
    "expenditure_personnel",
    "expenditure_public",
)
BASE_KEYS: frozenset[str] = frozenset(
    {
        "income_total",
        "income_current_year",
        "income_fiscal",
        "income_general_budget",
        "income_fund",
        "income_state_capital",
        "income_special_account",
        "income_business",
        "income_operating",
        "income_other",
        "income_carryover",
        "expenditure_total",
        "expenditure_current_year",
        "expenditure_fiscal",
        "expenditure_general_budget",
        "expenditure_fund",
        "expenditure_state_capital",
        *_SCOPED,
        *(f"{key}_fiscal" for key in _SCOPED),
        *(f"{key}_general_budget" for key in _SCOPED),
        "carryover_end",
        "operating_expenses",
        "three_public_total",
        "three_public_abroad",
        "three_public_vehicle",
        "three_public_vehicle_purchase",
        "three_public_vehicle_operation",
        "three_public_reception",
        "meeting_expenses",
        "training_expenses",
        "procurement_total",
        "procurement_goods",
        "procurement_works",
        "procurement_services",
        "assets_total",
        "assets_purchase_planned",
    }
)
KEY_PREFIXES = ("change_pct_", "change_", "budget_", "completion_")


def split_key(key: str) -> tuple[str, str]:
    """("change_", "three_public_total") for "change_three_public_total"; ("", key) else."""
    for prefix in KEY_PREFIXES:
        if key.startswith(prefix) and key.removeprefix(prefix) in BASE_KEYS:
            return prefix, key.removeprefix(prefix)
    return "", key


def is_canonical_key(key: str) -> bool:
    return split_key(key)[1] in BASE_KEYS


# Facts about a stock at a date rather than the budget year, so another year in the label is normal.
UNDATED_KEYS = frozenset({"assets_total", "income_carryover"})

# Words allowed between a label and its figure: "预算安排", "共计", "为" …
FILLER_RE = re.compile(
    r"^(?:[\s为是约共了：:（()）]|预算|决算|安排|共计|合计|总计|总额|金额|支出|数|达到|累计|年度)*$"
)


@dataclass(frozen=True, slots=True)
class LabelMatch:
    keys: tuple[str, ...]
    start: int
    end: int


_COMPILED = tuple((re.compile(pattern), keys) for pattern, keys in LABELS)
_FULL = tuple((re.compile(rf"(?:{pattern})"), keys) for pattern, keys in LABELS)


def match_label(text: str) -> LabelMatch | None:
    """The head label before a figure: of the labels followed only by filler ("支出合计",
    "预算安排"…), the one starting first, then the one reaching furthest."""
    best: LabelMatch | None = None
    for pattern, keys in _COMPILED:
        for match in pattern.finditer(text):
            if match.end() == match.start() or not FILLER_RE.match(text[match.end() :]):
                continue
            candidate = LabelMatch(keys, match.start(), match.end())
            if best is None or (-candidate.start, candidate.end) > (-best.start, best.end):
                best = candidate
    return best


TABLE_LABEL_STRIP_RE = re.compile(r"^[\s\d一二三四五六七八九十（）()、.．:：]*(?:其中[:：]?)?|\s+")


def match_table_label(cell: str) -> tuple[str, ...] | None:
    """Keys for a table row label only when the whole cell is a known label."""
    label = TABLE_LABEL_STRIP_RE.sub("", cell)
    for pattern, keys in _FULL:
        if pattern.fullmatch(label):
            return keys
    return None
