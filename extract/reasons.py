"""The reasons a document gives for its changes, found by their cue words.

Disclosures explain a change right after stating it, in the same sentence or the next one:

    比上年减少9.08万元，下降17.64%，下降原因主要是严格执行公务接待相关制度。
    …比2023年预算执行数减少57.14%。主要原因是：项目调整。
    …较上年增加2,003万元，增长10.5%。主要变动原因是…

A *cue* (原因是 / 主要原因为 / 增加原因主要是 / 主要是由于 / 增加因素为 …) opens the reason; the
reason runs to the end of its sentence, or to the clause where the next stated figure begins
("…原因是X；公务接待费…减少Y万元，原因是Z" gives X and Z to two changes). A cue explains the
change stated last before it, in its sentence or (when the cue opens a sentence) in the sentence
before; "都/均" in the cue spreads it over every change of that sentence. A weak cue (主要是/
主要为) counts only right after a change: after a level ("项目支出370.4万元，主要为老科协支出…")
it introduces a breakdown, not a reason, and a completion rate's cue (决算数小于预算数的原因) is
about the budget, not the change. The reason of an amount and of its percentage is one reason,
keyed by the amount's change (``change_<key>``; ``change_pct_<key>`` only when no amount change
is stated).

All of it runs on the reading view (:mod:`budgetlens.extract.reading`), so a cue broken over a
wrapped line ("主\\n要原因是") is still a cue; every span is mapped back to the raw text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from budgetlens.extract.document import Document, Span
from budgetlens.extract.facts import Facts, Statement
from budgetlens.extract.lexicon import find_terms, scoped_key, split_key

STRONG_CUE_RE = re.compile(
    r"(?:(?:增加|减少|增长|下降|持平|变动|变化|增减|差异|上升|降低)(?:的)?)?(?:主要)?(?:变动)?原因"
    r"(?:说明(?=[:：]))?"
    r"(?P<all>都|均)?(?:主要)?(?:都|均)?(?:是|为|系|有|在于)?(?:由于|因为)?[:：]?"
    r"|(?:增加|减少|增长|下降)(?:的)?因素(?:主要)?(?:为|是|有)[:：]?"
    # "…决算小于上年决算数的主要情况：主要是…" (a template of 深圳/广东 final accounts)
    r"|(?:大于|小于|多于|少于|高于|低于)(?:上年|去年)(?:决算|预算)?数?的主要(?:原因|情况)(?:是|为)?[:：]?"
)
WEAK_CUE_RE = re.compile(
    r"主要(?:是|为|系)(?:由于|因为)?|主要由于|主要因为|(?<![主])(?:由于|因为)"
    r"|(?<=[，,])(?:是|为|系)(?=[^，,。；;]{2,30}(?:增加|减少|增长|下降|调整|变化|变动))"
)
# cue words a writer repeated ("原因主要是主要是…") are not part of the reason (used with
# .match(text, pos), which anchors at pos: no "^", which would only match at a line start)
REPEATED_CUE_RE = re.compile(
    r"(?:[:：\s]|主要是|主要为|主要|是|为|系|由于|因为|[1１一][、.．](?!\d))+"
)
# what ends a reason before its sentence does: a use, or a clause about the money itself
STOP_CLAUSE_RE = re.compile(r"主要用于|具体用于|[，,；;](?:该项?经费|该项目|经费使用|其中[:：，,])")
SENTENCE_END = "。！？!?\n"
USE_CLAUSE_RE = re.compile(r"^\s*(?:主要|具体)?用于[^，,；;。]*[，,；;]")
PART_CHANGE_RE = re.compile(r"(?:增加|减少|增长|下降)\s*\d+(?:\.\d+)?\s*(?:万元|元|%)")
CLAUSE_BREAK = "，,；;"
BUDGET_EXECUTION_RE = re.compile(
    r"决算数?(?:大|小|多|少)于(?:年初)?预算数?|预算执行|完成(?:年初)?预算"
)


@dataclass(slots=True)
class _Change:
    start: int  # view position of the statement's label
    end: int  # view position just after its figure
    sentence: int
    statements: list[Statement]


def _changes(doc: Document, facts: Facts) -> list[_Change]:
    """Stated changes of the prose in reading order, one per printed figure."""
    view = doc.reading
    by_figure: dict[Span, list[Statement]] = {}
    for key, statements in facts.statements.items():
        if not key.startswith("change_"):
            continue
        for statement in statements:
            if statement.source == "text":
                by_figure.setdefault(statement.figure_span, []).append(statement)
    out = [
        _Change(
            view.view_position(min(s.span[0] for s in group)),
            view.view_position(figure[1]),
            group[0].sentence,
            group,
        )
        for figure, group in by_figure.items()
    ]
    return sorted(out, key=lambda c: c.end)


# "相比2018年公务接待费有所减少，主要是因为…": a change stated by its direction alone
DIRECTION_ONLY_RE = re.compile(
    r"(?:有所|略有|均有所|大幅|明显|较大幅度)?(?P<direction>增加|减少|下降|增长|上升|降低)"
    r"(?=[，,]?(?:主要|原因|由于|因为|是因为))"
)
DIRECTION_ONLY_FILLER_RE = re.compile(
    r"^(?:[“”\"()（）、\s]|(?:19|20)\d{2}年度?|本年度?|当年|全年|相比|比较|同比|与|比|较|上年度?|"
    r"去年|上一年度?|决算数?|支出|经费|的|都|均|总体|整体)*$"
)


BUDGET_COMPARISON_RE = re.compile(
    r"(?:较|比|与)(?:年初|全年|调整后?)?预算数?(?:相比)?[，,]?(?:增加|减少|增长|下降|持平)"
    r"(?:了)?(?:\d+(?:\.\d+)?(?:万元|元|%))?"
    r"|(?:增长|下降|增加|减少)\d+(?:\.\d+)?%"
)


def _only_budget_comparisons(between: str, sign: int = 0) -> bool:
    """Nothing but punctuation and comparisons with this year's budget between a change and
    its cue ("较上年减少19万元,下降43.78%,较年初预算数减少4万元,下降2.2%。主要是…"): the
    cue still explains the change against last year, unless a comparison goes the other way
    ("比上年减少1万元,比年初预算增加1万元,主要是追加了接待任务": the increase's cause)."""
    compact = re.sub(r"\s+", "", between)
    if sign:
        against = DECREASE_WORD_RE if sign > 0 else INCREASE_WORD_RE
        if any(against.search(m.group()) for m in BUDGET_COMPARISON_RE.finditer(compact)):
            return False
    rest = BUDGET_COMPARISON_RE.sub("", compact)
    return not rest.strip(" ，,；;。%")


def _sign_of(change: _Change) -> int:
    """+1 / -1 for an increase / a decrease, 0 for none stated."""
    value = change.statements[0].value
    return 1 if value > 0 else -1 if value < 0 else 0


def _direction_only(doc: Document) -> list[_Change]:
    """Changes a clause states with a direction and no figure, right before a cue: their
    reasons are keyed like any other (a sign, no amount: nothing else is read from them)."""
    text = doc.reading.text
    out = []
    for number, match in enumerate(DIRECTION_ONLY_RE.finditer(text)):
        clause_start = max(text.rfind(c, 0, match.start()) for c in "，,；;。\n") + 1
        clause = text[clause_start : match.start()]
        terms = find_terms(clause)
        if len(terms) != 1:
            continue
        term = terms[0]
        outside = clause[: term.start] + clause[term.end :]
        if re.search(r"\d+(?:\.\d+)?\s*(?:万元|元|%)", clause) or "预算" in outside:
            continue  # a figure of its own, or a comparison with the budget (not a change)
        if not DIRECTION_ONLY_FILLER_RE.match(clause[: term.start] + clause[term.end :]):
            continue
        scope = (
            "general_budget"
            if "一般公共预算" in clause[: term.start]
            else "fiscal"
            if "财政拨款" in clause[: term.start]
            else None
        )
        sign = Decimal(1) if match["direction"] in ("增加", "增长", "上升") else Decimal(-1)
        raw = doc.reading.raw_span(clause_start, match.end())
        statements = [
            Statement(
                key="change_" + scoped_key(base, scope),
                value=sign,
                half_unit=Decimal(0),
                span=raw,
                figure_span=raw,
                source="text",
                sentence=-(10**6 + number),
            )
            for base in term.keys
        ]
        out.append(
            _Change(clause_start + term.start, match.end(), statements[0].sentence, statements)
        )
    return out


def _level_ends(doc: Document, facts: Facts) -> list[int]:
    """View positions where a stated level (not a change) ends: a weak cue after one
    introduces a breakdown."""
    view = doc.reading
    return sorted(
        view.view_position(s.figure_span[1])
        for key, statements in facts.statements.items()
        if not key.startswith(("change_", "vs_budget_"))  # levels, not comparisons
        for s in statements
        if s.source == "text"
    )


def _keys_of(explained: list[_Change], changes: list[_Change]) -> list[str]:
    """``change_<key>`` for every change of these figures; ``change_pct_<key>`` only where its
    sentence states no amount change of the same key."""
    keys: list[str] = []
    for change in explained:
        for statement in change.statements:
            key = statement.key
            if key.startswith("change_pct_"):
                amount = "change_" + key.removeprefix("change_pct_")
                if any(
                    s.key == amount
                    for c in changes
                    if c.sentence == statement.sentence
                    for s in c.statements
                ):
                    key = amount
            if key not in keys:
                keys.append(key)
    return keys


def _reason_span(text: str, start: int, label_starts: list[int]) -> Span | None:
    """The reason after a cue: to its sentence end, the next stated figure's clause, a use
    or a clause about the money; None when nothing is left."""
    extra = REPEATED_CUE_RE.match(text, start)
    if extra:
        start = extra.end()
    end = start
    while end < len(text) and text[end] not in SENTENCE_END:
        end += 1
    following = [p for p in label_starts if start < p < end]
    first_clause = re.split(r"[，,；;]", text[start:end], maxsplit=1)[0]
    if PART_CHANGE_RE.search(first_clause):
        # "主要是一般公共预算拨款增加17.17万元,其他收入增加23万元": a reason that lists the
        # changes of parts runs through the list, to its semicolon (the next total's clause)
        following = []
        stop_at = min(
            (i for i in (text.find("；", start, end), text.find(";", start, end)) if i > 0),
            default=end,
        )
        end = stop_at
    if following:
        cut = max(text.rfind(c, start, following[0]) for c in CLAUSE_BREAK)
        if cut > start:
            end = cut
    stop = STOP_CLAUSE_RE.search(text, start, end)
    if stop:
        end = stop.start()
    while end > start and text[end - 1] in "，,；;。：: ":
        end -= 1
    # a reason says something in words: "2019" left by a cut at the next figure says nothing
    return (start, end) if len(re.findall(r"[\u4e00-\u9fff]", text[start:end])) >= 2 else None


SCOPE_SUBJECT_RE = re.compile(
    r"(?P<scope>财政拨款|一般公共预算)?(?:收入支出|收支|收入和支出|收、支)"
)
# a cue's own subject that only says "against last year" ("决算数较上年减少原因是")
LAST_YEAR_SUBJECT_RE = re.compile(
    r"(?:决算数?|预算数?|支出|本年|今年)?(?:较|比|与)(?:上年|去年|上一年度?)(?:相比|对比|比较)?"
    r"(?:增加|减少|下降|增长|增减)?的?"
    # "预算减少的主要原因是…" right after the change: its basis and direction only
    r"|(?:决算数?|预算数?|支出)(?:增加|减少|下降|增长)?的?"
    # "…比上年减少了78.86万元。…。减少原因为…": the direction alone, later in the paragraph
    r"|(?:增加|减少|下降|增长)的?"
)
CUE_DIRECTION_RE = re.compile(r"(?:增加|减少|下降|增长)(?=的?(?:主要)?原因)")
INCREASE_WORD_RE = re.compile(r"增加|增长|上升|提高")
DECREASE_WORD_RE = re.compile(r"减少|下降|降低|压减")
FISCAL_FAMILY = ("_fiscal",)  # 财政拨款收入/支出 (and its 收支总计), not each source


def _named_changes(
    doc: Document, before: list[_Change], subject: str, cue_start: int
) -> list[_Change] | None:
    """The earlier changes a reason's own subject names ("财政拨款收入支出减少的主要原因是",
    "项目支出增加的原因是"), in the same section; None when the cue names no subject."""
    subject = subject.strip(" ，,；;：:")
    if not subject:
        return None
    bases: set[str] = set()
    families: tuple[str, ...] = ()
    scoped = SCOPE_SUBJECT_RE.search(subject)
    if scoped:
        scope = scoped["scope"]
        if scope == "财政拨款":
            families = FISCAL_FAMILY
        elif scope == "一般公共预算":
            families = ("_general_budget",)
        else:
            bases |= {"income_total", "expenditure_total"}
    else:
        for term in find_terms(subject):
            bases |= set(term.keys)
            scope_words = subject[: term.start]
            for base in term.keys:
                if "一般公共预算" in scope_words:
                    bases.add(scoped_key(base, "general_budget"))
                elif "财政拨款" in scope_words:
                    bases.add(scoped_key(base, "fiscal"))
    sides = SIDES_SUBJECT_RE.match(subject)
    if not bases and not families and sides is not None:
        # "收入、支出变动较大的主要原因是": the two sides named by their bare words
        bases = {
            "income_total" if "收" in word else "expenditure_total"
            for word in re.findall(r"收入|支出|收|支", sides.group())
        }
    if not bases and not families:
        return None
    view = doc.reading
    section = doc.section_at(view.raw_span(cue_start, cue_start + 1)[0])
    since = view.view_position(section.span[0]) if section is not None else cue_start - 1500
    since = max(since, cue_start - 1500)
    wants = 1 if INCREASE_WORD_RE.search(subject) else -1 if DECREASE_WORD_RE.search(subject) else 0
    if INCREASE_WORD_RE.search(subject) and DECREASE_WORD_RE.search(subject):
        wants = 0  # "增加（减少）的主要原因"
    named = _named_since(before, since, bases, families, wants)
    if not named and not scoped and bases and bases <= {"income_total", "expenditure_total"}:
        # "收入、支出变动较大的主要原因是…" right after "财政拨款收入总计…增加A;财政拨款支出
        # 总计…增加B。": a bare 收入/支出 names the totals of the sentence just before
        text = view.text
        sentence_start = max(text.rfind(c, 0, cue_start) for c in SENTENCE_END) + 1
        previous = max(text.rfind(c, 0, max(0, sentence_start - 1)) for c in SENTENCE_END) + 1
        named = [
            c
            for c in _named_since(before, previous, set(), SIDE_TOTAL_FAMILIES, wants)
            if c.end <= sentence_start
            and any(split_key(st.key)[1].split("_")[0] in _sides(bases) for st in c.statements)
        ]
    if not named and since > cue_start - 1500:
        # "二、“三公”经费增减变化原因说明：…" under a heading of its own (or after a table the
        # page broke into sections): the changes its subject names, before that section
        named = _named_since(before, cue_start - 1500, bases, families, wants)
    return named


SIDES_SUBJECT_RE = re.compile(
    r"(?:收入|支出|收支|收、支)(?:[、和与及]?(?:收入|支出))?(?=变动|变化|增减|增加|减少|增长|下降)"
)
# the totals of a scope a bare 收入/支出 may stand for
SIDE_TOTAL_FAMILIES = ("_total_fiscal", "_total_general_budget", "_total")


def _is_side_pair(changes: list[_Change]) -> bool:
    """One income total and one expenditure total of the same scope (amounts or rates)."""
    bases = {split_key(st.key)[1] for c in changes for st in c.statements}
    if len(bases) != 2:
        return False
    income = next((b for b in bases if b.startswith("income_")), None)
    spending = next((b for b in bases if b.startswith("expenditure_")), None)
    return (
        income is not None
        and spending is not None
        and income.removeprefix("income_") == spending.removeprefix("expenditure_")
        and income.removeprefix("income_").startswith("total")
    )


def _direction_agrees(subject: str, change: _Change) -> bool:
    """A subject naming a direction ("减少原因为") explains only a change that went that way."""
    sign = _sign_of(change)
    if INCREASE_WORD_RE.search(subject) and not DECREASE_WORD_RE.search(subject):
        return sign >= 0
    if DECREASE_WORD_RE.search(subject) and not INCREASE_WORD_RE.search(subject):
        return sign <= 0
    return True


def _sides(bases: set[str]) -> set[str]:
    return {b.split("_")[0] for b in bases}


def _named_since(
    before: list[_Change],
    since: int,
    bases: set[str],
    families: tuple[str, ...],
    wants: int,
) -> list[_Change]:
    named = []
    for change in before:
        if change.end < since:
            continue
        keep = []
        for statement in change.statements:
            base = split_key(statement.key)[1]
            family = base.startswith(("income", "expenditure")) and base.endswith(families)
            if base not in bases and not (families and family):
                continue
            if wants and (statement.value == 0 or (statement.value > 0) != (wants > 0)):
                continue  # "增加的主要原因" explains the increases, not what stayed level
            keep.append(statement)
        if keep:
            named.append(_Change(change.start, change.end, change.sentence, keep))
    return named


def cue_reasons(doc: Document, facts: Facts) -> dict[str, list[Span]]:
    """Raw spans of the reasons the text gives, by change key."""
    view = doc.reading
    text = view.text
    stated = _changes(doc, facts)
    stated_ends = {c.end for c in stated}
    changes = sorted(
        stated + [c for c in _direction_only(doc) if c.end not in stated_ends],
        key=lambda c: c.end,
    )
    if not changes:
        return {}
    level_ends = _level_ends(doc, facts)
    label_starts = sorted(
        view.view_position(s.span[0])
        for statements in facts.statements.values()
        for s in statements
        if s.source == "text"
    )
    found: dict[str, list[Span]] = {}
    taken: list[Span] = []
    cues = [(m, True) for m in STRONG_CUE_RE.finditer(text)]
    cues += [(m, False) for m in WEAK_CUE_RE.finditer(text)]
    cues.sort(key=lambda c: (c[0].start(), not c[1]))
    for cue, strong in cues:
        sentence_start = max(text.rfind(c, 0, cue.start()) for c in SENTENCE_END) + 1
        before = [c for c in changes if c.end <= cue.start()]
        if not before:
            continue
        if any(a <= cue.start() < b for a, b in taken) and not any(
            a <= c.end <= cue.start() for c in before for a, b in taken
        ):
            continue  # inside a reason already read, with no change of its own before it
        subject = text[sentence_start : cue.start()]
        # a sentence that is only "<subject>的主要原因是…" (no figure of its own)
        # (a year is no figure: "2023年度…“三公”经费支出决算减少主要原因是…")
        standalone = strong and not re.search(r"\d", re.sub(r"(?:19|20)\d{2}年度?", "", subject))
        named = _named_changes(doc, before, subject, cue.start()) if standalone else None
        if named:
            # "财政拨款收入支出减少的主要原因是…": the changes its subject names
            span = _reason_span(text, cue.end(), label_starts)
            if span is not None:
                taken.append((cue.start(), span[1]))
                raw = view.raw_span(*span)
                for key in _keys_of(named, changes):
                    found.setdefault(key, []).append(raw)
            continue
        last = before[-1]
        in_sentence = last.end > sentence_start
        # "减少原因为…" opening its sentence: the cue itself names the direction
        said = subject.strip(" ，,；;") or CUE_DIRECTION_RE.match(cue.group())
        said = said.group() if isinstance(said, re.Match) else said
        if (
            strong
            and not in_sentence
            and said
            and LAST_YEAR_SUBJECT_RE.fullmatch(said)
            and _direction_agrees(said, last)
            and (
                "\n" not in text[last.end : cue.start()]
                # a page that sets every sentence apart: only blank lines in between
                or not text[last.end : sentence_start].strip(" ，,；;。%\n")
            )
        ):
            # "…较上年减少0.47万元。决算数小于预算数的主要原因是…。决算数较上年减少原因是…":
            # a cue about the change against last year, after a sentence about the budget
            reason = _reason_span(text, cue.end(), label_starts)
            if reason is not None:
                taken.append((cue.start(), reason[1]))
                raw = view.raw_span(*reason)
                for key in _keys_of([last], changes):
                    found.setdefault(key, []).append(raw)
            continue
        if not in_sentence:
            # a cue opening a sentence explains the sentence just before, nothing further
            previous_start = max(text.rfind(c, 0, sentence_start - 1) for c in SENTENCE_END) + 1
            # "…增幅63.84%。主要用于2个团组的出国费用,增长的主要原因是…": what the money is
            # used for may come first
            opening = USE_CLAUSE_RE.sub("", text[sentence_start : cue.start()], count=1)
            if opening.strip(" ，,；;：:") or last.end < previous_start:
                continue
            if not strong and not _only_budget_comparisons(
                text[last.end : sentence_start], _sign_of(last)
            ):
                continue  # 主要是… after a sentence that went on past its change
        lead = text[last.end : cue.start()] if in_sentence else ""
        if not strong:
            # a weak cue right after the change's clause only ("减少1万元，主要是…")
            if not _only_budget_comparisons(lead, _sign_of(last)) or any(
                last.end < e <= cue.start() for e in level_ends
            ):
                continue
        elif any(last.end < e <= cue.start() for e in level_ends) and in_sentence:
            continue  # a level stated after the change: the cue is about that figure
        if BUDGET_EXECUTION_RE.search(text, max(sentence_start, cue.start() - 14), cue.start()):
            continue  # 决算数小于预算数的主要原因: budget execution, not the change
        reason = _reason_span(text, cue.end(), label_starts)
        if reason is None:
            continue
        # the figures of one clause ("收、支总计各减少A,B万元") share their reason
        explained = [c for c in before if c.sentence == last.sentence and c.start == last.start]
        if not in_sentence:
            # "收入增加50.8%,支出比上年增加42.5%。主要原因是…": the two sides' totals of one
            # sentence move together and share the reason that follows it
            pair = [c for c in before if c.sentence == last.sentence]
            if _is_side_pair(pair):
                explained = pair
        if strong and cue.group("all"):
            explained = [c for c in before if c.sentence == last.sentence]
        taken.append((cue.start(), reason[1]))
        raw = view.raw_span(*reason)
        for key in _keys_of(explained, changes):
            found.setdefault(key, []).append(raw)
    return found


__all__ = ["cue_reasons"]
