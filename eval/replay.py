"""Record a real model's answers once, then replay them with no model at all.

Why: the regression test must score the *model's* extraction, yet run in seconds on any
machine. Recording goes through the ordinary response cache (``CachedLLM``), plus a marker
for every request the model failed, so a replay takes the same fall-back paths. Replay
answers only from those files and fails loudly on anything else: a changed prompt or
parser then shows up as a miss to re-record, not as a silent score change.
"""

from __future__ import annotations

import json
from pathlib import Path

from budgetlens.errors import FatalError
from budgetlens.files import write_atomic
from budgetlens.llm.base import LLM, CallStats, Context, ModelOutputError, Request, T
from budgetlens.llm.cache import CachedLLM, cache_key

MANIFEST = "manifest.json"


class ReplayMissError(FatalError):
    """A request that the recorded responses do not hold."""


def failure_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.failed.json"


class RecordingLLM:
    """Passes requests to a real model and leaves a marker for each one it failed."""

    def __init__(self, inner: LLM, cache_dir: Path) -> None:
        self.inner, self.cache_dir = inner, Path(cache_dir)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def stats(self) -> CallStats:
        return self.inner.stats

    def structured(
        self,
        request: Request,
        response_model: type[T],
        *,
        context: Context | None = None,
        max_retries: int = 1,
    ) -> T:
        try:
            return self.inner.structured(
                request, response_model, context=context, max_retries=max_retries
            )
        except ModelOutputError as exc:
            key = cache_key(self.name, request, response_model)
            entry = {"key": key, "response_model": response_model.__name__, "error": str(exc)}
            write_atomic(failure_path(self.cache_dir, key), json.dumps(entry, ensure_ascii=False))
            raise


class ReplayLLM:
    """The model behind a replaying cache: it only re-raises recorded failures."""

    def __init__(self, cache_dir: Path, name: str) -> None:
        self.cache_dir, self.name = Path(cache_dir), name
        self.stats = CallStats()

    def structured(
        self,
        request: Request,
        response_model: type[T],
        *,
        context: Context | None = None,
        max_retries: int = 1,
    ) -> T:
        key = cache_key(self.name, request, response_model)
        marker = failure_path(self.cache_dir, key)
        if marker.exists():
            self.stats.failures += 1
            error = json.loads(marker.read_text(encoding="utf-8")).get("error", "")
            raise ModelOutputError(f"recorded failure: {error}", attempts=max_retries + 1)
        last = str(request.messages[-1].get("content", ""))[:300] if request.messages else ""
        raise ReplayMissError(
            f"no recorded {response_model.__name__} response ({request.prompt} "
            f"v{request.version}) in {self.cache_dir} for key {key[:12]}… (a prompt, parser "
            f"or model changed?). Re-record with `budgetlens eval --responses "
            f"{self.cache_dir} …`. Last message: {last!r}"
        )


def write_manifest(cache_dir: Path, name: str) -> None:
    write_atomic(Path(cache_dir) / MANIFEST, json.dumps({"model": name}, indent=1) + "\n")


def recording_llm(inner: LLM, cache_dir: Path) -> CachedLLM:
    """A cached model that writes every answer (and failure) under ``cache_dir``."""
    write_manifest(Path(cache_dir), inner.name)
    return CachedLLM(RecordingLLM(inner, Path(cache_dir)), cache_dir)


def replay_llm(cache_dir: Path) -> CachedLLM:
    """A model that answers only from what :func:`recording_llm` wrote."""
    path = Path(cache_dir) / MANIFEST
    if not path.exists():
        raise ReplayMissError(f"{path} is missing: nothing was recorded in {cache_dir}")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    return CachedLLM(ReplayLLM(Path(cache_dir), manifest["model"]), cache_dir)
