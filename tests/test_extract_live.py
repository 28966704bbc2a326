"""End to end with the real embedded model: one document through the pipeline, every
reason grounded, no figure the model wrote contradicting the parse."""

from __future__ import annotations

import pytest

from budgetlens.llm.model_install import ModelNotFoundError, model_path
from budgetlens.pipeline import process
from budgetlens.settings import Settings
from tests.helpers import EXAMPLES, gold

pytestmark = pytest.mark.live_model


@pytest.fixture(scope="module")
def local_llm(tmp_path_factory):
    installed = Settings()
    try:
        gguf = model_path(installed.cache_dir, installed.local_model)
    except ModelNotFoundError as exc:
        pytest.skip(str(exc))
    settings = Settings(cache_dir=tmp_path_factory.mktemp("cache"), local_model=gguf)  # cold
    llm = settings.lazy_llm()
    with llm:
        yield llm


def test_real_model_extracts_every_stated_reason_grounded(local_llm) -> None:
    name = "zhangjiakou_kexie_2021_bumenyusuan.txt"
    path = EXAMPLES / name
    record = process(path, local_llm)
    assert record.error is None, record.error
    text = path.read_text("utf-8")
    assert record.model_calls >= 1
    for key, fragments in gold(name)["reasons"].items():
        found = [item.text for item in record.reasons.get(key, [])]
        # a correct reason overlaps the gold fragment
        assert any(
            set(f) & set(x) and (f in x or x in f or len(set(f) & set(x)) > len(f) // 2)
            for f in fragments
            for x in found
        ), (key, found)
    grounded = [item for items in record.reasons.values() for item in items] + record.duties
    assert grounded and all(text[i.span[0] : i.span[1]] == i.text for i in grounded)
    assert [
        c for c in record.checks if c.id.startswith("model_number") and c.status == "fail"
    ] == []


def test_real_model_reads_a_reason_that_no_cue_word_introduces(local_llm) -> None:
    from budgetlens.pipeline import Text

    text = (
        "某某区民政局2024年部门预算公开说明\n一、预算情况\n"
        "2024年项目支出80.00万元，比上年减少10.00万元，养老服务补贴项目移交区财政统一安排。\n"
    )
    record = process(Text("no_cue.txt", text), local_llm)
    assert record.error is None, record.error
    found = record.reasons.get("change_expenditure_project", [])
    assert found and found[0].method == "model"
    assert "养老服务补贴项目移交" in found[0].text
    assert text[found[0].span[0] : found[0].span[1]] == found[0].text
