"""Disk cache for structured model answers.

Why: the local model takes seconds per call, and re-running extraction over the same
documents (evaluation, a changed parser elsewhere) should cost nothing. The key covers
everything that shapes an answer: the model, the prompt's name and version, the response
schema and the messages. Editing a prompt file means bumping its version, which invalidates
its old answers without deleting anything. An entry is re-validated when read, with the
caller's context, exactly as a live answer; one that no longer passes is recomputed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

from budgetlens.files import write_atomic

from .base import LLM, CallStats, Context, Request, T, read_only

CACHE_FORMAT = 2


def cache_key(model_name: str, request: Request, response_model: type[BaseModel]) -> str:
    """sha256 over a canonical JSON of what determines the answer."""
    payload = {
        "format": CACHE_FORMAT,
        "model": model_name,
        "prompt": request.prompt,
        "prompt_version": request.version,
        "schema": response_model.model_json_schema(),
        "messages": list(request.messages),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class CachedLLM:
    """Wraps any :class:`LLM`; ``structured()`` answers from disk when it can.

    ``stats`` is the inner backend's object, so one set of counters shows both the model
    calls and the cache hits.
    """

    def __init__(self, inner: LLM, cache_dir: Path | str) -> None:
        self.inner = inner
        self.cache_dir = Path(cache_dir)

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
        request: Request,
        response_model: type[T],
        *,
        context: Context | None = None,
        max_retries: int = 1,
    ) -> T:
        key = cache_key(self.name, request, response_model)
        path = self.path_for(key)
        cached = self._load(path, response_model, context)
        if cached is not None:
            self.stats.cache_hits += 1
            return cached
        result = self.inner.structured(
            request, response_model, context=context, max_retries=max_retries
        )
        entry = {
            "format": CACHE_FORMAT,
            "key": key,
            "model": self.name,
            "prompt": request.prompt,
            "prompt_version": request.version,
            "response_model": response_model.__name__,
            "value": result.model_dump_json(),
        }
        write_atomic(path, json.dumps(entry, ensure_ascii=False), fsync=False)
        return result

    @staticmethod
    def _load(path: Path, response_model: type[T], context: Context | None) -> T | None:
        """The cached object, re-validated with ``context`` as a live answer would be; None
        when absent, unreadable, corrupt or no longer valid."""
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry.get("format") != CACHE_FORMAT:
                return None
            return response_model.model_validate_json(entry["value"], context=read_only(context))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError):
            return None
