"""The parser's reading pieces on the shapes real disclosures take: the reading view, the
lexicon, clause reading, cue reasons and tables typed as text."""

from __future__ import annotations

from decimal import Decimal

from budgetlens.extract.facts import facts_in_snippet
from budgetlens.extract.lexicon import find_terms, match_table_label
from budgetlens.extract.reading import read
from budgetlens.extract.reasons import cue_reasons
from budgetlens.extract.record import parse_text


def _values(text: str, year: int = 2023, kind: str = "budget") -> dict[str, Decimal]:
    facts = facts_in_snippet(text, year, kind)  # type: ignore[arg-type]
    return {key: found[0].value for key, found in facts.statements.items()}


# --- the reading view ------------------------------------------------------------------------


def test_reading_view_folds_and_maps_back_to_the_raw_text() -> None:
    raw = "項目支出　55.87  萬元，比上年增加１２万元。"
    view = read(raw)
    assert view.text == "项目支出55.87万元,比上年增加12万元。"
    start = view.text.index("55.87")
    a, b = view.raw_span(start, start + len("55.87万元"))
    assert raw[a:b] == "55.87  萬元"


def test_wrapped_lines_are_joined_and_short_lines_are_not() -> None:
    body = "".join(
        f"第{i}行的文字比较长一些用来模拟固定宽度的换行效果而且每行差不多长\n" for i in range(8)
    )
    raw = "一、标题\n" + body + "项目支出预算为2\n3万元。\n二、下一节\n"
    text = read(raw).text
    assert "一、标题\n" in text  # a heading ends its line
    assert "\n二、下一节" in text
    assert "第0行的文字比较长一些用来模拟固定宽度的换行效果而且每行差不多长第1行" in text


def test_a_figure_broken_from_its_unit_is_joined() -> None:
    text = read("年初预算为 42.73\n万元，支出决算为 40.35 万元。").text
    assert "42.73万元,支出决算为40.35万元" in text


# --- the lexicon -----------------------------------------------------------------------------


def test_a_generic_total_after_a_named_fact_is_part_of_its_name() -> None:
    terms = find_terms("“三公”经费财政拨款支出决算为62.07万元")
    assert [t.keys for t in terms] == [("three_public_total",)]
    assert [t.keys for t in find_terms("公务接待费支出预算为42.40万元")] == [
        ("three_public_reception",)
    ]


def test_table_labels_lose_their_numbering_but_not_their_words() -> None:
    assert match_table_label("一、一般公共预算拨款收入") == ("income_general_budget",)
    assert match_table_label("其中:(1)公务用车运行维护费") == ("three_public_vehicle_operation",)
    assert match_table_label("一、“三公”经费合计") == ("three_public_total",)
    assert match_table_label("1、房屋") is None


# --- clauses ---------------------------------------------------------------------------------


def test_a_clause_without_a_term_takes_its_sentences_subject() -> None:
    values = _values(
        "2023年“三公”经费支出预算为3万元,支出决算为1.71万元,完成预算的43%,"
        "较上年减少1.29万元,下降43%。",
        kind="final_account",
    )
    assert values == {
        "budget_three_public_total": Decimal(3),
        "three_public_total": Decimal("1.71"),
        "completion_three_public_total": Decimal(43),
        "change_three_public_total": Decimal("-1.29"),
        "change_pct_three_public_total": Decimal(-43),
    }


def test_a_final_account_compares_with_last_years_actual_not_its_budget() -> None:
    values = _values(
        "“三公”经费决算数共计35.5万元,比上年预算数字下降35.45%,比上年决算数字下降34.26%。",
        year=2020,
        kind="final_account",
    )
    assert values["change_pct_three_public_total"] == Decimal("-34.26")


def test_each_zero_change_belongs_to_the_figure_before_it() -> None:
    values = _values(
        "其中：因公出国（境）费0元，较上年无变化；公务用车购置及运维费4.72万元，较上年无变化；"
        "公务接待费0.62万元，较上年增长0.15万元。"
    )
    assert values["change_three_public_abroad"] == 0
    assert values["change_three_public_vehicle"] == 0
    assert values["change_three_public_reception"] == Decimal("0.15")


def test_an_unfilled_direction_is_only_certain_for_zero() -> None:
    values = _values(
        "公务接待费预算0万元，比上年增加（减少）0万元；公务用车费35万元，比上年增加（减少）35万元。"
    )
    assert values["change_three_public_reception"] == 0
    assert "change_three_public_vehicle" not in values


def test_a_classification_line_is_not_the_total() -> None:
    values = _values("工资福利支出预算 2016908.34 元，占基本支出预算81.45%。")
    assert "expenditure_total" not in values


def test_parts_after_qizhong_take_the_basis_of_their_total() -> None:
    values = _values(
        "2021年“三公”经费预算为20万元，其中：因公出国(境)费0万元，公务接待费9万元。",
        year=2021,
        kind="final_account",
    )
    assert values["budget_three_public_reception"] == 9
    assert "three_public_reception" not in values


# --- reasons ---------------------------------------------------------------------------------


def _reasons(text: str) -> dict[str, list[str]]:
    parsed = parse_text(text, "r.txt")
    doc = parsed.doc
    return {
        key: [doc.text[a:b] for a, b in spans]
        for key, spans in cue_reasons(doc, parsed.facts).items()
    }


def test_a_reason_in_the_same_sentence_and_in_the_next() -> None:
    found = _reasons(
        "某某局2024年部门预算\n"
        "2024年公务接待费预算42.40万元，比2023年预算减少9.08万元，下降17.64%，"
        "下降原因主要是严格执行公务接待相关制度，该项经费预算系根据标准安排。\n"
        "2024年项目支出预算25.77万元，比2023年预算减少34.36万元。主要原因是：项目调整。\n"
    )
    assert found["change_three_public_reception"] == ["严格执行公务接待相关制度"]
    assert found["change_expenditure_project"] == ["项目调整"]
    assert "change_pct_three_public_reception" not in found


def test_a_breakdown_after_a_level_is_not_a_reason() -> None:
    found = _reasons("某某局2024年部门预算\n2024年项目支出370.4万元，主要为老科协支出9万元。\n")
    assert found == {}


def test_a_reason_that_names_its_subject() -> None:
    found = _reasons(
        "某某局2024年部门预算\n"
        "财政拨款收入15621.11万元，比2023年预算减少876.75万元。"
        "财政拨款支出预算15621.11万元，比2023年预算减少876.75万元。\n"
        "财政拨款收入支出减少的主要原因是项目调整。\n"
    )
    assert found["change_income_fiscal"] == ["项目调整"]
    assert found["change_expenditure_fiscal"] == ["项目调整"]


# --- tables typed as text ----------------------------------------------------------------------


def test_a_table_typed_as_text_is_read_like_a_drawn_one() -> None:
    text = (
        "2016年市国资委财政拨款“三公”经费预算表\n"
        "金额单位:万元\n"
        "项目 2016年预算数\n"
        "一、“三公”经费合计 21.63\n"
        "(一)因公出国(境)费 0\n"
        "(二)公务接待费 14.83\n"
        "(三)公务用车费 6.8\n"
    )
    parsed = parse_text(text, "t.txt")
    assert parsed.doc.tables and parsed.doc.tables[0].unit == "万元"
    table_facts = {
        k: v[0].value for k, v in parsed.facts.statements.items() if v[0].source == "table"
    }
    assert table_facts["three_public_total"] == Decimal("21.63")
    assert table_facts["three_public_reception"] == Decimal("14.83")
    checks = {c.id: c for c in parsed.checks}
    assert checks["sum:three_public_total"].status == "pass"


# --- classification-line paragraphs -------------------------------------------------------------

ITEMS = (
    "某某局2026年部门预算\n"
    "财政拨款支出主要内容如下：\n"
    "1、公共安全支出（204类）司法（06款）行政运行（01项）1434.89万元。主要用于：基本支出。"
    "2025年当年预算执行数为1690.69万元，2026年预算安排1434.89万元，比2025年预算执行数减少1.10%。\n"
    "2、公共安全支出（204类）司法（06款）普法宣传（05项）124.29万元。主要用于：普法。"
    "2025年当年预算执行数为120.00万元，2026年预算安排124.29万元，比2025年预算执行数增加3.58%。\n"
    "一般公共预算支出功能分类预算表\n"
    "单位：元\n"
    "\n\t类\n\t款\n\t项\n\t科目名称\n\t合计\n"
    "\n\t204\n\t06\n\t01\n\t行政运行\n\t14,348,853.34\n"
    "\n\t204\n\t06\n\t05\n\t普法宣传\n\t1,342,900.00\n"
    "\n\n"
)


def test_item_paragraphs_are_checked_against_themselves_and_their_table() -> None:
    checks = {c.id: c for c in parse_text(ITEMS, "items.txt").checks}
    # 1690.69 → 1434.89 is −15.13 %, not −1.10 %
    assert checks["item_percent:0"].status == "fail"
    assert "-15.13%" in checks["item_percent:0"].message
    # (124.29 − 120) / 120 = 3.575 %: printed 3.58
    assert checks["item_percent:1"].status in ("pass", "rounding")
    # 行政运行 1434.89万元 is the table's 14,348,853.34元; 普法宣传 124.29 ≠ 134.29
    assert "item_table:0" not in checks
    failed = checks["item_table:1"]
    assert failed.status == "fail" and failed.actual == Decimal("134.29")
    assert all(o.span for o in failed.operands)


def test_pinyin_glosses_of_a_mirror_are_dropped_from_the_view() -> None:
    raw = (
        "本單位收入為1687.45萬元,其中:事業(yè)收入170.81萬元,"
        "年初結(jié)轉(zhuǎn)和結(jié)余0.55萬元。"
    )
    view = read(raw)
    assert "事业收入170.81万元" in view.text and "结转和结余0.55" in view.text
    start = view.text.index("事业收入")
    assert view.raw_quote(start, start + 4) == "事業(yè)收入"
    facts = facts_in_snippet(raw, 2017, "final_account")
    assert float(facts.get("income_total").value) == 1687.45
    assert float(facts.get("income_business").value) == 170.81
    assert float(facts.get("income_carryover").value) == 0.55


def test_a_change_takes_its_subject_from_a_clause_naming_only_it_and_the_comparison() -> None:
    facts = facts_in_snippet(
        "收入支出总体与上年相比,增加58.21万元,增长15.46%。", 2023, "final_account"
    )
    assert float(facts.get("change_income_total").value) == 58.21
    assert float(facts.get("change_pct_expenditure_total").value) == 15.46
    facts = facts_in_snippet("财政拨款收入1516.64万元,与上年相比减少58.49万元,降低3.71%。", 2017)
    assert float(facts.get("change_pct_income_fiscal").value) == -3.71


def test_short_vehicle_part_names_count_only_in_a_vehicle_sentence() -> None:
    facts = facts_in_snippet(
        "安排公务用车购置及运行费17万元,其中:购置费0万元、运行费17万元。", 2017
    )
    assert float(facts.get("three_public_vehicle_purchase").value) == 0
    assert float(facts.get("three_public_vehicle_operation").value) == 17
    facts = facts_in_snippet("设备运行费17万元。", 2017)
    assert facts.get("three_public_vehicle_operation") is None


def test_respectively_gives_each_named_fact_its_own_figure() -> None:
    facts = facts_in_snippet(
        "2022年度收、支总计各是4125.49,4143.91万元。与2021年相比,收、支总计各减少1267.86,"
        "2570.97万元,各下降23.51%、38.28%。",
        2022,
        "final_account",
    )
    assert float(facts.get("income_total").value) == 4125.49
    assert float(facts.get("expenditure_total").value) == 4143.91
    assert float(facts.get("change_expenditure_total").value) == -2570.97
    assert float(facts.get("change_pct_income_total").value) == -23.51
    facts = facts_in_snippet("基本支出、项目支出分别比上年增加5万元、3万元。", 2022)
    assert float(facts.get("change_expenditure_basic").value) == 5
    assert float(facts.get("change_expenditure_project").value) == 3
    assert facts.get("expenditure_project") is None


def test_respectively_with_mismatched_counts_labels_nothing() -> None:
    facts = facts_in_snippet("因公出国(境)费、公务接待费分别为1万元、2万元和3万元。", 2022)
    assert not facts.statements and len(facts.unlabelled) == 3
    facts = facts_in_snippet("基本支出、项目支出分别为5万元。", 2022)
    assert not facts.statements


def test_parts_listed_under_a_line_ending_in_qizhong_take_its_scope() -> None:
    text = (
        "2023年一般公共预算财政拨款基本支出911.7万元,其中:\n"
        "人员经费489.18万元,主要包括:基本工资等。\n"
        "公用经费46.89万元,主要包括:办公费等。\n"
    )
    facts = facts_in_snippet(text, 2023, "final_account")
    assert float(facts.get("expenditure_personnel_general_budget").value) == 489.18
    assert float(facts.get("expenditure_public_general_budget").value) == 46.89
    assert facts.get("expenditure_personnel") is None


def test_a_fact_stated_as_none_is_zero() -> None:
    facts = facts_in_snippet("2024年上海市某福利院无机关运行经费。", 2024, "budget")
    assert facts.get("operating_expenses").value == 0
    facts = facts_in_snippet("本单位2024年度没有政府性基金预算财政拨款收入和支出。", 2024)
    assert facts.get("income_fund").value == 0 and facts.get("expenditure_fund").value == 0
    assert facts_in_snippet("与上年相比无变化。", 2024).statements == {}


def test_a_line_cannot_end_on_a_word_that_needs_its_object() -> None:
    view = read("公务接待费支出决算为0.00万元，完成\n预算的0%。")
    assert "完成预算的0%" in view.text
    view = read("2024年度“三公”经费与2023年度持平。 其中：因公出国\n（境）费支出决算持平。")
    assert "因公出国(境)费" in view.text


def test_qizhong_parts_compare_like_the_sentence_before() -> None:
    facts = facts_in_snippet(
        "2024年度“三公”经费财政拨款支出决算数与2023年度持平。其中：因公出国（境）费支出决算持平；"
        "公务接待费支出决算持平。",
        2024,
        "final_account",
    )
    assert facts.get("change_three_public_abroad").value == 0
    assert facts.get("change_three_public_reception").value == 0


def test_a_change_stated_by_its_direction_alone_gets_its_reason() -> None:
    reasons = _reasons(
        "某县2019年“三公”经费决算说明\n公务接待费20.10万元。相比2018年公务接待费有所减少,"
        "主要是因为认真贯彻落实中央八项规定精神。\n"
    )
    assert reasons["change_three_public_reception"] == ["认真贯彻落实中央八项规定精神"]


def test_the_figures_of_one_respectively_clause_share_their_reason() -> None:
    reasons = _reasons(
        "某院2022年单位决算说明\n与2021年相比,收、支总计各减少1267.86,2570.97万元。"
        "主要变动原因是项目收入减少。\n"
    )
    assert reasons["change_income_total"] == reasons["change_expenditure_total"] == ["项目收入减少"]


def test_a_reason_heading_names_the_changes_before_it() -> None:
    reasons = _reasons(
        "某办2018年“三公”经费预算说明\n2018年“三公”经费预算为16.4万元,比2017年减少2.4万元。\n"
        "\t项目\n\t金额\n\n\t合计\n\t16.4\n\n"
        "一、“三公”经费包括因公出国(境)费、公务用车购置及运行费和公务接待费。\n"
        "二、“三公”经费增减变化原因说明:实行厉行节约。\n"
    )
    assert reasons["change_three_public_total"] == ["实行厉行节约"]


def test_after_a_parenthesis_the_subject_is_the_one_before_it() -> None:
    facts = facts_in_snippet(
        "公务用车购置及运行费87.15万元(其中,公务用车购置费0万元,公务用车运行费87.15万元),"
        "较上年预算增长329.31%。",
        2022,
        "budget",
    )
    assert float(facts.get("change_pct_three_public_vehicle").value) == 329.31
    assert facts.get("change_pct_three_public_vehicle_operation") is None


def test_the_paragraphs_fact_in_the_year_before_and_its_rate() -> None:
    facts = facts_in_snippet(
        "“公务用车运行维护费”预算数50万元,主要是应急用车费用。2015年预算数160万元,"
        "2016年预算比2015年预算下降68.8%。",
        2016,
        "budget",
    )
    assert float(facts.get("previous_three_public_vehicle_operation").value) == 160
    assert float(facts.get("change_pct_three_public_vehicle_operation").value) == -68.8


def test_a_budget_compared_with_its_own_year_means_the_year_before() -> None:
    facts = facts_in_snippet(
        "财政拨款收入9628.22万元，比2026年预算增加793.14万元。", 2026, "budget"
    )
    assert float(facts.get("change_income_fiscal").value) == 793.14
    facts = facts_in_snippet(
        "支出决算9628.22万元，比2026年预算增加793.14万元。", 2026, "final_account"
    )
    assert facts.get("change_expenditure_total") is None


def test_a_heading_names_a_paragraphs_unnamed_first_figure_and_sources_take_its_side() -> None:
    text = (
        "某镇2025年部门预算\n二、部门收支总体情况\n(一)收入预算\n"
        "2025年初预算数2752.8万元,其中:一般公共预算拨款2752.8万元,政府性基金预算拨款0万元。\n"
        "(二)支出预算\n支出预算2752.8万元,其中:一般公共预算拨款2752.8万元。\n"
    )
    facts = parse_text(text, "h.txt").facts
    assert float(facts.get("income_total").value) == 2752.8
    assert float(facts.get("income_general_budget").value) == 2752.8
    assert facts.get("income_fund").value == 0
    assert float(facts.get("expenditure_general_budget").value) == 2752.8


def test_a_unit_is_named_as_printed_without_glosses_and_not_run_into_the_next_name() -> None:
    text = (
        "天水市幼兒園2017年度部門決算公開\n(二)機構設置情況\n"
        "天水市幼兒園是天水市教育局直屬的教育事業(yè)單位。\n"
        "2017年度,本單位收入為1687.45萬元。\n"
    )
    assert parse_text(text, "u.txt").doc.meta.unit == "天水市幼兒園"
    glossed = "烏魯木齊市政務(wù)服務(wù)中心2023年度部門決算\n2023年度收入總計434.72萬元。\n"
    assert parse_text(glossed, "g.txt").doc.meta.unit == "烏魯木齊市政務服務中心"


def test_a_cue_about_last_year_after_a_sentence_about_the_budget() -> None:
    reasons = _reasons(
        "某中心2023年“三公”经费决算说明\n1.公务接待费预算为1万元,支出决算为0.53万元,完成预算的47%;"
        "较上年减少0.47万元,下降47 %。决算数小于预算数的主要原因是公务接待费减少。"
        "决算数较上年减少原因是严格执行中央八项规定,勤俭节约。\n"
    )
    assert reasons["change_three_public_reception"] == ["严格执行中央八项规定,勤俭节约"]


def test_each_with_one_figure_gives_it_to_every_fact_named() -> None:
    values = _values(
        "2022年度收入总计6503.68万元,支出总计6503.68万元。与2021年相比,收、支总计各增加"
        "1785.35万元,增长37.8%。",
        2022,
        "final_account",
    )
    assert values["change_income_total"] == values["change_expenditure_total"] == Decimal("1785.35")
    assert values["change_pct_expenditure_total"] == Decimal("37.8")
    values = _values(
        "2021年度收入总计29,398.34万元,支出总计29,398.34万元,与2020年度相比,各减少15894.34万元,"
        "下降35.09%。",
        2021,
        "final_account",
    )
    assert (
        values["change_income_total"] == values["change_expenditure_total"] == Decimal("-15894.34")
    )
    assert values["change_pct_income_total"] == Decimal("-35.09")
    values = _values("基本支出、项目支出各增加5万元。", 2022)
    assert values["change_expenditure_basic"] == values["change_expenditure_project"] == 5
    # 分别 with one figure still says nothing about whose it is
    assert _values("基本支出、项目支出分别增加5万元。", 2022) == {}


def test_a_fiscal_income_total_is_the_fiscal_total_whether_or_not_it_names_a_carry_over() -> None:
    with_carry_over = _values(
        "2022年度财政拨款收入总计5939.19万元(含年初财政拨款结转和结余),支出总计5939.19万元。",
        2022,
        "final_account",
    )
    assert with_carry_over["income_total_fiscal"] == Decimal("5939.19")
    assert with_carry_over["expenditure_total_fiscal"] == Decimal("5939.19")
    # LABELLING.md keys the wording: a 总计 is the 收支总计 of its scope (gold follows it)
    without = _values("2017年度本单位财政拨款收入总计289.49万元,与上年相比减少41.51万元。", 2017)
    assert without["income_total_fiscal"] == Decimal("289.49")
    assert without["change_income_total_fiscal"] == Decimal("-41.51")
    assert "income_fiscal" not in without


def test_a_source_stated_as_none_is_zero_on_its_side() -> None:
    spent = _values("本单位2024年未使用政府性基金预算拨款安排的支出,与上年保持一致。", 2024)
    assert spent == {"expenditure_fund": 0}
    listed = _values(
        "2022年收入预算455.04万元,比2021年增加41.58万元。其中:一般公共预算拨款455.04万元,"
        "无政府性基金预算拨款。",
        2022,
    )
    assert listed["income_general_budget"] == Decimal("455.04") and listed["income_fund"] == 0
    assert "expenditure_fund" not in listed
    none_at_all = _values("本单位2022年无政府性基金预算。", 2022)
    assert none_at_all == {"income_fund": 0, "expenditure_fund": 0}
    assert _values("上年无政府性基金预算。", 2022) == {}


def test_income_named_alone_against_a_year_and_the_source_its_cause_names() -> None:
    values = _values(
        "收入预算8904.98万元。收入较2023年减少5521.28万元,主要是一般公共预算财政拨款减少"
        "5521.28万元。",
        2024,
    )
    assert (
        values["change_income_total"]
        == values["change_income_general_budget"]
        == Decimal("-5521.28")
    )
    # a name that merely ends in 收入 is not the total
    assert "change_income_total" not in _values("利息收入较2023年减少5万元。", 2024)


def test_numbered_sources_listed_after_a_qizhong_line_take_its_side() -> None:
    values = _values(
        "2023年收入总预算12676620.29元,同比增加555046.7元。上年结转结余0元。其中:\n"
        "(一)一般公共预算拨款12676620.29元,占收入总预算的100%,同比增加555046.7元,增长4.58%。",
        2023,
    )
    assert values["income_general_budget"] == Decimal("1267.662029")
    assert values["change_income_general_budget"] == Decimal("55.50467")
    assert values["change_pct_income_general_budget"] == Decimal("4.58")
    # a source named on a line of its own, with no total before it, has no side
    assert "income_general_budget" not in _values("(一)一般公共预算拨款120万元。", 2023)


def test_a_unit_named_by_its_school_signature_constituents_or_full_form() -> None:
    def unit(text: str) -> str:
        return parse_text(text, "u.txt").doc.meta.unit

    assert unit("枞阳县浮山中学2022年度单位决算之第三部分 情况说明\n收入总计6503.68万元。\n") == (
        "枞阳县浮山中学"
    )
    signed = "2021年度部门决算公开\n一、收入总计12万元。\n某某县审计局\n2022年10月9日\n"
    assert unit(signed) == "某某县审计局"
    listed = (
        "2021年度部门决算\n二、部门决算单位构成\n阜蒙县县域经济发展与招商服务中心\n"
        "一、收入总计12831.7万元。\n"
    )
    assert unit(listed) == "阜蒙县县域经济发展与招商服务中心"
    abbreviated = (
        "昆明市科技局2018年部门“三公”经费支出决算情况说明\n"
        "昆明市科学技术局部门2018年度“三公”经费支出决算为11.57万元。\n"
    )
    assert unit(abbreviated) == "昆明市科学技术局"
    inside = "某市科技局2018年部门决算说明\n某市科技局机关服务中心2018年度收入总计5万元。\n"
    assert unit(inside) == "某市科技局"


def test_a_cue_after_a_comparison_with_the_budget_explains_the_change_before_it() -> None:
    reasons = _reasons(
        "某镇2020年度“三公”经费决算情况\n"
        "2020年度“三公”经费41万元,较上年减少19万元,下降43.78%,较年初预算数减少4万元,下降2.2%。"
        "主要是严格落实过紧日子举措。其中:公务用车购置及运行维护费21万元,较上年减少16万元,"
        "较年初预算数减少4万元,主要是事业单位公车改革。\n"
    )
    assert reasons["change_three_public_total"] == ["严格落实过紧日子举措"]
    assert reasons["change_three_public_vehicle"] == ["事业单位公车改革"]
    # a sentence that goes on to another level is still not explained by the cue after it
    other = _reasons("某局2024年预算\n项目支出比上年减少5万元,基本支出20万元。主要是人员增加。\n")
    assert "change_expenditure_project" not in other


def test_a_direction_only_change_may_name_a_budget_term() -> None:
    reasons = _reasons(
        "某中学2023年单位预算\n2023年收支总预算120万元,同比增加5万元。\n"
        "2023年收支预算总体增加主要是:人员工资基数增加。\n"
    )
    assert reasons["change_income_total"] == ["人员工资基数增加"]


def test_a_change_after_unnamed_inclusions_is_the_named_totals() -> None:
    values = _values(
        "机管局2013年收支总预算4,471.22万元,含山庄管理处经费250万元,幼儿园经费537.31万元;"
        "比2012年预算增加755.18万元,增长20.32%。",
        2013,
    )
    assert values["change_income_total"] == values["change_expenditure_total"] == Decimal("755.18")
    # a part named in between takes the change (not the total)
    values = _values("“三公”经费预算20万元,公务接待费5万元,比上年增加1万元。", 2024)
    assert values["change_three_public_reception"] == 1
    assert "change_three_public_total" not in values


def test_a_comparison_may_open_with_xiangbi() -> None:
    values = _values("2020年度“三公”经费支出预算为142.40万元,相比2019年预算增加90.92万元。", 2020)
    assert values["change_three_public_total"] == Decimal("90.92")


def test_a_fact_named_then_stated_as_none() -> None:
    values = _values(
        "2015年安排公车购置及运行维护费34万元,其中:购置经费无、运行维护费34万元。", 2015
    )
    assert values["three_public_vehicle_purchase"] == 0
    assert values["three_public_vehicle_operation"] == 34
    assert _values("上年公务接待费无。", 2015) == {}


def test_a_figure_whose_unit_wrapped_and_a_cut_page_without_a_title() -> None:
    text = (
        "—10—\n出决算中,因公出国(境)费支出决算 0万元;公务用车购\n置及运行费支出决算3.98万元;"
        "公务接待费支出决算 1.5万\n元。\n2020 年度“三公”经费支出决算总额为 5.48 万元,比预算增加"
        " 0 万元,比去年增加1.55 万元,增长 39.4%。\n"
    )
    parsed = parse_text(text, "cut.txt")
    assert parsed.doc.meta.title == ""  # a paragraph is not a title
    assert float(parsed.facts.get("three_public_reception").value) == 1.5
    assert float(parsed.facts.get("three_public_total").value) == 5.48


BUDGET_AND_ACTUAL_BY_SOURCE = (
    "巢湖市某院2021年度“三公”经费支出决算情况说明\n"
    "一、2021年度“三公”经费支出决算表\n单位:万元\n"
    "项目 | 预算数 | 决算数 | ||||\n"
    "合计 | 一般公共预算 | 政府性基金 | 合计 | 一般公共预算 | 政府性基金 | |\n"
    "因公出国(境)费 | 0 | 0 | 0 | 0 | 0 | 0 |\n"
    "公务接待费 | 8 | 8 | 0 | 2.26 | 2.26 | 0 |\n"
    "公务用车购置及运行费 | 72.7 | 72.7 | 0 | 71.97 | 71.97 | 0 |\n"
    "其中:公务用车运行维护费 | 59.5 | 59.5 | 0 | 59.46 | 59.46 | 0 |\n"
    "公务用车购置费 | 13.2 | 13.2 | 0 | 12.51 | 12.51 | 0 |\n"
    "总计 | 80.7 | 80.7 | 0 | 74.23 | 74.23 | 0 |\n"
    "二、2021年度“三公”经费支出决算情况说明\n"
    "(一)一般公共预算及政府性基金财政拨款“三公”经费支出决算总体情况\n"
    "2021年度一般公共预算及政府性基金财政拨款“三公”经费支出年初预算80.7万元,支出决算74.23万元,"
    "完成年初预算的91.98%。\n"
)


def test_a_merged_header_over_repeated_groups_and_a_long_heading() -> None:
    parsed = parse_text(BUDGET_AND_ACTUAL_BY_SOURCE, "t.txt")
    (table,) = parsed.doc.tables
    assert table.columns[:5] == [
        "项目",
        "预算数/合计",
        "预算数/一般公共预算",
        "预算数/政府性基金",
        "决算数/合计",
    ]
    values = {k: [float(s.value) for s in v] for k, v in parsed.facts.statements.items()}
    assert values["budget_three_public_vehicle_purchase"] == [13.2]
    assert values["three_public_vehicle_purchase"] == [12.51]
    # the heading is not read into the paragraph: 年初预算 is the budget
    assert set(values["three_public_total"]) == {74.23}
    assert set(values["budget_three_public_total"]) == {80.7}
    assert not [c.id for c in parsed.checks if c.status == "fail"]


def test_bare_last_year_figures_rates_after_a_comma_and_other_wordings() -> None:
    values = _values("2021年公务接待费预算为0.55万元,较上年2.5减少1.95万元,78%", 2021)
    assert values["change_three_public_reception"] == Decimal("-1.95")
    assert values["change_pct_three_public_reception"] == -78
    values = _values(
        "公务用车运行维护及购置费支出预算为0万元。我院2014年三公经费开支53.65万元。", 2014
    )
    assert values["three_public_vehicle"] == 0 and values["three_public_total"] == Decimal("53.65")
    values = _values(
        "本级2023部门预算总收入预计1335.34万元,比上年增加6.53万元。其中:财政拨款(补助)448.87万元,"
        "占总收入的33.61%;其他收入资金23万元。",
        2023,
    )
    assert values["income_total"] == Decimal("1335.34")
    assert values["income_fiscal"] == Decimal("448.87") and values["income_other"] == 23


def test_an_inline_heading_names_the_spending_of_its_paragraph() -> None:
    values = _values("(二)公务接待费。2021年预算支出11.77万元,比2020年预算减少0.13万元。", 2021)
    assert values["three_public_reception"] == Decimal("11.77")
    assert values["change_three_public_reception"] == Decimal("-0.13")
    assert "expenditure_total" not in values
    # a heading that names no single fact leaves the generic total alone
    assert "expenditure_total" in _values("(二)支出情况。2021年预算支出11.77万元。", 2021)


def test_reasons_set_apart_by_blank_lines_and_reasons_that_list_part_changes() -> None:
    reasons = _reasons(
        "某校2021年“三公”经费预算说明\n(二)公务接待费\n\n"
        "2021年公务接待费预算为0.55万元,较上年2.5减少1.95万元,78%\n\n"
        "与上年对比减少的主要原因严格执行中央八项规定。\n\n"
        "(三)公务用车购置及运行维护费\n\n2021年公务用车购置及运行维护费为5万元,较上年5.5减少0.5万元。\n\n"
        "预算减少的主要原因是厉行节约。\n"
    )
    assert reasons["change_three_public_reception"] == ["严格执行中央八项规定"]
    assert reasons["change_three_public_vehicle"] == ["厉行节约"]
    listed = _reasons(
        "某校2024年单位预算\n收入预算777.03万元,较2023年增加40.17万元,主要是一般公共预算拨款增加"
        "17.17万元,其他收入增加23万元。\n"
    )
    assert listed["change_income_total"] == ["一般公共预算拨款增加17.17万元,其他收入增加23万元"]


def test_a_reason_sentence_naming_its_change_and_a_year() -> None:
    reasons = _reasons(
        "某街道2023年度“三公”经费支出决算情况说明\n"
        "2023年度“三公”经费支出决算数比2022年减少0.41万元,下降3.34%。"
        "2023年度一般公共预算财政拨款“三公”经费支出决算减少主要原因是压缩公务接待支出。\n"
    )
    assert reasons["change_three_public_total"] == ["压缩公务接待支出"]


def test_a_final_account_against_last_years_actual_states_its_main_circumstances() -> None:
    text = (
        "某局2024年度“三公”经费决算说明\n"
        "2024年度“三公”经费财政拨款支出决算为2.02万元,完成全年预算5.3万元的38.1%,"
        "比上年决算数减少0.33万元,下降14%。\n"
        "2024年度“三公”经费支出决算小于预算数的主要情况:全年实际支出比预算有所节约。\n"
        "2024年度“三公”经费支出决算小于上年决算数的主要情况:主要是公务用车维修维护较上年度减少。\n"
    )
    assert _reasons(text) == {"change_three_public_total": ["公务用车维修维护较上年度减少"]}


def test_a_use_clause_may_come_between_a_change_and_its_reason() -> None:
    reasons = _reasons(
        "某政协2015年“三公”经费决算补充说明\n"
        "2015年因公出国(境)费30.78万元,较2014年相比增加11.99万元,增幅63.84%。"
        "主要用于2个因公出国(境)团组10人次的出国(境)费用,增长的主要原因是出国计划跨年结算。\n"
    )
    assert reasons == {"change_three_public_abroad": ["出国计划跨年结算"]}


def test_wrap_width_counts_digits_and_spaces_as_half_a_character() -> None:
    from budgetlens.extract.reading import display_width

    assert display_width("2023 年收支总预算 12676620.29 元") == 16
    page = (
        "第二部分:梧州市第三中学 2023 年单位预算及“三公”\n经费预算情况说明\n"
        "一、单位收支预算总体预算情况说明\n"
        "2023 年收支总预算 12676620.29 元,同比增加 555046.7\n"
        "元,增长 4.58%。上年结转结余 0 元。收入包括:一般公共\n"
        "预算拨款。支出包括:教育支出、社会保障和就业支出、卫\n"
        "生健康支出、住房保障支出 。\n"
        "2023 年收支预算总体增加主要是:一是人员工资基数\n"
        "增加,导致人员经费预算拨款增加;以上使收入预算总体有\n"
        "所增加。二是根据相关规定提高了退休人员的退休公用经费\n"
        "人均标准。\n"
    )
    assert "人员工资基数增加" in read(page).text


def test_found_on_holdout4_sources_named_alone_and_bare_totals() -> None:
    values = _values(
        "2016年部门收入5649006.18元,支出5238630.16元,比上年收入增加50.8%,支出比上年增加42.5 %。",
        2016,
        "final_account",
    )
    assert values["income_total"] == Decimal("564.900618")
    assert values["expenditure_total"] == Decimal("523.863016")
    assert values["change_pct_income_total"] == Decimal("50.8")
    values = _values(
        "2021年度本年收入合计1151.41万元,其中,一般公共预算1,077.36万元,政府性基金预算0万元。",
        2021,
        "final_account",
    )
    assert values["income_general_budget"] == Decimal("1077.36") and values["income_fund"] == 0
    assert "budget_income_fund" not in values  # 政府性基金预算 names the source, not the basis
    values = _values(
        "收入预算500万元,其中公共预算拨款404.77万元。2017年没有使用政府性基金预算拨款安排的支出。",
        2017,
    )
    assert values["income_general_budget"] == Decimal("404.77") and values["expenditure_fund"] == 0
    assert "income_total" not in _values("利息收入5万元。", 2017)
    # a bare 支出 is a total only after the other side's: here it is the heading's 接待费
    values = _values(
        "(3)公务接待费支出情况。2018年公务接待24批次,210人次,支出2.05万元,较上年减少0.03万元。",
        2018,
        "final_account",
    )
    assert values == {
        "three_public_reception": Decimal("2.05"),
        "change_three_public_reception": Decimal("-0.03"),
    }
    assert _values("2018年公务接待24批次,支出2.05万元。", 2018) == {}


def test_parts_by_source_after_qizhong_are_not_the_total() -> None:
    values = _values(
        "2018年政府采购预算 3620.65 万元,其中:财政拨款安 排320.6 万元,"
        "财政专户管理资金安排 778.09 万元。",
        2018,
    )
    assert values == {"procurement_total": Decimal("3620.65")}


def test_blank_lines_inside_a_sentence_before_its_figure() -> None:
    values = _values(
        "2018 年,一般公共预算安排的 三公 经 费预算共\n\n0 万元,其中:因公出国(境)费0万元, "
        "公务接待费\n\n0 万元.",
        2018,
    )
    assert values["three_public_total"] == 0 and values["three_public_reception"] == 0
    # a paragraph that ends on a word is not run into a table's figures three lines down
    assert "\n" in read("某局收支预算情况说明\n\n\n\n12万元 | 5万元").text


def test_unit_names_with_project_words_notes_and_their_city() -> None:
    def unit(text: str) -> str:
        return parse_text(text, "u.txt").doc.meta.unit

    assert unit("2025年琼中县重大项目推进协调服务中心预算公开表\n收入总计78.5万元。\n") == (
        "琼中县重大项目推进协调服务中心"
    )
    assert unit("深圳市福田区民政局(汇总)2026年“三公”经费财政拨款预算情况\n预算5万元。\n") == (
        "深圳市福田区民政局"
    )
    city = (
        "罗湖区审计局2024年度“三公”经费支出决算情况\n"
        "深圳市罗湖区审计局2024年度“三公”经费支出决算为2万元。\n"
    )
    assert unit(city) == "深圳市罗湖区审计局"
    province = (
        "寿县文物保护中心2023年“三公”经费决算\n"
        + "".join(f"（{n}）情况\n" for n in "一二三四五六七八九十")
        + "一、总体情况\n二、具体情况\n"
        "安徽省寿县文物保护中心2023年度“三公”经费为1万元,"
        "其中:因公出国(境)费0万元,公务接待费1万元,公务用车购置及运行维护费0万元,比上年减少0.5万元。\n"
    )
    assert unit(province) == "寿县文物保护中心"
    assert (
        unit("2017年部门预算\n按照中央、省和市委市政府要求,“三公”经费5万元。\n按照省和市委要求。\n")
        == ""
    )


def test_found_on_holdout5_after_its_first_measurement() -> None:
    # single-character directions, and a cause that tells of last year's level and change
    values = _values(
        "“三公”经费财政拨款预算安排389000元,比上年预算增56400元。安排公务接待费64000元,比上年预算减"
        "15600元,同比下降19.60%。主要是2018年严格执行厉行节约公务接待费支出49865元与上年比减少"
        "30431元。",
        2019,
    )
    assert values["change_three_public_total"] == Decimal("5.64")
    assert values["change_three_public_reception"] == Decimal("-1.56")
    parsed = parse_text(
        "某局2019年“三公”经费预算说明\n安排公务接待费64000元,比上年预算减15600元,同比下降19.60%。"
        "主要是2018年严格执行厉行节约公务接待费支出49865元与上年比减少30431元。\n",
        "b.txt",
    )
    assert not [c.id for c in parsed.checks if c.status == "fail"]
    # the paragraph's own heading, over the section's 收支
    values = _values(
        "二、单位收支总体情况\n(一)收入预算:2022年年初预算数504.51万元,其中:一般公共预算拨款204.51万元。\n"
        "(二)支出预算:2022年年初预算数441.68万元;支出较去年增加29.48万元。\n",
        2022,
    )
    assert values["income_total"] == Decimal("504.51")
    assert values["expenditure_total"] == Decimal("441.68")
    # a scope's own income and spending, and 外事接待费 is a part of 公务接待费
    values = _values(
        "2023年一般财政拨款收入支出预算1,779.74万元,其中基本支出预算249.78万元。", 2023
    )
    assert values["expenditure_general_budget"] == Decimal("1779.74")
    assert values["expenditure_basic_general_budget"] == Decimal("249.78")
    values = _values("公务接待费9.95万元。其中:外事接待费支出0万元,共计支出9.95万元。", 2015)
    assert set(v for k, v in values.items() if k == "three_public_reception") == {Decimal("9.95")}
    # a final account known by its wording: the actual, then its budget
    final = parse_text(
        "一、“三公”经费财政拨款支出总体情况说明。\n2018年度本部门“三公”经费支出2.05万元,"
        "年初预算为2.95万元。\n",
        "k.txt",
    )
    assert final.doc.meta.kind == "final_account"
    assert float(final.facts.get("budget_three_public_total").value) == 2.95


CAPTION_ROW_TABLE = (
    "索引号 | 11533025015264594R/20250606-00001 | 发布机构 | 昌宁县卡斯镇 |\n"
    "公开目录 | 三公经费 | 发布日期 | 2025-06-06 |\n"
    "2024年昌宁县卡斯镇“三公”经费预算财政拨款情况统计表 | ||||\n"
    "单位:万元 | ||||\n"
    "项目 | 2023年预算数 | 2024年预算数 | 比上年增、减情况 | |\n"
    "增、减金额 | 增、减幅度 | |||\n"
    "合计 | 18.15 | 22.15 | 4 | 22% |\n"
    "2.公务接待费 | 3 | 7 | 4 | 133% |\n"
    "3.公务用车购置及运行费 | 15.15 | 15.15 | ||\n"
)


def test_a_title_typed_as_a_tables_first_row_and_year_column_labels() -> None:
    parsed = parse_text(CAPTION_ROW_TABLE, "t.txt")
    meta = parsed.doc.meta
    assert (meta.unit, meta.year, meta.kind) == ("昌宁县卡斯镇", 2024, "budget")
    (table,) = parsed.doc.tables
    assert table.columns[1:3] == ["2023年预算数", "2024年预算数"]  # labels, not figures
    values = {k: float(v[0].value) for k, v in parsed.facts.statements.items()}
    assert values["three_public_total"] == 22.15 and values["previous_three_public_total"] == 18.15
    assert values["change_three_public_reception"] == 4
    guilin = parse_text(
        "2015年桂林市司法局部门“三公”经费情况统计表 | ||\n合计 | 34.35 |\n", "g.txt"
    )
    assert guilin.doc.meta.unit == "桂林市司法局"


def test_both_are_and_income_and_spending_listed_short() -> None:
    values = _values(
        "2023年度收、支总计均为4680.58万元。与2022年度相比,收、支总计各减少2415.45万元。",
        2023,
        "final_account",
    )
    assert values["income_total"] == values["expenditure_total"] == Decimal("4680.58")
    values = _values(
        "2024年度收入总计4697.76万元,支出总计4697.76万元。收、支与2023年度相比,减少956.31万元。",
        2024,
        "final_account",
    )
    assert values["change_income_total"] == values["change_expenditure_total"] == Decimal("-956.31")


def test_rate_columns_fee_names_bases_stated_as_none_and_unfilled_directions() -> None:
    # a table's 增减幅度 column is the row's change rate, a percentage not scaled by 万元
    values = {
        k: float(v[0].value)
        for k, v in parse_text(CAPTION_ROW_TABLE, "t.txt").facts.statements.items()
    }
    assert values["change_pct_three_public_total"] == 22
    assert values["change_pct_three_public_reception"] == 133
    # 费用 names the same fact as 费, and 无…变化 after it is its change
    values = _values(
        "本部门本年度无公务用车购置及运行维护费用支出，较上年无变化。", 2018, "final_account"
    )
    assert values["three_public_vehicle"] == 0 and values["change_three_public_vehicle"] == 0
    assert "operating_expenses" not in _values("机关运行经费用于办公费等。", 2018)
    # neither a budget nor spending: both bases of a final account, one of a budget
    values = _values("2019年度，我单位无“三公”经费的预算与支出。", 2019, "final_account")
    assert values["three_public_total"] == values["budget_three_public_total"] == 0
    assert "budget_three_public_total" not in _values("我单位无“三公”经费的预算与支出。", 2019)
    # 增(减): a template's unfilled direction, certain only for 0
    values = _values("安排因公出国(境)费0元，比上年预算增(减)0元。", 2019)
    assert values["change_three_public_abroad"] == 0
    assert "change_three_public_reception" not in _values(
        "公务接待费5万元，比上年增(减)3万元。", 2019
    )


def test_a_parts_number_without_its_fen_what_happens_to_money_and_nought_without_unit() -> None:
    def unit(text: str) -> str:
        return parse_text(text, "u.txt").doc.meta.unit

    assert unit("第三部广水市白泉卫生院2023年度部门决算情况说明\n本年支出5万元。\n") == (
        "广水市白泉卫生院"
    )
    assert (
        unit(
            "2015年“三公”经费财政拨款预算情况说明\n(一)因公出国(境)费\n"
            "年初由财政预算集中管理,实际发生时报区委、区政府审批后列入单位预算。\n"
        )
        == ""
    )
    assert unit("天津市西青区行政审批局2016年“三公”经费预算说明\n预算5万元。\n") == (
        "天津市西青区行政审批局"
    )
    # nought needs no unit after 为; another bare number is no figure
    values = _values("政府性基金拨款支出预算为0；国有资本经营预算拨款支出预算为0。", 2025)
    assert values["expenditure_fund"] == values["expenditure_state_capital"] == 0
    assert "three_public_reception" not in _values("公务接待费为5。", 2025)


def test_a_broadcasting_station_and_a_duties_paragraph_name_the_unit() -> None:
    def unit(text: str) -> str:
        return parse_text(text, "u.txt").doc.meta.unit

    assert unit("宣城市广播电视台2021年“三公”经费预算\n“三公”经费支出预算为28.50万元。\n") == (
        "宣城市广播电视台"
    )
    duties = (
        "第一部分 概况\n一、部门主要职责\n"
        "平陆县植树绿化服务中心贯彻落实全民义务植树的组织、动员。\n"
        "二、收入决算情况\n本年收入合计30.92万元。\n"
    )
    assert unit(duties) == "平陆县植树绿化服务中心"
    assert unit("2023年度部门决算\n请按时上台账。本年收入合计30.92万元。\n") == ""


def test_a_second_part_is_a_heading_when_the_first_lay_in_the_title_lines() -> None:
    text = (
        "第一部分 概况\n一、部门主要职责\n某县植树绿化服务中心负责全县义务植树。\n"
        "第二部分 2019年度部门决算报表\n一、2019年收入支出决算批复表\n"
        "七、2019年政府性基金预算财政拨款收入支出决算表\n"
        "第三部分 2019年度部门决算情况说明\n一、收入决算情况说明\n本年收入合计32.37万元。\n"
        "二、支出决算情况说明\n本年支出合计30.92万元,其中:基本支出30.92万元,占比100%。\n"
    )
    parsed = parse_text(text, "s.txt")
    at = parsed.doc.text.index("基本支出30.92")
    assert parsed.doc.section_path(at) == "第三部分2019年度部门决算情况说明 > 二、支出决算情况说明"
    # the list of tables (…财政拨款…决算表) is not the heading of the spending paragraph
    assert "expenditure_basic" in parsed.facts.statements
    assert "expenditure_basic_fiscal" not in parsed.facts.statements


def test_a_subdistrict_and_a_units_own_level_in_its_name() -> None:
    def unit(text: str) -> str:
        return parse_text(text, "u.txt").doc.meta.unit

    subdistrict = (
        "寻甸回族彝族自治县塘子街道2023年度“三公”经费决算情况说明\n"
        "寻甸县塘子街道办事处2023年度一般公共预算财政拨款“三公”经费支出决算为4万元。\n"
    )
    assert unit(subdistrict) == "寻甸回族彝族自治县塘子街道"
    assert unit("某某街道办事处2023年部门预算\n收入预算5万元。\n") == "某某街道办事处"
    own_level = (
        "殷祖卫生院\n大冶市殷祖卫生院本级\n大冶市殷祖卫生院本级2023部门预算总收入预计13万元。\n"
    )
    assert unit(own_level) == "大冶市殷祖卫生院"
    zone = "贵阳国家高新区2024年财政拨款 “三公”经费预算汇总\n“三公”经费共计2万元。\n高新区财政局\n"
    assert unit(zone) == "贵阳国家高新区"


def test_found_on_holdout7_after_its_first_measurement() -> None:
    # a page cut to start mid-way: a sentence comparing with last year is no title
    cut = (
        "(三)差旅费较2022年预算增长33.74%。主要原因是优化预算结构。\n"
        "九、政府性基金预算支出情况说明\n大英县金元镇人民政府2023年没有使用政府性基金预算拨款安排的支出。\n"
        "2023年,大英县金元镇人民政府的机关运行经费财政拨款预算为46.8万元。\n"
    )
    parsed = parse_text(cut, "c.txt")
    assert parsed.doc.meta.year == 2023
    assert float(parsed.facts.get("operating_expenses").value) == 46.8
    # 本年度 qualifies a bare total like a year does
    values = _values("本年度支出预算305.34万元,比上年增长21.93万元。", 2017)
    assert values["expenditure_total"] == Decimal("305.34")
    assert values["change_expenditure_total"] == Decimal("21.93")


def test_its_name_before_2015_one_general_budget() -> None:
    values = _values("2015年本年度预算总收入为284.45万元,一般预算财政拨款收入284.45万元。", 2015)
    assert values["income_general_budget"] == Decimal("284.45")
    assert "income_fiscal" not in values
    # a compared year that lost its 与, and 同比 with no figure after it
    values = _values(
        "2024年度收入合计7548.19万元,2023年度相比,减少719.66万元,下降8.7%主要原因是减少经费支"
        "其中:财政拨款收入7548.19万元,占100.0%。",
        2024,
        "final_account",
    )
    assert values["income_fiscal"] == Decimal("7548.19")
    assert "previous_income_fiscal" not in values
    assert _values("“三公”经费支出预算 0元, 同比无变化。", 2023)["change_three_public_total"] == 0


def test_both_sides_totals_share_the_reason_after_their_sentence() -> None:
    found = _reasons(
        "某某单位2020年度单位决算\n"
        "2020年财政拨款收入总计1614.63万元,与2019年相比增加540.23万元;"
        "财政拨款支出总计1870.91万元,与2019年相比增加633.43万元。"
        "收入、支出变动较大的主要原因是新增了抗疫特别国债资金。\n"
    )
    assert found["change_income_total_fiscal"] == ["新增了抗疫特别国债资金"]
    assert found["change_expenditure_total_fiscal"] == ["新增了抗疫特别国债资金"]
    pair = _reasons(
        "某某单位2016年部门决算\n本年收入总计630万元,支出总计600万元,比上年收入增加50.8%,"
        "支出比上年增加42.5%。主要原因是新增计生服务站。\n"
    )
    assert pair["change_pct_income_total"] == pair["change_pct_expenditure_total"]
    # two parts of one side are no pair: the cue explains the last change only
    parts = _reasons(
        "某某局2024年部门预算\n基本支出比上年增加5万元,项目支出比上年减少8万元。主要原因是项目调整。\n"
    )
    assert "change_expenditure_basic" not in parts


def test_a_page_cut_to_start_in_its_text_is_read_before_its_attachment_title() -> None:
    text = (
        "2018年政协机关“三公”经费预算数为20.1万元,与上年相比减少0.2万元,下降0.99%。其中:"
        "因公出国(境)费0 万元,公务接待费16.7万元。\n"
        "附件:肥西县政协办2018年部门“三公”经费支出预算表\n"
    )
    parsed = parse_text(text, "f.txt")
    assert parsed.doc.meta.unit == "肥西县政协办" and parsed.doc.meta.year == 2018
    assert float(parsed.facts.get("three_public_total").value) == 20.1
    assert float(parsed.facts.get("change_three_public_total").value) == -0.2


def test_this_item_compared_with_a_named_figure_is_the_paragraphs_fact() -> None:
    values = _values(
        "2015年“三公”经费财政拨款支出142.63万元,其中:公务接待费支出8.24万元。"
        "此项支出比2014年财政拨款支出决算数减少76.2万元,主要原因是厉行节约。",
        2015,
        "final_account",
    )
    assert values["change_three_public_total"] == Decimal("-76.2")
    assert "change_expenditure_fiscal" not in values
    # a term after a comparison with no anaphor is still the figure's subject
    plain = _values("比上年一般公共预算财政拨款支出增加5万元。", 2015, "final_account")
    assert plain["change_expenditure_general_budget"] == Decimal("5")


def test_a_page_cut_after_its_first_headings_and_a_portals_links() -> None:
    text = (
        "项目支出预算48100元,占支出总预算的4.43%。\n四、财政拨款收支预算总体情况说明\n"
        "2025年财政拨款收支总预算1085203.63元。\n五、一般公共预算支出情况说明\n"
        "2025年本年一般公共预算支出1085203.63元,同比减少43506.06元。其中:基本支出1037103.63元,"
        "项目支出48100元。\n国务院部门网站\n地方政府网站\n"
    )
    parsed = parse_text(text, "w.txt")
    statements = parsed.facts.statements
    assert float(statements["expenditure_basic_general_budget"][0].value) == 103.710363
    assert "expenditure_basic" not in statements
    assert parsed.doc.meta.unit == ""


def test_a_source_named_alone_before_its_change() -> None:
    values = _values(
        "收入较上年增加418.97万元,主要原因是一般公共财政拨款收入较上年增加2296.45万元,"
        "政府性基金减少401.85万元,年初结转结余减少1475.63万元。",
        2023,
        "final_account",
    )
    assert values["change_income_fund"] == Decimal("-401.85")
    assert values["change_income_carryover"] == Decimal("-1475.63")


def test_a_cue_that_names_its_direction_explains_the_paragraphs_change_in_that_direction() -> None:
    text = (
        "某厅2015年度部门决算\n2、公务用车购置及运行费支出134.39万元。比上年减少了78.86万元。"
        "公务用车保有数量为73辆。主要用于机要文件交换。减少原因为公车改革后,公务用车数量大幅减少。\n"
    )
    found = _reasons(text)
    assert found["change_three_public_vehicle"] == ["公车改革后,公务用车数量大幅减少"]
    # a cue naming the other direction explains nothing here
    assert _reasons(text.replace("减少原因为", "增加原因为")) == {}
    # 车辆购置支出 is the purchase, like 车辆购置费
    bought = _values("2015年按规定更新购置公务用车0辆,车辆购置支出0万元。", 2015, "final_account")
    assert bought["three_public_vehicle_purchase"] == 0
