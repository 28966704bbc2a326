"""FakeLLM queue/re-ask behaviour and CachedLLM hits, misses and corrupt entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationInfo, field_validator

from extract.llm import LLM, CachedLLM, FakeLLM, StructuredOutputError
from extract.llm.cache import cache_key

MESSAGES = [
    {"role": "system", "content": "Extract the duties."},
    {"role": "user", "content": "主要职责：负责全区财政预算编制。"},
]


class Duty(BaseModel):
    text: str


class Change(BaseModel):
    """Validator uses the validation context, like a check against parsed figures."""

    amount: float
    reason: str

    @field_validator("amount")
    @classmethod
    def must_match_parsed(cls, value: float, info: ValidationInfo) -> float:
        parsed = (info.context or {}).get("parsed_amounts")
        if parsed is not None and value not in parsed:
            raise ValueError(f"{value} is not one of the parsed amounts {parsed}")
        return value


# --- FakeLLM ----------------------------------------------------------------------------


def test_fake_satisfies_the_protocol() -> None:
    assert isinstance(FakeLLM(), LLM)
    assert isinstance(CachedLLM(FakeLLM(), "/nonexistent", "1"), LLM)


def test_fake_returns_queued_responses_in_order_and_records_calls() -> None:
    llm = FakeLLM([Duty(text="a"), {"text": "b"}, '{"text": "c"}'])
    assert llm.structured(MESSAGES, Duty).text == "a"
    assert llm.structured(MESSAGES, Duty).text == "b"
    assert llm.structured(MESSAGES, Duty).text == "c"
    assert [c.messages for c in llm.calls] == [MESSAGES] * 3
    assert all(c.response_model is Duty and c.attempt == 1 for c in llm.calls)
    assert llm.stats.calls == 3


def test_fake_records_a_copy_of_the_messages() -> None:
    llm = FakeLLM([{"text": "x"}])
    messages = [dict(m) for m in MESSAGES]
    llm.structured(messages, Duty)
    messages[1]["content"] = "changed"
    assert llm.calls[0].messages[1]["content"] == MESSAGES[1]["content"]


def test_fake_empty_queue_is_a_clear_assertion() -> None:
    llm = FakeLLM([{"text": "only one"}])
    llm.structured(MESSAGES, Duty)
    with pytest.raises(AssertionError, match="no queued response left"):
        llm.structured(MESSAGES, Duty)
    with pytest.raises(AssertionError, match="no queued response left"):
        llm.stream(MESSAGES)


def test_fake_raises_queued_exceptions() -> None:
    llm = FakeLLM([TimeoutError("slow model")])
    with pytest.raises(TimeoutError, match="slow model"):
        llm.structured(MESSAGES, Duty)


def test_fake_rejects_a_response_of_the_wrong_kind() -> None:
    with pytest.raises(AssertionError, match="cannot answer"):
        FakeLLM([42]).structured(MESSAGES, Duty)
    with pytest.raises(AssertionError, match="cannot answer stream"):
        FakeLLM([{"text": "x"}]).stream(MESSAGES)


def test_fake_stream_yields_chunks_that_join_to_the_text() -> None:
    llm = FakeLLM(["2024年 支出 增加 5.2万元。", ["a", "b"]])
    chunks = list(llm.stream(MESSAGES))
    assert len(chunks) > 1
    assert "".join(chunks) == "2024年 支出 增加 5.2万元。"
    assert list(llm.stream(MESSAGES)) == ["a", "b"]
    assert [c.kind for c in llm.calls] == ["stream", "stream"]


def test_validation_context_runs_validators_on_dict_responses() -> None:
    llm = FakeLLM([{"amount": 5.2, "reason": "人员增加"}])
    got = llm.structured(MESSAGES, Change, validation_context={"parsed_amounts": [5.2, 7.0]})
    assert got.amount == 5.2
    assert llm.calls[0].validation_context == {"parsed_amounts": [5.2, 7.0]}


def test_reask_moves_to_the_next_response_and_shows_the_error() -> None:
    llm = FakeLLM(
        [
            {"amount": 99.0, "reason": "wrong figure"},  # fails the context check
            {"amount": "not a number", "reason": "x"},  # fails type validation
            {"amount": 7.0, "reason": "项目支出增加"},
        ]
    )
    got = llm.structured(
        MESSAGES, Change, validation_context={"parsed_amounts": [7.0]}, max_retries=2
    )
    assert got.reason == "项目支出增加"
    assert [c.attempt for c in llm.calls] == [1, 2, 3]
    assert llm.calls[0].error is not None and llm.calls[2].error is None
    # the re-ask carries the model's answer and the validation error, like instructor
    reask = llm.calls[1].messages
    assert reask[: len(MESSAGES)] == MESSAGES
    assert reask[-2]["role"] == "assistant"
    assert "99.0 is not one of the parsed amounts" in reask[-1]["content"]


def test_reask_gives_up_after_max_retries() -> None:
    bad = {"amount": 1.0, "reason": "x"}
    llm = FakeLLM([bad, bad, {"amount": 2.0, "reason": "would be valid"}])
    with pytest.raises(StructuredOutputError) as info:
        llm.structured(
            MESSAGES, Change, validation_context={"parsed_amounts": [2.0]}, max_retries=1
        )
    assert info.value.attempts == 2
    assert len(llm.calls) == 2
    assert llm.stats.failures == 1
    assert len(llm.responses) == 1  # the third response was never consumed


def test_without_context_the_same_response_is_valid() -> None:
    assert FakeLLM([{"amount": 99.0, "reason": "r"}]).structured(MESSAGES, Change).amount == 99.0


# --- CachedLLM --------------------------------------------------------------------------


def _cached(tmp_path: Path, responses: list, version: str = "v1") -> tuple[CachedLLM, FakeLLM]:
    fake = FakeLLM(responses, name="qwen-test")
    return CachedLLM(fake, tmp_path / "responses", version), fake


def test_cache_miss_then_hit_costs_no_model_call(tmp_path: Path) -> None:
    llm, fake = _cached(tmp_path, [{"text": "负责预算编制"}])
    first = llm.structured(MESSAGES, Duty)
    second = llm.structured(MESSAGES, Duty)  # the queue is empty: a model call would fail
    assert first == second
    assert len(fake.calls) == 1
    assert llm.stats.calls == 1 and llm.stats.cache_hits == 1
    files = list((tmp_path / "responses").rglob("*.json"))
    assert len(files) == 1
    entry = json.loads(files[0].read_text(encoding="utf-8"))
    assert json.loads(entry["value"]) == {"text": "负责预算编制"}
    assert not list((tmp_path / "responses").rglob("*.tmp"))


def test_different_messages_or_model_are_different_entries(tmp_path: Path) -> None:
    llm, fake = _cached(tmp_path, [{"text": "a"}, {"text": "b"}])
    other = [*MESSAGES[:1], {"role": "user", "content": "another document"}]
    assert llm.structured(MESSAGES, Duty).text == "a"
    assert llm.structured(other, Duty).text == "b"
    assert len(fake.calls) == 2


def test_prompt_version_changes_the_key(tmp_path: Path) -> None:
    k1 = cache_key("m", "v1", Duty, MESSAGES)
    assert k1 == cache_key("m", "v1", Duty, [dict(m) for m in MESSAGES])
    assert k1 != cache_key("m", "v2", Duty, MESSAGES)
    assert k1 != cache_key("other-model", "v1", Duty, MESSAGES)
    assert k1 != cache_key("m", "v1", Change, MESSAGES)

    llm1, _ = _cached(tmp_path, [{"text": "old prompt"}], version="v1")
    llm1.structured(MESSAGES, Duty)
    llm2, fake2 = _cached(tmp_path, [{"text": "new prompt"}], version="v2")
    assert llm2.structured(MESSAGES, Duty).text == "new prompt"
    assert len(fake2.calls) == 1


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"{not json",
        b'{"format": 1}',
        b'{"format": 1, "value": "{\\"wrong\\": 1}"}',
        b"\xff\xfe",
    ],
)
def test_corrupt_entry_is_ignored_and_overwritten(tmp_path: Path, garbage: bytes) -> None:
    llm, fake = _cached(tmp_path, [{"text": "fresh"}])
    path = llm.path_for(cache_key(llm.name, llm.prompt_version, Duty, MESSAGES))
    path.parent.mkdir(parents=True)
    path.write_bytes(garbage)
    assert llm.structured(MESSAGES, Duty).text == "fresh"
    assert len(fake.calls) == 1 and llm.stats.cache_hits == 0
    assert json.loads(json.loads(path.read_text(encoding="utf-8"))["value"]) == {"text": "fresh"}
    # and it is a hit from now on
    assert llm.structured(MESSAGES, Duty).text == "fresh"
    assert llm.stats.cache_hits == 1


def test_cached_answer_rejected_by_current_context_is_recomputed(tmp_path: Path) -> None:
    llm, fake = _cached(tmp_path, [{"amount": 5.0, "reason": "a"}, {"amount": 6.0, "reason": "b"}])
    assert (
        llm.structured(MESSAGES, Change, validation_context={"parsed_amounts": [5.0]}).amount == 5
    )
    # same prompt, but the parsed figures changed: the cached 5.0 no longer validates
    got = llm.structured(MESSAGES, Change, validation_context={"parsed_amounts": [6.0]})
    assert got.amount == 6.0
    assert len(fake.calls) == 2


def test_failures_are_not_cached(tmp_path: Path) -> None:
    llm, _ = _cached(tmp_path, [{"amount": 1.0, "reason": "x"}])
    with pytest.raises(StructuredOutputError):
        llm.structured(
            MESSAGES, Change, validation_context={"parsed_amounts": [2.0]}, max_retries=0
        )
    assert not list((tmp_path / "responses").rglob("*.json"))


def test_stream_passes_through_uncached(tmp_path: Path) -> None:
    llm, fake = _cached(tmp_path, ["答案一", "答案二"])
    assert "".join(llm.stream(MESSAGES)) == "答案一"
    assert "".join(llm.stream(MESSAGES)) == "答案二"
    assert len(fake.calls) == 2
