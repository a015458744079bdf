"""An unreachable cluster gets one clear answer from the offline planner, not a wall of kubectl retries.

Real kubectl against a kubeconfig whose server is a closed loopback port."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aiops_chat.execution.result import unreachable_line
from aiops_chat.exit_codes import FAILURE
from tests.support.kubeconfigs import write_kubeconfig


@pytest.mark.parametrize(("text", "found"), [
    ("E1127 memcache.go:265 couldn't get current server API group list: Get \"https://127.0.0.1:9/api\": dial tcp "
     "127.0.0.1:9: connect: connection refused\nThe connection to the server 127.0.0.1:9 was refused - did you "
     "specify the right host or port?\n", "The connection to the server 127.0.0.1:9 was refused"),
    ("Unable to connect to the server: dial tcp: lookup api.example.invalid: no such host\n", "Unable to connect"),
    ("Error: Kubernetes cluster unreachable: Get \"https://x/version\": i/o timeout\n", "Kubernetes cluster unreachable"),
    ('Error from server (NotFound): deployments.apps "x" not found\n', None),
    ('Error from server (Forbidden): pods is forbidden: User "viewer" cannot create\n', None),
])
def test_unreachable_line(text: str, found: str | None) -> None:
    line = unreachable_line(text)
    assert (line is None) if found is None else (line is not None and found in line)


def test_offline_ask_against_an_unreachable_cluster(tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", "lab")
    env = {"HOME": str(tmp_path), "PATH": "/usr/local/bin:/usr/bin:/bin", "KUBECONFIG": str(kubeconfig)}
    proc = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "ask", "--offline",
                           "show logs for taskflow-backend"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == FAILURE, proc.stderr  # nothing worked: a script must be able to tell
    assert "The cluster could not be used** (context lab)" in proc.stdout
    assert "127.0.0.1:9" in proc.stdout and "aiops analyze --demo" in proc.stdout
    assert "connection refused" in proc.stdout  # which problem it is (aiops_chat.cluster_problems)
    assert "memcache.go" not in proc.stdout  # client-go's retry noise stays out of the answer
    assert "kubectl --context lab --namespace default logs deployment/taskflow-backend --tail=200" in proc.stdout
