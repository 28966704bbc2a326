"""The one interface every LLM backend implements.

Callers (narrative extraction, question answering) depend only on :class:`LLM`, so the
embedded model, a remote OpenAI-compatible endpoint, the disk cache and the test fake
are interchangeable. Every backend raises :class:`StructuredOutputError` when it cannot
produce a valid object, so callers catch one exception type whatever the backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)

Message = dict[str, Any]
"""An OpenAI-style chat message: ``{"role": "system"|"user"|"assistant", "content": str}``."""


class LLMError(RuntimeError):
    """Base class for LLM-layer failures (setup, server, model output)."""


class StructuredOutputError(LLMError):
    """The model did not produce an object that validates, even after re-asking.

    The last underlying error (pydantic ``ValidationError``, instructor's retry exception)
    is chained as ``__cause__``.
    """

    def __init__(self, message: str, *, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


@dataclass
class CallStats:
    """Counters a backend keeps so reports and benchmarks can show cost and speed.

    ``seconds`` is wall time spent waiting for the model (not cache look-ups), so
    ``completion_tokens / seconds`` is a fair end-to-end generation speed.
    """

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cache_hits: int = 0
    failures: int = 0

    def record(self, *, prompt_tokens: int, completion_tokens: int, seconds: float) -> None:
        self.calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.seconds += seconds

    @property
    def tokens_per_second(self) -> float:
        """Completion tokens per second of model time (0.0 before any call)."""
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "tokens_per_second": round(self.tokens_per_second, 2)}


@runtime_checkable
class LLM(Protocol):
    """What extraction and QA code may ask of a model; nothing else."""

    name: str
    """Identifies the model; part of the response-cache key."""

    stats: CallStats

    def structured(
        self,
        messages: list[Message],
        response_model: type[T],
        *,
        validation_context: dict[str, Any] | None = None,
        max_retries: int = 2,
    ) -> T:
        """Return a validated ``response_model`` instance.

        ``validation_context`` reaches pydantic validators as ``info.context`` (e.g. the
        parsed numbers a narrative must agree with). ``max_retries`` counts re-asks after
        the first attempt, as instructor >= 1.17 does. Raises StructuredOutputError.
        """
        ...

    def stream(self, messages: list[Message]) -> Iterator[str]:
        """Yield the answer's text as it is generated (for QA in the UI)."""
        ...
