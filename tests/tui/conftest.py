"""Fixtures for the TUI tests: a fixed kubeconfig, a Config pointing at a scripted model, the app factory.

The session is the core's real ChatSession with a real LLMClient; only the model's HTTP endpoint is
scripted (respx on the OpenAI wire), because no language model can run here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from aiops_chat.config import AuditConfig, Config, KubeConfig, LLMConfig, Runtime
from aiops_chat.tui.app import AiopsChatApp
from aiops_chat.tui.launch import build_app
from tests.llm import openai_wire as _llm_wire  # registers respx's "httpx2" mocker
from tests.tui.openai_wire import MODEL, Reply, Script

BASE_URL = "http://llm.test/v1"
CONTEXTS = ("dev-cluster", "prod-eu")

KUBECONFIG = """\
apiVersion: v1
kind: Config
current-context: dev-cluster
clusters:
- name: dev
  cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}
- name: prod
  cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}
users:
- name: alice
  user: {token: not-a-real-token}
contexts:
- name: dev-cluster
  context: {cluster: dev, user: alice, namespace: shop}
- name: prod-eu
  context: {cluster: prod, user: alice, namespace: default}
"""


@pytest.fixture
def anyio_backend() -> str:
    # anyio's pytest plugin runs the async Pilot tests; Textual needs asyncio.
    return "asyncio"


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    path.write_text(KUBECONFIG)
    return path


def make_config(tmp_path: Path, kubeconfig: Path, *, llm: bool = True, kubectl: str = "kubectl") -> Config:
    runtime = Runtime(path=os.environ.get("PATH", "/usr/bin:/bin"), home=str(tmp_path), user="alice",
                      kubeconfig_env=str(kubeconfig), state_dir=str(tmp_path / "state"),
                      cache_dir=str(tmp_path / "cache"))
    return Config(
        llm=LLMConfig(base_url=BASE_URL if llm else "", api_key="sk-test" if llm else "", model=MODEL,
                      max_retries=0, timeout=10.0),
        kube=KubeConfig(kubectl=kubectl, request_timeout=2.0),
        audit=AuditConfig(path=str(tmp_path / "audit.jsonl")),
        runtime=runtime,
    )


@pytest.fixture
def cfg(tmp_path: Path, kubeconfig: Path) -> Config:
    return make_config(tmp_path, kubeconfig)


@pytest.fixture
def script() -> Iterator[Script]:
    """The model's replies, served over a respx-mocked OpenAI endpoint."""
    scripted = Script(replies=[])

    def reply(request: httpx.Request) -> httpx.Response:
        body = scripted.next_body(json.loads(request.content))
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    # The openai SDK sends through httpx2; the LLM tests' mocker teaches respx to intercept it.
    with respx.mock(assert_all_called=False, using="httpx2") as mock:
        mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=reply)
        yield scripted


AppFactory = Callable[..., AiopsChatApp]


@pytest.fixture
def make_app(cfg: Config, tmp_path: Path) -> AppFactory:
    """Build the app exactly as `aiops chat` does (real ChatSession, audit log, preview), with demo findings."""

    def build(*, config: Config | None = None, offline: bool = False, context: str | None = None,
              namespace: str | None = None) -> AiopsChatApp:
        return build_app(config or cfg, context=context, namespace=namespace, offline=offline, demo=True,
                         export_dir=tmp_path / "export")

    return build


def audit_entries(cfg: Config) -> list[dict[str, Any]]:
    path = cfg.audit_path
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


__all__ = ["CONTEXTS", "Reply", "_llm_wire", "audit_entries", "make_config"]
