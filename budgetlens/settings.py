"""One settings object for the whole product.

Every field is read from an environment variable ``BUDGETLENS_<NAME>`` and can be
overridden by the CLI flag ``--<name-with-dashes>`` (see :func:`add_setting_flags`), so
a configuration is the same whether it comes from a shell, a ``.env`` file or a flag.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir, user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_threads() -> int:
    # On a 2-core machine two llama.cpp threads collapse under any other load; one holds.
    cores = os.cpu_count() or 1
    return 1 if cores <= 2 else min(4, cores - 1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BUDGETLENS_", env_file=".env", extra="ignore")

    base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint; unset = the embedded local model."
    )
    api_key: str | None = Field(None, description="API key for --base-url.")
    model: str | None = Field(None, description="Model name at the endpoint.")
    local_model: Path | None = Field(
        None, description="Path to a GGUF file to serve locally instead of the bundled one."
    )
    threads: int = Field(default_factory=_default_threads, description="llama.cpp threads.")
    context_size: int = Field(4096, description="Context window of the local model (tokens).")
    cache_dir: Path = Field(
        default_factory=lambda: Path(user_cache_dir("budgetlens")),
        description="Model file and LLM response cache.",
    )
    index_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("budgetlens")) / "index",
        description="chromadb index directory.",
    )
    workers: int = Field(1, description="Documents processed in parallel.")
    max_file_mb: float = Field(20.0, description="Files larger than this are refused.")
    temperature: float = Field(0.0, description="Sampling temperature for the LLM.")


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """Add one ``--flag`` per settings field; unset flags leave env/defaults alone."""
    group = parser.add_argument_group("settings (also env BUDGETLENS_<NAME>)")
    for name, field in Settings.model_fields.items():
        group.add_argument(
            "--" + name.replace("_", "-"),
            dest=f"setting_{name}",
            default=None,
            metavar=name.upper(),
            help=field.description,
        )


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        name: value
        for name in Settings.model_fields
        if (value := getattr(args, f"setting_{name}", None)) is not None
    }
    return Settings(**overrides)
