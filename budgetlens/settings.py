"""One settings object for the whole product, and the place where settings become objects.

Every field is read from an environment variable ``BUDGETLENS_<NAME>`` (or a ``.env`` file)
and can be overridden by the CLI flag ``--<name-with-dashes>`` (see :func:`add_setting_flags`),
so a configuration is the same whether it comes from a shell, a file or a flag.

The model backends take explicit arguments and know nothing of this object; as in
paper-qa's ``Settings.get_llm``, the settings build them (:meth:`Settings.open_llm`,
:meth:`Settings.lazy_llm`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_cache_dir, user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from budgetlens.errors import ConfigError

if TYPE_CHECKING:
    from budgetlens.llm.base import CallStats
    from budgetlens.llm.cache import CachedLLM
    from budgetlens.llm.lazy import LazyLLM


def _default_threads() -> int:
    # On a 2-core machine two llama.cpp threads collapse under any other load; one holds.
    cores = os.cpu_count() or 1
    return 1 if cores <= 2 else min(4, cores - 1)


DEFAULT_INDEX_DIR = Path(user_data_dir("budgetlens")) / "index"


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
    model_variant: str = Field("1.5b", description="Bundled model variant: 1.5b or 0.5b.")
    threads: int = Field(default_factory=_default_threads, description="llama.cpp threads.")
    context_size: int = Field(4096, description="Context window of the local model (tokens).")
    temperature: float = Field(0.0, description="Sampling temperature for the model.")
    cache_dir: Path = Field(
        default_factory=lambda: Path(user_cache_dir("budgetlens")),
        description="Model file and model response cache.",
    )
    index_dir: Path = Field(
        default_factory=lambda: DEFAULT_INDEX_DIR,
        description=f"Question-answering index directory (default {DEFAULT_INDEX_DIR}).",
    )
    workers: int = Field(1, description="Documents processed in parallel by extract.")
    max_file_mb: float = Field(20.0, description="Files larger than this (MB) are refused.")
    host: str = Field("127.0.0.1", description="Address the app listens on.")
    port: int = Field(7860, description="Port the app listens on.")

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def responses_dir(self) -> Path:
        return Path(self.cache_dir).expanduser() / "responses"

    def model_name(self) -> str:
        """The name the configured model answers under (part of every cache key), known
        without starting anything."""
        if self.base_url:
            if not self.model:
                raise ConfigError("BUDGETLENS_MODEL (--model) is required with --base-url")
            return self.model
        from budgetlens.llm.model_install import model_path

        return model_path(self.cache_dir, self.local_model, self.model_variant).stem

    def open_llm(self, stats: CallStats | None = None) -> tuple[CachedLLM, contextlib.ExitStack]:
        """Build the configured backend now; close the returned stack to stop any server.

        ``base_url`` set: that endpoint; else the embedded model served by a local llama.cpp
        server. Either way answers are cached under ``cache_dir/responses``.
        """
        from budgetlens.llm.cache import CachedLLM
        from budgetlens.llm.openai_compat import OpenAICompatibleLLM

        stack = contextlib.ExitStack()
        try:
            if self.base_url:
                inner = OpenAICompatibleLLM(
                    self.base_url,
                    self.api_key,
                    self.model_name(),
                    temperature=self.temperature,
                    stats=stats,
                )
            else:
                from budgetlens.llm.local_server import LocalServer
                from budgetlens.llm.model_install import model_path

                gguf = model_path(self.cache_dir, self.local_model, self.model_variant)
                server = stack.enter_context(
                    LocalServer(gguf, threads=self.threads, context_size=self.context_size)
                )
                inner = OpenAICompatibleLLM(
                    server.base_url,
                    None,
                    server.model_alias,
                    temperature=self.temperature,
                    stats=stats,
                )
            llm = CachedLLM(inner, self.responses_dir)
        except BaseException:
            stack.close()
            raise
        return llm, stack

    def lazy_llm(self) -> LazyLLM:
        """The configured model, started on its first call (a record answer never boots it)."""
        from budgetlens.llm.lazy import LazyLLM

        return LazyLLM(self.model_name, self.open_llm)


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """Add one ``--flag`` per settings field; unset flags leave env/defaults alone."""
    group = parser.add_argument_group("settings (each also env BUDGETLENS_<NAME>)")
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
