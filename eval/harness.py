"""Run extraction on every gold file's document and score the record against the gold.

Why one function (:func:`run_eval`) with the model injected: the CLI, the regression test
(replayed answers) and a quick ``--no-model`` check all score exactly the same way; only
what answers the narrative prompts differs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.qa_hook import AskFactory, QAContext
from eval.score_checks import score_checks
from eval.score_facts import score_facts
from eval.score_narrative import score_duties, score_grounding, score_reasons
from eval.score_qa import AskFn, score_questions
from eval.summary import per_key_tables, summarise
from extract.llm.base import LLM
from extract.narrative import apply_narrative, extract_narrative
from extract.record import parse_file

RUN_FORMAT = "budgetlens-eval/1"
STAT_FIELDS = ("calls", "cache_hits", "prompt_tokens", "completion_tokens", "failures", "seconds")


class GoldFileError(ValueError):
    """A gold file that cannot be used (unreadable JSON, no ``doc``)."""


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


def find_document(docs_dir: Path, name: str) -> Path | None:
    direct = Path(docs_dir) / name
    if direct.is_file():
        return direct
    return next((p for p in sorted(Path(docs_dir).rglob(name)) if p.is_file()), None)


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
    gold: GoldFile, docs_dir: Path, llm: LLM | None, *, max_bytes: int
) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
    """(scores, record, text) of one gold file's document; scores carry ``error`` on
    failure (document missing or unreadable, extraction crashed) and the run goes on."""
    from eval.replay import ReplayMissError

    result: dict[str, Any] = {"doc": gold.doc, "gold_file": gold.path.name}
    path = find_document(docs_dir, gold.doc)
    if path is None:
        result["error"] = f"document not found under {docs_dir}"
        return result, None, None
    result["path"] = str(path)
    before, started = _stats(llm), time.perf_counter()
    try:
        parsed = parse_file(path, max_bytes=max_bytes)
        apply_narrative(parsed, extract_narrative(parsed, llm))
        record = parsed.record(include_tables=False)
    except ReplayMissError:
        raise  # a replay that misses must fail the run, not lower a score
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        return result, None, None
    result["seconds"] = round(time.perf_counter() - started, 3)
    result["cost"] = _cost(before, _stats(llm))
    text = parsed.doc.text
    result["facts"] = score_facts(gold.data, record, text)
    result["reasons"] = score_reasons(gold.data, record, text)
    result["duties"] = score_duties(gold.data, record, text)
    result["checks"] = score_checks(gold.data, record)
    result["grounding"] = score_grounding(record, text)
    return result, record, text


def run_eval(
    gold_dir: Path,
    docs_dir: Path,
    llm: LLM | None,
    *,
    ask: AskFn | None = None,
    ask_factory: AskFactory | None = None,
    settings: Any = None,
    max_bytes: int = 20 * 1024 * 1024,
    responses: str = "live",
    on_document: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Score every gold file; the returned dict is the run's JSON.

    ``ask`` (or ``ask_factory``, called once with the records built here) answers the gold
    questions; without either, Q&A is reported as not run. ``responses`` only labels where
    the model's answers came from ("live", "replay").
    """
    golds = load_gold_dir(gold_dir)
    started = time.perf_counter()
    docs: list[dict[str, Any]] = []
    qa_context = QAContext(llm=llm, settings=settings)
    for gold in golds:
        result, record, text = evaluate_document(gold, docs_dir, llm, max_bytes=max_bytes)
        if record is not None and text is not None:
            qa_context.records[gold.doc] = record
            qa_context.texts[gold.doc] = text
            qa_context.paths[gold.doc] = Path(result["path"])
        docs.append(result)
        if on_document:
            on_document(result)
    if ask is None and ask_factory is not None:
        ask = ask_factory(qa_context)
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
        "docs_dir": str(docs_dir),
        "seconds": round(time.perf_counter() - started, 3),
        "summary": summarise(docs),
        "per_key": per_key_tables(docs),
        "documents": docs,
    }
