"""Backend for any OpenAI-compatible endpoint, including the embedded llama.cpp server.

Structured output goes through instructor: the response model's validators (with a read-only
context) decide what is acceptable, and instructor re-asks, showing the model its answer and
the errors, when an answer fails them. Mode.TOOLS is
the default because it is the one that works with llama.cpp's server: the tool schema
constrains the output and the field descriptions reach the model, while
``response_format={"type": "json_schema"}`` (Mode.JSON_SCHEMA) answers HTTP 500 there.
"""

from __future__ import annotations

import time
from typing import Any, cast

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel

from .base import (
    CallStats,
    Context,
    ModelOutputError,
    ModelUnavailableError,
    Request,
    T,
    read_only,
)

DEFAULT_MODE = instructor.Mode.TOOLS
NO_KEY = "sk-no-key-required"  # the openai client insists on a key; llama.cpp ignores it


def _usage_tokens(usage: Any) -> tuple[int, int]:
    if usage is None:
        return 0, 0
    return int(getattr(usage, "prompt_tokens", 0) or 0), int(
        getattr(usage, "completion_tokens", 0) or 0
    )


def _plain(result: BaseModel, response_model: type[T]) -> T:
    """instructor returns an instance of a generated subclass carrying the raw response;
    hand back a plain ``response_model`` (already validated, so no re-validation) so
    equality, pickling and the cache behave the same for every backend."""
    if type(result) is response_model:
        return result
    return response_model.model_construct(
        _fields_set=set(result.model_fields_set),
        **{name: getattr(result, name) for name in type(result).model_fields},
        **(result.model_extra or {}),
    )


class OpenAICompatibleLLM:
    """Talks to ``base_url`` with the openai client; structured calls via instructor."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        mode: instructor.Mode = DEFAULT_MODE,
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        timeout: float = 600.0,
        stats: CallStats | None = None,
    ) -> None:
        self.name = model
        self.model = model
        self.mode = mode
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.stats = stats if stats is not None else CallStats()
        self.client = openai.OpenAI(
            base_url=base_url, api_key=api_key or NO_KEY, timeout=timeout, max_retries=1
        )
        self.instructor = instructor.from_openai(self.client, mode=mode)

    def __repr__(self) -> str:
        return f"OpenAICompatibleLLM({self.client.base_url!s}, model={self.model!r})"

    def _sampling(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"temperature": self.temperature}
        if self.max_tokens is not None:
            extra["max_tokens"] = self.max_tokens
        return extra

    def structured(
        self,
        request: Request,
        response_model: type[T],
        *,
        context: Context | None = None,
        max_retries: int = 1,
    ) -> T:
        started = time.perf_counter()
        try:
            result, completion = self.instructor.chat.completions.create_with_completion(
                model=self.model,
                messages=list(request.messages),  # type: ignore[arg-type]
                response_model=response_model,
                max_retries=max_retries,
                # instructor hands the context to the validators as is: a read-only view
                context=cast(Any, read_only(context)),
                **self._sampling(),
            )
        except InstructorRetryException as exc:
            prompt, completion_tokens = _usage_tokens(exc.total_usage)
            self._record_failure(started, prompt, completion_tokens)
            if isinstance(exc.__cause__, openai.APIError) and not exc.failed_attempts:
                # instructor wraps transport errors too; those are not the model's fault.
                raise ModelUnavailableError(f"{self!r}: request failed: {exc.__cause__}") from exc
            raise ModelOutputError(
                f"{self.name} gave no valid {response_model.__name__} after "
                f"{exc.n_attempts} attempt(s): {exc}",
                attempts=exc.n_attempts,
            ) from exc
        except IncompleteOutputException as exc:
            self._record_failure(started, 0, 0)
            raise ModelOutputError(
                f"{self.name} stopped before finishing a {response_model.__name__} "
                f"(max_tokens={self.max_tokens})",
                attempts=1,
            ) from exc
        except openai.APIError as exc:
            self._record_failure(started, 0, 0)
            raise ModelUnavailableError(f"{self!r}: request failed: {exc}") from exc
        # _total_usage sums all attempts (re-asks included); fall back to the last one.
        usage = getattr(result, "_total_usage", None) or getattr(completion, "usage", None)
        prompt, completion_tokens = _usage_tokens(usage)
        self.stats.record(
            prompt_tokens=prompt,
            completion_tokens=completion_tokens,
            seconds=time.perf_counter() - started,
        )
        return _plain(result, response_model)

    def _record_failure(self, started: float, prompt: int, completion: int) -> None:
        self.stats.record(
            prompt_tokens=prompt,
            completion_tokens=completion,
            seconds=time.perf_counter() - started,
        )
        self.stats.failures += 1
