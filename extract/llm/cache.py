"""Disk cache for structured LLM results.

Why: the local model takes seconds per call, and re-running extraction over the same
documents (evaluation, a changed parser elsewhere) should cost nothing. The key covers
everything that shapes the answer (model, prompt version, output schema, messages); a
bumped prompt version therefore invalidates old answers without deleting anything.
Entries hold the pydantic JSON and are re-validated on read with the *current*
validation context, so a cached answer that the current checks reject is recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .base import LLM, CallStats, Message, T

CACHE_FORMAT = 1


def cache_key(
    model_name: str,
    prompt_version: str,
    response_model: type[BaseModel],
    messages: list[Message],
) -> str:
    """sha256 over a canonical JSON of what determines the answer."""
    payload = {
        "format": CACHE_FORMAT,
        "model": model_name,
        "prompt_version": prompt_version,
        "schema": response_model.model_json_schema(),
        "messages": messages,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class CachedLLM:
    """Wraps any :class:`LLM`; structured() answers from disk when it can.

    ``stats`` is the inner backend's object, so one set of counters shows both the model
    calls and the cache hits. stream() is passed through uncached (answers to free-form
    questions are cheap to regenerate and better fresh).
    """

    def __init__(self, inner: LLM, cache_dir: Path | str, prompt_version: str) -> None:
        self.inner = inner
        self.cache_dir = Path(cache_dir)
        self.prompt_version = prompt_version

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def stats(self) -> CallStats:
        return self.inner.stats

    def path_for(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.json"

    def structured(
        self,
        messages: list[Message],
        response_model: type[T],
        *,
        validation_context: dict[str, Any] | None = None,
        max_retries: int = 2,
    ) -> T:
        key = cache_key(self.name, self.prompt_version, response_model, messages)
        path = self.path_for(key)
        cached = self._load(path, response_model, validation_context)
        if cached is not None:
            self.stats.cache_hits += 1
            return cached
        result = self.inner.structured(
            messages,
            response_model,
            validation_context=validation_context,
            max_retries=max_retries,
        )
        self._store(path, key, response_model, result)
        return result

    def stream(self, messages: list[Message]) -> Iterator[str]:
        return self.inner.stream(messages)

    def _load(
        self,
        path: Path,
        response_model: type[T],
        validation_context: dict[str, Any] | None,
    ) -> T | None:
        """The cached object, or None when absent, unreadable, corrupt or now invalid."""
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry.get("format") != CACHE_FORMAT:
                return None
            return response_model.model_validate_json(entry["value"], context=validation_context)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError):
            return None

    def _store(
        self, path: Path, key: str, response_model: type[BaseModel], value: BaseModel
    ) -> None:
        entry = {
            "format": CACHE_FORMAT,
            "key": key,
            "model": self.name,
            "prompt_version": self.prompt_version,
            "response_model": response_model.__name__,
            "value": value.model_dump_json(),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh, ensure_ascii=False)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
