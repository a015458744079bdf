"""`aiops deploy` with the real charts, real helm and kubectl, into the real test control plane.

The fake kubelet runs no images; it sets each pod's status from the `aiops.test/state` annotation
(Running and Ready by default), so `helm --wait` and `kubectl wait` are exercised for real, and a
failing deploy is produced by asking for ImagePullBackOff through the chart's podAnnotations.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.audit import AuditLog
from aiops_chat.config import Config
from aiops_chat.execution import ApproveWrites, DenyAll
from aiops_chat.workflow.checklist import Status
from aiops_chat.workflow.deploy import DeploySettings, deploy

from .workflow_support import BACKEND, CHARTS, FRONTEND, REPO, audit_entries, make_executor

pytestmark = pytest.mark.cluster

RELEASES = (BACKEND, FRONTEND)
IMAGE_PULL_FAILS = ("image.tag=0.0.0-missing", "podAnnotations.aiops\\.test/state=ImagePullBackOff")


def _pods(kube_cluster: Any, namespace: str, release: str) -> list[dict[str, Any]]:
    proc = kube_cluster.kubectl("get", "pods", "-n", namespace, "-l", f"app={release}", "-o", "json")
    items: list[dict[str, Any]] = json.loads(proc.stdout)["items"]
    return items


def _ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))


def test_deploys_both_charts_backend_first_and_pods_become_ready(
        cluster_config: Config, kube_cluster: Any, kube_namespace: str) -> None:
    executor = make_executor(cluster_config, namespace=kube_namespace)
    progress: list[str] = []

    report = deploy(executor, DeploySettings(CHARTS, RELEASES, timeout="90s"), approver=ApproveWrites(),
                    progress=progress.append)

    assert report.ok, report.render_text()
    assert [(c.name, c.status) for c in report.steps.checks] == [
        (f"helm {BACKEND}", Status.OK), (f"helm {FRONTEND}", Status.OK),
        (f"ready {BACKEND}", Status.OK), (f"ready {FRONTEND}", Status.OK)]
    assert report.steps.checks[0].detail == "deployed (revision 1)"
    assert report.diagnosis is None
    for release in RELEASES:
        pods = _pods(kube_cluster, kube_namespace, release)
        assert pods and all(_ready(p) for p in pods)
    assert any("helm upgrade --install taskflow-backend" in line for line in progress)

    helm_calls = [e for e in audit_entries(cluster_config) if e["argv"][0] == "helm"]
    assert [e["argv"][3] for e in helm_calls] == [BACKEND, FRONTEND]
    assert helm_calls[0]["argv"] == ["helm", "upgrade", "--install", BACKEND, str(CHARTS / BACKEND),
                                     "--wait", "--timeout", "90s"]
    assert all(e["approver"] == "auto:--yes" and e["namespace"] == kube_namespace for e in helm_calls)
    waits = [e["argv"] for e in audit_entries(cluster_config) if e["argv"][:2] == ["kubectl", "wait"]]
    assert waits == [["kubectl", "wait", "--for=condition=ready", "pod", "-l", f"app={r}", "--timeout=90s"]
                     for r in RELEASES]

    # Deploying again is an upgrade of the same releases, not an error.
    again = deploy(executor, DeploySettings(CHARTS, RELEASES, timeout="90s"), approver=ApproveWrites())
    assert again.ok and again.steps.checks[0].detail == "deployed (revision 2)"


def test_failed_deploy_shows_pod_state_events_and_findings(
        cluster_config: Config, kube_namespace: str) -> None:
    executor = make_executor(cluster_config, namespace=kube_namespace)
    settings = DeploySettings(CHARTS, RELEASES, timeout="20s", set_values=IMAGE_PULL_FAILS)

    report = deploy(executor, settings, approver=ApproveWrites())

    assert report.exit_code == 1
    assert [c.name for c in report.steps.checks] == [f"helm {BACKEND}"], "the frontend waits for a working backend"
    assert report.steps.checks[0].status is Status.FAIL
    assert report.steps.checks[0].detail.startswith("not Ready within 20s (helm: ")
    diagnosis = report.diagnosis
    assert diagnosis is not None and diagnosis.namespace == kube_namespace
    assert [(p.release, p.state, p.ready) for p in diagnosis.pods] == [(BACKEND, "ImagePullBackOff", False)]
    pulls = [e for e in diagnosis.events if e.reason == "Failed"]
    assert pulls and any("taskflow-backend:0.0.0-missing" in e.message for e in pulls)
    assert all(e.subject.startswith(("Pod/taskflow-backend-", "Deployment/taskflow-backend",
                                     "ReplicaSet/taskflow-backend-")) for e in diagnosis.events)
    assert any("ImagePullBackOff" in f or "image" in f.lower() for f in diagnosis.findings), diagnosis.findings
    text = report.render_text()
    assert "Why it is not Ready" in text and "ImagePullBackOff, not Ready" in text
    assert json.loads(json.dumps(report.to_dict()))["diagnosis"]["pods"][0]["state"] == "ImagePullBackOff"


def test_without_approval_nothing_is_installed(cluster_config: Config, kube_cluster: Any,
                                               kube_namespace: str) -> None:
    executor = make_executor(cluster_config, namespace=kube_namespace)

    report = deploy(executor, DeploySettings(CHARTS, RELEASES), approver=DenyAll())

    assert report.exit_code == 1 and report.diagnosis is None
    assert "not approved" in report.steps.checks[0].detail
    proc = kube_cluster.kubectl("get", "deployments", "-n", kube_namespace, "-o", "name")
    assert proc.stdout.strip() == ""
    assert not [e for e in audit_entries(cluster_config) if e["argv"][0] == "helm"]


def test_missing_chart_directory_fails_before_running_anything(cluster_config: Config, tmp_path: Path,
                                                               kube_namespace: str) -> None:
    executor = make_executor(cluster_config, namespace=kube_namespace)

    report = deploy(executor, DeploySettings(tmp_path / "nowhere", RELEASES), approver=ApproveWrites())

    assert report.exit_code == 1
    assert report.steps.checks[0].detail == f"no chart at {tmp_path / 'nowhere' / BACKEND}"
    assert "charts_dir" in report.steps.checks[0].hint
    assert audit_entries(cluster_config) == []


def test_cli_deploy(tmp_path: Path, kube_cluster: Any, kube_namespace: str) -> None:
    env = {"PATH": kube_cluster.env["PATH"], "HOME": str(tmp_path / "home"),
           "KUBECONFIG": str(kube_cluster.kubeconfig), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    assert not (REPO / "aiops.toml").exists(), "the CLI test relies on built-in defaults (charts_dir = charts)"
    proc = subprocess.run(
        [sys.executable, "-m", "aiops_chat.cli.main", "deploy", "-n", kube_namespace, "--yes", "--timeout", "90s",
         "--output", "json"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300, check=False)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] is True and data["diagnosis"] is None and data["counts"]["ok"] == 4
    assert "aiops: waiting for pods app=taskflow-frontend to be Ready" in proc.stderr
    audit = AuditLog(tmp_path / "state" / "aiops" / "audit.jsonl")
    assert audit.verify().ok
    assert {e["namespace"] for e in audit.read()} == {kube_namespace}


def test_cli_rejects_a_bad_timeout_before_running(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "KUBECONFIG": str(tmp_path / "none")}
    proc = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "deploy", "--timeout", "soon", "--yes"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=60, check=False)
    assert proc.returncode == 2
    assert "aiops: usage: timeout 'soon'" in proc.stderr
    assert not (tmp_path / "state" / "aiops" / "audit.jsonl").exists()
