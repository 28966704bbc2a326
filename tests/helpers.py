"""Paths shared by the tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLD = ROOT / "eval" / "gold"
DOC_NAMES = sorted(p.name for p in EXAMPLES.glob("*.txt"))


def example_text(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")


def gold(name: str) -> dict[str, Any]:
    return json.loads((GOLD / (Path(name).stem + ".json")).read_text(encoding="utf-8"))
