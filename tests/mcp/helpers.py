"""Talking to the real `aiops mcp` process with the official SDK's client, over stdio or HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mcp_types as types
from mcp import Client
from mcp.client.session import ElicitationFnT
from mcp.client.stdio import StdioServerParameters

from tests.support.processes import free_port, stop
from tests.support.testcluster import Cluster

CLIENT = types.Implementation(name="pytest-agent", version="9.9")
Elicit = ElicitationFnT


def aiops_env(cluster: Cluster, home: Path) -> dict[str, str]:
    """The cluster's admin kubeconfig and helm, a fresh home: config, state (audit log) under it."""
    return {**cluster.env, "HOME": str(home), "XDG_STATE_HOME": str(home / "state"),
            "XDG_CONFIG_HOME": str(home / "config"), "AIOPS_CONFIG": ""}


def audit_entries(home: Path) -> list[dict[str, Any]]:
    path = home / "state" / "aiops" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def stdio_client(cluster: Cluster, home: Path, namespace: str, *extra: str, elicit: Elicit | None = None,
                 mode: str = "auto") -> Client:
    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "aiops_chat.cli.main", "-n", namespace, "mcp", *extra],
                                   env=aiops_env(cluster, home), cwd=str(home))
    return Client(params, mode=mode, elicitation_callback=elicit, client_info=CLIENT)


def accept(content: dict[str, Any], asked: list[str] | None = None) -> Elicit:
    async def answer(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        if asked is not None:
            asked.append(params.message)
        return types.ElicitResult(action="accept", content=content)
    return answer


def text(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


@contextmanager
def http_server(cluster: Cluster, home: Path, namespace: str, *extra: str) -> Iterator[str]:
    """`aiops mcp --transport http` as a process; yields its URL once it accepts connections."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "aiops_chat.cli.main", "-n", namespace, "mcp", "--transport",
                             "http", "--port", str(port), *extra], env=aiops_env(cluster, home), cwd=home,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"aiops mcp exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("aiops mcp --transport http did not listen within 30 s") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop(proc, 10)


