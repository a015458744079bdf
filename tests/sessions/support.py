"""Shared by tests/sessions and tests/security/test_sessions_*: a store in a temporary state directory, a
sealed session to start from, and the environment `aiops` runs in (stand-in kubectl, scripted model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiops_chat.sessions.store import SessionStore, StoredSession
from tests.llm.openai_wire import BASE_URL
from tests.tools.fake_kubectl import FakeKubectl

SID = "20261204-101500-abc123"


@pytest.fixture
def fake_kubectl(tmp_path: Path) -> FakeKubectl:
    return FakeKubectl(tmp_path)


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    """Where `aiops` run with `cli_env` (or a subprocess given `cli_environ`) saves its sessions."""
    return SessionStore(tmp_path / "state" / "aiops" / "sessions")


@pytest.fixture
def cli_env(fake_kubectl: FakeKubectl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The environment of `aiops` run in-process; returns its config file."""
    for name, value in cli_environ(fake_kubectl, tmp_path).items():
        monkeypatch.setenv(name, value)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AIOPS_CONFIG", "AIOPS_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return write_config(tmp_path, BASE_URL)


def cli_environ(fake_kubectl: FakeKubectl, tmp_path: Path) -> dict[str, str]:
    return {"PATH": f"{fake_kubectl.bin}:/usr/bin:/bin", "KUBECONFIG": str(fake_kubectl.kubeconfig),
            "HOME": str(fake_kubectl.home), "XDG_STATE_HOME": str(tmp_path / "state")}


def write_config(tmp_path: Path, base_url: str) -> Path:
    config = tmp_path / "aiops.toml"
    config.write_text(f'[llm]\nbase_url = "{base_url}"\napi_key = "sk-test"\nmax_retries = 0\n'
                      f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n[policy]\nworkdir = "{tmp_path}"\n')
    return config


def stored(session_id: str = SID, history: list[dict[str, Any]] | None = None, *, context: str | None = "fake-ctx",
           namespace: str = "shop") -> StoredSession:
    return StoredSession(session_id, "ask", context, namespace, history if history is not None else [
        {"role": "user", "content": "why is web-0 not ready?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get", "arguments": '{"kind": "pods"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "web-0   0/1   CrashLoopBackOff"},
        {"role": "assistant", "content": "web-0 crashes: its probe fails."},
    ])
