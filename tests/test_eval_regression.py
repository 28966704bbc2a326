"""The evaluation on the bundled gold files must not score below its recorded baseline.

The model's answers were recorded once from the real bundled model (tests/data/eval/
responses, via ``budgetlens eval --responses …``) and are replayed here, so this runs in a
second with no model; a prompt or parser change that alters a request fails loudly as a
replay miss, and one that lowers any score (overall or per document) fails as a drop.
Re-record and re-baseline deliberately (see tests/data/eval/README.md).
"""

from __future__ import annotations

import pytest

from budgetlens.eval.compare import compare, regressions
from budgetlens.eval.harness import run_eval
from budgetlens.eval.replay import replay_llm
from budgetlens.eval.runs import load_run
from tests.helpers import EXAMPLES, GOLD, ROOT

DATA = ROOT / "tests" / "data" / "eval"


def _drops(baseline_name: str, run: dict) -> list[str]:
    worse = regressions(compare(load_run(DATA / baseline_name), run))
    return [f"{r['metric']}: {r['before']} -> {r['after']}" for r in worse]


@pytest.fixture(scope="module")
def replayed() -> dict:
    return run_eval(GOLD, EXAMPLES, replay_llm(DATA / "responses"), responses="replay")


def test_model_scores_do_not_drop_below_the_recorded_baseline(replayed: dict) -> None:
    assert replayed["summary"]["errors"] == 0
    assert _drops("baseline.json", replayed) == []


def test_the_replay_used_only_recorded_answers(replayed: dict) -> None:
    cost = replayed["summary"]["cost"]
    assert cost["model_calls"] == 0  # nothing reached a model
    assert cost["cache_hits"] == load_run(DATA / "baseline.json")["summary"]["cost"]["cache_hits"]
    assert cost["cache_hits"] > 0


def test_no_model_scores_do_not_drop_below_their_baseline() -> None:
    run = run_eval(GOLD, EXAMPLES, None)
    assert run["setup"] == "no-model"
    assert _drops("baseline_no_model.json", run) == []


def test_the_baseline_equals_what_the_live_model_scored() -> None:
    """Replay is faithful: every score of the recorded live run is the baseline's."""
    rows = compare(load_run(DATA / "recorded_live_run.json"), load_run(DATA / "baseline.json"))
    assert [r["metric"] for r in rows if r["status"] != "same"] == []
