"""`aiops ask` against the real llama.cpp server, in both tool modes: whatever the small model emits (a tool
call, text, malformed arguments, nothing), the turn completes with a documented exit code and no traceback,
and no write runs without approval (no --yes, no terminal to approve on)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.llm_server.server import MODEL_ALIAS
from tests.support.fake_kubectl import FakeKubectl

pytestmark = pytest.mark.llm_server

READ_VERBS = {"get", "describe", "logs", "top", "explain", "api-resources", "api-versions", "version",
              "events", "cluster-info", "auth", "config"}
HELM_READ = {"list", "ls", "status", "history", "get", "show", "version", "search"}


def _ask(fake: FakeKubectl, base_url: str, tmp_path: Path, tool_mode: str, question: str
         ) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "aiops.toml"
    config.write_text(f'[llm]\nbase_url = "{base_url}"\napi_key = "sk-local"\nmodel = "{MODEL_ALIAS}"\n'
                      f'tool_mode = "{tool_mode}"\nmax_retries = 0\ntimeout = 300\n'
                      f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n[policy]\nworkdir = "{tmp_path}"\n')
    env = {"HOME": str(fake.home), "XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": f"{fake.bin}:/usr/bin:/bin",
           "KUBECONFIG": str(fake.kubeconfig)}
    return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "--config", str(config), "ask", question,
                           "--context", "fake-ctx", "-n", "shop"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL,
                          timeout=900)


@pytest.mark.parametrize("tool_mode", ["native", "json"])
@pytest.mark.parametrize("question", ["why is the pod web-0 not ready?", "scale the deployment web to 5 replicas"])
def test_a_turn_completes_and_no_write_runs_unapproved(llm_server: str, fake_kubectl: FakeKubectl, tmp_path: Path,
                                                       tool_mode: str, question: str) -> None:
    fake_kubectl.respond("get", "pods", stdout="NAME    READY   STATUS    RESTARTS   AGE\nweb-0   0/1     Running   3   5m\n")
    fake_kubectl.respond("describe", stdout="Readiness probe failed: HTTP probe failed with statuscode: 503\n")
    fake_kubectl.respond("logs", stdout="listening on :8080\nGET /healthz 503\n")
    proc = _ask(fake_kubectl, llm_server, tmp_path, tool_mode, question)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert proc.returncode in (0, 1, 3), proc.stdout + proc.stderr
    for argv in fake_kubectl.commands():
        verbs = HELM_READ if argv[0] == "helm" else READ_VERBS
        assert argv[1] in verbs, f"a write ran without approval: {argv}"
    audit = tmp_path / "audit.jsonl"
    entries = [json.loads(line) for line in audit.read_text().splitlines()] if audit.exists() else []
    ran = [e for e in entries if e.get("executed")]
    assert all(e["risk"] == "read" for e in ran), ran
