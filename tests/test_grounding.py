from hypothesis import given
from hypothesis import strategies as st

from budgetlens.extract.grounding import Grounder, ground
from tests.helpers import example_text

TEXT = example_text("langfang_kexie_2023_danweiyusuan.txt")


def test_exact_quote() -> None:
    quote = "减少了廊坊市老科协和反邪教工作经费"
    found = ground(TEXT, quote)
    assert found is not None and found.method == "exact"
    assert TEXT[found.start : found.end] == quote


def test_width_and_space_differences_map_back_to_raw_offsets() -> None:
    found = ground(TEXT, "公务用车购置及运维费6.27万元 (其中：公务用车购置费为0万元")
    assert found is not None and found.method == "normalised"
    assert (
        TEXT[found.start : found.end] == "公务用车购置及运维费6.27万元（其中：公务用车购置费为0万元"
    )


def test_one_wrong_character_is_found_fuzzily() -> None:
    found = ground(
        TEXT, "主要为减少了廊坊市老科协和反邪教工作费用、租用安次区委招待所办公用房修复工程"
    )
    assert found is not None and found.method == "fuzzy" and found.score >= 0.9
    assert "租用安次区委招待所办公用房修复工程" in TEXT[found.start : found.end]


def test_invented_text_is_not_grounded() -> None:
    assert ground(TEXT, "主要因为新建了三座科技馆和两个实验室") is None
    assert ground(TEXT, "") is None


def test_window_limits_the_search() -> None:
    grounder = Grounder(TEXT)
    first = TEXT.index("689.35万元")
    assert grounder.ground("689.35万元", (first + 1, len(TEXT))).start > first


@given(st.integers(0, len(TEXT) - 40), st.integers(8, 40))
def test_any_source_substring_grounds_to_itself(start: int, length: int) -> None:
    quote = TEXT[start : start + length]
    if not quote.strip():
        return
    found = ground(TEXT, quote)
    assert found is not None
    # quote marks and surrounding blanks are trimmed; what remains is the source itself
    assert TEXT[found.start : found.end] in quote
