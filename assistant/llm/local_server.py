"""Start, health-check and stop the bundled llama.cpp OpenAI-compatible server."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from assistant.errors import TerminalError

logger = logging.getLogger(__name__)

MODEL_ALIAS = "local"


def is_healthy(base_url: str, timeout_s: float = 2.0) -> bool:
    try:
        return httpx.get(f"{base_url.rstrip('/')}/models", timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


def _die_with_parent() -> None:
    """On Linux, have the kernel stop the server if the app dies without cleaning up (kill -9)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class LocalLLMServer:
    """A ``python -m llama_cpp.server`` child process; reuses a healthy server already on the port."""

    def __init__(
        self,
        model_path: Path,
        host: str,
        port: int,
        context: int,
        log_path: Path,
        threads: int | None = None,
        start_timeout_s: float = 180.0,
    ) -> None:
        self.model_path = model_path
        self.host = host
        self.port = port
        self.context = context
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.log_path = log_path
        self.start_timeout_s = start_timeout_s
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> None:
        if is_healthy(self.base_url):
            logger.info("A language model server is already serving at %s; reusing it", self.base_url)
            return
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model_path),
            "--model_alias", MODEL_ALIAS,
            "--host", self.host,
            "--port", str(self.port),
            "--n_ctx", str(self.context),
            "--n_threads", str(self.threads),
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
            )
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise TerminalError(f"the local language model server exited; see {self.log_path}")
            if is_healthy(self.base_url):
                logger.info("Local language model server ready at %s", self.base_url)
                return
            time.sleep(0.5)
        self.stop()
        raise TerminalError(f"the local language model server did not become healthy; see {self.log_path}")

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def __enter__(self) -> LocalLLMServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
