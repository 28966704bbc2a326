"""Rules over the canonical facts: totals and their parts, changes, percentages, completion
rates, shares, and the same fact stated twice.

Every rule runs per basis (this year, the 预算数 of a final account, last year, the change) and
per scope (the whole budget, 财政拨款, 一般公共预算), because a total and parts of different
bases or scopes do not have to add up. A figure printed to 0.01 may be off by 0.005, and the
documents round or truncate: a difference within one unit of the last printed digits is
``rounding``, not a failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import product

from budgetlens.extract.checks.base import CheckResult, Operand, Status, fmt, grade, operand
from budgetlens.extract.document import Document
from budgetlens.extract.facts import Facts, Share, Statement
from budgetlens.extract.lexicon import SUBPARTS, display_name, split_key


@dataclass(frozen=True, slots=True)
class SumRule:
    """``total`` = Σ ``parts``. Unstated parts count as zero only when the stated ones already
    add up; a difference with a part unstated is deferred, never failed."""

    total: str
    parts: tuple[str, ...]
    kinds: tuple[str, ...] = ("budget", "final_account")
    # kinds whose total has parts with no key (a final account's 上级补助收入, 附属单位上缴收入,
    # 用事业基金弥补收支差额): there only stated parts that already exceed the total fail
    exceed_only: tuple[str, ...] = ()


def _sum_rules() -> list[SumRule]:
    rules = [
        SumRule(
            "three_public_total",
            ("three_public_abroad", "three_public_vehicle", "three_public_reception"),
        ),
        SumRule(
            "three_public_vehicle",
            ("three_public_vehicle_purchase", "three_public_vehicle_operation"),
        ),
        SumRule(
            "procurement_total", ("procurement_goods", "procurement_works", "procurement_services")
        ),
        SumRule("income_fiscal", ("income_general_budget", "income_fund", "income_state_capital")),
        SumRule(
            "income_total",
            (
                "income_fiscal",
                "income_special_account",
                "income_business",
                "income_operating",
                "income_other",
                "income_carryover",
            ),
            exceed_only=("final_account",),
        ),
        SumRule("expenditure_total", ("expenditure_basic", "expenditure_project"), ("budget",)),
        SumRule(
            "expenditure_current_year",
            ("expenditure_basic", "expenditure_project"),
            ("final_account",),
        ),
        SumRule("expenditure_basic", ("expenditure_personnel", "expenditure_public")),
    ]
    for scope, total in (
        ("fiscal", "expenditure_fiscal"),
        ("general_budget", "expenditure_general_budget"),
    ):
        rules.append(SumRule(total, (f"expenditure_basic_{scope}", f"expenditure_project_{scope}")))
        rules.append(
            SumRule(
                f"expenditure_basic_{scope}",
                (f"expenditure_personnel_{scope}", f"expenditure_public_{scope}"),
            )
        )
    return rules


SUM_RULES = _sum_rules()
ENUMERATION_RE = re.compile(r"其中|包括|分别为|分别是|具体为")
ITEM_LINE_RE = re.compile(r"\s*(?:\d{1,2}[.．、](?!\d)|[(（]\d{1,2}[)）])")
PREFIXES = ("", "budget_", "previous_", "change_")


def _tolerance(*statements: Statement) -> Decimal:
    """One unit of the last printed digit of every figure (rounding or truncation)."""
    return sum((2 * s.half_unit for s in statements), Decimal(0))


def _could_round(total: Statement, parts: Iterable[Statement]) -> bool:
    """Amounts (never negative) that may add up: a printed amount stands for a value in
    [p − half, p + unit) — rounded to its last digit, or truncated there — so the parts'
    range and the total's must meet."""
    parts = list(parts)
    if total.value < 0 or any(p.value < 0 for p in parts):
        return True
    low = sum((p.value - p.half_unit for p in parts), Decimal(0))
    high = sum((p.value + 2 * p.half_unit for p in parts), Decimal(0))
    return low < total.value + 2 * total.half_unit and total.value - total.half_unit < high


def _exceeds(total: Statement, parts: Iterable[Statement]) -> bool:
    """The parts' smallest possible sum is more than the total can be (amounts as in
    :func:`_could_round`)."""
    low = sum((p.value - p.half_unit for p in parts), Decimal(0))
    return low >= total.value + 2 * total.half_unit


def _names(keys: Iterable[str]) -> str:
    return "、".join(display_name(k) for k in keys)


def check_sum(doc: Document, facts: Facts, rule: SumRule, prefix: str) -> CheckResult | None:
    total_key = prefix + rule.total
    part_keys = [prefix + p for p in rule.parts]
    total = facts.get(total_key)
    parts = {key: facts.get(key) for key in part_keys}
    for key in part_keys:
        # 财政拨款收入 unstated but its own parts stated: they stand in for it
        subparts = SUBPARTS.get(key.removeprefix(prefix), ())
        if parts[key] is None and subparts:
            found = {prefix + k: facts.get(prefix + k) for k in subparts}
            if any(found.values()):
                del parts[key]
                parts.update(found)
    part_keys = list(parts)
    stated = {k: s for k, s in parts.items() if s is not None}
    if total is None or not stated:
        return None  # nothing to check: not reported as a deferred rule
    chosen = _closest(facts, {total_key: total, **stated})
    total = chosen.pop(total_key)
    stated = chosen
    parts = {k: stated.get(k) for k in part_keys}
    rule_text = f"{total_key} = " + " + ".join(part_keys)
    result = CheckResult(
        id=f"sum:{total_key}",
        rule=rule_text,
        status="deferred",
        operands=[operand(doc, total_key, total)]
        + [operand(doc, key, s) for key, s in parts.items()],
    )
    actual = sum((s.value for s in stated.values()), Decimal(0))
    result.expected, result.actual = total.value, actual
    status = grade(total.value, actual, _tolerance(total, *stated.values()))
    if status == "rounding" and prefix != "change_" and not _could_round(total, stated.values()):
        status = "fail"  # no rounding or truncation of the printed amounts makes them add up
    missing = [k for k in part_keys if parts[k] is None]
    if doc.meta.kind in rule.exceed_only:
        if prefix == "change_":
            return None  # changes may be negative: an excess proves nothing
        exceeded = _exceeds(total, stated.values()) and _listed_with(
            doc, total, list(stated.values())
        )
        if status == "fail" and not exceeded:
            result.message = (
                f"{display_name(total_key)}还含未设键的收入（上级补助收入、附属单位上缴收入等），"
                "已列分项少于总计时无法核对"
            )
            return result
        if exceeded:
            result.status = status
            result.message = (
                f"{display_name(total_key)}为{fmt(total.value)}万元，但已列出的分项相加已达"
                f"{fmt(actual)}万元（多{fmt(actual - total.value)}万元）"
            )
            return result
    if missing and status == "fail":
        # "收入预算689.35万元，其中：一般公共预算拨款收入…": a sentence that lists the parts of
        # its total says what the total is made of; parts it leaves out (and the document
        # never states) are nothing. Not when the sentence holds an amount we could not name.
        enumerated = prefix in ("", "budget_") and any(
            p.source == "text"
            and p.sentence == total.sentence
            and ENUMERATION_RE.search(doc.text, total.figure_span[1], p.span[0] + 1)
            for p in stated.values()
        )
        # parts that already add up to more than the total fail whatever the unstated ones
        # are: an amount is never negative (a change may be)
        exceeded = (
            prefix != "change_"
            and _exceeds(total, stated.values())
            and _listed_with(doc, total, list(stated.values()))
        )
        if not exceeded and (
            not enumerated
            or _unnamed_amounts(facts, total.sentence)
            or not _sentence_ends(doc.text, max(p.span[1] for p in stated.values()))
        ):
            result.message = f"未说明{_names(missing)}，无法核对"
            return result
        if exceeded:
            result.status = status
            result.message = (
                f"{display_name(total_key)}为{fmt(total.value)}万元，但已列出的分项相加已达"
                f"{fmt(actual)}万元（多{fmt(actual - total.value)}万元；未列出的"
                f"{_names(missing)}只会使它更大）"
            )
            return result
    result.status = status
    if status == "fail" and missing:
        result.message = (
            f"{display_name(total_key)}为{fmt(total.value)}万元，但同句列出的分项相加为"
            f"{fmt(actual)}万元（相差{fmt(total.value - actual)}万元；未列出的"
            f"{_names(missing)}按0计）"
        )
        return result
    result.status = status
    if status == "fail":
        result.message = (
            f"{display_name(total_key)}为{fmt(total.value)}万元，但各分项相加为"
            f"{fmt(actual)}万元（相差{fmt(total.value - actual)}万元）"
        )
    return result


def _closest(facts: Facts, chosen: dict[str, Statement]) -> dict[str, Statement]:
    """The statements a check cites: of each fact's statements with the value already chosen
    (the value, and so the check, stays the same), the ones that lie closest together in
    the prose, so the operands are read where the document lists them together ("2.公务用车
    …4.02万元" / "公务用车购置支出0万元" / "公务用车运行维护支出0万元"), not one in its summary."""
    options = {
        key: [
            s
            for s in facts.statements.get(key, [])
            if s.source == "text" and s.value == first.value
        ]
        or [first]
        for key, first in chosen.items()
    }
    combinations = 1
    for found in options.values():
        combinations *= len(found)
    if combinations <= 1 or combinations > 256:
        return dict(chosen)
    best, best_spread = dict(chosen), None
    for picked in product(*options.values()):
        starts = [s.span[0] for s in picked]
        spread = max(starts) - min(starts)
        if best_spread is None or spread < best_spread:
            best, best_spread = dict(zip(options, picked, strict=True)), spread
    return best


def _listed_with(doc: Document, total: Statement, parts: list[Statement]) -> bool:
    """The parts are the total's own list: in its sentence, or in the 其中 right after it, on
    the same line ("…预算拨入57.55万元。其中：1、公务接待费…12.5万元…45.2万元")."""
    if total.source != "text" or any(p.source != "text" for p in parts):
        return False
    end = max(p.span[1] for p in parts)
    between = doc.text[total.figure_span[1] : end]
    if any(p.span[0] < total.figure_span[1] for p in parts):
        return False
    listing = ENUMERATION_RE.search(between)
    if listing is not None:
        opens = total.figure_span[1] + listing.start()
        if any(p.span[0] < opens for p in parts) and any(p.span[0] > opens for p in parts):
            # "年初预算数8140.52万元,上年结转89.01万元。其中:…": a part stated beside the
            # total before the 其中, which may list the parts of both
            return False
    if "\n" in between:
        # "收入总计为10070.54万元,其中:" then one numbered line per item, nothing else between
        head, *lines = between.split("\n")
        return bool(
            re.search(r"其中[:：]\s*$", head)
            and lines
            and all(ITEM_LINE_RE.match(line) for line in lines)
        )
    return all(p.sentence == total.sentence for p in parts) or "其中" in between


def _sentence_ends(text: str, position: int) -> bool:
    """The sentence going on at ``position`` is finished in the text (not cut off)."""
    return any(text.find(c, position) >= 0 for c in "。！？!?\n")


def _unnamed_amounts(facts: Facts, sentence: int) -> bool:
    """The sentence states an amount that no fact key names."""
    named = {s.figure_span for statements in facts.statements.values() for s in statements}
    return any(n == sentence and span not in named for n, _, _, span in facts.amounts)


def check_change(doc: Document, facts: Facts, base: str) -> CheckResult | None:
    """change = this year − last year, when all three are stated."""
    change, current, previous = (
        facts.get(f"change_{base}"),
        facts.get(base),
        facts.get(f"previous_{base}"),
    )
    if change is None or current is None or previous is None:
        return None
    if previous.source == "text" and previous.sentence not in (change.sentence, current.sentence):
        # "2019年预算…比上年预算减15600元。…2018年…支出49865元": last year's level stated apart
        # from the change may be of another basis (an actual, not the budget compared with)
        return None
    return _difference_check(
        doc,
        f"change:{base}",
        (f"change_{base}", base, f"previous_{base}"),
        (change, current, previous),
        lambda actual: (
            f"{display_name(base)}本年{fmt(current.value)}万元、上年"
            f"{fmt(previous.value)}万元，相差{fmt(actual)}万元，文中写增减{fmt(change.value)}万元"
        ),
    )


def _difference_check(
    doc: Document,
    check_id: str,
    keys: tuple[str, str, str],
    statements: tuple[Statement, Statement, Statement],
    describe: Callable[[Decimal], str],
) -> CheckResult:
    """A stated difference against the difference of its two levels (a change against this
    year − last year, a final account's gap against actual − budget); ``describe`` words the
    failure from the difference the levels give."""
    stated, minuend, subtrahend = statements
    actual = minuend.value - subtrahend.value
    status = grade(stated.value, actual, _tolerance(stated, minuend, subtrahend))
    return CheckResult(
        id=check_id,
        rule=f"{keys[0]} = {keys[1]} - {keys[2]}",
        status=status,
        expected=stated.value,
        actual=actual,
        operands=[operand(doc, key, s) for key, s in zip(keys, statements, strict=True)],
        message="" if status != "fail" else describe(actual),
    )


def grade_ratio(
    stated: Decimal,
    stated_half: Decimal,
    numerator: Decimal,
    numerator_half: Decimal,
    denominator: Decimal,
    denominator_half: Decimal,
) -> Status:
    """A stated percentage against ``100 × numerator ÷ denominator``: ``pass`` when equal,
    ``rounding`` when some values the printed operands may stand for (each within its own
    rounding) give it, allowing the percentage's own rounding or truncation; else ``fail``."""
    low_d, high_d = denominator - denominator_half, denominator + denominator_half
    if low_d <= 0 <= high_d:
        return "rounding"  # the base may be zero: nothing certain
    corners = [
        Decimal(100) * n / d
        for n in (numerator - numerator_half, numerator + numerator_half)
        for d in (low_d, high_d)
    ]
    exact = Decimal(100) * numerator / denominator
    digits = stated.as_tuple().exponent
    places = Decimal(1).scaleb(digits) if isinstance(digits, int) and digits < 0 else Decimal(1)
    if exact.quantize(places) == stated:
        return "pass"  # equal to the printed precision
    # the printed percentage stands for [stated − half, stated + half] when rounded and for
    # [stated, stated + unit) when truncated (in magnitude: −38.2877 truncates to −38.28): the
    # operands' values must reach that range
    if stated < 0:
        stated, corners = -stated, [-c for c in corners]
    if max(corners) >= stated - stated_half and min(corners) < stated + 2 * stated_half:
        return "rounding"
    return "fail"


def _grade_ratio_result(
    result: CheckResult,
    stated: Statement,
    numerator: tuple[Decimal, Decimal],
    denominator: tuple[Decimal, Decimal],
    zero_message: str,
) -> None:
    """Grade a stated percentage against 100 × numerator ÷ denominator (each a value and its
    half unit) into ``result``; a base of 0 leaves it deferred with ``zero_message``."""
    if denominator[0] == 0:
        result.message = zero_message
        return
    result.actual = (numerator[0] / denominator[0] * 100).quantize(Decimal("0.0001"))
    result.status = grade_ratio(stated.value, stated.half_unit, *numerator, *denominator)


def _rounded(value: Decimal | None, places: str) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal(places))


def check_change_percent(doc: Document, facts: Facts, base: str) -> CheckResult | None:
    """change_pct = change ÷ last year × 100 (last year stated, or this year − change)."""
    pct = facts.get(f"change_pct_{base}")
    if pct is None:
        return None
    # the change and the level stated in the percentage's own sentence, when it states them
    change, current, previous = (
        _in_sentence(facts, f"change_{base}", pct.sentence),
        _in_sentence(facts, base, pct.sentence),
        _in_sentence(facts, f"previous_{base}", pct.sentence),
    )
    if previous is not None and previous.source == "text" and previous.sentence != pct.sentence:
        previous = None  # last year's level only as the rate's own sentence states it
    operands = [operand(doc, f"change_pct_{base}", pct)]
    if previous is not None and current is not None:
        numerator = current.value - previous.value
        numerator_half = current.half_unit + previous.half_unit
        operands += [operand(doc, base, current), operand(doc, f"previous_{base}", previous)]
        denominator, denominator_half = previous.value, previous.half_unit
    elif change is not None and current is not None:
        numerator, numerator_half = change.value, change.half_unit
        denominator = current.value - change.value
        denominator_half = current.half_unit + change.half_unit
        operands += [operand(doc, f"change_{base}", change), operand(doc, base, current)]
    elif change is not None and previous is not None:
        numerator, numerator_half = change.value, change.half_unit
        denominator, denominator_half = previous.value, previous.half_unit
        operands += [
            operand(doc, f"change_{base}", change),
            operand(doc, f"previous_{base}", previous),
        ]
    else:
        return None
    result = CheckResult(
        id=f"percent:{base}",
        rule=f"change_pct_{base} = change / previous × 100",
        status="deferred",
        expected=pct.value,
        operands=operands,
    )
    _grade_ratio_result(
        result,
        pct,
        (numerator, numerator_half),
        (denominator, denominator_half),
        "上年数为0，增减率无法计算",
    )
    if result.status == "fail" and change is not None:
        other = _other_subject(facts, base, pct, change)
        if other is not None:
            result.status = "deferred"  # "其中：项目支出X元，同比增加Y元，增长Z%": whose change?
            result.message = f"增减率与同一句中{_figure_name(other)}相符，所指不明，不作判断"
            return result
    if result.status == "fail":
        result.message = (
            f"{display_name(base)}增减率应为{fmt(_rounded(result.actual, '0.01'))}%，"
            f"文中写{fmt(pct.value)}%"
        )
    return result


def check_against_budget(doc: Document, facts: Facts, base: str) -> list[CheckResult]:
    """A final account against its own budget: the difference stated (比年初预算减少4万元)
    = actual − budget, where the budget is stated; its percentage (下降2.2%) = difference ÷
    budget × 100, the budget stated or the actual less the difference."""
    results: list[CheckResult] = []
    diff = facts.get(f"vs_budget_{base}")
    actual, budget = facts.get(base), facts.get(f"budget_{base}")
    pct = facts.get(f"vs_budget_pct_{base}")
    if diff is not None:
        actual = _in_sentence(facts, base, diff.sentence)
        budget = _in_sentence(facts, f"budget_{base}", diff.sentence)
    if diff is not None and actual is not None and budget is not None:
        spent, planned, gap = actual, budget, diff
        results.append(
            _difference_check(
                doc,
                f"vs_budget:{base}",
                (f"vs_budget_{base}", base, f"budget_{base}"),
                (gap, spent, planned),
                lambda expected: (
                    f"{display_name(base)}决算{fmt(spent.value)}万元、预算"
                    f"{fmt(planned.value)}万元，相差{fmt(expected)}万元，文中写比预算增减"
                    f"{fmt(gap.value)}万元"
                ),
            )
        )
    if pct is None or diff is None or actual is None or pct.sentence != diff.sentence:
        return results
    operands = [
        operand(doc, f"vs_budget_pct_{base}", pct),
        operand(doc, f"vs_budget_{base}", diff),
    ]
    if budget is not None:
        denominator, denominator_half = budget.value, budget.half_unit
        operands.append(operand(doc, f"budget_{base}", budget))
    else:
        denominator = actual.value - diff.value
        denominator_half = actual.half_unit + diff.half_unit
        operands.append(operand(doc, base, actual))
    result = CheckResult(
        id=f"vs_budget_percent:{base}",
        rule=f"vs_budget_pct_{base} = vs_budget_{base} / budget × 100",
        status="deferred",
        expected=pct.value,
        operands=operands,
    )
    _grade_ratio_result(
        result,
        pct,
        (diff.value, diff.half_unit),
        (denominator, denominator_half),
        "预算数为0，比预算增减率无法计算",
    )
    if result.status == "fail":
        result.message = (
            f"{display_name(base)}比预算增减率应为{fmt(_rounded(result.actual, '0.01'))}%，"
            f"文中写{fmt(pct.value)}%"
        )
    results.append(result)
    return results


def _figure_name(key: str) -> str:
    return "另一个数字" if key == "another figure" else display_name(key)


def _in_sentence(facts: Facts, key: str, sentence: int) -> Statement | None:
    """The statement of ``key`` in ``sentence``, else the fact's usual statement."""
    found = facts.statements.get(key, [])
    return next((s for s in found if s.sentence == sentence), None) or facts.get(key)


def _other_subject(facts: Facts, base: str, pct: Statement, change: Statement) -> str | None:
    """Another amount of the same sentence (a fact or an unlabelled figure) whose level the
    change and percentage fit: then which figure the change belongs to is not certain."""
    own = facts.get(base)
    for sentence, value, half, span in facts.amounts:
        if sentence != pct.sentence or value == change.value:
            continue
        if own is not None and span == own.figure_span:
            continue
        previous = value - change.value
        if previous == 0:
            continue
        status = grade_ratio(
            pct.value, pct.half_unit, change.value, change.half_unit, previous,
            half + change.half_unit,
        )  # fmt: skip
        if status != "fail":
            keyed = [
                k for k, v in facts.statements.items() if any(s.figure_span == span for s in v)
            ]
            return keyed[0] if keyed else "another figure"
    return None


def check_completion(doc: Document, facts: Facts, base: str) -> CheckResult | None:
    """completion = this year's actual ÷ its budget × 100 (a final account). Where no budget
    is stated, the budget a difference stated beside the rate implies: "完成年初预算100%,
    决算数大于预算数55.93万元" measures the actual against actual − 55.93."""
    rate, actual_fact, budget = (
        facts.get(f"completion_{base}"),
        facts.get(base),
        facts.get(f"budget_{base}"),
    )
    diff = facts.get(f"vs_budget_{base}") if budget is None else None
    if rate is not None and diff is not None and diff.sentence == rate.sentence:
        actual_fact = _in_sentence(facts, base, diff.sentence)
    elif budget is None:
        return None
    if rate is None or actual_fact is None:
        return None
    if budget is not None:
        denominator = (budget.value, budget.half_unit)
        rule = f"completion_{base} = {base} / budget_{base} × 100"
        against = operand(doc, f"budget_{base}", budget)
    else:
        assert diff is not None
        denominator = (actual_fact.value - diff.value, actual_fact.half_unit + diff.half_unit)
        rule = f"completion_{base} = {base} / ({base} - vs_budget_{base}) × 100"
        against = operand(doc, f"vs_budget_{base}", diff)
    result = CheckResult(
        id=f"completion:{base}",
        rule=rule,
        status="deferred",
        expected=rate.value,
        operands=[
            operand(doc, f"completion_{base}", rate),
            operand(doc, base, actual_fact),
            against,
        ],
    )
    _grade_ratio_result(
        result,
        rate,
        (actual_fact.value, actual_fact.half_unit),
        denominator,
        "预算数为0，完成率无法计算",
    )
    if result.status == "fail":
        result.message = (
            f"{display_name(base)}决算{fmt(actual_fact.value)}万元、预算{fmt(denominator[0])}万元，"
            f"完成率应为{fmt(_rounded(result.actual, '0.1'))}%，文中写{fmt(rate.value)}%"
        )
    return result


def check_repeated(doc: Document, key: str, statements: list[Statement]) -> CheckResult | None:
    """One fact stated more than once says the same every time."""
    if len(statements) < 2:
        return None
    first = statements[0]
    worst: Status = "pass"
    for other in statements[1:]:
        status = grade(first.value, other.value, _tolerance(first, other))
        if status == "fail" or (status == "rounding" and worst == "pass"):
            worst = status
    differing = [
        s for s in statements if grade(first.value, s.value, _tolerance(first, s)) == "fail"
    ]
    where = {"text": "正文", "table": "表格"}
    return CheckResult(
        id=f"consistent:{key}",
        rule=f"every statement of {key} agrees",
        status=worst,
        expected=first.value,
        actual=differing[0].value if differing else first.value,
        operands=[operand(doc, f"{key} ({where[s.source]})", s) for s in statements],
        message=""
        if worst != "fail"
        else f"{display_name(key)}在文件中写为{fmt(first.value)}，又写为"
        + "、".join(fmt(s.value) for s in differing),
    )


# parent of each part, for a share stated without naming its whole
# ("其中：公务接待费0.53万元，占31%")
# the wholes a part's share may be of, when the sentence does not name it ("其中：公务接待费
# 0.53万元，占31%"; "基本支出2336.91万元，占79.49%" is of 本年支出合计 in a final account)
SHARE_PARENTS: dict[str, tuple[str, ...]] = {
    "three_public_abroad": ("three_public_total",),
    "three_public_vehicle": ("three_public_total",),
    "three_public_reception": ("three_public_total",),
    "three_public_vehicle_purchase": ("three_public_vehicle", "three_public_total"),
    "three_public_vehicle_operation": ("three_public_vehicle", "three_public_total"),
    "expenditure_basic": ("expenditure_current_year", "expenditure_total"),
    "expenditure_project": ("expenditure_current_year", "expenditure_total"),
    "income_fiscal": ("income_current_year", "income_total"),
    "income_general_budget": ("income_fiscal", "income_current_year", "income_total"),
    "income_business": ("income_current_year", "income_total"),
    "income_other": ("income_current_year", "income_total"),
    "income_carryover": ("income_total",),
}
for _scope in ("fiscal", "general_budget"):
    for _part in ("basic", "project"):
        SHARE_PARENTS[f"expenditure_{_part}_{_scope}"] = (
            "expenditure_fiscal" if _scope == "fiscal" else "expenditure_general_budget",
        )


def check_shares(doc: Document, facts: Facts) -> list[CheckResult]:
    """ "占X%": the part ÷ the whole. Checked only when both are known facts of one basis."""
    results = []
    for share in facts.shares:
        if share.part_value is None or share.part_span is None:
            continue
        # a named whole; else each plausible one, the first that fits (a share fails only
        # when no whole it could be of fits it); a line of a breakdown that names no fact is
        # a share of the total its sentence opens with ("…支出2940.05万元，主要用于以下方面：
        # 一般公共服务支出（类）2106.66万元，占71.73%")
        opening: Statement | None = None
        if share.part is None and share.whole:
            # "商品和服务支出165247.88元，占基本支出的18.76%": a line of the named whole (the
            # whole's one scoped statement where the document states it only within a scope)
            stated_key = _stated_whole(facts, share.whole)
            if stated_key is None:
                continue
            candidates: tuple[str, ...] = (stated_key,)
        elif share.part is None:
            found_opening = _opening_total(doc, facts, share)
            if found_opening is None:
                continue
            candidates = (found_opening[0],)
            opening = found_opening[1]
        else:
            candidates = (share.whole,) if share.whole else SHARE_PARENTS.get(share.part, ())
        graded = []
        for whole_key in candidates:
            found = opening or facts.get(whole_key)
            if found is None or found.value == 0:
                continue
            status = grade_ratio(
                share.percent, share.percent_half, share.part_value, share.part_half,
                found.value, found.half_unit,
            )  # fmt: skip
            graded.append((status, whole_key, found))
        if not graded:
            continue
        status, whole_key, whole = next((g for g in graded if g[0] != "fail"), graded[0])
        actual = share.part_value / whole.value * 100
        part = share.part or "line"
        results.append(
            CheckResult(
                id=f"share:{share.part or _part_name(doc, share)}",
                rule=f"share of {part} = {part} / {whole_key} × 100",
                status=status,
                expected=share.percent,
                actual=actual.quantize(Decimal("0.0001")),
                operands=[
                    Operand(
                        f"share of {share.part or 'line'}",
                        share.percent,
                        share.span,
                        doc.quote(share.span),
                    ),
                    Operand(
                        share.part or "line",
                        share.part_value,
                        share.part_span,
                        doc.quote(share.part_span),
                    ),
                    operand(doc, whole_key or "", whole),
                ],
                message=""
                if status != "fail"
                else f"{_part_name(doc, share)}{fmt(share.part_value)}万元占"
                f"{display_name(whole_key or '')}"
                f"{fmt(whole.value)}万元的{fmt(actual.quantize(Decimal('0.01')))}%，文中写{fmt(share.percent)}%",
            )
        )
    return results


def _stated_whole(facts: Facts, whole: str) -> str | None:
    """The key a share's named whole is stated under: itself, else its only scoped form."""
    if facts.get(whole) is not None:
        return whole
    scoped = [k for k in (f"{whole}_fiscal", f"{whole}_general_budget") if facts.get(k)]
    return scoped[0] if len(scoped) == 1 else None


BREAKDOWN_RE = re.compile(r"主要用于|用于以下方面|其中|包括|分别为|具体(?:为|如下|情况如下)")


def _opening_total(doc: Document, facts: Facts, share: Share) -> tuple[str, Statement] | None:
    """The fact a sentence opens with when it goes on to break that fact down (主要用于以下
    方面：/ 其中：) into the line the share is of."""
    assert share.part_span is not None
    before = [
        (statement, key)
        for key, statements in facts.statements.items()
        if not key.startswith(("change_", "completion_", "budget_", "previous_"))
        for statement in statements
        if statement.source == "text"
        and statement.sentence == share.sentence
        and statement.figure_span[1] <= share.part_span[0]
    ]
    if not before:
        return None
    # the fact stated last before the breakdown begins: "收入3000万元，支出2940.05万元，其中：…"
    # breaks down the 支出
    last, key = max(before, key=lambda pair: pair[0].figure_span[1])
    between = doc.text[last.figure_span[1] : share.part_span[0]]
    if not BREAKDOWN_RE.search(between):
        return None
    return key, last


def _part_name(doc: Document, share: Share) -> str:
    """What a share is of, in the document's words: its fact's name, or the line it quotes."""
    if share.part is not None:
        return display_name(share.part)
    assert share.part_span is not None
    before = doc.text[max(0, share.part_span[0] - 40) : share.part_span[0]]
    name = re.split(r"[，,；;：:。\n]", before)[-1].strip()
    return name or "该项"


def _whole_bounds(share: Share) -> tuple[Decimal, Decimal] | None:
    """The values of the whole a share implies: part ÷ percent, each within its rounding
    (the percentage may also be truncated: one unit of its last digit)."""
    if share.part_value is None:
        return None
    slack = 2 * share.percent_half
    low_pct, high_pct = share.percent - slack, share.percent + slack
    low_part, high_part = share.part_value - share.part_half, share.part_value + share.part_half
    if low_pct <= 0 or low_part <= 0:
        return None
    return low_part * 100 / high_pct, high_part * 100 / low_pct


def _other_year(doc: Document, position: int) -> bool:
    """The clause a figure stands in names a year other than the document's, or last year."""
    before = doc.text[max(0, position - 40) : position]
    clause = re.split(r"[，,；;。\n]", before)[-1]
    years = {int(y) for y in re.findall(r"((?:19|20)\d{2})年", clause)}
    return bool(years - {doc.meta.year}) or bool(re.search(r"上年|去年", clause))


def check_share_wholes(doc: Document, facts: Facts) -> list[CheckResult]:
    """Shares of one named whole the document does not state ("基本支出…占一般公共预算支出的
    84.06%…项目支出…占一般公共预算支出的19.62%"): each implies the whole, and one whole has
    one value. They fail only when no value of the whole fits every share."""
    by_whole: dict[str, list[Share]] = {}
    for share in facts.shares:
        if share.whole and share.part_value is not None and share.part_span is not None:
            if _other_year(doc, share.part_span[0]):
                continue  # "2023年基本支出700万元，占…": another year's whole
            by_whole.setdefault(share.whole, []).append(share)
    results = []
    for whole, shares in by_whole.items():
        if facts.get(whole) is not None or len(shares) < 2:
            continue  # a stated whole: each share is checked against it
        bounded = [(s, b) for s in shares if (b := _whole_bounds(s)) is not None]
        if len(bounded) < 2:
            continue
        low = max(bounded, key=lambda x: x[1][0])
        high = min(bounded, key=lambda x: x[1][1])
        if low[1][0] <= high[1][1]:
            continue
        operands = []
        for share, _ in (low, high):
            assert share.part_span is not None and share.part_value is not None
            operands.append(
                Operand(
                    f"part of {whole}",
                    share.part_value,
                    share.part_span,
                    doc.quote(share.part_span),
                )
            )
            operands.append(
                Operand(f"share of {whole}", share.percent, share.span, doc.quote(share.span))
            )
        implied = [
            (s.part_value * 100 / s.percent).quantize(Decimal("0.01"))
            for s, _ in (low, high)
            if s.part_value is not None
        ]
        results.append(
            CheckResult(
                id=f"share_whole:{whole}",
                rule=f"every share of {whole} implies the same {whole}",
                status="fail",
                operands=operands,
                message=(
                    f"按各自的占比推算，{display_name(whole)}一处约为{fmt(implied[0])}万元，"
                    f"另一处约为{fmt(implied[1])}万元，两个占比不可能同时成立"
                ),
            )
        )
    return results


def check_balance(doc: Document, facts: Facts) -> CheckResult | None:
    """A budget balances its income and expenditure totals; a final account need not."""
    income, spending = facts.get("income_total"), facts.get("expenditure_total")
    if doc.meta.kind != "budget" or income is None or spending is None:
        return None
    status = grade(income.value, spending.value, _tolerance(income, spending))
    return CheckResult(
        id="balance",
        rule="income_total = expenditure_total",
        status=status,
        expected=income.value,
        actual=spending.value,
        operands=[
            operand(doc, "income_total", income),
            operand(doc, "expenditure_total", spending),
        ],
        message=""
        if status != "fail"
        else f"预算收入总计{fmt(income.value)}万元与支出总计{fmt(spending.value)}万元不相等",
    )


def fact_checks(doc: Document, facts: Facts) -> list[CheckResult]:
    results: list[CheckResult | None] = []
    for rule in SUM_RULES:
        if doc.meta.kind is not None and doc.meta.kind not in rule.kinds:
            continue
        for prefix in PREFIXES:
            results.append(check_sum(doc, facts, rule, prefix))
    bases = {
        split_key(k)[1]
        for k in facts.statements
        if split_key(k)[0] in ("change_pct_", "change_", "completion_", "vs_budget_")
    }
    for base in sorted(bases):
        results.append(check_change(doc, facts, base))
        results.append(check_change_percent(doc, facts, base))
        results.append(check_completion(doc, facts, base))
        results.extend(check_against_budget(doc, facts, base))
    for key, statements in facts.statements.items():
        results.append(check_repeated(doc, key, statements))
    results.extend(check_shares(doc, facts))
    results.extend(check_share_wholes(doc, facts))
    results.append(check_balance(doc, facts))
    return [r for r in results if r is not None]
