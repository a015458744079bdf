"""Live analysis against the real test control plane (kube-apiserver 1.20 + the fake kubelet).

Faults are real API objects whose pods the fake kubelet drives into the annotated state; the analysis
reads them through kube_gateway (parallel raw LISTs) exactly as `aiops analyze` does for a user.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.analysis.api import analyze_objects
from aiops_chat.analysis.findings import Finding
from aiops_chat.analysis.optimize import recommend
from aiops_chat.analysis.sources.live import OPTIMIZE_KINDS, load_live
from aiops_chat.config import Config, KubeConfig, Runtime
from tests.support.waits import wait_until

pytestmark = pytest.mark.cluster

FAULTS = Path(__file__).parent / "fixtures" / "live-faults.yaml"
AIOPS = str(Path(sys.executable).parent / "aiops")
EXPECTED = {
    ("Pod", "CrashLoopBackOff", "Deployment/crasher"),
    ("Pod", "ImagePullBackOff", "Deployment/puller"),
    ("Pod", "ReadinessProbeFailed", "Deployment/unready"),
    ("Pod", "Unschedulable", None),
    ("Pod", "CreateContainerConfigError", None),
    ("Service", "SelectorMatchesNothing", None),
    ("CronJob", "Suspended", None),
    ("HorizontalPodAutoscaler", "ScaleTargetNotFound", None),
}


def _cfg(kubeconfig: Path, tmp_path: Path) -> Config:
    return Config(kube=KubeConfig(kubeconfig=str(kubeconfig)), runtime=Runtime(home=str(tmp_path)))


def _summary(findings: list[Finding]) -> set[tuple[str, str, str | None]]:
    return {(f.kind, f.reason, f.parent) for f in findings}


@pytest.fixture
def faults(kube_cluster: Any, kube_namespace: str) -> str:
    kube_cluster.kubectl("apply", "-n", kube_namespace, "-f", str(FAULTS))
    return kube_namespace


def _about_web(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.name == "web" or (f.parent or "").endswith("/web")]


def _analyze_until_expected(cfg: Config, ns: str) -> list[Finding]:
    # Wait for the healthy Deployment to settle too: on a loaded machine its pods are still being started
    # (and reported unavailable, rightly) when the faults already show.
    return wait_until(lambda: analyze_objects(load_live(cfg, namespace=ns)),
                      lambda fs: _summary(fs) >= EXPECTED and not _about_web(fs), timeout=90,
                      what="the faults to show up as findings and web to settle")


def test_live_analysis_finds_each_fault_with_the_right_reason(kube_cluster: Any, faults: str, tmp_path: Path) -> None:
    findings = _analyze_until_expected(_cfg(kube_cluster.kubeconfig, tmp_path), faults)
    by_reason = {f.reason: f for f in findings}
    assert "didn't match" in by_reason["Unschedulable"].message or "node selector" in by_reason["Unschedulable"].message
    assert "app-settings" in by_reason["CreateContainerConfigError"].message
    crash = by_reason["CrashLoopBackOff"]
    assert any("--previous" in s for s in crash.suggestions)
    # Healthy objects stay quiet: the web Deployment and its Service produce nothing.
    assert not _about_web(findings)
    # Everything in the finding names this namespace only.
    assert {f.namespace for f in findings} == {faults}


def test_label_selector_is_honoured(kube_cluster: Any, faults: str, tmp_path: Path) -> None:
    cfg = _cfg(kube_cluster.kubeconfig, tmp_path)
    _analyze_until_expected(cfg, faults)
    findings = analyze_objects(load_live(cfg, namespace=faults, label_selector="app=crasher"),
                               label_selector="app=crasher")
    assert findings and {f.group_key[1] for f in findings} == {"Deployment/crasher"}


def test_viewer_can_analyze_and_forbidden_kinds_become_notes(kube_cluster: Any, faults: str, tmp_path: Path) -> None:
    admin = _cfg(kube_cluster.kubeconfig, tmp_path)
    _analyze_until_expected(admin, faults)
    viewer = _cfg(kube_cluster.viewer_kubeconfig, tmp_path)
    inv = load_live(viewer, namespace=faults)
    assert _summary(analyze_objects(inv)) >= EXPECTED
    # The `view` role may not read Secrets (not even their metadata): skipped with a note, not a crash.
    assert any(n.startswith("Secret: not allowed to list (403") for n in inv.notes), inv.notes
    assert not inv.has("Secret")


def test_older_api_versions_are_used_where_1_20_lacks_the_new(kube_cluster: Any, tmp_path: Path) -> None:
    inv = load_live(_cfg(kube_cluster.kubeconfig, tmp_path), all_namespaces=True)
    assert inv.has("CronJob") and inv.has("HorizontalPodAutoscaler") and inv.has("PodDisruptionBudget")
    assert not [n for n in inv.notes if n.startswith(("CronJob", "HorizontalPodAutoscaler", "PodDisruptionBudget"))]


def test_cli_against_the_cluster(kube_cluster: Any, faults: str, tmp_path: Path) -> None:
    _analyze_until_expected(_cfg(kube_cluster.kubeconfig, tmp_path), faults)
    env = {**kube_cluster.env, "HOME": str(tmp_path)}
    res = subprocess.run([AIOPS, "analyze", "-n", faults, "-o", "json", "--fail-on", "critical"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 1, res.stderr
    data = json.loads(res.stdout)
    assert {(f["kind"], f["reason"], f["parent"]) for f in data["findings"]} >= EXPECTED
    assert data["summary"]["source"] == f"namespace {faults}"


def test_optimize_uses_the_metrics_api(kube_cluster: Any, kube_namespace: str, tmp_path: Path) -> None:
    manifest = {
        "apiVersion": "v1", "kind": "List", "items": [
            _deployment("idle", usage="cpu=5m,memory=20Mi", requests={"cpu": "500m", "memory": "1Gi"}),
            _deployment("busy", usage="cpu=190m,memory=250Mi", requests={"cpu": "200m", "memory": "256Mi"},
                        limits={"memory": "270Mi"}),
        ]}
    kube_cluster.kubectl("apply", "-n", kube_namespace, "-f", "-", input=json.dumps(manifest))
    cfg = _cfg(kube_cluster.kubeconfig, tmp_path)

    def recs() -> set[tuple[str, str]]:
        inv = load_live(cfg, namespace=kube_namespace, kinds=OPTIMIZE_KINDS)
        return {(r.name, r.reason) for r in recommend(inv)}

    got = wait_until(recs, lambda r: {("idle", "OverProvisioned"), ("busy", "UnderProvisioned"),
                                       ("busy", "NearMemoryLimit")} <= r, timeout=90, what="usage-based advice")
    assert ("idle", "UnderProvisioned") not in got
    env = {**kube_cluster.env, "HOME": str(tmp_path)}
    res = subprocess.run([AIOPS, "optimize", "-n", kube_namespace, "-o", "json"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    idle = next(r for r in json.loads(res.stdout)["recommendations"]
                if (r["name"], r["reason"]) == ("idle", "OverProvisioned"))
    assert idle["command"] == (f"kubectl set resources deployment/idle -c app --requests=cpu=10m,memory=32Mi "
                               f"-n {kube_namespace}")


def _deployment(name: str, *, usage: str, requests: dict[str, str], limits: dict[str, str] | None = None) -> dict[str, Any]:
    resources: dict[str, Any] = {"requests": requests}
    if limits:
        resources["limits"] = limits
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}, "annotations": {"aiops.test/usage": usage}},
                              "spec": {"containers": [{"name": "app", "image": "busybox:1.36", "resources": resources}]}}},
    }


def test_quota_refusing_a_deployments_pod_is_one_critical_group(kube_cluster: Any, kube_namespace: str,
                                                                 tmp_path: Path) -> None:
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "pod-cap"},
             "spec": {"hard": {"pods": "1"}}}
    kube_cluster.kubectl("apply", "-n", kube_namespace, "-f", "-", input=json.dumps(quota))
    # The quota controller fills in status.used before admission counts against it; wait so both pods
    # are not admitted in the gap.
    wait_until(lambda: kube_cluster.kubectl("get", "resourcequota", "pod-cap", "-n", kube_namespace,
                                            "-o", "jsonpath={.status.used.pods}").stdout,
               lambda used: used == "0", timeout=60, what="the quota's usage to be computed")
    web = _deployment("web", usage="cpu=5m,memory=20Mi", requests={"cpu": "10m", "memory": "16Mi"})
    web["spec"]["replicas"] = 2
    kube_cluster.kubectl("apply", "-n", kube_namespace, "-f", "-", input=json.dumps(web))

    def refusals() -> str:
        return kube_cluster.kubectl("get", "events", "-n", kube_namespace, "--field-selector",
                                    "reason=FailedCreate,involvedObject.kind=ReplicaSet",
                                    "-o", "jsonpath={.items[*].message}").stdout

    wait_until(refusals, lambda text: "exceeded quota: pod-cap" in text, timeout=90,
               what="the controller-manager to refuse the second pod")
    cfg = _cfg(kube_cluster.kubeconfig, tmp_path)
    findings = wait_until(lambda: analyze_objects(load_live(cfg, namespace=kube_namespace)),
                          lambda fs: {"QuotaExceeded", "ReplicaFailure"} <= {f.reason for f in fs}, timeout=60,
                          what="the quota finding and the Deployment's ReplicaFailure condition")
    quota_finding = next(f for f in findings if f.kind == "ResourceQuota")
    assert (quota_finding.name, str(quota_finding.severity)) == ("pod-cap", "critical")
    assert "Deployment/web" in quota_finding.message
    assert "pods: used 1 / hard 1 (100%)" in quota_finding.evidence
    assert f"kubectl describe resourcequota pod-cap -n {kube_namespace}" in quota_finding.suggestions
    # The ReplicaSet's (and Deployment's) refusal reads in the quota's group, not a second one.
    refused = [f for f in findings if f.kind in ("ReplicaSet", "Deployment") and "quota" in f.message]
    assert refused and {f.parent for f in refused} == {"ResourceQuota/pod-cap"}
    assert {f.group_key[1] for f in findings if f.severity.rank >= 1} == {"ResourceQuota/pod-cap"}
