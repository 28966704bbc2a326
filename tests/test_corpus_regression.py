"""The parser on the labelled corpus of real disclosures must not score below its baseline.

eval/corpus/dev holds 39 web disclosures from 15 provinces (text and gold in the repository);
eval/corpus/shared holds the gold of the ten Shanghai PDFs and the Chongqing page, whose
documents are read from ../shared/corpus (skipped, with the reason, where it is absent). The
baselines were recorded with ``budgetlens eval --no-model`` (see tests/data/eval/README.md);
a parser change that loses a fact, a reason or a caught inconsistency anywhere, or raises a
false alarm, fails here with the metric that dropped. A held-back set is never read by a
test before it is measured once, by hand, to report how the parser generalises; after that
it is development material and guarded here like dev (holdout to holdout8).
"""

from __future__ import annotations

import pytest

from budgetlens.eval.compare import compare, regressions
from budgetlens.eval.harness import run_eval
from budgetlens.eval.runs import load_run
from tests.helpers import CORPUS, ROOT, SHARED

DATA = ROOT / "tests" / "data" / "eval"


def _drops(baseline: str, run: dict) -> list[str]:
    worse = regressions(compare(load_run(DATA / baseline), run))
    return [f"{r['metric']}: {r['before']} -> {r['after']}" for r in worse]


def test_dev_corpus_scores_do_not_drop() -> None:
    run = run_eval(CORPUS / "dev", CORPUS / "dev", None, qa=False)
    assert run["summary"]["errors"] == 0
    assert _drops("corpus_dev_no_model.json", run) == []


def test_shared_corpus_scores_do_not_drop() -> None:
    if not (SHARED / "pdf").exists():
        pytest.skip(f"{SHARED} is absent: the shared corpus (../shared/corpus) is not checked out")
    run = run_eval(CORPUS / "shared", SHARED, None, qa=False)
    assert run["summary"]["errors"] == 0
    assert _drops("corpus_shared_no_model.json", run) == []


@pytest.mark.parametrize(
    "split",
    ["holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6", "holdout7", "holdout8"],
)
def test_measured_holdout_scores_do_not_drop(split: str) -> None:
    run = run_eval(CORPUS / split, CORPUS / split, None, qa=False)
    assert run["summary"]["errors"] == 0
    assert _drops(f"corpus_{split}_no_model.json", run) == []
