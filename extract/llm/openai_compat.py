"""Backend for any OpenAI-compatible endpoint, including the embedded llama.cpp server.

Structured output goes through instructor so that pydantic validators (with the
validation context) decide what is acceptable and failures are re-asked. Mode.TOOLS is
the default because it is the one that works with llama.cpp's server: the tool schema
constrains the output and the field descriptions reach the model, while
``response_format={"type": "json_schema"}`` (Mode.JSON_SCHEMA) answers HTTP 500 there.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterator
from typing import Any

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel

from .base import CallStats, LLMError, Message, StructuredOutputError, T

DEFAULT_MODE = instructor.Mode.TOOLS
NO_KEY = "sk-no-key-required"  # the openai client insists on a key; llama.cpp ignores it


def _context_kwarg(client: Any) -> str:
    """instructor renamed ``validation_context`` to ``context`` (1.17 takes ``context``)."""
    params = inspect.signature(client.chat.completions.create_with_completion).parameters
    return "context" if "context" in params else "validation_context"


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
    ) -> None:
        self.name = model
        self.model = model
        self.mode = mode
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.stats = CallStats()
        self.client = openai.OpenAI(
            base_url=base_url, api_key=api_key or NO_KEY, timeout=timeout, max_retries=1
        )
        self.instructor = instructor.from_openai(self.client, mode=mode)
        self._context_kwarg = _context_kwarg(self.instructor)

    def __repr__(self) -> str:
        return f"OpenAICompatibleLLM({self.client.base_url!s}, model={self.model!r})"

    def _sampling(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"temperature": self.temperature}
        if self.max_tokens is not None:
            extra["max_tokens"] = self.max_tokens
        return extra

    def structured(
        self,
        messages: list[Message],
        response_model: type[T],
        *,
        validation_context: dict[str, Any] | None = None,
        max_retries: int = 2,
    ) -> T:
        started = time.perf_counter()
        try:
            result, completion = self.instructor.chat.completions.create_with_completion(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                response_model=response_model,
                max_retries=max_retries,
                **{self._context_kwarg: validation_context},
                **self._sampling(),
            )
        except InstructorRetryException as exc:
            prompt, completion_tokens = _usage_tokens(exc.total_usage)
            self._record_failure(started, prompt, completion_tokens)
            if isinstance(exc.__cause__, openai.APIError) and not exc.failed_attempts:
                # instructor wraps transport errors too; those are not the model's fault.
                raise LLMError(f"{self!r}: request failed: {exc.__cause__}") from exc
            raise StructuredOutputError(
                f"{self.name} gave no valid {response_model.__name__} after "
                f"{exc.n_attempts} attempt(s): {exc}",
                attempts=exc.n_attempts,
            ) from exc
        except IncompleteOutputException as exc:
            self._record_failure(started, 0, 0)
            raise StructuredOutputError(
                f"{self.name} stopped before finishing a {response_model.__name__} "
                f"(max_tokens={self.max_tokens})",
                attempts=1,
            ) from exc
        except openai.APIError as exc:
            self._record_failure(started, 0, 0)
            raise LLMError(f"{self!r}: request failed: {exc}") from exc
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

    def stream(self, messages: list[Message]) -> Iterator[str]:
        """Yield text deltas; usage is taken from the final chunk when the server sends it
        (else each content chunk counts as one token, which is what llama.cpp emits)."""
        started = time.perf_counter()
        prompt = completion_tokens = chunks = 0
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                stream=True,
                stream_options={"include_usage": True},
                **self._sampling(),
            )
        except openai.APIError as exc:
            self._record_failure(started, 0, 0)
            raise LLMError(f"{self!r}: request failed: {exc}") from exc
        try:
            for chunk in response:
                if chunk.usage is not None:
                    prompt, completion_tokens = _usage_tokens(chunk.usage)
                for choice in chunk.choices:
                    text = choice.delta.content if choice.delta else None
                    if text:
                        chunks += 1
                        yield text
        except openai.APIError as exc:
            self.stats.failures += 1
            raise LLMError(f"{self!r}: stream broke off: {exc}") from exc
        finally:
            response.close()
            self.stats.record(
                prompt_tokens=prompt,
                completion_tokens=completion_tokens or chunks,
                seconds=time.perf_counter() - started,
            )
