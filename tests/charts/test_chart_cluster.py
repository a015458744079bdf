"""The charts against the real test control plane (kube-apiserver 1.20 + controllers + fake kubelet).

The fake kubelet runs no images: it drives pod status from the `aiops.test/state` annotation
(Running and Ready by default). So `helm install --wait` and `kubectl wait` are exercised for real,
while the `helm test` pod's wget is not: there the annotation stands in for the container's exit
(Completed / Failed), which still exercises helm's hook handling of our test pod.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from helm_chart_support import BACKEND, CHARTS, FRONTEND, ClusterTools, chart_path, parse_manifests

pytestmark = pytest.mark.cluster

INSTALL_TIMEOUT = "120s"
STATE_ANNOTATION = "aiops\\.test/state"  # escaped for --set


def ok(proc: Any, what: str) -> str:
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    out: str = proc.stdout
    return out


def install(tools: ClusterTools, chart: str, namespace: str, *extra: str) -> str:
    return ok(
        tools.helm_run(
            "install",
            chart,
            str(chart_path(chart)),
            "--namespace",
            namespace,
            "--wait",
            "--timeout",
            INSTALL_TIMEOUT,
            *extra,
        ),
        f"helm install {chart}",
    )


def get_json(tools: ClusterTools, namespace: str, *what: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        ok(tools.kubectl("get", *what, "-n", namespace, "-o", "json"), f"get {what}")
    )
    return data


def server_api_versions(tools: ClusterTools) -> set[str]:
    return set(ok(tools.kubectl("api-versions"), "kubectl api-versions").split())


@pytest.mark.parametrize(
    "values",
    [pytest.param([], id="defaults"), pytest.param(["--set", "autoscaling.enabled=true"], id="autoscaling")],
)
@pytest.mark.parametrize("chart", CHARTS)
def test_manifests_accepted_by_the_api_server(
    cluster_tools: ClusterTools, kube_namespace: str, chart: str, values: list[str]
) -> None:
    # --validate renders with the server's capabilities, as `helm install` would: on 1.20 the HPA
    # must come out as autoscaling/v2beta2.
    rendered_text = ok(
        cluster_tools.helm_run(
            "template", chart, str(chart_path(chart)), "--namespace", kube_namespace, "--validate", *values
        ),
        "helm template --validate",
    )
    rendered = parse_manifests(rendered_text)
    applied = ok(
        cluster_tools.kubectl(
            "apply", "--dry-run=server", "-n", kube_namespace, "-f", "-", stdin=rendered_text
        ),
        "kubectl apply --dry-run=server",
    )
    # Every object, the helm test hook pod included, went through admission and validation.
    # kubectl reports e.g. "deployment.apps/taskflow-backend created (server dry run)".
    for doc in rendered.docs:
        kind, name = re.escape(doc["kind"].lower()), re.escape(doc["metadata"]["name"])
        assert re.search(rf"^{kind}(\.[a-z0-9.]+)?/{name} created \(server dry run\)$", applied, re.M), (
            applied
        )
    assert rendered.test_pod["metadata"]["name"] == f"{chart}-test-health"

    hpas = rendered.of_kind("HorizontalPodAutoscaler")
    if values:
        expected = (
            "autoscaling/v2"
            if "autoscaling/v2" in server_api_versions(cluster_tools)
            else "autoscaling/v2beta2"
        )
        assert [h["apiVersion"] for h in hpas] == [expected]
    else:
        assert hpas == []


def test_install_both_charts_ready_then_uninstall(cluster_tools: ClusterTools, kube_namespace: str) -> None:
    """The plan's Phase 3, in a fresh namespace: install both, wait for Ready, then remove."""
    ns = kube_namespace
    notes = install(cluster_tools, BACKEND, ns)
    assert f"minikube service {BACKEND} --namespace {ns} --url" in notes
    assert f"port-forward service/{BACKEND} 7860:7860" in notes
    install(cluster_tools, FRONTEND, ns)

    # The plan's own readiness check, verbatim apart from the namespace.
    for chart in CHARTS:
        ok(
            cluster_tools.kubectl(
                "wait", "--for=condition=ready", "pod", "-l", f"app={chart}", "-n", ns, "--timeout=60s"
            ),
            f"kubectl wait app={chart}",
        )

    backend_svc = get_json(cluster_tools, ns, "service", BACKEND)
    [port] = backend_svc["spec"]["ports"]
    assert backend_svc["spec"]["type"] == "NodePort"
    assert port["port"] == 7860 and 30000 <= port["nodePort"] <= 32767

    frontend_deploy = get_json(cluster_tools, ns, "deployment", FRONTEND)
    [container] = frontend_deploy["spec"]["template"]["spec"]["containers"]
    assert {"name": "NEXT_PUBLIC_API_BASE_URL", "value": f"http://{BACKEND}:7860"} in container["env"]
    assert frontend_deploy["status"]["readyReplicas"] == 1

    pods = get_json(cluster_tools, ns, "pods", "-l", f"app.kubernetes.io/instance={BACKEND}")["items"]
    assert len(pods) == 1
    assert pods[0]["spec"]["securityContext"]["runAsNonRoot"] is True

    for chart in CHARTS:
        ok(
            cluster_tools.helm_run("uninstall", chart, "--namespace", ns, "--wait", "--timeout", "60s"),
            "uninstall",
        )
    assert (
        json.loads(ok(cluster_tools.helm_run("list", "--namespace", ns, "--all", "-o", "json"), "helm list"))
        == []
    )
    left = ok(
        cluster_tools.kubectl(
            "get",
            "deployments,services,serviceaccounts,horizontalpodautoscalers",
            "-n",
            ns,
            "-l",
            "app.kubernetes.io/managed-by=Helm",
            "-o",
            "name",
        ),
        "kubectl get leftovers",
    )
    assert left.strip() == ""


@pytest.mark.parametrize(
    ("state", "passes"),
    [pytest.param("Completed", True, id="hook-succeeds"), pytest.param("Failed", False, id="hook-fails")],
)
def test_helm_test_hook(cluster_tools: ClusterTools, kube_namespace: str, state: str, passes: bool) -> None:
    ns = kube_namespace
    # Stand-in for busybox's exit status: the fake kubelet ends the test pod in `state`.
    install(cluster_tools, BACKEND, ns, "--set-string", f"tests.podAnnotations.{STATE_ANNOTATION}={state}")

    proc = cluster_tools.helm_run("test", BACKEND, "--namespace", ns, "--timeout", "60s")
    output = proc.stdout + proc.stderr
    assert (proc.returncode == 0) is passes, output
    assert f"{BACKEND}-test-health" in output

    # The finished test pod stays (hook-delete-policy before-hook-creation) and must not be taken
    # for an app pod: the plan's `kubectl wait -l app=...` still succeeds, the Deployment keeps 1 pod.
    pod = get_json(cluster_tools, ns, "pod", f"{BACKEND}-test-health")
    assert pod["status"]["phase"] == ("Succeeded" if passes else "Failed")
    assert not pod["metadata"].get("ownerReferences")
    ok(
        cluster_tools.kubectl(
            "wait", "--for=condition=ready", "pod", "-l", f"app={BACKEND}", "-n", ns, "--timeout=60s"
        ),
        "kubectl wait after helm test",
    )
    app_pods = get_json(cluster_tools, ns, "pods", "-l", f"app.kubernetes.io/name={BACKEND}")["items"]
    assert len(app_pods) == 1
