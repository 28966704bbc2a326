"""Run extraction on every gold file's document and score the record against the gold.

Why one function (:func:`run_eval`) with the model injected: the CLI, the regression test
(replayed answers) and a quick ``--no-model`` check all score exactly the same way; only
what answers the narrative prompts differs.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from budgetlens.errors import GoldFileError
from budgetlens.eval.score_checks import score_checks
from budgetlens.eval.score_facts import score_facts, score_identity
from budgetlens.eval.score_narrative import score_duties, score_grounding, score_reasons
from budgetlens.eval.score_qa import AskFn, score_questions
from budgetlens.eval.summary import groups, per_key_tables, summarise
from budgetlens.llm.base import LLM
from budgetlens.pipeline import Processed, process_document

DEFAULT_GOLD = Path(__file__).resolve().parent / "gold"
RUN_FORMAT = "budgetlens-eval/1"
STAT_FIELDS = ("calls", "cache_hits", "prompt_tokens", "completion_tokens", "failures", "seconds")


@dataclass(slots=True)
class GoldFile:
    path: Path
    data: dict[str, Any]

    @property
    def doc(self) -> str:
        return str(self.data["doc"])


def load_gold_dir(gold_dir: Path) -> list[GoldFile]:
    """Every ``*.json`` in the directory, in name order; any contract-shaped set works."""
    files = []
    for path in sorted(Path(gold_dir).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise GoldFileError(f"{path}: not readable JSON ({exc})") from exc
        if not isinstance(data, dict) or not data.get("doc"):
            raise GoldFileError(f'{path}: a gold file is an object with a "doc" name')
        files.append(GoldFile(path, data))
    if not files:
        raise GoldFileError(f"{gold_dir}: no gold files (*.json)")
    return files


def find_document(docs_dirs: list[Path], name: str) -> Path | None:
    """The first file called ``name`` in (or under) one of ``docs_dirs``."""
    for docs_dir in docs_dirs:
        direct = Path(docs_dir) / name
        if direct.is_file():
            return direct
    for docs_dir in docs_dirs:
        found = next((p for p in sorted(Path(docs_dir).rglob(name)) if p.is_file()), None)
        if found is not None:
            return found
    return None


def _stats(llm: LLM | None) -> dict[str, float]:
    if llm is None:
        return dict.fromkeys(STAT_FIELDS, 0)
    stats = llm.stats
    return {name: getattr(stats, name, 0) for name in STAT_FIELDS}


def _cost(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    delta = {name: after[name] - before[name] for name in STAT_FIELDS}
    return {
        "model_calls": int(delta["calls"]),
        "cache_hits": int(delta["cache_hits"]),
        "prompt_tokens": int(delta["prompt_tokens"]),
        "completion_tokens": int(delta["completion_tokens"]),
        "failures": int(delta["failures"]),
        "model_seconds": round(delta["seconds"], 3),
    }


def evaluate_document(
    gold: GoldFile, docs_dirs: list[Path], llm: LLM | None, *, max_bytes: int
) -> tuple[dict[str, Any], Processed | None]:
    """(scores, processed document) of one gold file; scores carry ``error`` on failure
    (document missing or unreadable, extraction failed) and the run goes on."""
    result: dict[str, Any] = {
        "doc": gold.doc,
        "gold_file": gold.path.name,
        "family": gold.data.get("family") or "(unlabelled)",
        "province": gold.data.get("province") or "(unknown)",
    }
    path = find_document(docs_dirs, gold.doc)
    if path is None:
        result["error"] = "document not found under " + ", ".join(map(str, docs_dirs))
        return result, None
    result["path"] = str(path)
    before, started = _stats(llm), time.perf_counter()
    # a replay that misses raises (FatalError) and fails the run instead of lowering a score
    processed = process_document(path, llm, max_bytes=max_bytes)
    record = processed.record
    if record.error is not None:
        result["error"] = f"{record.stage}: {record.error}"
        return result, None
    result["seconds"] = round(time.perf_counter() - started, 3)
    result["cost"] = _cost(before, _stats(llm))
    text = processed.text
    scored = record.model_dump(mode="json")
    result["identity"] = score_identity(gold.data, scored)
    result["facts"] = score_facts(gold.data, scored, text)
    result["reasons"] = score_reasons(gold.data, scored, text)
    result["duties"] = score_duties(gold.data, scored, text)
    result["checks"] = score_checks(gold.data, scored, text)
    result["grounding"] = score_grounding(scored, text)
    return result, processed


def index_asker(processed: dict[str, Processed], llm: LLM | None) -> AskFn:
    """Index what the harness just built (the product's own records) and answer from it."""
    from budgetlens.qa.answer import ask
    from budgetlens.qa.index import Index

    index = Index(Path(tempfile.mkdtemp(prefix="budgetlens-eval-index-")))
    for name, item in processed.items():
        assert item.parsed is not None
        index.add(name, item.text, item.record, item.parsed.doc)

    def answer(question: str, doc_names: list[str]) -> dict[str, Any]:
        return ask(question, index, llm, docs=doc_names or None).model_dump(mode="json")

    return answer


def run_eval(
    gold_dir: Path,
    docs_dirs: list[Path] | Path,
    llm: LLM | None,
    *,
    qa: bool = True,
    ask: AskFn | None = None,
    max_bytes: int = 20 * 1024 * 1024,
    responses: str = "live",
    on_document: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Score every gold file; the returned dict is the run's JSON.

    With ``qa`` the gold questions are answered from an index of the records built here
    (``ask`` replaces that, e.g. in a test); ``responses`` only labels where the model's
    answers came from ("live", "replay").
    """
    golds = load_gold_dir(gold_dir)
    docs_dirs = [docs_dirs] if isinstance(docs_dirs, Path) else list(docs_dirs)
    started = time.perf_counter()
    docs: list[dict[str, Any]] = []
    built: dict[str, Processed] = {}
    for gold in golds:
        result, processed = evaluate_document(gold, docs_dirs, llm, max_bytes=max_bytes)
        if processed is not None:
            built[gold.doc] = processed
        docs.append(result)
        if on_document:
            on_document(result)
    if ask is None and qa and built:
        ask = index_asker(built, llm)
    for gold, result in zip(golds, docs, strict=True):
        if "error" not in result:
            qa_started = time.perf_counter()
            result["qa"] = score_questions(gold.data, ask)
            result["qa_seconds"] = round(time.perf_counter() - qa_started, 3)
    return {
        "format": RUN_FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "setup": "no-model" if llm is None else f"model:{llm.name}",
        "model": None if llm is None else llm.name,
        "responses": "none" if llm is None else responses,
        "gold_dir": str(gold_dir),
        "docs_dir": ", ".join(map(str, docs_dirs)),
        "seconds": round(time.perf_counter() - started, 3),
        "summary": summarise(docs),
        "by_family": {name: summarise(group) for name, group in groups(docs, "family").items()},
        "by_province": {name: summarise(group) for name, group in groups(docs, "province").items()},
        "per_key": per_key_tables(docs),
        "documents": docs,
    }
