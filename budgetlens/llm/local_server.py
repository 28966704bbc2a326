"""Run llama.cpp's OpenAI-compatible server on the embedded model, and always stop it.

Why a subprocess rather than in-process llama_cpp: the same OpenAI-compatible code path
then serves the local model and any remote endpoint, and a crash or hang in the native
library cannot take the app down. The server binds 127.0.0.1 only, on a free port, and
is stopped on context exit, at interpreter exit (atexit), and - on Linux, when started
from the main thread - by the kernel if this process dies (PR_SET_PDEATHSIG), so no
stray server keeps 2 GB of RAM and a core busy.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from .base import ModelUnavailableError

HOST = "127.0.0.1"


class LocalServerError(ModelUnavailableError):
    """The local llama.cpp server could not be started (message includes its log tail)."""


_live: weakref.WeakSet[LocalServer] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    for server in list(_live):
        server.stop()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _load_prctl() -> Any:
    # Resolved here, not in the child: dlopen between fork and exec can deadlock.
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


# Proxies never apply to our own loopback server.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LocalServer:
    """``with LocalServer(gguf, threads=1) as srv: srv.base_url`` -> http://127.0.0.1:N/v1."""

    def __init__(
        self,
        model_path: Path | str,
        *,
        threads: int = 1,
        context_size: int = 4096,
        port: int | None = None,
        startup_timeout: float = 120.0,
        model_alias: str | None = None,
        extra_args: list[str] | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.threads = threads
        self.context_size = context_size
        self.port = port
        self.startup_timeout = startup_timeout
        self.model_alias = model_alias or self.model_path.stem
        self.extra_args = list(extra_args or [])
        self.process: subprocess.Popen[bytes] | None = None
        self.start_seconds: float | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        if self.port is None or self.process is None:
            raise LocalServerError("local server is not running")
        return f"http://{HOST}:{self.port}/v1"

    def command(self) -> list[str]:
        """The server command line (flag names as llama_cpp.server 0.3.x accepts them)."""
        return [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model", str(self.model_path),
            "--model_alias", self.model_alias,
            "--host", HOST,
            "--port", str(self.port),
            "--n_threads", str(self.threads),
            "--n_threads_batch", str(self.threads),
            "--n_ctx", str(self.context_size),
            # the server's default keeps logits for every context position: a 4096 x 151,936
            # float array (2.5 GB) and the output layer run on every prompt token, for
            # prompt log-probabilities BudgetLens never asks for
            "--logits_all", "false",
            *self.extra_args,
        ]  # fmt: skip

    def start(self) -> LocalServer:
        if self.process is not None:
            return self
        if not self.model_path.is_file():
            raise LocalServerError(f"model file {self.model_path} does not exist")
        if self.port is None:
            self.port = free_port()
        env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
        self._log = tempfile.TemporaryFile(prefix="budgetlens-llama-server-")  # noqa: SIM115 (closed in stop())
        started = time.monotonic()
        on_main = threading.current_thread() is threading.main_thread()
        self.process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            # PDEATHSIG fires when the *thread* that forked exits, so only from main.
            preexec_fn=_die_with_parent if on_main and _PRCTL is not None else None,
        )
        _live.add(self)
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - started
        return self

    def _wait_ready(self, started: float) -> None:
        url = f"http://{HOST}:{self.port}/v1/models"
        assert self.process is not None
        while True:
            code = self.process.poll()
            if code is not None:
                raise LocalServerError(
                    f"llama.cpp server exited with code {code} while starting.\n"
                    f"command: {' '.join(self.command())}\n{self.log_tail()}"
                )
            try:
                with _opener.open(url, timeout=2) as resp:
                    if resp.status == 200:
                        json.load(resp)
                        return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            if time.monotonic() - started > self.startup_timeout:
                raise LocalServerError(
                    f"llama.cpp server did not answer {url} within "
                    f"{self.startup_timeout:.0f} s.\n{self.log_tail()}"
                )
            time.sleep(0.2)

    def log_tail(self, lines: int = 30) -> str:
        """Last lines of the server's combined stdout/stderr (for error messages)."""
        if self._log is None:
            return ""
        with contextlib.suppress(OSError, ValueError):
            self._log.flush()
            self._log.seek(0)
            text = self._log.read().decode("utf-8", "replace")
            self._log.seek(0, os.SEEK_END)
            return "server log (tail):\n" + "\n".join(text.splitlines()[-lines:])
        return ""

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate, then kill if it does not exit within ``timeout``. Idempotent."""
        proc, self.process = self.process, None
        _live.discard(self)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log is not None:
            with contextlib.suppress(OSError):
                self._log.close()
            self._log = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
