"""End to end with the real embedded model: one document, every reason grounded."""

from __future__ import annotations

import pytest

from budgetlens.settings import Settings
from extract.narrative import apply_narrative, extract_narrative
from extract.record import parse_text
from tests.helpers import example_text, gold

pytestmark = pytest.mark.live_model


@pytest.fixture(scope="module")
def local_llm(tmp_path_factory):
    from extract.llm import ModelNotFoundError, get_llm

    settings = Settings(cache_dir=tmp_path_factory.mktemp("cache"))  # no cached answers
    try:
        from extract.llm.model_install import model_path

        settings = settings.model_copy(update={"local_model": model_path(Settings())})
    except ModelNotFoundError as exc:
        pytest.skip(str(exc))
    llm, stack = get_llm(settings)
    with stack:
        yield llm


def test_real_model_extracts_every_stated_reason_grounded(local_llm) -> None:
    name = "zhangjiakou_kexie_2021_bumenyusuan.txt"
    parsed = parse_text(example_text(name), name)
    narrative = extract_narrative(parsed, local_llm)
    apply_narrative(parsed, narrative)
    record = parsed.record()
    text = parsed.doc.text
    assert narrative.model_calls >= 1
    for key, fragments in gold(name)["reasons"].items():
        found = [item["text"] for item in record["reasons"].get(key, [])]
        # a correct reason overlaps the gold fragment
        assert any(
            set(f) & set(x) and (f in x or x in f or len(set(f) & set(x)) > len(f) // 2)
            for f in fragments
            for x in found
        ), (key, found)
    grounded = [item for items in record["reasons"].values() for item in items] + record["duties"]
    assert grounded and all(text[i["span"][0] : i["span"][1]] == i["text"] for i in grounded)
    assert [
        c for c in record["checks"] if c["id"].startswith("model_number") and c["status"] == "fail"
    ] == []
