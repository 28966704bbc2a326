"""Paths shared by the tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLD = ROOT / "eval" / "gold"
CORPUS = ROOT / "eval" / "corpus"
SHARED = ROOT.parent / "shared" / "corpus"
"""Real disclosures that stay outside the repository (``../shared/corpus``): read, never copied."""
DOC_NAMES = sorted(p.name for p in EXAMPLES.glob("*.txt"))
CHONGQING = "chongqing_jiaotongweiyuanhui_2018_bumenyusuan.txt"


def example_text(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")


def shared_path(*parts: str) -> Path:
    """A file of ../shared/corpus, or the test is skipped with a clear message."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpus (../shared/corpus) is not checked out")
    return path


def shared_text(name: str) -> str:
    return shared_path(name).read_text(encoding="utf-8")


def gold(name: str) -> dict[str, Any]:
    stem = Path(name).stem + ".json"
    path = GOLD / stem if (GOLD / stem).exists() else CORPUS / "shared" / stem
    return json.loads(path.read_text(encoding="utf-8"))
