"""Shared pytest configuration."""

from __future__ import annotations

import os

import pytest

# ==== live_model: opt-in tests against the real embedded model (extract/llm) ==============
# Tests marked @pytest.mark.live_model start llama.cpp on the installed GGUF: slow (tens of
# seconds) and they need `budgetlens model install`. They run only with --live-model or
# BUDGETLENS_LIVE_MODEL=1 (CI sets one of them); otherwise they are skipped with a reason.


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--live-model",
        action="store_true",
        default=False,
        help="run tests marked live_model against the real local model",
    )


def live_model_enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("--live-model")) or os.environ.get(
        "BUDGETLENS_LIVE_MODEL", ""
    ).strip().lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if live_model_enabled(config):
        return
    skip = pytest.mark.skip(
        reason="live_model test: pass --live-model or set BUDGETLENS_LIVE_MODEL=1 to run it"
    )
    for item in items:
        if "live_model" in item.keywords:
            item.add_marker(skip)


# ==== end live_model =====================================================================
