"""The real `aiops chat` in a real terminal (tmux), against a scripted OpenAI-compatible HTTP server.

The server is the standard library's http.server streaming the chat-completions SSE wire; it stands in
for a language model, which cannot run here. Everything else is the shipped program: the console script,
config loading, the Textual app, the session, the LLM client and its HTTP stack.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.tui.conftest import KUBECONFIG
from tests.tui.openai_wire import MODEL, Reply, Script

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

ANSWER = "All 3 web pods are Running; nothing to fix."


@pytest.fixture
def model_server() -> Iterator[tuple[str, Script]]:
    script = Script(replies=[Reply(text=ANSWER, prompt_tokens=200, completion_tokens=12)])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if not self.path.endswith("/chat/completions"):
                self.send_error(404)
                return
            body = script.next_body(json.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", script
    server.shutdown()
    server.server_close()


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True,
                              timeout=20).stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "smoke")

    def wait_for(self, text: str, limit: float = 30.0) -> str:
        deadline = time.monotonic() + limit
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{shown}")


def test_aiops_chat_answers_in_a_terminal(model_server: tuple[str, Script], tmp_path: Path) -> None:
    base_url, script = model_server
    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    config = tmp_path / "aiops.toml"
    config.write_text(f'[llm]\nbase_url = "{base_url}"\napi_key = "sk-smoke"\nmodel = "{MODEL}"\nmax_retries = 0\n'
                      f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n')
    aiops = Path(sys.executable).parent / "aiops"
    env = {"HOME": str(tmp_path), "PATH": os.environ["PATH"], "KUBECONFIG": str(tmp_path / "kubeconfig"),
           "TERM": "xterm-256color", "LANG": "C.UTF-8", "USER": "smoke"}
    command = " ".join(["env", "-i", *(f"{k}={v}" for k, v in env.items()), str(aiops), "--config", str(config),
                        "chat"])
    tmux = Tmux(f"aiops-smoke-{os.getpid()}")
    tmux("new-session", "-d", "-s", "smoke", "-x", "120", "-y", "36", command)
    try:
        tmux.wait_for(f"model: {MODEL}")
        tmux.wait_for("dev-cluster")
        tmux("send-keys", "-t", "smoke", "-l", "are the web pods healthy?")
        tmux("send-keys", "-t", "smoke", "Enter")
        screen = tmux.wait_for("nothing to fix.")
        assert "All 3 web pods are Running" in screen
        assert "are the web pods healthy?" in screen
        assert "212 tokens" in tmux.wait_for("212 tokens")
        assert any("are the web pods healthy?" in json.dumps(r["messages"]) for r in script.requests)
        tmux("send-keys", "-t", "smoke", "C-q")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if "smoke" not in subprocess.run(["tmux", "-L", tmux.socket, "ls"], capture_output=True,
                                             text=True).stdout:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("aiops chat did not exit on ctrl+q")
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True)
