"""The real embedded model behind the real llama.cpp server (opt-in: --live-model).

Checks the whole local path: model_path -> LocalServer -> OpenAICompatibleLLM (instructor
Mode.TOOLS) -> CachedLLM, plus that the server process is gone afterwards.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from budgetlens.llm import LLM, Request
from budgetlens.llm.local_server import LocalServer
from budgetlens.llm.model_install import ModelNotFoundError, model_path
from budgetlens.settings import Settings

pytestmark = pytest.mark.live_model


class Department(BaseModel):
    """The budget unit (单位) a Chinese budget document is about."""

    # A docstring and an explicit field matter for a 1.5B model: with a bare `name` field
    # and instructor's generic tool description it answered with an English camel-case
    # paraphrase of the heading instead of the unit name.
    department_name: str = Field(
        description="单位名称: the department's Chinese name, copied verbatim from the text"
    )


MESSAGES = Request(
    "live-test",
    "1",
    (
        {"role": "system", "content": "You extract fields from Chinese budget documents."},
        {
            "role": "user",
            "content": "2024年部门预算公开说明。单位名称：北京市海淀区财政局。"
            "主要职责：负责预算编制。",
        },
    ),
)


@pytest.fixture(scope="module")
def gguf() -> Path:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python[server] is not installed")
    try:
        settings = Settings()
        return model_path(settings.cache_dir, settings.local_model)
    except ModelNotFoundError as exc:
        pytest.skip(f"local model not installed ({exc})")


@pytest.fixture(scope="module")
def llm(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LLM]:
    settings = Settings(base_url=None, local_model=gguf, cache_dir=tmp_path_factory.mktemp("cache"))
    opened, stack = settings.open_llm()
    with stack:
        yield opened


def test_structured_output_with_one_field(llm: LLM) -> None:
    got = llm.structured(MESSAGES, Department)
    assert isinstance(got, Department)
    assert got.department_name == "北京市海淀区财政局"
    assert llm.stats.calls == 1
    assert llm.stats.completion_tokens > 0 and llm.stats.seconds > 0
    # the same request again is answered from the response cache
    assert llm.structured(MESSAGES, Department) == got
    assert llm.stats.calls == 1 and llm.stats.cache_hits == 1


def test_server_is_stopped_on_exit(gguf: Path) -> None:
    with LocalServer(gguf, threads=1, context_size=512) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        proc = server.process
        assert proc is not None and proc.poll() is None
        pid = proc.pid
    assert server.process is None
    assert proc.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
