"""FakeLLM's queue and re-asks, CachedLLM's key, hits, misses and corrupt entries, the lazy
model, and single-pass prompt rendering."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from budgetlens.errors import ModelOutputError
from budgetlens.llm import LLM, CachedLLM, CallStats, FakeLLM, LazyLLM, Request
from budgetlens.llm.cache import cache_key
from budgetlens.prompts import PromptError, load_prompt

REQUEST = Request(
    "duties",
    "1",
    (
        {"role": "system", "content": "Extract the duties."},
        {"role": "user", "content": "主要职责：负责全区财政预算编制。"},
    ),
)


class Duty(BaseModel):
    text: str


class Change(BaseModel):
    amount: float
    reason: str


# --- FakeLLM ----------------------------------------------------------------------------


def test_fake_satisfies_the_protocol() -> None:
    assert isinstance(FakeLLM(), LLM)
    assert isinstance(CachedLLM(FakeLLM(), "/nonexistent"), LLM)


def test_fake_returns_queued_responses_in_order_and_records_calls() -> None:
    llm = FakeLLM([Duty(text="a"), {"text": "b"}, '{"text": "c"}'])
    assert [llm.structured(REQUEST, Duty).text for _ in range(3)] == ["a", "b", "c"]
    assert [c.request for c in llm.calls] == [REQUEST] * 3
    assert all(c.response_model is Duty and c.attempt == 1 for c in llm.calls)
    assert llm.stats.calls == 3


def test_fake_empty_queue_is_a_clear_assertion() -> None:
    llm = FakeLLM([{"text": "only one"}])
    llm.structured(REQUEST, Duty)
    with pytest.raises(AssertionError, match="no queued response left"):
        llm.structured(REQUEST, Duty)


def test_fake_raises_queued_exceptions() -> None:
    llm = FakeLLM([TimeoutError("slow model")])
    with pytest.raises(TimeoutError, match="slow model"):
        llm.structured(REQUEST, Duty)


def test_fake_rejects_a_response_of_the_wrong_kind() -> None:
    with pytest.raises(AssertionError, match="cannot answer"):
        FakeLLM([42]).structured(REQUEST, Duty)


def test_an_answer_that_does_not_fit_the_schema_is_reasked() -> None:
    llm = FakeLLM([{"amount": "not a number", "reason": "x"}, {"amount": 7.0, "reason": "ok"}])
    assert llm.structured(REQUEST, Change, max_retries=1).reason == "ok"
    assert [c.attempt for c in llm.calls] == [1, 2]
    assert llm.calls[0].error is not None and llm.calls[1].error is None


def test_reask_gives_up_after_max_retries() -> None:
    bad = {"amount": "x", "reason": "x"}
    llm = FakeLLM([bad, bad, {"amount": 2.0, "reason": "would be valid"}])
    with pytest.raises(ModelOutputError) as info:
        llm.structured(REQUEST, Change, max_retries=1)
    assert info.value.attempts == 2 and llm.stats.failures == 1
    assert len(llm.responses) == 1  # the third response was never consumed


# --- CachedLLM --------------------------------------------------------------------------


def _cached(tmp_path: Path, responses: list) -> tuple[CachedLLM, FakeLLM]:
    fake = FakeLLM(responses, name="qwen-test")
    return CachedLLM(fake, tmp_path / "responses"), fake


def test_cache_miss_then_hit_costs_no_model_call(tmp_path: Path) -> None:
    llm, fake = _cached(tmp_path, [{"text": "负责预算编制"}])
    first = llm.structured(REQUEST, Duty)
    second = llm.structured(REQUEST, Duty)  # the queue is empty: a model call would fail
    assert first == second
    assert len(fake.calls) == 1
    assert llm.stats.calls == 1 and llm.stats.cache_hits == 1
    files = list((tmp_path / "responses").rglob("*.json"))
    assert len(files) == 1
    entry = json.loads(files[0].read_text(encoding="utf-8"))
    assert json.loads(entry["value"]) == {"text": "负责预算编制"}
    assert (entry["prompt"], entry["prompt_version"]) == ("duties", "1")
    assert not list((tmp_path / "responses").rglob("*.tmp"))


def test_the_key_covers_model_prompt_name_version_schema_and_input() -> None:
    key = cache_key("m", REQUEST, Duty)
    assert key == cache_key(
        "m", Request("duties", "1", tuple(dict(m) for m in REQUEST.messages)), Duty
    )
    assert key != cache_key("other-model", REQUEST, Duty)
    assert key != cache_key("m", Request("reasons", "1", REQUEST.messages), Duty)
    assert key != cache_key("m", Request("duties", "2", REQUEST.messages), Duty)
    assert key != cache_key("m", REQUEST, Change)
    assert key != cache_key("m", REQUEST.followed_by({"role": "user", "content": "again"}), Duty)


def test_a_bumped_prompt_version_is_a_miss(tmp_path: Path) -> None:
    llm, _ = _cached(tmp_path, [{"text": "old prompt"}])
    llm.structured(REQUEST, Duty)
    bumped, fake = _cached(tmp_path, [{"text": "new prompt"}])
    assert bumped.structured(Request("duties", "2", REQUEST.messages), Duty).text == "new prompt"
    assert len(fake.calls) == 1


@pytest.mark.parametrize(
    "garbage",
    [b"", b"{not json", b'{"format": 2}', b'{"format": 2, "value": "{\\"wrong\\": 1}"}', b"\xff"],
)
def test_corrupt_entry_is_ignored_and_overwritten(tmp_path: Path, garbage: bytes) -> None:
    llm, fake = _cached(tmp_path, [{"text": "fresh"}])
    path = llm.path_for(cache_key(llm.name, REQUEST, Duty))
    path.parent.mkdir(parents=True)
    path.write_bytes(garbage)
    assert llm.structured(REQUEST, Duty).text == "fresh"
    assert len(fake.calls) == 1 and llm.stats.cache_hits == 0
    assert json.loads(json.loads(path.read_text(encoding="utf-8"))["value"]) == {"text": "fresh"}
    assert llm.structured(REQUEST, Duty).text == "fresh"
    assert llm.stats.cache_hits == 1


def test_failures_are_not_cached(tmp_path: Path) -> None:
    llm, _ = _cached(tmp_path, [{"amount": "x", "reason": "x"}])
    with pytest.raises(ModelOutputError):
        llm.structured(REQUEST, Change, max_retries=0)
    assert not list((tmp_path / "responses").rglob("*.json"))


# --- LazyLLM ----------------------------------------------------------------------------


def test_the_lazy_model_starts_on_its_first_call_only(tmp_path: Path) -> None:
    opened: list[CallStats] = []
    closed: list[bool] = []

    def opener(stats: CallStats) -> tuple[LLM, contextlib.ExitStack]:
        opened.append(stats)
        stack = contextlib.ExitStack()
        stack.callback(lambda: closed.append(True))
        fake = FakeLLM([{"text": "a"}], name="local")
        fake.stats = stats
        return fake, stack

    lazy = LazyLLM(lambda: "local", opener)
    assert lazy.name == "local" and not lazy.started and opened == []
    lazy.close()
    assert closed == []  # nothing was started, nothing to stop
    assert lazy.structured(REQUEST, Duty).text == "a"
    assert lazy.started and len(opened) == 1 and lazy.stats.calls == 1
    lazy.close()
    assert closed == [True] and not lazy.started


# --- prompts ----------------------------------------------------------------------------


def test_prompts_render_in_one_pass_so_document_text_reaches_the_model_verbatim() -> None:
    passage = "某文件写着：{question} 与 {passages}，以及 {items}。"
    request = load_prompt("answer").render(passages=passage, question="项目支出是多少？")
    user = request.messages[-1]["content"]
    assert passage in user  # not "某文件写着：项目支出是多少？…"
    assert user.count("项目支出是多少？") == 1
    assert (request.prompt, request.version) == ("answer", load_prompt("answer").version)
    reasons = load_prompt("reasons").render(passage="{items}", items="1. 基本支出增加1万元")
    assert "原文：\n{items}" in reasons.messages[-1]["content"]


def test_a_render_with_missing_or_unknown_values_is_refused() -> None:
    with pytest.raises(PromptError, match="takes"):
        load_prompt("answer").render(passages="x")
    with pytest.raises(PromptError, match="takes"):
        load_prompt("duties").render(passage="x", question="y")
