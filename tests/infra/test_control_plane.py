"""The test control plane itself: real kube-apiserver 1.20 + controllers + scheduler + fake kubelet."""

from __future__ import annotations

import ipaddress
import json
from typing import Any, cast

import pytest

from tests.support.testcluster import NODE_NAME, PROD_CONTEXT, VIEWER_CONTEXT, Cluster
from tests.support.waits import wait_until

pytestmark = pytest.mark.cluster

POD_NET = ipaddress.ip_network("192.0.2.0/24")


def pod_manifest(name: str, annotations: dict[str, str] | None = None, **spec_extra: Any) -> str:
    container: dict[str, Any] = {"name": "app", "image": "registry.example/app:1.0"}
    container.update(spec_extra.pop("container", {}))
    return json.dumps({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}, "annotations": annotations or {}},
        "spec": {"containers": [container], **spec_extra},
    })  # fmt: skip


def get_pod(cluster: Cluster, ns: str, name: str) -> dict[str, Any]:
    return dict(cluster.api("GET", f"/api/v1/namespaces/{ns}/pods/{name}"))


def pod_events(cluster: Cluster, ns: str, name: str) -> list[dict[str, Any]]:
    sel = f"involvedObject.name={name}"
    return list(cluster.api("GET", f"/api/v1/namespaces/{ns}/events?fieldSelector={sel}")["items"])


def test_node_is_registered_ready_and_schedulable(kube_cluster: Cluster) -> None:
    out = kube_cluster.kubectl("get", "nodes").stdout
    assert NODE_NAME in out and " Ready " in out
    node = kube_cluster.kubectl_json("get", "node", NODE_NAME)
    assert node["status"]["capacity"]["cpu"] == "4"
    assert node["status"]["capacity"]["memory"] == "8Gi"
    assert node["status"]["capacity"]["pods"] == "110"
    assert {"type": "InternalIP", "address": "127.0.0.1"} in node["status"]["addresses"]
    assert not [t for t in node["spec"].get("taints") or [] if "not-ready" in t["key"]]
    lease = kube_cluster.kubectl_json("get", "lease", NODE_NAME, "-n", "kube-node-lease")
    assert lease["spec"]["holderIdentity"] == NODE_NAME


def test_deployment_rolls_out_with_ready_pods_and_endpoints(kube_cluster: Cluster, kube_namespace: str) -> None:
    ns = kube_namespace
    kube_cluster.kubectl("create", "deployment", "web", "--image=nginx:1.25", "--replicas=2", "-n", ns)
    kube_cluster.kubectl("expose", "deployment", "web", "--port=80", "-n", ns)
    kube_cluster.kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s", timeout=90)
    pods = kube_cluster.kubectl_json("get", "pods", "-n", ns, "-l", "app=web")["items"]
    assert len(pods) == 2
    for pod in pods:
        assert pod["spec"]["nodeName"] == NODE_NAME
        assert pod["status"]["phase"] == "Running"
        assert ipaddress.ip_address(pod["status"]["podIP"]) in POD_NET
        ready = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
        assert ready["Ready"] == "True"
    endpoints = wait_until(
        lambda: kube_cluster.kubectl_json("get", "endpoints", "web", "-n", ns),
        lambda ep: len([a for s in ep.get("subsets") or [] for a in s.get("addresses") or []]) == 2,
        what="two ready endpoint addresses",
    )
    ips = {a["ip"] for s in endpoints["subsets"] for a in s["addresses"]}
    assert ips == {p["status"]["podIP"] for p in pods}


# state -> (phase, ready, waiting reason, terminated reason (state or lastState), exit code, warning event)
STATE_TABLE: dict[str, tuple[str, bool, str | None, str | None, int | None, str | None]] = {
    "Running": ("Running", True, None, None, None, None),
    "NotReady": ("Running", False, None, None, None, "Unhealthy"),
    "CrashLoopBackOff": ("Running", False, "CrashLoopBackOff", "Error", 1, "BackOff"),
    "OOMKilled": ("Running", False, "CrashLoopBackOff", "OOMKilled", 137, "BackOff"),
    "ImagePullBackOff": ("Pending", False, "ImagePullBackOff", None, None, "Failed"),
    "ErrImagePull": ("Pending", False, "ErrImagePull", None, None, "Failed"),
    "CreateContainerConfigError": ("Pending", False, "CreateContainerConfigError", None, None, "Failed"),
    "Completed": ("Succeeded", False, None, "Completed", 0, None),
    "Failed": ("Failed", False, None, "Error", 1, None),
}


@pytest.mark.parametrize("state", sorted(STATE_TABLE))
def test_state_annotation_drives_pod_status_and_events(kube_cluster: Cluster, kube_namespace: str, state: str) -> None:
    phase, ready, waiting, terminated, exit_code, warning = STATE_TABLE[state]
    ns, name = kube_namespace, f"p-{state.lower()}"
    container: dict[str, Any] = {}
    if state == "CreateContainerConfigError":
        container["env"] = [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "missing-cm", "key": "k"}}}]
    if state == "NotReady":
        container["readinessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}}
    kube_cluster.kubectl("apply", "-n", ns, "-f", "-",
                         input=pod_manifest(name, {"aiops.test/state": state}, restartPolicy="Always"
                                            if phase != "Succeeded" and phase != "Failed" else "Never",
                                            container=container))  # fmt: skip
    pod = wait_until(lambda: get_pod(kube_cluster, ns, name),
                     lambda p: p["status"].get("phase") == phase and bool(p["status"].get("containerStatuses")),
                     what=f"phase {phase}")  # fmt: skip
    cs = pod["status"]["containerStatuses"][0]
    conditions = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
    assert conditions["Ready"] == ("True" if ready else "False")
    assert cs["ready"] is ready
    assert ipaddress.ip_address(pod["status"]["podIP"]) in POD_NET
    if waiting:
        assert cs["state"]["waiting"]["reason"] == waiting
    else:
        assert "waiting" not in cs["state"]
    if terminated:
        term = cs["state"].get("terminated") or cs["lastState"]["terminated"]
        assert term["reason"] == terminated
        assert term["exitCode"] == exit_code
    if state in ("CrashLoopBackOff", "OOMKilled"):
        assert cs["restartCount"] > 0
    if state == "CreateContainerConfigError":
        assert cs["state"]["waiting"]["message"] == 'configmap "missing-cm" not found'
    if state == "ImagePullBackOff":
        assert "registry.example/app:1.0" in cs["state"]["waiting"]["message"]
    if warning:
        events = wait_until(lambda: pod_events(kube_cluster, ns, name),
                            lambda evs: any(e["reason"] == warning and e["type"] == "Warning" for e in evs),
                            what=f"Warning event {warning}")  # fmt: skip
        ev = next(e for e in events if e["reason"] == warning)
        assert ev["source"]["component"] == "kubelet"
        if state == "NotReady":
            assert ev["message"].startswith("Readiness probe failed: ")
    # What an operator would see, through real kubectl.
    row = kube_cluster.kubectl("get", "pod", name, "-n", ns, "--no-headers").stdout.split()
    expected_status = {"NotReady": "Running", "Failed": "Error", "OOMKilled": "CrashLoopBackOff"}.get(state, state)
    assert row[2] == expected_status, row


def test_state_change_is_followed(kube_cluster: Cluster, kube_namespace: str) -> None:
    ns = kube_namespace
    kube_cluster.kubectl("apply", "-n", ns, "-f", "-", input=pod_manifest("flip"))
    wait_until(lambda: get_pod(kube_cluster, ns, "flip"), lambda p: p["status"].get("phase") == "Running",
               what="Running")  # fmt: skip
    kube_cluster.kubectl("annotate", "pod", "flip", "-n", ns, "aiops.test/state=CrashLoopBackOff")
    pod = wait_until(
        lambda: get_pod(kube_cluster, ns, "flip"),
        lambda p: (p["status"]["containerStatuses"][0]["state"].get("waiting") or {}).get("reason") == "CrashLoopBackOff",
        what="CrashLoopBackOff after annotate",
    )
    assert pod["status"]["containerStatuses"][0]["restartCount"] > 0


def test_kubectl_logs_returns_annotation_text(kube_cluster: Cluster, kube_namespace: str) -> None:
    ns = kube_namespace
    text = "starting app\nconnecting to db\nERROR: connection refused\n"
    kube_cluster.kubectl("apply", "-n", ns, "-f", "-", input=pod_manifest("logger", {"aiops.test/logs": text}))
    wait_until(lambda: get_pod(kube_cluster, ns, "logger"), lambda p: p["status"].get("phase") == "Running",
               what="Running")  # fmt: skip
    assert kube_cluster.kubectl("logs", "logger", "-n", ns).stdout == text
    assert kube_cluster.kubectl("logs", "logger", "-n", ns, "--tail=1").stdout == "ERROR: connection refused\n"
    assert kube_cluster.kubectl("logs", "logger", "-n", ns, "-c", "app", "--tail=2").stdout.splitlines() == [
        "connecting to db", "ERROR: connection refused"]  # fmt: skip
    # A running container has no previous instance.
    prev = kube_cluster.kubectl("logs", "logger", "-n", ns, "--previous", check=False)
    assert prev.returncode != 0 and "previous terminated container" in prev.stderr


def test_kubectl_logs_previous_of_crashing_container(kube_cluster: Cluster, kube_namespace: str) -> None:
    ns = kube_namespace
    ann = {"aiops.test/state": "CrashLoopBackOff", "aiops.test/logs": "boot\n",
           "aiops.test/previous-logs": "panic: nil map\n"}  # fmt: skip
    kube_cluster.kubectl("apply", "-n", ns, "-f", "-", input=pod_manifest("crasher", ann))
    wait_until(lambda: get_pod(kube_cluster, ns, "crasher"),
               lambda p: bool(p["status"].get("containerStatuses")), what="status")  # fmt: skip
    assert kube_cluster.kubectl("logs", "crasher", "-n", ns, "--previous").stdout == "panic: nil map\n"


def test_viewer_reads_but_cannot_write(kube_cluster: Cluster, kube_namespace: str) -> None:
    ns, viewer = kube_namespace, kube_cluster.viewer_kubeconfig
    assert kube_cluster.kubectl("get", "pods", "-n", ns, kubeconfig=viewer).returncode == 0
    assert kube_cluster.kubectl("config", "current-context", kubeconfig=viewer).stdout.strip() == VIEWER_CONTEXT
    denied = kube_cluster.kubectl("create", "configmap", "x", "-n", ns, kubeconfig=viewer, check=False)
    assert denied.returncode != 0 and "forbidden" in denied.stderr.lower()
    assert kube_cluster.kubectl("auth", "can-i", "delete", "pods", "-n", ns, kubeconfig=viewer,
                                check=False).stdout.strip() == "no"  # fmt: skip
    # The admin can.
    assert kube_cluster.kubectl("auth", "can-i", "delete", "pods", "-n", ns).stdout.strip() == "yes"


def test_multi_context_kubeconfig(kube_cluster: Cluster) -> None:
    cfg = kube_cluster.multi_kubeconfig
    contexts = kube_cluster.kubectl("config", "get-contexts", "-o", "name", kubeconfig=cfg).stdout.split()
    assert set(contexts) == {"aiops-test", VIEWER_CONTEXT, PROD_CONTEXT}
    out = kube_cluster.kubectl("--context", PROD_CONTEXT, "get", "nodes", "-o", "name", kubeconfig=cfg).stdout
    assert out.strip() == f"node/{NODE_NAME}"


def test_metrics_api_serves_usage_from_annotation(kube_cluster: Cluster, kube_namespace: str) -> None:
    ns = kube_namespace
    kube_cluster.kubectl("apply", "-n", ns, "-f", "-",
                         input=pod_manifest("hungry", {"aiops.test/usage": "cpu=250m,memory=300Mi"}))  # fmt: skip
    wait_until(lambda: get_pod(kube_cluster, ns, "hungry"), lambda p: p["status"].get("phase") == "Running",
               what="Running")  # fmt: skip
    raw = wait_until(
        lambda: kube_cluster.api("GET", f"/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods"),
        lambda r: bool(r.get("items")), what="pod metrics",
    )
    assert raw["kind"] == "PodMetricsList"
    assert raw["items"][0]["containers"][0]["usage"] == {"cpu": "250m", "memory": "300Mi"}
    top = kube_cluster.kubectl("top", "pod", "-n", ns, "--no-headers").stdout.split()
    assert top == ["hungry", "250m", "300Mi"]
    node_top = kube_cluster.kubectl("top", "node", "--no-headers").stdout.split()
    assert node_top[0] == NODE_NAME
    # The viewer may read metrics too (as with metrics-server's aggregated role).
    assert kube_cluster.kubectl("top", "pod", "-n", ns, kubeconfig=kube_cluster.viewer_kubeconfig).returncode == 0


def test_python_client_reads_metrics(kube_cluster: Cluster, kube_namespace: str) -> None:
    from kubernetes import client, config  # the project's real client library

    ns = kube_namespace
    kube_cluster.kubectl("apply", "-n", ns, "-f", "-",
                         input=pod_manifest("m", {"aiops.test/usage": "cpu=50m,memory=100Mi"}))  # fmt: skip
    wait_until(lambda: get_pod(kube_cluster, ns, "m"), lambda p: p["status"].get("phase") == "Running", what="Running")
    api = client.CustomObjectsApi(config.new_client_from_config(str(kube_cluster.kubeconfig)))
    # Like metrics-server, the metrics lag the pod status a little: wait for the first sample.
    def pod_metrics() -> list[Any]:
        listed = api.list_namespaced_custom_object("metrics.k8s.io", "v1beta1", ns, "pods")
        return list(cast(dict[str, Any], listed)["items"])  # the client types the decoded body as object

    items = wait_until(pod_metrics, bool, what="pod metrics")
    assert [(i["metadata"]["name"], i["containers"][0]["usage"]) for i in items] == [
        ("m", {"cpu": "50m", "memory": "100Mi"})]  # fmt: skip


def test_helm_install_and_uninstall(kube_cluster: Cluster, kube_namespace: str, tmp_path: Any) -> None:
    ns, chart = kube_namespace, tmp_path / "tiny"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: tiny\nversion: 0.1.0\nappVersion: '1.0'\n")
    (chart / "values.yaml").write_text("replicas: 1\ngreeting: hello\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\n"
        "data:\n  greeting: {{ .Values.greeting | quote }}\n"
    )
    (chart / "templates" / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n"
        "  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: {{ .Release.Name }}}\n"
        "  template:\n    metadata:\n      labels: {app: {{ .Release.Name }}}\n"
        "    spec:\n      containers:\n      - name: app\n        image: nginx:1.25\n"
    )
    version = kube_cluster.helm("version", "--short").stdout
    assert version.startswith("v3.")
    kube_cluster.helm("install", "rel", str(chart), "-n", ns, "--set", "greeting=hi", "--wait", "--timeout", "60s")
    assert kube_cluster.kubectl("get", "configmap", "rel-cfg", "-n", ns, "-o",
                                "jsonpath={.data.greeting}").stdout == "hi"  # fmt: skip
    releases = json.loads(kube_cluster.helm("list", "-n", ns, "-o", "json").stdout)
    assert [(r["name"], r["status"]) for r in releases] == [("rel", "deployed")]
    kube_cluster.helm("uninstall", "rel", "-n", ns, "--wait")
    gone = kube_cluster.kubectl("get", "deployment", "rel", "-n", ns, check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr
    assert json.loads(kube_cluster.helm("list", "-n", ns, "-o", "json").stdout) == []


def test_graceful_pod_deletion_completes(kube_cluster: Cluster, kube_namespace: str) -> None:
    ns = kube_namespace
    kube_cluster.kubectl("apply", "-n", ns, "-f", "-", input=pod_manifest("doomed"))
    wait_until(lambda: get_pod(kube_cluster, ns, "doomed"), lambda p: p["status"].get("phase") == "Running",
               what="Running")  # fmt: skip
    # Default 30 s grace period: only the kubelet's confirmation lets this return early.
    kube_cluster.kubectl("delete", "pod", "doomed", "-n", ns, "--timeout=20s", timeout=30)
    gone = kube_cluster.kubectl("get", "pod", "doomed", "-n", ns, check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr


def test_custom_resource_with_labels_does_not_crash_apiserver(kube_cluster: Cluster, kube_namespace: str) -> None:
    # Regression guard for the reflect2 vendor swap in scripts/build-control-plane: without it
    # the 1.20 apiserver built with Go >= 1.18 segfaults here.
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.aiops.test"},
        "spec": {"group": "aiops.test", "scope": "Namespaced",
                 "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                 "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                     "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]},
    }  # fmt: skip
    kube_cluster.kubectl("apply", "-f", "-", input=json.dumps(crd))
    kube_cluster.kubectl("wait", "--for=condition=Established", "crd/widgets.aiops.test", "--timeout=30s")
    widget = {"apiVersion": "aiops.test/v1", "kind": "Widget",
              "metadata": {"name": "w1", "labels": {"a": "1", "b": "2", "c": "3"}}, "spec": {"size": 3}}  # fmt: skip
    kube_cluster.kubectl("apply", "-n", kube_namespace, "-f", "-", input=json.dumps(widget))
    got = kube_cluster.kubectl_json("get", "widgets", "-n", kube_namespace, "-l", "b=2")
    assert [i["metadata"]["labels"] for i in got["items"]] == [{"a": "1", "b": "2", "c": "3"}]
    assert kube_cluster.kubectl("get", "--raw", "/readyz").stdout == "ok"
