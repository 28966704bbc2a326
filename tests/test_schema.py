"""The typed record is the contract: its committed JSON Schema must match the models."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from budgetlens.cli import main
from budgetlens.extract.types import Record
from budgetlens.pipeline import process
from budgetlens.schema import render_schemas
from tests.helpers import EXAMPLES, ROOT


def test_the_committed_schema_files_match_the_models() -> None:
    for path, text in render_schemas().items():
        assert path.parent == ROOT / "eval"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is out of date: run `budgetlens schema` and commit it"
        )


def test_schema_check_fails_on_drift(tmp_path, capsys) -> None:
    assert main(["schema", "--dir", str(tmp_path)]) == 0
    assert main(["schema", "--check", "--dir", str(tmp_path)]) == 0
    (tmp_path / "record.schema.json").write_text("{}", encoding="utf-8")
    assert main(["schema", "--check", "--dir", str(tmp_path)]) == 1
    assert "out of date" in capsys.readouterr().err


def test_a_record_round_trips_through_its_json() -> None:
    record = process(EXAMPLES / "langfang_kexie_2023_danweiyusuan.txt")
    again = Record.model_validate_json(record.model_dump_json())
    assert again == record
    schema = json.loads((ROOT / "eval" / "record.schema.json").read_text(encoding="utf-8"))
    assert {"doc", "facts", "checks", "reasons"} <= set(schema["properties"])


def test_a_record_with_an_unknown_field_or_a_bad_status_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Record.model_validate({"doc": "x", "surprise": 1})
    with pytest.raises(ValidationError):
        Record.model_validate({"doc": "x", "checks": [{"id": "a", "rule": "r", "status": "ok"}]})
