"""A scripted model for tests: a queue of canned answers, every call recorded.

Why: extraction and question-answering logic must be testable without a model, including
the paths where the model is wrong. A dict answer is validated into the requested schema; an
answer that does not fit is treated as instructor treats it, by re-asking: the fake records
the error, takes the next queued answer, and gives up (:class:`ModelOutputError`) after
``max_retries`` re-asks. An exception instance in the queue is raised (a dead server).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from .base import CallStats, Context, ModelOutputError, Request, T, read_only


@dataclass
class FakeCall:
    """One attempt as the model would have seen it."""

    request: Request
    response_model: type[BaseModel]
    attempt: int = 1
    context: Context | None = None
    error: Exception | None = field(default=None, repr=False)

    @property
    def user(self) -> str:
        """The last user message: what the call asked."""
        return str(self.request.messages[-1].get("content", ""))


class FakeLLM:
    """Pops one queued answer per attempt: a pydantic instance, a dict, a JSON string, or an
    exception to raise."""

    def __init__(self, responses: Iterable[Any] = (), *, name: str = "fake") -> None:
        self.name = name
        self.stats = CallStats()
        self.responses: deque[Any] = deque(responses)
        self.calls: list[FakeCall] = []

    def queue(self, *responses: Any) -> None:
        self.responses.extend(responses)

    def structured(
        self,
        request: Request,
        response_model: type[T],
        *,
        context: Context | None = None,
        max_retries: int = 1,
    ) -> T:
        last_error: Exception | None = None
        attempts = max(max_retries, 0) + 1
        for attempt in range(1, attempts + 1):
            call = FakeCall(request, response_model, attempt, context)
            self.calls.append(call)
            self.stats.record(prompt_tokens=0, completion_tokens=0, seconds=0.0)
            response = self._next(f"{response_model.__name__} (attempt {attempt})")
            try:
                return self._coerce(response, response_model, context)
            except ValidationError as exc:
                call.error = last_error = exc
                # what instructor does on a re-ask: show the model its answer and the errors
                request = request.followed_by(
                    {"role": "assistant", "content": _as_text(response)},
                    {"role": "user", "content": f"Correct your answer; validation errors:\n{exc}"},
                )
        self.stats.failures += 1
        raise ModelOutputError(
            f"{self.name} gave no valid {response_model.__name__} after {attempts} "
            f"attempt(s): {last_error}",
            attempts=attempts,
        ) from last_error

    def _next(self, what: str) -> Any:
        if not self.responses:
            asked = self.calls[-1].user[:200] if self.calls else ""
            raise AssertionError(
                f"FakeLLM({self.name!r}) has no queued response left for {what} "
                f"(call #{len(self.calls)}; it asked: {asked!r})"
            )
        response = self.responses.popleft()
        if isinstance(response, BaseException):
            raise response
        return response

    @staticmethod
    def _coerce(response: Any, response_model: type[T], context: Context | None) -> T:
        if isinstance(response, response_model):
            return response
        if isinstance(response, dict):
            return response_model.model_validate(response, context=read_only(context))
        if isinstance(response, str):
            return response_model.model_validate_json(response, context=read_only(context))
        raise AssertionError(
            f"FakeLLM: queued {type(response).__name__} cannot answer a "
            f"{response_model.__name__} request"
        )


def _as_text(response: Any) -> str:
    if isinstance(response, BaseModel):
        return response.model_dump_json()
    return str(response)
