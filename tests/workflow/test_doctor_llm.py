"""`aiops doctor --llm` against a local OpenAI-compatible HTTP server (no model can run here; the server
speaks the real wire format: /v1/models, chat completions with a tool call, and SSE streaming)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


class _Endpoint(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _json(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._json({"object": "list", "data": [{"id": "gpt-test", "object": "model", "owned_by": "test"}]})

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        base = {"id": "c1", "created": 1, "model": "gpt-test"}
        if request.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for piece in ("1 ", "2 ", "3"):
                chunk = {**base, "object": "chat.completion.chunk",
                         "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        call = {"id": "call_1", "type": "function", "function": {"name": "ping", "arguments": '{"word": "pong"}'}}
        self._json({**base, "object": "chat.completion", "choices": [{
            "index": 0, "finish_reason": "tool_calls",
            "message": {"role": "assistant", "content": None, "tool_calls": [call]}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})


@pytest.fixture()
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


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
