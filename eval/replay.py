"""Record a real model's answers once, then replay them with no model at all.

Why: the regression test must score the *model's* extraction, yet run in seconds on any
machine. Recording goes through the ordinary response cache (``CachedLLM``), plus a marker
for every request the model failed, so a replay takes the same fall-back paths. Replay
answers only from those files and fails loudly on anything else: a changed prompt or
parser then shows up as a miss to re-record, not as a silent score change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from extract.llm.base import LLM, CallStats, Message, StructuredOutputError, T
from extract.llm.cache import CachedLLM, cache_key

MANIFEST = "manifest.json"


class ReplayMissError(LookupError):
    """A request that the recorded responses do not hold."""


def failure_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / f"{key}.failed.json"


class RecordingLLM:
    """Passes requests to a real model and leaves a marker for each one it failed."""

    def __init__(self, inner: LLM, cache_dir: Path, prompt_version: str) -> None:
        self.inner, self.cache_dir, self.prompt_version = inner, Path(cache_dir), prompt_version

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def stats(self) -> CallStats:
        return self.inner.stats

    def structured(
        self,
        messages: list[Message],
        response_model: type[T],
        *,
        validation_context: dict[str, Any] | None = None,
        max_retries: int = 2,
    ) -> T:
        try:
            return self.inner.structured(
                messages,
                response_model,
                validation_context=validation_context,
                max_retries=max_retries,
            )
        except StructuredOutputError as exc:
            key = cache_key(self.name, self.prompt_version, response_model, messages)
            path = failure_path(self.cache_dir, key)
            path.parent.mkdir(parents=True, exist_ok=True)
            entry = {"key": key, "response_model": response_model.__name__, "error": str(exc)}
            path.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
            raise

    def stream(self, messages: list[Message]) -> Iterator[str]:
        return self.inner.stream(messages)


class ReplayLLM:
    """The model behind a replaying cache: it only re-raises recorded failures."""

    def __init__(self, cache_dir: Path, name: str, prompt_version: str) -> None:
        self.cache_dir, self.name, self.prompt_version = Path(cache_dir), name, prompt_version
        self.stats = CallStats()

    def structured(
        self,
        messages: list[Message],
        response_model: type[T],
        *,
        validation_context: dict[str, Any] | None = None,
        max_retries: int = 2,
    ) -> T:
        key = cache_key(self.name, self.prompt_version, response_model, messages)
        marker = failure_path(self.cache_dir, key)
        if marker.exists():
            self.stats.failures += 1
            error = json.loads(marker.read_text(encoding="utf-8")).get("error", "")
            raise StructuredOutputError(f"recorded failure: {error}", attempts=max_retries + 1)
        last = str(messages[-1].get("content", ""))[:300] if messages else ""
        raise ReplayMissError(
            f"no recorded {response_model.__name__} response in {self.cache_dir} for key "
            f"{key[:12]}… (a prompt, parser or model changed?). Re-record with "
            f"`python -m eval --responses {self.cache_dir} …`. Last message: {last!r}"
        )

    def stream(self, messages: list[Message]) -> Iterator[str]:
        raise ReplayMissError("replay holds no streamed answers")


def write_manifest(cache_dir: Path, name: str, prompt_version: str) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"model": name, "prompt_version": prompt_version}
    (cache_dir / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


def recording_llm(inner: LLM, cache_dir: Path, prompt_version: str) -> CachedLLM:
    """A cached model that writes every answer (and failure) under ``cache_dir``."""
    write_manifest(Path(cache_dir), inner.name, prompt_version)
    return CachedLLM(
        RecordingLLM(inner, Path(cache_dir), prompt_version), cache_dir, prompt_version
    )


def replay_llm(cache_dir: Path) -> CachedLLM:
    """A model that answers only from what :func:`recording_llm` wrote."""
    path = Path(cache_dir) / MANIFEST
    if not path.exists():
        raise ReplayMissError(f"{path} is missing: nothing was recorded in {cache_dir}")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    version = str(manifest["prompt_version"])
    return CachedLLM(ReplayLLM(Path(cache_dir), manifest["model"], version), cache_dir, version)
