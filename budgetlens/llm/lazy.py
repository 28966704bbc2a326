"""A model that is started on its first call.

Why: starting the embedded model costs seconds and 2 GB of memory, and most questions are
answered from a document's record without it. Every caller gets the model through this
wrapper, so nothing boots it unless a call actually needs it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from .base import LLM, CallStats, Context, Request, T

Opener = Callable[[CallStats], tuple[LLM, contextlib.ExitStack]]


class LazyLLM:
    """``name`` is known without starting; ``structured()`` starts the backend once.

    ``close()`` stops whatever was started (a no-op when nothing was).
    """

    def __init__(self, name: Callable[[], str], opener: Opener) -> None:
        self._name = name
        self._opener = opener
        self._llm: LLM | None = None
        self._stack = contextlib.ExitStack()
        self._lock = threading.Lock()
        self.stats = CallStats()

    @property
    def name(self) -> str:
        return self._llm.name if self._llm is not None else self._name()

    @property
    def started(self) -> bool:
        return self._llm is not None

    def _get(self) -> LLM:
        with self._lock:
            if self._llm is None:
                llm, stack = self._opener(self.stats)
                self._stack.enter_context(stack)
                self._llm = llm
            return self._llm

    def structured(
        self,
        request: Request,
        response_model: type[T],
        *,
        context: Context | None = None,
        max_retries: int = 1,
    ) -> T:
        return self._get().structured(
            request, response_model, context=context, max_retries=max_retries
        )

    def close(self) -> None:
        with self._lock:
            self._stack.close()
            self._llm = None

    def __enter__(self) -> LazyLLM:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
