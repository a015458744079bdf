"""`aiops validate` against the real test control plane.

The cluster, pod and log checks run the real kubectl through the executor; the logs come from the fake
kubelet, which serves the `aiops.test/logs` annotation as a container's log. The HTTP checks cannot reach
the fake pods (the test control plane has no container runtime and no pod network: nothing listens at a
pod IP or NodePort), so they are pointed at a local server that plays the app, healthy or not
(app_server.py). How the default URL is found (node address + NodePort) is tested without HTTP.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.config import Config
from aiops_chat.execution import ApproveWrites, Executor
from aiops_chat.workflow.checklist import Checklist, Status
from aiops_chat.workflow.deploy import DeploySettings, deploy
from aiops_chat.workflow.validate import ValidateSettings, node_address, service_url, validate

from .app_server import HEALTHY_BACKEND, HEALTHY_FRONTEND, Route, serve_app
from .workflow_support import (
    BACKEND,
    CHARTS,
    FRONTEND,
    install_fake_minikube,
    make_config,
    make_executor,
    unreachable_kubeconfig,
)

RELEASES = (BACKEND, FRONTEND)
CLEAN_LOGS = "INFO Uvicorn running on http://0.0.0.0:7860\nINFO GET /health 200 OK\n"
ERROR_LOGS = "INFO starting\nERROR sqlalchemy: could not connect to database\nINFO retrying\n"


@pytest.fixture
def deployed(cluster_config: Config, kube_namespace: str) -> Executor:
    executor = make_executor(cluster_config, namespace=kube_namespace)
    report = deploy(executor, DeploySettings(CHARTS, RELEASES, timeout="90s"), approver=ApproveWrites())
    assert report.ok, report.render_text()
    return executor


def _annotate(kube_cluster: Any, namespace: str, release: str, key: str, value: str) -> None:
    proc = kube_cluster.kubectl("annotate", "pod", "-n", namespace, "-l", f"app={release}", "--overwrite",
                                f"aiops.test/{key}={value}")
    assert proc.returncode == 0, proc.stderr


def _statuses(checklist: Checklist) -> dict[str, Status]:
    return {c.name: c.status for c in checklist.checks}


@pytest.mark.cluster
def test_healthy_deployment_passes_every_check(deployed: Executor, kube_cluster: Any, kube_namespace: str) -> None:
    for release in RELEASES:
        _annotate(kube_cluster, kube_namespace, release, "logs", CLEAN_LOGS)
    with serve_app(HEALTHY_BACKEND) as backend, serve_app(HEALTHY_FRONTEND) as frontend:
        checklist = validate(deployed, ValidateSettings(RELEASES, backend_url=backend.url,
                                                        frontend_url=frontend.url + "/"))

    assert _statuses(checklist) == {
        "cluster": Status.OK, f"pods {BACKEND}": Status.OK, f"pods {FRONTEND}": Status.OK,
        "backend /health": Status.OK, "frontend page": Status.OK,
        f"logs {BACKEND}": Status.OK, f"logs {FRONTEND}": Status.OK}
    assert checklist.exit_code == 0
    assert checklist.get(f"pods {BACKEND}").detail == f"1/1 Ready in {kube_namespace}"  # type: ignore[union-attr]
    assert checklist.get(f"logs {BACKEND}").detail == "2 recent line(s), no errors"  # type: ignore[union-attr]
    assert backend.hits == ["/health"] and frontend.hits == ["/"]


@pytest.mark.cluster
def test_unhealthy_app_and_error_logs_fail(deployed: Executor, kube_cluster: Any, kube_namespace: str) -> None:
    _annotate(kube_cluster, kube_namespace, BACKEND, "logs", ERROR_LOGS)
    _annotate(kube_cluster, kube_namespace, FRONTEND, "logs", CLEAN_LOGS)
    unhealthy = {"/health": Route(503, "application/json", '{"status":"error","db":"down"}')}
    with serve_app(unhealthy) as backend, serve_app({"/": Route(200, "application/json", "{}")}) as frontend:
        checklist = validate(deployed, ValidateSettings(RELEASES, backend_url=backend.url, frontend_url=frontend.url))

    statuses = _statuses(checklist)
    assert statuses["backend /health"] is Status.FAIL
    assert statuses["frontend page"] is Status.FAIL
    assert statuses[f"logs {BACKEND}"] is Status.FAIL
    assert statuses[f"logs {FRONTEND}"] is Status.OK
    assert statuses[f"pods {BACKEND}"] is Status.OK
    logs = checklist.get(f"logs {BACKEND}")
    assert logs is not None and "1 error line(s)" in logs.detail
    assert "ERROR sqlalchemy: could not connect to database" in logs.detail
    assert checklist.exit_code == 1
    data = json.loads(checklist.render_json())
    assert data["ok"] is False and data["counts"]["fail"] == 3


@pytest.mark.cluster
def test_pod_not_ready_fails_the_pods_check(deployed: Executor, kube_cluster: Any, kube_namespace: str) -> None:
    _annotate(kube_cluster, kube_namespace, FRONTEND, "state", "NotReady")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the fake kubelet applies the annotation on its next sync
        proc = kube_cluster.kubectl("get", "pods", "-n", kube_namespace, "-l", f"app={FRONTEND}", "-o", "json")
        pods = json.loads(proc.stdout)["items"]
        if all(c["status"] == "False" for p in pods for c in p["status"]["conditions"] if c["type"] == "Ready"):
            break
        time.sleep(0.5)

    with serve_app(HEALTHY_BACKEND) as backend, serve_app(HEALTHY_FRONTEND) as frontend:
        checklist = validate(deployed, ValidateSettings(RELEASES, backend_url=backend.url, frontend_url=frontend.url))

    pods = checklist.get(f"pods {FRONTEND}")
    assert pods is not None and pods.status is Status.FAIL
    assert "0/1 Ready" in pods.detail and "Running, not Ready" in pods.detail
    assert checklist.exit_code == 1


@pytest.mark.cluster
def test_nothing_deployed_fails_with_deploy_hint(cluster_config: Config, kube_namespace: str) -> None:
    executor = make_executor(cluster_config, namespace=kube_namespace)

    checklist = validate(executor, ValidateSettings(RELEASES))

    pods = checklist.get(f"pods {BACKEND}")
    assert pods is not None and pods.status is Status.FAIL
    assert pods.detail == f"no pods labelled app={BACKEND} in namespace {kube_namespace}"
    assert "aiops deploy" in pods.hint
    health = checklist.get("backend /health")
    assert health is not None and health.status is Status.FAIL
    assert f"cannot read Service {BACKEND}" in health.detail and "--backend-url" in health.hint
    assert checklist.exit_code == 1


@pytest.mark.cluster
def test_default_urls_are_node_address_and_node_port(deployed: Executor, kube_cluster: Any,
                                                     kube_namespace: str, tmp_path: Path) -> None:
    svc = json.loads(kube_cluster.kubectl("get", "service", BACKEND, "-n", kube_namespace, "-o", "json").stdout)
    node_port = svc["spec"]["ports"][0]["nodePort"]
    nodes = json.loads(kube_cluster.kubectl("get", "nodes", "-o", "json").stdout)["items"]
    internal_ip = next(a["address"] for a in nodes[0]["status"]["addresses"] if a["type"] == "InternalIP")

    # No minikube on this PATH: the node's InternalIP.
    assert service_url(deployed, BACKEND) == (f"http://{internal_ip}:{node_port}", "")

    # With (a stand-in) minikube running: `minikube ip`, as on a user's machine.
    fake = install_fake_minikube(tmp_path)
    fake.set("running", True)
    fake.set("ip", "192.168.49.2")
    cfg = make_config(tmp_path, path=f"{fake.bin_dir}:{kube_cluster.env['PATH']}",
                      kubeconfig=str(kube_cluster.kubeconfig))
    with_minikube = make_executor(cfg, namespace=kube_namespace)
    assert node_address(with_minikube) == ("192.168.49.2", "")
    assert service_url(with_minikube, BACKEND) == (f"http://192.168.49.2:{node_port}", "")
    assert ["ip"] in fake.calls()


def test_unreachable_cluster_fails_once_and_skips_the_rest(tmp_path: Path, system_path: str) -> None:
    cfg = make_config(tmp_path, path=system_path, kubeconfig=unreachable_kubeconfig(tmp_path))

    checklist = validate(make_executor(cfg), ValidateSettings(RELEASES))

    assert [(c.name, c.status) for c in checklist.checks] == [("cluster", Status.FAIL), ("the rest", Status.SKIP)]
    assert checklist.exit_code == 1
