"""Resume after kill -9 mid-turn: the real `aiops ask --session` as a subprocess against a scripted
OpenAI-compatible HTTP server (the standard library's, streaming the SSE wire: a subprocess cannot use
respx), killed while the server stalls in the middle of a streamed answer. The saved file must be the
previous turn's, intact and verifying, and the conversation must continue from it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.sessions.store import SessionStore
from tests.sessions.support import cli_environ, fake_kubectl, write_config
from tests.support.openai_wire import Reply, sse_chunks, tool_call
from tests.tools.fake_kubectl import FakeKubectl

__all__ = ["fake_kubectl"]
WAIT = 60.0  # generous: two cores shared by many test runs; a hang fails the test instead of blocking it


@dataclass
class Model:
    """Replies in order; a reply marked `stall` sends half its stream, then holds the connection open."""

    replies: list[tuple[Reply, bool]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def model() -> Iterator[tuple[str, Model]]:
    state = Model()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            if not self.path.endswith("/chat/completions"):  # e.g. a context-size probe: not this server
                self.send_response(404)
                self.end_headers()
                return
            state.requests.append(json.loads(body))
            reply, stall = state.replies.pop(0)
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            events = [f"data: {json.dumps(c)}\n\n" for c in sse_chunks(reply.content, reply.tool_calls)]
            events.append("data: [DONE]\n\n")
            if not stall:
                self.wfile.write("".join(events).encode())
                return
            self.wfile.write("".join(events[:3]).encode())  # the role and the first pieces of text
            self.wfile.flush()
            state.stalled.set()
            state.release.wait(WAIT)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", state
    state.release.set()
    server.shutdown()
    server.server_close()


def _ask(env: dict[str, str], config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "aiops_chat.cli.main", "--config", str(config), "ask", *args],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    return out, err


def test_kill_9_mid_turn_loses_only_that_turn_and_the_session_resumes(
        model: tuple[str, Model], fake_kubectl: FakeKubectl, tmp_path: Path) -> None:
    base_url, state = model
    config = write_config(tmp_path, base_url)
    env = {**cli_environ(fake_kubectl, tmp_path), "LANG": "C.UTF-8"}
    store = SessionStore(tmp_path / "state" / "aiops" / "sessions")
    fake_kubectl.respond("get", "pods", stdout="web-0   0/1   CrashLoopBackOff\n")

    # Turn 1 completes: a tool call, then the answer.
    state.replies += [(Reply(tool_calls=[tool_call("get", {"kind": "pods"}, "c1")]), False),
                      (Reply(content="web-0 is crash-looping."), False)]
    _, err = _finish(_ask(env, config, "why is web-0 down?"))
    sid = re.findall(r"^aiops: session (\S+)", err, re.M)[0]
    before = store.path(sid).read_bytes()

    # Turn 2 is killed while the answer is half streamed.
    state.replies += [(Reply(content="Half of an answer that never finishes " * 5), True)]
    proc = _ask(env, config, "--session", sid, "and what about web-1?")
    assert state.stalled.wait(WAIT), "the model was never asked"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=WAIT)
    assert proc.returncode == -signal.SIGKILL
    state.release.set()

    assert store.path(sid).read_bytes() == before  # the previous turn's file, byte for byte
    assert {p.name for p in store.dir.iterdir()} == {".key", f".{sid}.lock", f"{sid}.json"}  # no torn temp file
    assert store.load(sid).turns == 1  # and it verifies

    # Turn 3 continues from turn 1 (the dead process's lock went with it); the killed turn is gone.
    state.replies += [(Reply(content="web-1 is fine."), False)]
    out, err = _finish(_ask(env, config, "--session", sid, "and what about web-1?"))
    assert out.strip() == "web-1 is fine."
    assert f"aiops: session {sid}" in err
    sent = [(m["role"], m.get("content")) for m in state.requests[-1]["messages"] if m["role"] != "system"]
    assert [c for r, c in sent if r == "user"] == ["why is web-0 down?", "and what about web-1?"]
    assert ("assistant", "web-0 is crash-looping.") in sent
    saved = store.load(sid)
    assert saved.turns == 2 and saved.history[-1] == {"role": "assistant", "content": "web-1 is fine."}
