"""Who the document is about, for which year, and whether it is a budget or a final account.

Disclosures name their unit in many places: a header field ("预算主管部门：上海市普陀区人民政府
万里街道办事处"), a title ("寿县司法局2022年“三公”经费预算情况", "2023年广东省财政厅一般公共预算…"),
a heading ("一、青田县吴坑乡人民政府概况"), the opening sentence ("现将焦石镇2020年度…公布如下"),
a sentence that begins with it. Pages cut short may start in the middle, with none of those.
Each place gives candidates, ranked by how reliable the place is; a fuller form of the chosen
name ("X（简称Y）", or the full name the abbreviation stands for) replaces it; and when no place
names a unit, nothing is guessed.

Year and kind come from the title when it says them, else from the figures' own wording:
"2020年度“三公”经费决算…" is a 2020 final account, whatever else the page mentions.
Everything is matched on the reading view (wraps joined, traditional characters folded) and
every span points into the raw text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from budgetlens.extract.document import Document, Metadata, Span, is_prose_line
from budgetlens.extract.reading import PINYIN_GLOSS_RE, Reading, fold

_ORG_SUFFIX = (
    r"(?:管理委员会|委员会|管委会|人民政府|街道办事处|办事处|街道(?![办路])|人民法院|人民检察院|检察院|法院|"
    r"联合会|协会|科协|中心|学校|中学|小学|大学|学院|医院|研究院|研究所|福利院|敬老院|图书馆|博物馆|幼儿园|"
    r"纪念馆|文化馆|集中区|开发区|高新区|工委|党委|市委|县委|区委|财政所|司法所|"
    r"[会局委院厅办部署处所站队校馆社厂场司团室庭镇乡](?![组分置有面点伍会议门长员法])"
    r"|(?<=[视播象])台)"  # 广播电视台, 气象台
)
_PARENTHETICAL = r"(?:[（(](?![^（()）]*(?:简称|以下|汇总))[^（()）]{1,10}[)）])?"
UNIT_RE = re.compile(rf"[\u4e00-\u9fff（）()]{{1,36}}?{_ORG_SUFFIX}{_PARENTHETICAL}")
_ANCHORED_UNIT_RE = re.compile(rf"^{UNIT_RE.pattern}$")
_YEAR = r"(?P<year>(?:19|20)\d{2})\s*年\s*度?"
_TITLE_WORDS_RE = re.compile(r"预算|决算|三公|公开|说明|经费")
# 预算 inside these terms names a kind of money, not the kind of document
_BUDGET_TERMS_RE = re.compile(
    r"一般公共预算|政府性基金预算|国有资本经营预算|预算单位|预算主管|预算管理|预算绩效|预算法|"
    r"部门预算表|年初预算|预算数|全年预算|调整预算|预算执行|完成预算"
)
_FIELD_RE = re.compile(
    r"(?:预算主管部门|主管部门|预算单位|部门名称|单位名称|编制部门|编制单位|填报单位)\s*[：:]\s*"
    r"(?P<unit>[^\s，。,；;|：:]{2,40})"
)
_OPENING_RE = re.compile(r"现将(?P<unit>[^，。,；;：:\n]{2,40}?)(?:(?:19|20)\d{2}\s*年度?)")
_ALIAS_RE = re.compile(
    r"(?P<full>[\u4e00-\u9fff]{4,40})[（(](?:以下)?简称[“\"]?(?P<short>[^”\"）)]{2,15})"
)
_LEADING_JUNK_RE = re.compile(
    # "第三部广水市…": a part's number with its 分 left out is still a part's number
    r"^(?:关于|标\s*题|第[一二三四五六七八九十\d]+部分?|[一二三四五六七八九十]{1,3}[、.．]|"
    r"[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,3}[、.．]?|[\s、，,:：|]|"
    r"纳入|设立|成立|根据|按照|另外|同时|此外|其中|包括|现将|经比较)+"
)
_NOT_A_UNIT_RE = re.compile(
    r"年|预算|决算|经费|收入|支出|情况|说明|公开|合计|总计|^项目|项目$|科目|本级|所属|下属|单位名称|"
    r"部门名称|主要|职能|职责|机构|概况|表|目录|级部门|^[本我该]|^(?:省|市|县|区|乡|镇)$|"
    # "实际发生时报区委": what happens to the money, not a name; "国务院部门网站": a portal's link
    r"实际|发生|网站|"
    # "天水市幼儿园是天水市教育局直属的…": two names and a 是, not one name
    r"^(?:市级|区级|县级|省级|各)|是[\u4e00-\u9fff]{2}"
    # "按照中央、省和市委市政府要求": a list of places, no name
    r"|^(?:省|市|县|区)(?:和|及|与)"
)
# the usual place at the head of a name: a two-character city or county (梧州市, 寿县 aside)
_CITY_RE = re.compile(r"(?:中国|中共)|[\u4e00-\u9fff]{2}(?:省|自治区|市|县|盟|旗)")
# "本市各县(区)乡镇": a list, no name; "与省交通厅及公路局汇报": a preposition, no place
_NOT_A_NAME_RE = re.compile(r"以及|、|各|同行|其他|乡镇|^[与及]")
_PREVIOUS_BEFORE_RE = re.compile(r"(?:较|比|与|至|到|截至|截止|上年|去年)\s*$")
_HEADING_UNIT_RE = re.compile(
    rf"^(?:[一二三四五六七八九十]{{1,3}}[、.．]|第[一二三四五六七八九十]+部分)?\s*(?P<unit>{UNIT_RE.pattern})"
    r"(?:[（(]部门[)）])?(?:概况|基本情况|主要职能|主要职责|职能职责|机构设置)"
)
_CAPTION_ROW_RE = re.compile(r"^\s*(?P<cell>[^|]{6,}?)\s*\|[\s|]*$")
_CITY_PREFIX_RE = re.compile(r"[\u4e00-\u9fff]{2,4}(?:市|自治州|州|盟)")  # a city, not a province
CONSTITUENTS_RE = re.compile(r"(?:预算|决算)?单位构成(?:情况)?\s*$")
_GREEDY_UNIT_RE = re.compile(rf"[\u4e00-\u9fff（）()]{{2,40}}{_ORG_SUFFIX}{_PARENTHETICAL}")
# used with .match(text, pos): a name that starts with a place (or 中国/中共)
_PLACE_RE = re.compile(r"(?:中国|中共|中华)|[\u4e00-\u9fff]{1,6}?(?:省|自治区|市|县|区|州|盟|旗)")
_SENTENCE_UNIT_RE = re.compile(
    rf"(?:^|[。；;\n]|另外[,，]|同时[,，])\s*(?P<unit>{UNIT_RE.pattern})"
    r"(?=(?:19|20)\d{2}\s*年|[（(]以下简称|[（(]简称|是|为|下属|下设|部门(?!网站)|单位|财政拨款|"
    r"一般公共预算|“|出国|公务|共有|内设|纳入|"
    # "平陆县植树绿化服务中心贯彻落实…": a duties paragraph opens with the unit
    r"负责|承担|贯彻|主要职责|主要职能)"
)


@dataclass(slots=True)
class _Candidate:
    unit: str  # as printed (raw text)
    span: Span  # raw span
    rank: int  # lower is more reliable


def _lines(text: str, limit: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of the non-empty, non-table lines of ``text``."""
    out = []
    position = 0
    for line in text.split("\n"):
        caption = _CAPTION_ROW_RE.match(line)
        if (
            caption
            and re.search(_YEAR, caption["cell"])
            and _TITLE_WORDS_RE.search(caption["cell"])
        ):
            # "2024年昌宁县卡斯镇“三公”经费预算财政拨款情况统计表 | ||||": a title typed as
            # a table's first row, its other cells empty
            out.append((position, position + caption.end("cell")))
        elif line.strip() and is_prose_line(line):
            out.append((position, position + len(line)))
        else:
            position += len(line) + 1
            continue
        if limit is not None and len(out) >= limit:
            break
        position += len(line) + 1
    return out


class _Finder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.view: Reading = doc.reading
        self.text = self.view.text

    def candidate(self, start: int, end: int, rank: int) -> _Candidate | None:
        """A unit found at view span [start, end), cleaned and checked, as raw text."""
        text = self.text[start:end]
        lead = _LEADING_JUNK_RE.match(text)
        if lead:
            start += lead.end()
        while end > start and self.text[end - 1] in " |的":
            end -= 1
        if self.text.endswith("本级", start, end):
            end -= 2  # "大冶市殷祖卫生院本级": the unit's own level, not part of its name
        name = self.text[start:end]
        if not _ANCHORED_UNIT_RE.match(name) or _NOT_A_UNIT_RE.search(name):
            return None
        raw_start, raw_end = self.view.raw_span(start, end)
        # as printed, less a mirror's pinyin glosses ("政務(wù)服務(wù)中心")
        printed = PINYIN_GLOSS_RE.sub("", self.doc.text[raw_start:raw_end])
        return _Candidate(printed, (raw_start, raw_end), rank)

    def title_lines(self, limit: int = 12) -> list[tuple[int, int]]:
        return _lines(self.text, limit)

    def from_fields(self) -> list[_Candidate]:
        found = []
        for match in _FIELD_RE.finditer(self.text, 0, 6000):
            end = match.end("unit")
            if self.text[match.start("unit") : end].endswith(("(公章)", "（公章）")):
                end -= 4
            if c := self.candidate(match.start("unit"), end, 0):
                found.append(c)
        return found

    def from_titles(self) -> list[_Candidate]:
        """Units in title lines: before the year ("寿县司法局2022年…"), right after it
        ("2023年广东省财政厅一般公共预算…"), or alone on the line above the title."""
        found = []
        lines = self.title_lines()
        for number, (start, end) in enumerate(lines):
            line = self.text[start:end]
            if len(line.strip()) > 80 or not _TITLE_WORDS_RE.search(line):
                continue
            year = re.search(_YEAR, line)
            if year is None:
                continue
            if year.start() > 0 and (c := self.candidate(start, start + year.start(), 1)):
                found.append(c)
                continue
            after = re.match(rf"(?P<u>{UNIT_RE.pattern})", line[year.end() :])
            if after:
                a = start + year.end()
                if c := self.candidate(a, a + after.end(), 2):
                    found.append(c)
                    continue
            if number > 0:
                above_start, above_end = lines[number - 1]
                if c := self.candidate(above_start, above_end, 3):
                    found.append(c)
        for start, end in lines[:8]:  # a line that is only a name, near the top
            if c := self.candidate(start, end, 6):
                found.append(c)
        return found

    def from_signature(self) -> list[_Candidate]:
        """The name signed at the end (a line that is only the name, before the date):
        where the title names no unit ("2020年部门预算公开"), the signature does."""
        found = []
        lines = _lines(self.text)
        for start, end in lines[-4:]:
            if c := self.candidate(start, end, 7):
                found.append(c)
        # "二、部门决算单位构成" followed by one line that is only a name: the unit itself
        for (head_start, head_end), (start, end), after in zip(
            lines, lines[1:], [*lines[2:], (0, 0)], strict=False
        ):
            if (
                CONSTITUENTS_RE.search(self.text, head_start, head_end)
                and (c := self.candidate(start, end, 8))
                and (after == (0, 0) or not self.candidate(*after, 8))
            ):
                found.append(c)  # one name only: a list of several is not the unit
        return found

    def from_headings(self) -> list[_Candidate]:
        found = []
        for start, end in _lines(self.text):
            match = _HEADING_UNIT_RE.match(self.text, start, end)
            if match and (c := self.candidate(match.start("unit"), match.end("unit"), 5)):
                found.append(c)
        return found

    def from_opening(self) -> list[_Candidate]:
        found = []
        for match in _OPENING_RE.finditer(self.text, 0, 4000):
            if c := self.candidate(match.start("unit"), match.end("unit"), 20):
                found.append(c)
        return found

    def from_sentences(self) -> list[_Candidate]:
        found = []
        for match in _SENTENCE_UNIT_RE.finditer(self.text):
            if c := self.candidate(match.start("unit"), match.end("unit"), 30):
                found.append(c)
        return found

    def mentions(self) -> list[tuple[int, int]]:
        """View spans of every name-like run that ends in an organisation word."""
        return [m.span() for m in _GREEDY_UNIT_RE.finditer(self.text)]

    def from_mentions(self) -> list[_Candidate]:
        """The name a page cut short keeps mentioning, its title lost: the longest ending
        shared by at least two mentions ("…安排梧州市农产品质量安全综合检测中心" and
        "梧州市农产品质量安全综合检测中心出国团组…" share the name)."""
        tails: Counter[str] = Counter()
        where: dict[str, tuple[int, int]] = {}
        for start, end in self.mentions():
            run = self.text[start:end]
            ends = [m.end() for m in re.finditer(_ORG_SUFFIX, run)]
            names = {(i, j) for j in ends for i in range(j - 3) if _CITY_RE.match(run, i)}
            if not names:
                names = {(i, j) for j in ends for i in range(j - 3) if _PLACE_RE.match(run, i)}
            for i, j in names:
                if _NOT_A_NAME_RE.search(run, i, j):
                    continue
                tails[run[i:j]] += 1
                where.setdefault(run[i:j], (start + i, start + j))
        # a name mentioned twice; or, the only place-named organisation in the text, once
        shared = [t for t, n in tails.items() if n >= 2]
        if not shared:
            longest = {t for t in tails if not any(t != u and t in u for u in tails)}
            shared = list(longest) if len(longest) == 1 else []
        found = []
        for tail in sorted(shared, key=len, reverse=True)[:3]:
            if c := self.candidate(*where[tail], 40):
                found.append(c)
                break
        return found


def _in_order(short: str, long: str) -> bool:
    """``short``'s characters appear in ``long`` in order (区直工委 in 宣州区直属机关工作委员会)."""
    position = 0
    for char in short:
        position = long.find(char, position)
        if position < 0:
            return False
        position += 1
    return True


def is_same_unit(a: str, b: str) -> bool:
    """Equal, or the shorter is an abbreviation of the longer (张家口市科协 ⊂ 张家口市科学技术协会):
    its characters appear in order and it starts with the same place name."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return short[:2] == long[:2] and _in_order(short, long)


def find_unit(doc: Document) -> tuple[str, Span | None]:
    finder = _Finder(doc)
    candidates = finder.from_fields() + finder.from_titles() + finder.from_headings()
    if not candidates:
        candidates = finder.from_opening() + finder.from_sentences()
    if not candidates:
        # the name signed at the end, or the one line under 单位构成: only where the title,
        # the headings and the opening name none
        candidates = finder.from_signature()
    if not candidates:
        candidates = finder.from_mentions()
    if not candidates:
        return "", None
    best = min(candidates, key=lambda c: (c.rank, c.span[0]))
    folded = fold(best.unit)
    # the fuller name this one abbreviates: in another title line, or as "X（简称Y）", or as a
    # name the text states in full (宣州区直属机关工作委员会 for 区直工委)
    stated = []
    for start, end in finder.mentions():
        # "反映廊坊市科学技术协会": a mention begins where the name's place begins
        at = finder.text.find(folded[:2], start, end)
        if 0 < at - start <= 3 and not _PLACE_RE.match(finder.text, start, at):
            start = at
        if c := finder.candidate(start, end, 35):
            stated.append(c)
    fuller = [
        c
        for c in candidates + finder.from_sentences() + stated
        if len(c.unit) > len(best.unit)
        and (folded in fold(c.unit) or (len(folded) <= 6 and _in_order(folded, fold(c.unit))))
        and (
            c.rank < 10
            or best.rank >= 6
            # 昆明市科技局 → 昆明市科学技术局: the full form of the same name (same place, same
            # ending), never a unit inside it (昆明市科技局机关服务中心)
            or (
                folded not in fold(c.unit)
                and fold(c.unit)[:2] == folded[:2]
                and fold(c.unit)[-1] == folded[-1]
                # not 昆明市财政局 → 昆明市财政国库支付局: words added before the suffix only
                # name a unit inside it
                and not fold(c.unit).startswith(folded[:-1])
            )
            # 罗湖区审计局 → 深圳市罗湖区审计局: the same name under its city
            or (
                fold(c.unit).endswith(folded)
                and _CITY_PREFIX_RE.fullmatch(fold(c.unit)[: -len(folded)]) is not None
            )
        )
    ]
    if fuller:
        best = min(fuller, key=lambda c: (c.rank, c.span[0]))
    for alias in _ALIAS_RE.finditer(finder.text, 0, 6000):
        if alias["short"].strip() == fold(best.unit) and (
            c := finder.candidate(alias.start("full"), alias.end("full"), best.rank)
        ):
            best = c
    return best.unit, best.span


def _kind_of(text: str) -> str | None:
    stripped = _BUDGET_TERMS_RE.sub("", text)
    if "决算" in text:
        return "final_account"
    if "预算" in stripped:
        return "budget"
    return None


def find_year_and_kind(doc: Document) -> tuple[int | None, Span | None, str | None]:
    """The year the figures are for, and 预算 or 决算: from the title, else from the wording."""
    view = doc.reading
    text = view.text
    lines = _lines(text, 6)
    for number, (start, end) in enumerate(lines):
        line = text[start:end]
        if len(line.strip()) > 80 or "。" in line.rstrip().rstrip("。"):
            continue  # a sentence, not a title ("(三)差旅费较2022年预算增长33.74%。主要…")
        year = next(
            (
                y
                for y in re.finditer(_YEAR, line)
                if not _PREVIOUS_BEFORE_RE.search(line[max(0, y.start() - 4) : y.start()])
            ),
            None,
        )
        if year is None:
            continue
        # a title may run over two or three short lines: "2017年度一般公共预算财政拨款 /
        # “三公”经费决算情况说明"
        title = line
        for s, e in lines[number + 1 : number + 3]:
            more = text[s:e]
            if len(more.strip()) > 40 or re.search(_YEAR, more) or _LEADING_JUNK_RE.match(more):
                break
            title += more
        kind = _kind_of(title)
        if kind is not None:
            span = view.raw_span(start + year.start("year"), start + year.end("year"))
            return int(year["year"]), span, kind
    votes: Counter[tuple[int, str]] = Counter()
    first: dict[int, Span] = {}
    mentions: Counter[int] = Counter()
    for match in re.finditer(_YEAR, text[:20000]):
        if _PREVIOUS_BEFORE_RE.search(text[max(0, match.start() - 4) : match.start()]):
            continue
        stated = int(match["year"])
        mentions[stated] += 1
        first.setdefault(stated, view.raw_span(*match.span("year")))
        after = re.match(r"[^。；;，,\d]{0,24}", text[match.end() :])
        said = _kind_of(after.group()) if after else None
        if said is not None:
            votes[(stated, said)] += 1
    if not mentions:
        return None, None, None
    voted: Counter[int] = Counter()
    for (stated, _), count in votes.items():
        voted[stated] += count
    pool = voted or mentions
    best = max(pool, key=lambda y: (pool[y], y))
    found: str | None
    if votes[(best, "final_account")]:
        found = "final_account"
    elif votes[(best, "budget")]:
        found = "budget"
    elif re.search(
        r"共计支出|实际支出|累计支出|支出决算|决算数|完成(?:年初|全年)?预算(?:数)?的?\d"
        # "支出2.05万元,年初预算为2.95万元": the actual, then its budget
        r"|支出\d+(?:\.\d+)?万?元[，,]\s*年初预算(?:数)?为",
        text[:20000],
    ):
        found = "final_account"
    else:
        found = _kind_of(text[:20000])
    return best, first[best], found


_STATED_FIGURE_RE = re.compile(r"\d+(?:\.\d+)?\s*(?:万元|元|%|％)")
FOOTER_RE = re.compile(
    r"打印本页|关闭窗口|版权所有|主办单位|承办单位|网站标识码|ICP备|公网安备|联系我们|扫一扫|"
    r"分享到|返回顶部|【字体|【打印】|【关闭】|网站地图|技术支持"
)
SCOPE_RE = re.compile(r"(?P<scope>部门|单位)\s*(?:整体)?\s*(?:预算|决算)")


def _body_end(doc: Document) -> int:
    """Page footers (打印本页, 版权所有 …) in the last third end the document."""
    text = doc.text
    end = len(text)
    for start, stop in reversed(_lines(text)):
        if start < len(text) * 2 // 3:
            break
        if stop - start < 120 and FOOTER_RE.search(text[start:stop]):
            end = start
    return end


def find_metadata(doc: Document) -> Metadata:
    meta = Metadata(body_end=len(doc.text))
    meta.unit, meta.unit_span = find_unit(doc)
    meta.year, meta.year_span, kind = find_year_and_kind(doc)
    meta.kind = kind  # type: ignore[assignment]
    view = doc.reading
    lines = _lines(view.text, 6)
    for start, end in lines:
        scope = SCOPE_RE.search(view.text, start, end)
        if scope:
            meta.scope = scope["scope"]  # type: ignore[assignment]
            break
    else:
        scope = SCOPE_RE.search(view.text, 0, 3000)
        meta.scope = scope["scope"] if scope else None  # type: ignore[assignment]
    for start, end in lines:
        line = view.text[start:end]
        if len(re.findall(r"[，,。；;]", line.rstrip("。"))) > 1:
            continue  # a paragraph of a page cut short ("…总额为5.48万元,比预算增加…"): no title
        if meta.year is not None and str(meta.year) in line and _kind_of(line):
            meta.title_span = view.raw_span(start, end)
            meta.title = doc.quote(meta.title_span).strip()
            break
    meta.body_start = 0
    if meta.title_span is not None and not _STATED_FIGURE_RE.search(
        doc.text, 0, meta.title_span[0]
    ):
        # the body starts at the title, unless figures come before it (a page cut to start
        # in its text, whose "附件：…预算表" line is no title over the text)
        meta.body_start = meta.title_span[0]
        if meta.unit_span is not None and meta.unit_span[0] < meta.body_start:
            meta.body_start = meta.unit_span[0]
    meta.body_end = _body_end(doc)
    opening = _OPENING_RE.search(view.text, 0, 3000)
    if opening:
        finder = _Finder(doc)
        found = finder.candidate(opening.start("unit"), opening.end("unit"), 20)
        if found:
            meta.opening_unit, meta.opening_unit_span = found.unit, found.span
    return meta
