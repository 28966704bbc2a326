"""Where the Q&A layer plugs into the evaluation.

Why a factory: answering needs what the harness has just built (every record and text,
the model), so the harness calls ``make_ask(context)`` once after extraction and then
``ask(question, doc_names)`` per gold question. To switch Q&A scoring on by default, set
``DEFAULT_ASK_FACTORY`` to ``"module:function"`` (e.g. ``"qa.eval_adapter:make_ask"``);
``budgetlens eval --qa module:function`` does the same for one run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.score_qa import AskFn
from extract.llm.base import LLM

DEFAULT_ASK_FACTORY: str | None = "qa.eval_adapter:make_ask"


@dataclass
class QAContext:
    """What an ask factory may use: the records and texts the harness just built."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # doc name -> record
    texts: dict[str, str] = field(default_factory=dict)  # doc name -> loader text
    paths: dict[str, Path] = field(default_factory=dict)  # doc name -> source file
    llm: LLM | None = None
    settings: Any = None  # budgetlens.settings.Settings when run from the CLI


AskFactory = Callable[[QAContext], AskFn]


def load_factory(spec: str) -> AskFactory:
    """``"package.module:function"`` -> the function (a clear error otherwise)."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"--qa expects module:function, got {spec!r}")
    factory = getattr(importlib.import_module(module_name), attribute, None)
    if not callable(factory):
        raise ValueError(f"{spec!r} is not a callable in {module_name}")
    return factory
