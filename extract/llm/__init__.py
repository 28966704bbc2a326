"""The LLM layer: one interface (:class:`LLM`), chosen and wired from :class:`Settings`.

Narrative fields and answers only; figures are parsed deterministically elsewhere and
whatever numbers a model returns are only ever compared with the parsed ones.

    with open_llm(settings) as llm:
        duties = llm.structured(messages, Duties, validation_context={...})
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from budgetlens.settings import Settings

from .base import LLM, CallStats, LLMError, Message, StructuredOutputError
from .cache import CachedLLM
from .fake import FakeLLM
from .model_install import ModelInstallError, ModelNotFoundError, install_model, model_path

DEFAULT_PROMPT_VERSION = "1"

__all__ = [
    "LLM",
    "CachedLLM",
    "CallStats",
    "FakeLLM",
    "LLMError",
    "Message",
    "ModelInstallError",
    "ModelNotFoundError",
    "StructuredOutputError",
    "get_llm",
    "install_model",
    "model_path",
    "open_llm",
]


def responses_cache_dir(settings: Settings) -> Path:
    return Path(settings.cache_dir).expanduser() / "responses"


def get_llm(
    settings: Settings, *, prompt_version: str = DEFAULT_PROMPT_VERSION
) -> tuple[LLM, contextlib.ExitStack]:
    """Build the configured backend; close the returned stack to stop any local server.

    ``settings.base_url`` set -> that endpoint; else the embedded model is served by a
    local llama.cpp server. Either way results are cached under ``cache_dir/responses``.
    Imports of openai/instructor/llama are deferred so code paths that never use a model
    (parsing, tests with FakeLLM) do not pay for them.
    """
    from .openai_compat import OpenAICompatibleLLM

    stack = contextlib.ExitStack()
    try:
        if settings.base_url:
            if not settings.model:
                raise LLMError("BUDGETLENS_MODEL (--model) is required with --base-url")
            inner = OpenAICompatibleLLM(
                settings.base_url,
                settings.api_key,
                settings.model,
                temperature=settings.temperature,
            )
        else:
            from .local_server import LocalServer

            gguf = model_path(settings)
            server = stack.enter_context(LocalServer.from_settings(settings, gguf))
            inner = OpenAICompatibleLLM(
                server.base_url,
                None,
                server.model_alias,
                temperature=settings.temperature,
            )
        llm = CachedLLM(inner, responses_cache_dir(settings), prompt_version)
    except BaseException:
        stack.close()
        raise
    return llm, stack


@contextlib.contextmanager
def open_llm(settings: Settings, *, prompt_version: str = DEFAULT_PROMPT_VERSION) -> Iterator[LLM]:
    """Context-manager form of :func:`get_llm`."""
    llm, stack = get_llm(settings, prompt_version=prompt_version)
    with stack:
        yield llm
