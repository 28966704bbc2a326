"""The one pipeline: a source document in, a typed :class:`Record` out.

Batch extraction, the index, the evaluation harness, the CLI, the app and the benchmark all
call :func:`process`, so they all see the same record (narrative included) and a failing
document is handled the same way everywhere: it becomes an error record naming the stage and
the problem, and whoever runs many documents goes on with the next one.

Stages: load (bytes → one text), parse (structure, facts, checks; no model) and extract (the
narrative: reasons, duties, goals; the model only where a string must be copied out of prose).
"""

from __future__ import annotations

import hashlib
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from budgetlens import __version__
from budgetlens.errors import BudgetLensError, FatalError, LoadError
from budgetlens.extract.amount_labels import label_amounts
from budgetlens.extract.loaders import DEFAULT_MAX_BYTES, LoadedText, load_bytes, load_text
from budgetlens.extract.narrative import extract_narrative
from budgetlens.extract.record import PARSER_VERSION, ParsedDocument, build_record, parse_loaded
from budgetlens.extract.types import Provenance, Record
from budgetlens.llm.base import LLM
from budgetlens.prompts import load_prompt

NARRATIVE_PROMPTS = ("reasons", "duties")

StageFn = Callable[[str], None]
"""``on_stage(stage)`` is told when a stage begins: "load", "parse", "extract", and, while
the model reads the sentences that state changes, "extract n/m"."""


STAGE_NAMES = {
    "load": "读取文件",
    "parse": "解析与核对",
    "extract": "提取原因、职责等文字",
    "embed": "生成检索向量",
    "index": "写入索引",
}


def stage_label(stage: str) -> str:
    """A stage as a reader names it: "extract 3/10" → "模型阅读第3/10句（提取原因）"."""
    if stage.startswith("extract "):
        return f"模型阅读第{stage.removeprefix('extract ')}句（提取原因）"
    return STAGE_NAMES.get(stage, stage)


@dataclass(frozen=True, slots=True)
class Upload:
    """A document that arrived as bytes (an upload), with the name it came under."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Text:
    """A document already turned into text (the loader's convention), e.g. in tests."""

    name: str
    text: str
    source_format: str = "txt"


Source = Path | str | Upload | Text


def provenance(llm: LLM | None) -> Provenance:
    """What a record made now depends on: code versions, the model and its prompts."""
    return Provenance(
        budgetlens=__version__,
        parser=PARSER_VERSION,
        model=None if llm is None else llm.name,
        prompts={}
        if llm is None
        else {name: load_prompt(name).version for name in NARRATIVE_PROMPTS},
    )


def content_key(text: str) -> str:
    """Equal for copies of one document in another encoding or format: the text with all
    whitespace and punctuation width folded away."""
    from budgetlens.extract.grounding import normalise_with_map

    folded, _ = normalise_with_map(text)
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:32]


def source_name(source: Source) -> str:
    if isinstance(source, Upload | Text):
        return source.name
    return Path(source).name


def load(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Stage 1: the document's one text; raises LoadError naming the file and the problem."""
    if isinstance(source, Upload):
        return load_bytes(source.data, source.name, max_bytes=max_bytes)
    if isinstance(source, Text):
        return LoadedText(text=source.text, source_format=source.source_format, encoding=None)
    return load_text(source, max_bytes=max_bytes)


def parse(loaded: LoadedText, name: str) -> ParsedDocument:
    """Stage 2: structure, facts and checks (no model)."""
    return parse_loaded(loaded, name)


def extract(parsed: ParsedDocument, llm: LLM | None, on_stage: StageFn | None = None) -> Record:
    """Stage 3: the record, with the narrative read by ``llm`` (cue phrases if None)."""
    before = llm.stats.calls if llm is not None else 0
    left_out = label_amounts(parsed, llm)
    on_sentence = (lambda n, m: on_stage(f"extract {n}/{m}")) if on_stage else None
    narrative = extract_narrative(parsed, llm, on_sentence)
    parsed.extra_checks.extend(narrative.checks)
    record = build_record(parsed)
    record.reasons = narrative.reasons
    record.duties = narrative.duties
    record.institutions = narrative.institutions
    record.goals = narrative.goals
    record.operating_uses = narrative.operating_uses
    record.ungrounded_dropped = len(narrative.dropped)
    record.model_labels_left_out = left_out
    record.model_calls = (llm.stats.calls - before) if llm is not None else 0
    return record


@dataclass(slots=True)
class Processed:
    """A record with the parsed document it came from (None when the document failed):
    the index chunks the document, tests inspect it."""

    record: Record
    parsed: ParsedDocument | None

    @property
    def text(self) -> str:
        return self.parsed.doc.text if self.parsed is not None else ""


def process(
    source: Source,
    llm: LLM | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_stage: StageFn | None = None,
) -> Record:
    """The record of one document, or an error record (``record.error``, ``record.stage``).

    Never raises for a bad document: a file that cannot be read, a model that fails and an
    unexpected bug alike end in an error record, so a batch goes on and loses nothing.
    """
    return process_document(source, llm, max_bytes=max_bytes, on_stage=on_stage).record


def process_document(
    source: Source,
    llm: LLM | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_stage: StageFn | None = None,
) -> Processed:
    """:func:`process`, keeping the parsed document beside the record."""
    started = time.perf_counter()
    name = source_name(source)
    path = None if isinstance(source, Upload | Text) else str(source)
    stage = "load"
    try:
        if on_stage:
            on_stage("load")
        loaded = load(source, max_bytes=max_bytes)
        stage = "parse"
        if on_stage:
            on_stage("parse")
        parsed = parse(loaded, name)
        stage = "extract"
        if on_stage:
            on_stage("extract")
        record = extract(parsed, llm, on_stage)
    except FatalError:
        raise
    except BudgetLensError as exc:
        problem = exc.problem if isinstance(exc, LoadError) else str(exc)
        return Processed(Record(doc=name, path=path, error=problem, stage=stage), None)
    except Exception as exc:  # a bug must not take the batch down; the record says where
        where = traceback.extract_tb(exc.__traceback__)[-1]
        error = f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
        return Processed(Record(doc=name, path=path, error=error, stage=stage), None)
    record.path = path
    record.content_key = content_key(parsed.doc.text)
    record.provenance = provenance(llm)
    record.seconds = round(time.perf_counter() - started, 3)
    return Processed(record, parsed)
