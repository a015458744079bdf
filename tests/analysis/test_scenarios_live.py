"""Faults people actually hit, made real on the test control plane, each found as one root cause with next steps.

Every scenario is applied to a fresh namespace; the real scheduler, controller-manager (Deployments, Jobs,
quota admission, HPA) and the fake kubelet (pod states and kubelet events, tests/support/fake_kubelet.py)
bring it to its broken state; `aiops analyze` reads it through the API as a user's run would. The test
asserts the group the root cause heads: its root, the reasons in it, the words that say why, and that it
offers commands to run next.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.analysis.api import analyze_objects
from aiops_chat.analysis.findings import FindingGroup, group_findings
from aiops_chat.analysis.sources.live import load_live
from aiops_chat.config import Config, KubeConfig, Runtime
from tests.support.waits import wait_until

pytestmark = pytest.mark.cluster


def deployment(name: str, *, replicas: int = 1, annotations: dict[str, str] | None = None,
               labels: dict[str, str] | None = None, **pod_spec: Any) -> dict[str, Any]:
    labels = labels or {"app": name}
    spec = {"containers": [{"name": "app", "image": "busybox:1.36"}], **pod_spec}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": labels["app"]}},
                     "template": {"metadata": {"labels": labels, "annotations": annotations or {}}, "spec": spec}}}


@dataclass
class Scenario:
    id: str
    objects: list[dict[str, Any]]
    root: str  # the group's root, "Kind/name"
    reasons: set[str]  # reasons that must be in that group
    says: list[str] = field(default_factory=list)  # words its messages or evidence must contain
    next: list[str] = field(default_factory=list)  # commands (prefixes) its suggestions must contain
    before: list[dict[str, Any]] = field(default_factory=list)  # applied first, given time to settle


SCENARIOS = [
    Scenario("service selector version mismatch",
             [deployment("shop", labels={"app": "shop", "version": "v1"}),
              {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "shop"},
               "spec": {"selector": {"app": "shop", "version": "v2"}, "ports": [{"port": 80}]}}],
             "Service/shop", {"SelectorMatchesNothing"}, ["version=v1"], ["kubectl get pods --show-labels"]),
    Scenario("liveness probe on the wrong port",
             [deployment("live", annotations={"aiops.test/state": "LivenessProbeFailed"},
                         containers=[{"name": "app", "image": "nginx:1.25", "ports": [{"containerPort": 8080}],
                                      "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8081}}}])],
             "Deployment/live", {"LivenessProbeFailed", "UnavailableReplicas"}, ["probes port 8081", "declares 8080"],
             ["kubectl logs"]),
    Scenario("ResourceQuota needing limits.cpu",
             [deployment("nolimits")], "ResourceQuota/compute", {"QuotaRequiresResources", "ReplicaFailure"},
             ["limits.cpu"], ["kubectl set resources deployment/nolimits --limits=cpu=500m"],
             before=[{"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "compute"},
                      "spec": {"hard": {"limits.cpu": "2"}}}]),
    Scenario("missing ConfigMap volume",
             [deployment("cfgvol", annotations={"aiops.test/state": "FailedMount"},
                         volumes=[{"name": "config", "configMap": {"name": "app-config"}}])],
             "Deployment/cfgvol", {"ContainerCreating"}, ['configmap "app-config" not found'],
             ["kubectl get configmap"]),
    Scenario("PVC with a missing StorageClass",
             [{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
               "spec": {"storageClassName": "fast-ssd", "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}}}},
              deployment("db", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}])],
             "PersistentVolumeClaim/data", {"StorageClassNotFound", "Unschedulable", "UnavailableReplicas"},
             ["fast-ssd"], ["kubectl get storageclass"]),
    Scenario("unsatisfiable pod anti-affinity",
             [deployment("spread", replicas=2, affinity={"podAntiAffinity": {
                 "requiredDuringSchedulingIgnoredDuringExecution": [{
                     "labelSelector": {"matchLabels": {"app": "spread"}},
                     "topologyKey": "kubernetes.io/hostname"}]}})],
             "Deployment/spread", {"Unschedulable", "UnavailableReplicas"}, ["anti-affinity"],
             ["kubectl get nodes --show-labels"]),
    Scenario("missing Secret in an env var",
             [deployment("envsecret", annotations={"aiops.test/state": "CreateContainerConfigError"},
                         containers=[{"name": "app", "image": "busybox:1.36", "env": [
                             {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "pw"}}}]}])],
             "Deployment/envsecret", {"CreateContainerConfigError"}, ["secret db-creds does not exist"],
             ["kubectl get secret"]),
    Scenario("HPA with no CPU requests",
             [deployment("scaled"),
              {"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "scaled"},
               "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "scaled"},
                        "minReplicas": 1, "maxReplicas": 3, "metrics": [{"type": "Resource", "resource": {
                            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}]}}],
             "HorizontalPodAutoscaler/scaled", {"MissingResourceRequests"}, ["request no cpu"],
             ["kubectl set resources deployment/scaled --requests=cpu=100m"]),
    Scenario("missing Secret volume",
             [deployment("secvol", annotations={"aiops.test/state": "FailedMount"},
                         volumes=[{"name": "tls", "secret": {"secretName": "web-tls"}}])],
             "Deployment/secvol", {"ContainerCreating"}, ['secret "web-tls" not found'], ["kubectl get secret"]),
    Scenario("default-deny egress blocking DNS",
             [deployment("client"),
              {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny-egress"},
               "spec": {"podSelector": {}, "policyTypes": ["Egress"]}}],
             "NetworkPolicy/deny-egress", {"EgressBlocksDNS"}, ["port 53"], ["kubectl get networkpolicy"]),
    Scenario("Job failing with BackoffLimitExceeded",
             [{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
               "spec": {"backoffLimit": 0, "template": {
                   "metadata": {"annotations": {"aiops.test/state": "Failed"}},
                   "spec": {"restartPolicy": "Never", "containers": [{"name": "job", "image": "busybox:1.36"}]}}}}],
             "Job/migrate", {"BackoffLimitExceeded"}, ["backoff limit"], ["kubectl logs job/migrate"]),
    Scenario("init container crash-looping",
             [deployment("initcrash", annotations={"aiops.test/state.wait-db": "CrashLoopBackOff"},
                         initContainers=[{"name": "wait-db", "image": "busybox:1.36"}])],
             "Deployment/initcrash", {"CrashLoopBackOff", "UnavailableReplicas"}, ["init container wait-db"],
             ["kubectl logs"]),
]


def _cfg(kubeconfig: Path, tmp_path: Path) -> Config:
    return Config(kube=KubeConfig(kubeconfig=str(kubeconfig)), runtime=Runtime(home=str(tmp_path)))


def _group(groups: list[FindingGroup], root: str) -> FindingGroup | None:
    return next((g for g in groups if g.root == root), None)


def _settle_quota(kube_cluster: Any, ns: str, name: str) -> None:
    # Admission judges against the quota's status; until the controller computed it, pods are refused
    # for another reason.
    wait_until(lambda: kube_cluster.kubectl("get", "resourcequota", name, "-n", ns, "-o",
                                            "jsonpath={.status.hard}").stdout,
               bool, timeout=60, what=f"quota {name}'s status")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario_is_one_root_cause_with_next_commands(kube_cluster: Any, kube_namespace: str, tmp_path: Path,
                                                        scenario: Scenario) -> None:
    ns = kube_namespace
    for obj in scenario.before:
        kube_cluster.kubectl("apply", "-n", ns, "-f", "-", input=json.dumps(obj))
        if obj["kind"] == "ResourceQuota":
            _settle_quota(kube_cluster, ns, obj["metadata"]["name"])
    kube_cluster.kubectl("apply", "-n", ns, "-f", "-",
                         input=json.dumps({"apiVersion": "v1", "kind": "List", "items": scenario.objects}))
    cfg = _cfg(kube_cluster.kubeconfig, tmp_path)

    def groups() -> list[FindingGroup]:
        return group_findings(analyze_objects(load_live(cfg, namespace=ns)))

    def complete(gs: list[FindingGroup]) -> bool:
        # Settled: the root cause's group holds every reason, and no other group (a rollout still starting
        # its healthy pods) outranks it.
        g = _group(gs, scenario.root)
        return g is not None and scenario.reasons <= set(g.reasons()) and \
            g.severity.rank == max(o.severity.rank for o in gs)

    found = wait_until(groups, complete, timeout=120,
                       what=f"{scenario.id}: {sorted(scenario.reasons)} under {scenario.root}")
    group = _group(found, scenario.root)
    assert group is not None
    text = "\n".join([f.message for f in group.findings] + [e for f in group.findings for e in f.evidence])
    for words in scenario.says:
        assert words in text, f"{words!r} not in {text!r}"
    suggestions = [s for f in group.findings for s in f.suggestions]
    for prefix in scenario.next:
        assert any(s.startswith(prefix) for s in suggestions), f"{prefix!r} not among {suggestions}"
    assert all(f.namespace == ns for f in group.findings)
    # The root cause heads the report: nothing else in the namespace is as bad and in another group.
    worst = max(g.severity.rank for g in found)
    assert group.severity.rank == worst, [(g.root, g.reasons(), str(g.severity)) for g in found]
