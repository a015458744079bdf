"""`aiops doctor --llm` against a local OpenAI-compatible HTTP server (no model can run here; the server
speaks the real wire format, from tests/support/openai_wire.py: /v1/models, chat completions with a tool
call, and SSE streaming)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.openai_wire import Reply, ScriptedModel, serve_http, tool_call


@pytest.fixture()
def endpoint() -> Iterator[str]:
    """doctor asks for the models, then a tool call unstreamed and streamed, then a streamed answer."""
    ping = Reply(tool_calls=[tool_call("ping", {"word": "pong"}, "call_1")])
    model = ScriptedModel([ping, ping, Reply("1 2 3")])
    with serve_http(model) as base_url:
        yield base_url


def _doctor(tmp_path: Path, base_url: str) -> subprocess.CompletedProcess[str]:
    # $AIOPS_MODEL, not a ./aiops.toml: a working-directory file is ignored until trusted (issue 9 item 1).
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": base_url,
           "AIOPS_MODEL": "gpt-test"}
    return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "doctor", "--llm-only", "--output", "json"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)


def test_doctor_llm_all_good(endpoint: str, tmp_path: Path) -> None:
    proc = _doctor(tmp_path, endpoint)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert [checks[n]["status"] for n in ("llm config", "llm models", "llm tool call", "llm streaming")] == ["ok"] * 4
    assert "ping" in checks["llm tool call"]["detail"]


def test_doctor_llm_unreachable_says_what_to_change(tmp_path: Path) -> None:
    proc = _doctor(tmp_path, "http://127.0.0.1:9/v1")
    assert proc.returncode == 1
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["llm models"]["status"] == "fail" and "base_url" in checks["llm models"]["hint"]
    assert checks["llm streaming"]["status"] == "skip"
