"""Near-zero outage writes are destructive, as zero ones are (README Known limits, closed).

A quota of `pods=1` or `cpu=1m`, a container limit of `memory=1Mi`, a Service `targetPort` patch and a
scale to 1,000 replicas were plain writes that `--yes` and the auto tier could run. Each road (flags,
-f files, stdin, merge and JSON patches) is checked, and so is the other side: ordinary values stay
plain writes (the auto tier keeps approving a small scale alone).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops_chat.execution.approval import ApproveWrites
from aiops_chat.policy import DEFAULT_PROTECTED_NAMESPACES, Decision, PolicyContext, Risk, Tier, evaluate
from aiops_chat.policy.impact import below_floor, quantity, replica_ceiling


def _ctx(workdir: Path, tier: Tier = Tier.AUTO, auto_max_replicas: int = 10) -> PolicyContext:
    return PolicyContext(context="dev-cluster", namespace="default", tier=tier,
                         protected_namespaces=DEFAULT_PROTECTED_NAMESPACES, workdir=workdir,
                         auto_max_replicas=auto_max_replicas)


def _quota(hard: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"}, "spec": {"hard": hard}}


def _deployment(replicas: int = 2, limits: dict[str, Any] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "web", "image": "nginx:1.27"}
    if limits is not None:
        container["resources"] = {"limits": limits}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}}}


def _limit_range(field: str, bound: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "lr"},
            "spec": {"limits": [{"type": "Container", field: bound}]}}


# (argv, what the reason must say); files named in argv are written from MANIFESTS first.
MANIFESTS: dict[str, Any] = {
    "quota-pods.yaml": _quota({"pods": "1"}),
    "quota-cpu.json": _quota({"requests.cpu": "1m", "pods": 50}),
    "quota-memory.yaml": _quota({"limits.memory": "100Mi"}),
    "quota-count-pods.yaml": _quota({"count/pods": 1}),
    "deploy-1Mi.yaml": _deployment(limits={"memory": "1Mi"}),
    "deploy-cpu.yaml": _deployment(limits={"cpu": "1m"}),
    "deploy-1000.yaml": _deployment(replicas=1000),
    "hpa-min.yaml": {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
                     "spec": {"minReplicas": 500, "maxReplicas": 600,
                              "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}},
    "limitrange-max.yaml": _limit_range("max", {"memory": "4Mi"}),
    "limitrange-default.yaml": _limit_range("default", {"cpu": "0.001"}),
    "list.yaml": {"apiVersion": "v1", "kind": "List", "items": [_deployment(), _quota({"pods": 1})]},
    # Fine: the other side of each floor.
    "quota-fine.yaml": _quota({"pods": "20", "requests.cpu": "2", "requests.memory": "4Gi"}),
    "deploy-fine.yaml": _deployment(replicas=3, limits={"cpu": "50m", "memory": "32Mi"}),
    "limitrange-fine.yaml": _limit_range("min", {"memory": "1Mi"}),
}

DESTRUCTIVE: list[tuple[list[str], str]] = [
    (["kubectl", "create", "quota", "q", "--hard=pods=1"], "pods=1"),
    (["kubectl", "create", "quota", "q", "--hard=cpu=1m"], "cpu=1m"),
    (["kubectl", "create", "quota", "q", "--hard=pods=20,requests.memory=10Mi"], "requests.memory=10Mi"),
    (["kubectl", "create", "quota", "q", "--hard=limits.ephemeral-storage=1Ki"], "ephemeral-storage"),
    (["kubectl", "set", "resources", "deploy/web", "--limits=memory=1Mi"], "memory=1Mi"),
    (["kubectl", "set", "resources", "deploy/web", "-c", "web", "--limits=cpu=1m,memory=512Mi"], "cpu=1m"),
    (["kubectl", "set", "resources", "deploy/web", "--limits=memory=1e6"], "memory=1e6"),
    (["kubectl", "patch", "svc", "web", "-p", '{"spec":{"ports":[{"port":80,"targetPort":9999}]}}'], "targetPort"),
    (["kubectl", "patch", "svc", "web", "--type=json", "-p",
      '[{"op":"replace","path":"/spec/ports/0/targetPort","value":1}]'], "targetPort"),
    (["kubectl", "scale", "deploy/web", "--replicas=1000"], "beyond 100"),
    (["kubectl", "scale", "deploy/web", "--replicas=0x3e8"], "1000 replicas"),
    (["kubectl", "autoscale", "deploy/web", "--min=500", "--max=600"], "at least 500"),
    (["kubectl", "patch", "deploy", "web", "-p", '{"spec":{"replicas":1000}}'], "1000 replicas"),
    (["kubectl", "patch", "deploy", "web", "--type=json", "-p",
      '[{"op":"replace","path":"/spec/replicas","value":5000}]'], "5000 replicas"),
    (["kubectl", "patch", "hpa", "h", "-p", '{"spec":{"minReplicas":1000}}'], "1000 replicas"),
    (["kubectl", "patch", "deploy", "web", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"web",'
                                                  '"resources":{"limits":{"memory":"1Mi"}}}]}}}}'], "memory=1Mi"),
    (["kubectl", "patch", "deploy", "web", "--type=json", "-p",
      '[{"op":"replace","path":"/spec/template/spec/containers/0/resources/limits/cpu","value":"1m"}]'], "cpu=1m"),
    (["kubectl", "patch", "quota", "q", "-p", '{"spec":{"hard":{"pods":"1"}}}'], "pods=1"),
    (["kubectl", "apply", "-f", "quota-pods.yaml"], "pods=1"),
    (["kubectl", "create", "-f", "quota-cpu.json"], "requests.cpu=1m"),
    (["kubectl", "apply", "-f", "quota-memory.yaml"], "limits.memory=100Mi"),
    (["kubectl", "apply", "-f", "quota-count-pods.yaml"], "count/pods=1"),
    (["kubectl", "apply", "-f", "deploy-1Mi.yaml"], "memory=1Mi"),
    (["kubectl", "replace", "-f", "deploy-cpu.yaml"], "cpu=1m"),
    (["kubectl", "apply", "-f", "deploy-1000.yaml"], "1000 replicas"),
    (["kubectl", "apply", "-f", "hpa-min.yaml"], "500 replicas"),
    (["kubectl", "apply", "-f", "limitrange-max.yaml"], "LimitRange max"),
    (["kubectl", "apply", "-f", "limitrange-default.yaml"], "LimitRange default"),
    (["kubectl", "apply", "-f", "list.yaml"], "pods=1"),
]

PLAIN: list[list[str]] = [
    ["kubectl", "create", "quota", "q", "--hard=pods=20,cpu=2,memory=4Gi"],
    ["kubectl", "create", "quota", "q", "--hard=services.loadbalancers=1"],  # counts other than pods: no floor
    ["kubectl", "set", "resources", "deploy/web", "--limits=cpu=50m,memory=32Mi"],
    ["kubectl", "set", "resources", "deploy/web", "--requests=cpu=1m,memory=1Mi"],  # requests only schedule
    ["kubectl", "patch", "svc", "web", "-p", '{"spec":{"ports":[{"port":80,"name":"http"}]}}'],
    ["kubectl", "scale", "deploy/web", "--replicas=100"],
    ["kubectl", "autoscale", "deploy/web", "--min=2", "--max=1000"],  # the ceiling is what it may reach, on load
    ["kubectl", "patch", "deploy", "web", "-p", '{"spec":{"replicas":50}}'],
    ["kubectl", "apply", "-f", "quota-fine.yaml"],
    ["kubectl", "apply", "-f", "deploy-fine.yaml"],
    ["kubectl", "apply", "-f", "limitrange-fine.yaml"],
]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    for name, obj in MANIFESTS.items():
        (tmp_path / name).write_text(json.dumps(obj) if name.endswith(".json") else yaml.safe_dump(obj))
    return tmp_path


@pytest.mark.parametrize(("argv", "why"), DESTRUCTIVE, ids=[" ".join(a[1:])[:60] for a, _ in DESTRUCTIVE])
def test_near_zero_and_too_many_are_destructive(workdir: Path, argv: list[str], why: str) -> None:
    for tier in (Tier.AUTO, Tier.CONFIRM):
        verdict = evaluate(argv, _ctx(workdir, tier))
        assert (verdict.decision, verdict.risk) == (Decision.CONFIRM, Risk.DESTRUCTIVE), verdict
        assert why.lower() in verdict.reason.lower(), verdict.reason
    assert not ApproveWrites()(verdict, argv).approved  # --yes never runs it


@pytest.mark.parametrize("argv", PLAIN, ids=[" ".join(a[1:])[:60] for a in PLAIN])
def test_ordinary_values_stay_plain_writes(workdir: Path, argv: list[str]) -> None:
    verdict = evaluate(argv, _ctx(workdir, Tier.CONFIRM))
    assert (verdict.decision, verdict.risk) == (Decision.CONFIRM, Risk.WRITE), verdict
    assert ApproveWrites()(verdict, argv).approved


def test_stdin_is_judged_like_a_file(workdir: Path) -> None:
    for obj, why in ((_quota({"pods": 1}), "pods=1"), (_deployment(replicas=101), "101 replicas"),
                     (_deployment(limits={"memory": "1Mi"}), "memory=1Mi")):
        verdict = evaluate(["kubectl", "apply", "-f", "-"], _ctx(workdir), stdin=yaml.safe_dump(obj))
        assert verdict.risk is Risk.DESTRUCTIVE and why in verdict.reason and "on stdin" in verdict.reason, verdict
    fine = evaluate(["kubectl", "apply", "-f", "-"], _ctx(workdir), stdin=yaml.safe_dump(_deployment(replicas=100)))
    assert fine.risk is Risk.WRITE


def test_the_ceiling_follows_the_sessions_auto_max_replicas(workdir: Path) -> None:
    assert replica_ceiling(10) == 100 and replica_ceiling(50) == 500 and replica_ceiling(0) == 10
    argv = ["kubectl", "scale", "deploy/web", "--replicas=300"]
    assert evaluate(argv, _ctx(workdir, auto_max_replicas=10)).risk is Risk.DESTRUCTIVE
    assert evaluate(argv, _ctx(workdir, auto_max_replicas=50)).risk is Risk.WRITE
    # The auto tier still runs a small named scale alone.
    small = evaluate(["kubectl", "scale", "deploy/web", "--replicas=3"], _ctx(workdir))
    assert (small.decision, small.risk) == (Decision.ALLOW, Risk.WRITE)


def test_a_json_patch_removing_limits_or_ports_asks_a_person(workdir: Path) -> None:
    for path in ("/spec/template/spec/containers/0/resources/limits", "/spec/ports/0/targetPort"):
        verdict = evaluate(["kubectl", "patch", "deploy", "web", "--type=json", "-p",
                            json.dumps([{"op": "remove", "path": path}])], _ctx(workdir))
        assert verdict.risk is Risk.DESTRUCTIVE and "cannot see" in verdict.reason, verdict


@pytest.mark.parametrize(("text", "value"), [
    ("1m", 0.001), ("100m", 0.1), ("2", 2.0), ("0.5", 0.5), (".5", 0.5), ("1k", 1e3), ("1M", 1e6), ("1Ki", 1024.0),
    ("16Mi", 16 * 2.0**20), ("1Gi", 2.0**30), ("1e3", 1e3), ("1E", 1e18), ("+1", 1.0), (3, 3.0),
    ("1x", None), ("Mi", None), (True, None), (None, None),
])
def test_quantities_read_as_kubernetes_does(text: object, value: float | None) -> None:
    assert quantity(text) == value


def test_floors() -> None:
    assert below_floor("memory", "15Mi") and not below_floor("memory", "16Mi")
    assert below_floor("cpu", "9m") and not below_floor("cpu", "0.01")
    assert below_floor("requests.cpu", "99m", quota=True) and not below_floor("requests.cpu", "100m", quota=True)
    assert below_floor("pods", "1", quota=True) and not below_floor("pods", 2, quota=True)
    assert not below_floor("nvidia.com/gpu", "1") and not below_floor("memory", "lots")
