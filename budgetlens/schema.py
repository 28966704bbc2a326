"""The contract as JSON Schema, generated from the typed models.

``eval/record.schema.json`` and ``eval/answer.schema.json`` are committed; ``budgetlens
schema`` rewrites them and ``budgetlens schema --check`` (and a test) fails when the models
and the committed files drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from budgetlens.extract.types import Answer, Record

SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "record.schema.json": Record,
    "answer.schema.json": Answer,
}


def eval_dir() -> Path:
    """The folder the schema files live in (``eval/`` in a checkout, the installed
    ``budgetlens/eval`` package otherwise)."""
    import budgetlens.eval

    return Path(budgetlens.eval.__file__).resolve().parent


def render_schemas() -> dict[Path, str]:
    """File path -> its current text."""
    out = {}
    for name, model in SCHEMA_FILES.items():
        schema = model.model_json_schema()
        schema["$id"] = f"https://budgetlens.invalid/schema/{name}"
        out[eval_dir() / name] = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
    return out
