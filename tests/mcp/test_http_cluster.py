"""`aiops mcp --transport http`: the SDK's Streamable HTTP client against the real process and cluster;
the bearer token, the loopback default and the Host check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.mcp.helpers import CLIENT, accept, audit_entries, http_server, text
from tests.support.testcluster import Cluster

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "curl", "version": "1"}}}
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def _token_file(home: Path, token: str = "s3cret-token-for-tests-0123456789", mode: int = 0o600) -> Path:
    path = home / "token"
    path.write_text(token + "\n")
    path.chmod(mode)
    return path


def _client(url: str, token: str | None = None, **kwargs: Any) -> Client:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    http = httpx2.AsyncClient(headers=headers, timeout=60)
    return Client(streamable_http_client(url, http_client=http), client_info=CLIENT, **kwargs)


@pytest.mark.cluster
def test_http_read_and_approved_write(kube_cluster: Cluster, kube_namespace: str, tmp_path: Path) -> None:
    kube_cluster.kubectl("create", "deployment", "web", "--image=nginx", "-n", kube_namespace)

    async def scenario(url: str) -> Any:
        async with _client(url, elicitation_callback=accept({"approve": True})) as client:
            tools = await client.list_tools()
            read = await client.call_tool("get", {"kind": "deployments"})
            write = await client.call_tool("scale", {"target": "deployment/web", "replicas": 2})
            return tools, read, write

    with http_server(kube_cluster, tmp_path, kube_namespace) as url:
        tools, read, write = anyio.run(scenario, url)
    assert "analyze_cluster" in [t.name for t in tools.tools]
    assert not read.is_error and "web" in text(read)
    assert not write.is_error, text(write)
    assert kube_cluster.kubectl("get", "deploy", "web", "-n", kube_namespace,
                                "-o", "jsonpath={.spec.replicas}").stdout == "2"
    assert {e["source"] for e in audit_entries(tmp_path)} == {"mcp:pytest-agent/9.9"}


@pytest.mark.cluster
def test_a_token_is_checked_on_every_request(kube_cluster: Cluster, kube_namespace: str, tmp_path: Path) -> None:
    token = "s3cret-token-for-tests-0123456789"
    path = _token_file(tmp_path, token)

    async def with_token(url: str) -> Any:
        async with _client(url, token) as client:
            return await client.call_tool("get", {"kind": "pods"})

    with http_server(kube_cluster, tmp_path, kube_namespace, "--token-file", str(path)) as url:
        refused = [httpx2.post(url, json=INIT, headers={**MCP_HEADERS, **auth}, timeout=10)
                   for auth in ({}, {"authorization": "Bearer wrong"}, {"authorization": token},
                                {"authorization": f"Bearer {token}x"})]
        read = anyio.run(with_token, url)
    assert [r.status_code for r in refused] == [401] * 4
    assert not read.is_error
    assert all(e["source"] == "mcp:pytest-agent/9.9" for e in audit_entries(tmp_path))


@pytest.mark.cluster
def test_loopback_server_refuses_a_foreign_host_header(kube_cluster: Cluster, kube_namespace: str,
                                                        tmp_path: Path) -> None:
    with http_server(kube_cluster, tmp_path, kube_namespace) as url:
        rebound = httpx2.post(url, json=INIT, headers={**MCP_HEADERS, "host": "evil.example:80"}, timeout=10)
        origin = httpx2.post(url, json=INIT, headers={**MCP_HEADERS, "origin": "http://evil.example"}, timeout=10)
        plain = httpx2.post(url, json=INIT, headers=MCP_HEADERS, timeout=10)
    assert rebound.status_code in (400, 403, 421) and origin.status_code in (400, 403)
    assert plain.status_code == 200


def _aiops(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_STATE_HOME": str(home / "state"),
           "XDG_CONFIG_HOME": str(home / "config"), "KUBECONFIG": str(home / "none")}
    return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=home, stdin=subprocess.DEVNULL, timeout=60)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "my-host.example"])
def test_refuses_to_bind_beyond_loopback_without_a_token(tmp_path: Path, host: str) -> None:
    proc = _aiops(tmp_path, "mcp", "--transport", "http", "--host", host)
    assert proc.returncode == 2
    assert "refusing to serve without a bearer token" in proc.stderr and "--token-file" in proc.stderr


@pytest.mark.parametrize("mode,content,message", [
    (0o644, "s3cret-token-for-tests-0123456789", "readable by others"),
    (0o600, "short", "at least 16 characters"),
    (0o600, "", "at least 16 characters"),
])
def test_a_weak_or_exposed_token_file_is_refused(tmp_path: Path, mode: int, content: str, message: str) -> None:
    path = _token_file(tmp_path, content, mode)
    proc = _aiops(tmp_path, "mcp", "--transport", "http", "--host", "0.0.0.0", "--token-file", str(path))
    assert proc.returncode == 2 and message in proc.stderr and str(path) in proc.stderr
