"""Start and stop the real llama.cpp OpenAI-compatible server (llama-cpp-python's `llama_cpp.server`)
on loopback, with the small model that scripts/install-llm-server assembles. Shared by the tests in this
folder and bench/llm_server.py."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.support.processes import free_port, stop

MODEL_ALIAS = "gemma-3-270m"
CTX = 4096  # the fixed prompt (system + 13 tool schemas) alone is ~1.5k tokens


def model_path() -> Path:
    cache = Path(os.environ.get("AIOPS_LLM_CACHE", Path.home() / ".cache" / "aiops-llm-server"))
    return cache / "models" / "gemma-3-270m-q4_k_m.gguf"


def missing() -> str | None:
    """Why the server cannot start here, or None."""
    try:
        import llama_cpp.server  # noqa: F401
    except ImportError as exc:
        return f"llama-cpp-python[server] is not installed ({exc}): run scripts/install-llm-server"
    if not model_path().is_file():
        return f"no model at {model_path()}: run scripts/install-llm-server"
    return None


@contextlib.contextmanager
def running_server(log_path: Path, *, startup_limit: float = 180.0) -> Iterator[str]:
    """Yield the server's base URL (…/v1) once /v1/models answers; stop it (and wait) on exit."""
    port = free_port()
    argv = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path()), "--model_alias", MODEL_ALIAS,
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(CTX), "--n_threads", str(os.cpu_count() or 2)]
    base_url = f"http://127.0.0.1:{port}/v1"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + startup_limit
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}:\n{_tail(log_path)}")
                try:
                    if httpx.get(f"{base_url}/models", timeout=2.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server did not answer /v1/models in {startup_limit:.0f} s:\n"
                                       f"{_tail(log_path)}")
                time.sleep(0.25)
            yield base_url
        finally:
            stop(proc, 15)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
