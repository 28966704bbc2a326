"""A scripted LLM for tests: canned answers in order, every call recorded.

Why: extraction and QA logic must be testable without a model or network, including
the paths where the model is wrong. Dict responses are validated into the requested
model *with* the validation context, so validators that check the model against the
parsed figures run exactly as they would behind instructor; an invalid response is
treated like instructor's re-ask: the fake records the error, moves to the next queued
response, and gives up (StructuredOutputError) after ``max_retries`` re-asks.
"""

from __future__ import annotations

import copy
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from .base import CallStats, Message, StructuredOutputError, T


@dataclass
class FakeCall:
    """One attempt as the model would have seen it."""

    kind: str  # "structured" or "stream"
    messages: list[Message]
    response_model: type[BaseModel] | None = None
    validation_context: dict[str, Any] | None = None
    attempt: int = 1
    error: Exception | None = field(default=None, repr=False)


class FakeLLM:
    """Pops one queued response per attempt.

    Responses may be: a pydantic instance (returned as is if it is of the requested
    type), a dict (validated into the requested model with the validation context), a
    string (for stream(); a list of strings gives explicit chunks), or an exception
    instance (raised, to test error handling).
    """

    def __init__(self, responses: Iterable[Any] = (), *, name: str = "fake") -> None:
        self.name = name
        self.stats = CallStats()
        self.responses: deque[Any] = deque(responses)
        self.calls: list[FakeCall] = []

    def queue(self, *responses: Any) -> None:
        self.responses.extend(responses)

    def _next(self, what: str) -> Any:
        if not self.responses:
            last = self.calls[-1].messages[-1] if self.calls and self.calls[-1].messages else {}
            raise AssertionError(
                f"FakeLLM({self.name!r}) has no queued response left for {what} "
                f"(call #{len(self.calls)}; last message: {str(last.get('content', ''))[:200]!r})"
            )
        response = self.responses.popleft()
        if isinstance(response, BaseException):
            raise response
        return response

    def structured(
        self,
        messages: list[Message],
        response_model: type[T],
        *,
        validation_context: dict[str, Any] | None = None,
        max_retries: int = 2,
    ) -> T:
        attempt_messages = copy.deepcopy(messages)
        last_error: Exception | None = None
        attempts = max(max_retries, 0) + 1
        for attempt in range(1, attempts + 1):
            call = FakeCall(
                "structured", attempt_messages, response_model, validation_context, attempt
            )
            self.calls.append(call)
            self.stats.record(prompt_tokens=0, completion_tokens=0, seconds=0.0)
            response = self._next(f"{response_model.__name__} (attempt {attempt})")
            try:
                return self._coerce(response, response_model, validation_context)
            except ValidationError as exc:
                call.error = last_error = exc
                # What instructor does on a re-ask: show the model its answer's errors.
                attempt_messages = [
                    *attempt_messages,
                    {"role": "assistant", "content": _as_text(response)},
                    {
                        "role": "user",
                        "content": f"Correct your response; validation errors:\n{exc}",
                    },
                ]
        self.stats.failures += 1
        raise StructuredOutputError(
            f"{self.name} gave no valid {response_model.__name__} after {attempts} "
            f"attempt(s): {last_error}",
            attempts=attempts,
        ) from last_error

    @staticmethod
    def _coerce(
        response: Any, response_model: type[T], validation_context: dict[str, Any] | None
    ) -> T:
        if isinstance(response, response_model):
            return response
        if isinstance(response, dict):
            return response_model.model_validate(response, context=validation_context)
        if isinstance(response, str):
            return response_model.model_validate_json(response, context=validation_context)
        raise AssertionError(
            f"FakeLLM: queued {type(response).__name__} cannot answer a "
            f"{response_model.__name__} request"
        )

    def stream(self, messages: list[Message]) -> Iterator[str]:
        self.calls.append(FakeCall("stream", copy.deepcopy(messages)))
        response = self._next("stream()")
        if isinstance(response, str):
            chunks = re.findall(r"\s*\S+|\s+", response) or [response]
        elif isinstance(response, list) and all(isinstance(c, str) for c in response):
            chunks = response
        else:
            raise AssertionError(
                f"FakeLLM: queued {type(response).__name__} cannot answer stream()"
            )
        self.stats.record(prompt_tokens=0, completion_tokens=len(chunks), seconds=0.0)
        return iter(chunks)


def _as_text(response: Any) -> str:
    if isinstance(response, BaseModel):
        return response.model_dump_json()
    return str(response)
