"""The executor and `aiops run` against the real kubectl and the real test API server."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from aiops_chat.audit import AuditLog
from aiops_chat.config import Config, runtime_from_environ
from aiops_chat.execution import Executor
from aiops_chat.policy import Decision

pytestmark = pytest.mark.cluster


def _cfg(cluster, tmp_path: Path, kubeconfig: Path | None = None) -> Config:  # type: ignore[no-untyped-def]
    env = {**cluster.env, "HOME": str(tmp_path), "KUBECONFIG": str(kubeconfig or cluster.kubeconfig)}
    cfg = Config(runtime=runtime_from_environ(env))
    return dataclasses.replace(cfg, audit=dataclasses.replace(cfg.audit, path=str(tmp_path / "audit.jsonl")),
                               policy=dataclasses.replace(cfg.policy, workdir=str(tmp_path)))


def _aiops(cluster, tmp_path: Path, *args: str, kubeconfig: Path | None = None) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**cluster.env, "HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state"),
           "KUBECONFIG": str(kubeconfig or cluster.kubeconfig)}
    return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=120)


def test_read_and_approved_write_reach_the_server(kube_cluster, kube_namespace: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = _cfg(kube_cluster, tmp_path)
    ex = Executor(cfg, namespace=kube_namespace, audit=AuditLog(cfg.audit_path), source="cli")
    assert ex.target.context == "aiops-test"  # resolved from the kubeconfig's current-context and pinned
    created = ex.run(["kubectl", "create", "configmap", "settings", "--from-literal=color=blue"],
                     approved_by="user:test")
    assert created.ok, created.stderr
    got = ex.run(["kubectl", "get", "configmap", "settings", "-o", "json"])
    assert got.ok and json.loads(got.stdout)["data"] == {"color": "blue"}
    assert got.verdict.decision is Decision.ALLOW
    report = AuditLog(cfg.audit_path).verify()
    assert report.ok and report.entries == 4


def test_failed_command_reports_exit_code_and_stderr(kube_cluster, kube_namespace: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ex = Executor(_cfg(kube_cluster, tmp_path), namespace=kube_namespace)
    result = ex.run(["kubectl", "get", "deployment", "does-not-exist"])
    assert result.executed and result.exit_code == 1 and "NotFound" in result.stderr


def test_viewer_credentials_are_refused_by_rbac(kube_cluster, kube_namespace: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = _cfg(kube_cluster, tmp_path, kube_cluster.viewer_kubeconfig)
    ex = Executor(cfg, namespace=kube_namespace)
    assert ex.run(["kubectl", "get", "pods"]).ok
    write = ex.run(["kubectl", "create", "configmap", "x", "--from-literal=a=b"], approved_by="user:test")
    assert write.executed and write.exit_code != 0 and "forbidden" in write.stderr.lower()


def test_prod_context_is_read_only(kube_cluster, kube_namespace: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = _cfg(kube_cluster, tmp_path, kube_cluster.multi_kubeconfig)
    ex = Executor(cfg, context="prod-cluster", namespace=kube_namespace)
    assert ex.run(["kubectl", "get", "pods"]).ok  # reads work on the pinned prod context
    write = ex.run(["kubectl", "create", "configmap", "x", "--from-literal=a=b"], approved_by="user:test")
    assert not write.executed and write.verdict.decision is Decision.DENY and "read-only" in write.verdict.reason


def test_aiops_run_cli(kube_cluster, kube_namespace: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ns = ["-n", kube_namespace]
    read = _aiops(kube_cluster, tmp_path, *ns, "run", "--", "kubectl", "get", "configmaps")
    assert read.returncode == 0 and "kube-root-ca.crt" in read.stdout

    # No terminal and no --yes: the write is refused, nothing changes.
    proposed = _aiops(kube_cluster, tmp_path, *ns, "run", "--", "kubectl", "create", "configmap", "a",
                      "--from-literal=k=v")
    assert proposed.returncode == 3 and "not approved" in proposed.stderr
    assert kube_cluster.kubectl("get", "configmap", "a", "-n", kube_namespace, check=False).returncode != 0

    # --dry-run changes nothing, --yes or not: the server's dry run is shown instead (issue 13 item 11).
    dry = _aiops(kube_cluster, tmp_path, *ns, "run", "--yes", "--dry-run", "--", "kubectl", "create",
                 "configmap", "a", "--from-literal=k=v")
    assert dry.returncode == 0, dry.stderr
    assert "dry run, nothing changes" in dry.stderr and "name: a" in dry.stdout
    assert kube_cluster.kubectl("get", "configmap", "a", "-n", kube_namespace, check=False).returncode != 0

    # --preview shows the same, then asks (here --yes answers).
    applied = _aiops(kube_cluster, tmp_path, *ns, "run", "--yes", "--preview", "--", "kubectl", "create",
                     "configmap", "a", "--from-literal=k=v")
    assert applied.returncode == 0, applied.stderr
    assert "preview" in applied.stderr
    assert kube_cluster.kubectl("get", "configmap", "a", "-n", kube_namespace).returncode == 0

    # Destructive: --yes is not enough without a person at a terminal.
    delete = _aiops(kube_cluster, tmp_path, *ns, "run", "--yes", "--", "kubectl", "delete", "configmap", "a")
    assert delete.returncode == 3
    assert kube_cluster.kubectl("get", "configmap", "a", "-n", kube_namespace).returncode == 0

    denied = _aiops(kube_cluster, tmp_path, *ns, "run", "--yes", "--", "kubectl", "exec", "x", "--", "sh")
    assert denied.returncode == 3 and "DENY" in denied.stderr

    audit = _aiops(kube_cluster, tmp_path, "audit", "verify", "--output", "json")
    assert audit.returncode == 0 and json.loads(audit.stdout)["ok"]
    shown = _aiops(kube_cluster, tmp_path, "audit", "show", "--tail", "0", "--output", "json")
    entries = [json.loads(line) for line in shown.stdout.splitlines()]
    assert {e["source"] for e in entries} == {"cli"}
    assert any(e["decision"] == "deny" and e["argv"][1] == "exec" for e in entries)
    assert any(e["event"] == "execution" and e["argv"][1] == "create" and e["exit_code"] == 0 for e in entries)
