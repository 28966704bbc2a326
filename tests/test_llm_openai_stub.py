"""LocalServer lifecycle and OpenAICompatibleLLM against a stub OpenAI server (no model).

The stub is a tiny stdlib HTTP server started *by LocalServer* (its command is swapped),
so the real start/readiness/stop code runs, and the real openai + instructor stack talks
to it: forced tool calls for structured().
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from budgetlens.errors import ConfigError, ModelError, ModelOutputError, ModelUnavailableError
from budgetlens.llm import Request
from budgetlens.llm.local_server import LocalServer, LocalServerError
from budgetlens.llm.openai_compat import OpenAICompatibleLLM

STUB = r"""
import json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

answers = json.loads(os.environ.get("STUB_ANSWERS", "[]"))
log = os.environ["STUB_LOG"]
state = {"n": 0}
if os.environ.get("STUB_CRASH"):
    print("stub: cannot load model", file=sys.stderr, flush=True)
    sys.exit(3)
if os.environ.get("STUB_SLEEP"):
    time.sleep(float(os.environ["STUB_SLEEP"]))

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def _json(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._json({"object": "list", "data": [{"id": "stub", "object": "model"}]})

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(log, "a") as fh:
            fh.write(json.dumps(req) + "\n")
        base = {"id": "x", "created": 0, "model": req["model"]}
        answer = answers[min(state["n"], len(answers) - 1)]
        state["n"] += 1
        name = req["tools"][0]["function"]["name"]
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": name, "arguments": json.dumps(answer)}}]}
        self._json({**base, "object": "chat.completion",
                    "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


class Change(BaseModel):
    amount: float
    reason: str


MESSAGES = Request("reasons", "1", ({"role": "user", "content": "说明支出增加的原因。"},))


class StubServer(LocalServer):
    def __init__(self, tmp_path: Path, **kwargs: object) -> None:
        model = tmp_path / "stub.gguf"
        model.write_bytes(b"GGUF")
        script = tmp_path / "stub_server.py"
        script.write_text(STUB)
        self.script = script
        super().__init__(model, **kwargs)  # type: ignore[arg-type]

    def command(self) -> list[str]:
        return [sys.executable, str(self.script), str(self.port)]


@pytest.fixture
def stub_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "requests.jsonl"
    monkeypatch.setenv("STUB_LOG", str(log))
    for name in ("STUB_CRASH", "STUB_SLEEP", "STUB_ANSWERS"):
        monkeypatch.delenv(name, raising=False)
    return log


def _requests(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    def set_answers(*items: dict) -> None:
        monkeypatch.setenv("STUB_ANSWERS", json.dumps(list(items)))

    yield set_answers


def test_server_starts_answers_and_stops(tmp_path: Path, stub_env: Path) -> None:
    with StubServer(tmp_path) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert server.start_seconds is not None
        proc = server.process
        assert proc is not None and proc.poll() is None
    assert proc.poll() is not None
    assert server.process is None
    with pytest.raises(LocalServerError, match="not running"):
        _ = server.base_url
    server.stop()  # idempotent


def test_real_command_binds_loopback_with_thread_and_context_flags(tmp_path: Path) -> None:
    cmd = LocalServer(tmp_path / "m.gguf", threads=1, context_size=2048, port=5555).command()
    flags = dict(zip(cmd[3::2], cmd[4::2], strict=False))
    assert cmd[1:3] == ["-m", "llama_cpp.server"]
    assert flags["--host"] == "127.0.0.1" and flags["--port"] == "5555"
    assert flags["--n_threads"] == "1" and flags["--n_ctx"] == "2048"
    assert flags["--model_alias"] == "m"


def test_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LocalServerError, match="does not exist"):
        LocalServer(tmp_path / "absent.gguf").start()


def test_early_exit_reports_the_log_tail(
    tmp_path: Path, stub_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_CRASH", "1")
    server = StubServer(tmp_path)
    with pytest.raises(LocalServerError, match=r"(?s)exited with code 3.*cannot load model"):
        server.start()
    assert server.process is None


def test_startup_timeout_stops_the_process(
    tmp_path: Path, stub_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_SLEEP", "30")
    server = StubServer(tmp_path, startup_timeout=1.0)
    with pytest.raises(LocalServerError, match="did not answer"):
        server.start()
    assert server.process is None


def test_atexit_hook_stops_live_servers(tmp_path: Path, stub_env: Path) -> None:
    from budgetlens.llm import local_server

    server = StubServer(tmp_path).start()
    proc = server.process
    assert proc is not None
    local_server._stop_all()
    assert proc.poll() is not None


def test_structured_uses_tools_and_records_usage(
    tmp_path: Path, stub_env: Path, answers: Callable[..., None]
) -> None:
    answers({"amount": 5.2, "reason": "人员增加"})
    with StubServer(tmp_path) as server:
        llm = OpenAICompatibleLLM(server.base_url, None, "stub-model")
        got = llm.structured(MESSAGES, Change)
    assert got == Change(amount=5.2, reason="人员增加")
    (req,) = _requests(stub_env)
    assert req["model"] == "stub-model" and req["temperature"] == 0.0
    assert req["tool_choice"]["function"]["name"] == req["tools"][0]["function"]["name"]
    assert "response_format" not in req  # json_schema gives HTTP 500 on llama.cpp
    assert (llm.stats.calls, llm.stats.prompt_tokens, llm.stats.completion_tokens) == (1, 10, 5)


def test_reask_when_the_answer_does_not_fit_the_schema(
    tmp_path: Path, stub_env: Path, answers: Callable[..., None]
) -> None:
    answers({"amount": "九十九", "reason": "错"}, {"amount": 7, "reason": "对"})
    with StubServer(tmp_path) as server:
        llm = OpenAICompatibleLLM(server.base_url, None, "stub-model")
        got = llm.structured(MESSAGES, Change)
    assert got.reason == "对"
    first, second = _requests(stub_env)
    assert len(second["messages"]) > len(first["messages"])
    assert "九十九" in json.dumps(second["messages"], ensure_ascii=False)
    # usage of both attempts is counted
    assert (llm.stats.prompt_tokens, llm.stats.completion_tokens) == (20, 10)


def test_exhausted_retries_raise_structured_output_error(
    tmp_path: Path, stub_env: Path, answers: Callable[..., None]
) -> None:
    answers({"amount": "x", "reason": "x"})
    with StubServer(tmp_path) as server:
        llm = OpenAICompatibleLLM(server.base_url, None, "stub-model")
        with pytest.raises(ModelOutputError) as info:
            llm.structured(MESSAGES, Change, max_retries=1)
    assert info.value.attempts == 2
    assert len(_requests(stub_env)) == 2
    assert llm.stats.failures == 1


def test_unreachable_endpoint_is_unavailable_not_a_bad_answer() -> None:
    from budgetlens.llm.local_server import free_port

    llm = OpenAICompatibleLLM(f"http://127.0.0.1:{free_port()}/v1", None, "m", timeout=2)
    with pytest.raises(ModelUnavailableError) as info:
        llm.structured(MESSAGES, Change)
    assert not isinstance(info.value, ModelOutputError)


def test_environment_passes_omp_wait_policy(tmp_path: Path, stub_env: Path) -> None:
    assert "OMP_WAIT_POLICY" not in os.environ or os.environ["OMP_WAIT_POLICY"]
    with StubServer(tmp_path) as server:
        assert server.process is not None
        environ = Path(f"/proc/{server.process.pid}/environ").read_bytes().split(b"\0")
    assert b"OMP_WAIT_POLICY=PASSIVE" in environ


PARENT = r"""
import sys, time
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from test_llm_openai_stub import StubServer
server = StubServer(Path(sys.argv[3])).start()
print(server.process.pid, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux-only")
def test_server_dies_when_its_parent_is_killed(tmp_path: Path, stub_env: Path) -> None:
    """Even a SIGKILLed app (no atexit) leaves no stray server behind."""
    import signal
    import subprocess
    import time

    repo = Path(__file__).resolve().parents[1]
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(repo), str(Path(__file__).parent), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        os.kill(child, 0)  # running
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                break
            # it was re-parented to init, so it may linger briefly as a zombie
            status = Path(f"/proc/{child}/status")
            if status.exists() and "zombie" in status.read_text():
                break
            time.sleep(0.1)
        else:
            os.kill(child, signal.SIGKILL)
            pytest.fail("server outlived its killed parent")
    finally:
        if parent.poll() is None:
            parent.kill()


def test_settings_build_a_cached_openai_compatible_backend(
    tmp_path: Path, stub_env: Path, answers: Callable[..., None]
) -> None:
    from budgetlens.llm import CachedLLM
    from budgetlens.settings import Settings

    answers({"amount": 3.0, "reason": "会议费减少"})
    with StubServer(tmp_path) as server:
        settings = Settings(
            base_url=server.base_url, model="remote-model", cache_dir=tmp_path / "cache"
        )
        llm, stack = settings.open_llm()
        with stack:
            assert isinstance(llm, CachedLLM)
            assert isinstance(llm.inner, OpenAICompatibleLLM)
            first = llm.structured(MESSAGES, Change)
            assert llm.structured(MESSAGES, Change) == first
            assert (llm.stats.calls, llm.stats.cache_hits) == (1, 1)
    assert len(_requests(stub_env)) == 1
    assert list((tmp_path / "cache" / "responses").rglob("*.json"))


def test_a_base_url_needs_a_model_name(tmp_path: Path) -> None:
    from budgetlens.settings import Settings

    settings = Settings(base_url="http://127.0.0.1:9/v1", model=None, cache_dir=tmp_path)
    with pytest.raises(ConfigError, match="BUDGETLENS_MODEL"):
        settings.open_llm()


def test_without_a_model_the_message_says_how_to_install(tmp_path: Path) -> None:
    from budgetlens.llm.model_install import ModelNotFoundError
    from budgetlens.settings import Settings

    settings = Settings(base_url=None, local_model=None, cache_dir=tmp_path)
    with pytest.raises(ModelNotFoundError, match="budgetlens model install"):
        settings.open_llm()
    lazy = settings.lazy_llm()  # nothing is started, nothing fails, until a call needs it
    with pytest.raises(ModelNotFoundError):
        lazy.structured(MESSAGES, Change)
    assert isinstance(ModelNotFoundError("x"), ModelError)
