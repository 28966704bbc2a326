"""The one interface every model backend implements.

Callers (narrative extraction, question answering) depend only on :class:`LLM`, so the
embedded model, a remote OpenAI-compatible endpoint, the disk cache and the test fake are
interchangeable. A call is a :class:`Request`: the rendered messages plus the name and
version of the prompt they came from, so a cache can key on exactly what shapes an answer.

Backends validate the answer with the response model's validators, which may read a
``context`` (e.g. the document text a quote must be found in). The context is handed over
read-only and validators keep no state, so an answer read back from the cache is judged
exactly as the live one was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from budgetlens.errors import ModelError, ModelOutputError, ModelUnavailableError

T = TypeVar("T", bound=BaseModel)

Message = dict[str, Any]
"""An OpenAI-style chat message: ``{"role": "system"|"user"|"assistant", "content": str}``."""

__all__ = [
    "LLM",
    "CallStats",
    "Context",
    "Message",
    "ModelError",
    "ModelOutputError",
    "ModelUnavailableError",
    "Request",
    "T",
    "read_only",
]


Context = Mapping[str, Any]


def read_only(context: Context | None) -> Context | None:
    """The validation context as validators see it: a read-only view, so no validator can
    keep state in it between attempts or calls."""
    return None if context is None else MappingProxyType(dict(context))


@dataclass(frozen=True, slots=True)
class Request:
    """What is sent to a model: messages rendered from prompt ``prompt`` at ``version``."""

    prompt: str
    version: str
    messages: tuple[Message, ...]

    def followed_by(self, *messages: Message) -> Request:
        """The same conversation with more turns (a re-ask after a bad answer)."""
        return Request(self.prompt, self.version, (*self.messages, *messages))


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
    """What extraction and question answering may ask of a model; nothing else."""

    @property
    def name(self) -> str:
        """Identifies the model; part of the response-cache key."""
        ...

    @property
    def stats(self) -> CallStats: ...

    def structured(
        self,
        request: Request,
        response_model: type[T],
        *,
        context: Context | None = None,
        max_retries: int = 1,
    ) -> T:
        """A ``response_model`` instance that passes its validators (given ``context``).

        ``max_retries`` counts re-asks after the first attempt when the answer does not pass;
        each re-ask shows the model its answer and what was wrong. Raises
        :class:`ModelOutputError` when no attempt passes and :class:`ModelUnavailableError`
        when the model cannot be reached.
        """
        ...
