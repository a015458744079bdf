"""The fake kubelet's rules: pure ones (state mapping, spec rules, selectors, quantities), then the spec
rules on the real control plane, where each fault must appear as a real kubelet would show it AND the fix an
operator (or a model in `aiops eval`) would make must turn the Deployment's pods Ready."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.analysis.api import analyze_objects
from aiops_chat.analysis.findings import Finding
from aiops_chat.analysis.sources.live import load_live
from aiops_chat.config import Config, KubeConfig, Runtime
from tests.support import fake_kubelet as fk
from tests.support.testcluster import Cluster
from tests.support.waits import wait_until


def pod(annotations: dict[str, str], containers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "namespace": "ns", "uid": "u-1", "annotations": annotations},
        "spec": {"containers": containers or [{"name": "app", "image": "nginx:1.25"}]},
        "status": {},
    }


@pytest.mark.parametrize(
    ("states", "phase"),
    [
        (["Running"], "Running"),
        (["Completed"], "Succeeded"),
        (["Completed", "Failed"], "Failed"),
        (["ImagePullBackOff"], "Pending"),
        (["ImagePullBackOff", "Running"], "Running"),
        (["CreateContainerConfigError"], "Pending"),
        (["OOMKilled"], "Running"),
    ],
)
def test_pod_phase(states: list[str], phase: str) -> None:
    assert fk.pod_phase(states) == phase


def test_per_container_state_overrides_pod_state() -> None:
    p = pod({"aiops.test/state": "Running", "aiops.test/state.sidecar": "crashloopbackoff"},
            [{"name": "app", "image": "a"}, {"name": "sidecar", "image": "b"}])  # fmt: skip
    status, states = fk.desired_status(p, fk.PodRecord("192.0.2.10", "2024-01-01T00:00:00Z"))
    assert states == ["Running", "CrashLoopBackOff"]
    assert [c["ready"] for c in status["containerStatuses"]] == [True, False]
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False" and ready["message"] == "containers with unready status: [sidecar]"


def test_unknown_state_falls_back_to_running() -> None:
    assert fk.container_state_name(pod({"aiops.test/state": "Exploding"}), "app") == "Running"


def test_config_error_names_the_missing_secret() -> None:
    spec = {"containers": [{"name": "app", "envFrom": [{"secretRef": {"name": "db-creds"}}]}]}
    assert fk._missing_config_message(spec) == 'secret "db-creds" not found'


@pytest.mark.parametrize(
    ("selector", "labels", "match"),
    [
        ("", {"a": "1"}, True),
        ("a=1", {"a": "1"}, True),
        ("a==1,b=2", {"a": "1"}, False),
        ("a!=1", {"a": "1"}, False),
        ("a in (1,2)", {"a": "2"}, True),
        ("a notin (1,2)", {"a": "2"}, False),
        ("a", {"a": "x"}, True),
        ("!a", {"a": "x"}, False),
    ],
)
def test_label_selector(selector: str, labels: dict[str, str], match: bool) -> None:
    assert fk.label_selector_matches(selector, labels) is match


def test_usage_parsing() -> None:
    assert fk.parse_usage("cpu=50m, memory=100Mi") == {"cpu": "50m", "memory": "100Mi"}
    assert fk.parse_usage("cpu=lots") is None
    assert fk.parse_quantity("100Mi") == 100 * 2**20
    assert fk.parse_quantity("250m") == pytest.approx(0.25)


# --- spec-derived rules (pure) ----------------------------------------------------------------

REC_IP = "192.0.2.10"


def record() -> fk.PodRecord:
    return fk.PodRecord(REC_IP, "2024-01-01T00:00:00Z")


def spec_pod(container: dict[str, Any], annotations: dict[str, str] | None = None,
             volumes: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    p = pod(annotations or {}, [{"name": "app", "image": "nginx:1.25", **container}])
    if volumes:
        p["spec"]["volumes"] = volumes
    return p


def states(p: dict[str, Any], objs: fk.ConfigObjects | None = None, now: float = 0.0,
           rec: fk.PodRecord | None = None) -> list[fk.Verdict]:  # fmt: skip
    inits, mains = fk.pod_verdicts(p, rec or record(), objs if objs is not None else fk.ConfigObjects({}, {}), now)
    return [*inits, *mains]


@pytest.mark.parametrize(
    ("image", "unresolvable"),
    [
        ("registry.invalid/taskflow/api:1.0", True),
        ("REGISTRY.Invalid:5000/taskflow/api@sha256:abc", True),
        ("a.b.invalid/x", True),
        ("invalid:5000/x", True),
        ("registry.invalid.example.com/x:1", False),  # only the last label counts
        ("invalid/x:1", False),  # no dot, no port: a Docker Hub user named "invalid"
        ("nginx:1.25", False),
        ("ghcr.io/acme/app:2", False),
        ("localhost:5000/app", False),
    ],
)
def test_unresolvable_registry(image: str, unresolvable: bool) -> None:
    assert fk.unresolvable_registry(image) is unresolvable


def test_invalid_registry_is_err_image_pull_then_back_off_then_running_once_changed() -> None:
    rec = record()
    p = spec_pod({"image": "registry.invalid/taskflow/api:1.0"})
    assert states(p, now=100.0, rec=rec) == [fk.Verdict("ErrImagePull")]
    assert states(p, now=100.0 + fk.ERR_IMAGE_PULL_SECONDS - 0.1, rec=rec) == [fk.Verdict("ErrImagePull")]
    assert states(p, now=100.0 + fk.ERR_IMAGE_PULL_SECONDS, rec=rec) == [fk.Verdict("ImagePullBackOff")]
    # Another unresolvable image is a fresh pull: ErrImagePull again.
    p["spec"]["containers"][0]["image"] = "registry.invalid/taskflow/api:1.1"
    assert states(p, now=200.0, rec=rec) == [fk.Verdict("ErrImagePull")]
    p["spec"]["containers"][0]["image"] = "registry.example/taskflow/api:1.1"
    assert states(p, now=201.0, rec=rec) == [fk.Verdict("Running")]
    status, _ = fk.desired_status(p, rec, fk.pod_verdicts(p, rec, None, 201.0))
    assert status["containerStatuses"][0]["ready"] is True
    assert status["containerStatuses"][0]["image"] == "registry.example/taskflow/api:1.1"


def test_pull_failure_has_the_annotation_states_messages_and_events() -> None:
    image = "registry.invalid/taskflow/api:1.0"
    p = spec_pod({"image": image})
    rec = record()
    spec_status, _ = fk.desired_status(p, rec, fk.pod_verdicts(p, rec, None, 0.0))
    annotated = spec_pod({"image": image}, {"aiops.test/state": "ErrImagePull"})
    ann_status, _ = fk.desired_status(annotated, record())
    assert spec_status["containerStatuses"] == ann_status["containerStatuses"]
    assert spec_status["phase"] == "Pending"
    waiting = spec_status["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] == "ErrImagePull" and image in waiting["message"]
    c = p["spec"]["containers"][0]
    assert fk.events_for(p, c, "ImagePullBackOff", 4, "") == fk.events_for(annotated, c, "ImagePullBackOff", 4)


def test_annotated_state_keeps_priority_over_every_spec_rule() -> None:
    container = {"image": "registry.invalid/x:1", "ports": [{"containerPort": 80}],
                 "env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "gone", "key": "a"}}}],
                 "readinessProbe": {"tcpSocket": {"port": 81}}}  # fmt: skip
    volumes = [{"name": "cfg", "configMap": {"name": "gone"}}]
    p = spec_pod(container, {"aiops.test/state": "Running", "aiops.test/needs-env": "B"}, volumes)
    assert states(p) == [fk.Verdict("Running")]
    p = spec_pod(container, {"aiops.test/state.app": "OOMKilled"}, volumes)
    assert states(p) == [fk.Verdict("OOMKilled")]


KEYREF = {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "level"}}}


@pytest.mark.parametrize(
    ("container", "objs", "message"),
    [
        ({"env": [KEYREF]}, fk.ConfigObjects({}, {}), 'configmap "app-config" not found'),
        ({"env": [KEYREF]}, fk.ConfigObjects({"app-config": {"other": True}}, {}),
         "couldn't find key level in ConfigMap ns/app-config"),
        ({"env": [{"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}]},
         fk.ConfigObjects({}, {"db": {"user": True}}), "couldn't find key pw in Secret ns/db"),
        ({"envFrom": [{"secretRef": {"name": "db"}}]}, fk.ConfigObjects({}, {}), 'secret "db" not found'),
        ({"envFrom": [{"configMapRef": {"name": "app-config"}}]}, fk.ConfigObjects({}, {"app-config": {}}),
         'configmap "app-config" not found'),  # a Secret of that name is not a ConfigMap
    ],
)
def test_missing_env_reference_is_create_container_config_error(
    container: dict[str, Any], objs: fk.ConfigObjects, message: str
) -> None:
    p = spec_pod(container)
    assert states(p, objs) == [fk.Verdict("CreateContainerConfigError", message)]
    status, _ = fk.desired_status(p, record(), fk.pod_verdicts(p, record(), objs))
    assert status["containerStatuses"][0]["state"]["waiting"] == {"reason": "CreateContainerConfigError",
                                                                  "message": message}  # fmt: skip
    events = fk.events_for(p, p["spec"]["containers"][0], "CreateContainerConfigError", 4, message)
    assert ("Warning", "Failed", f"Error: {message}", 3) in events


def test_present_or_optional_references_let_the_container_run() -> None:
    container = {"envFrom": [{"secretRef": {"name": "absent", "optional": True}},
                             {"configMapRef": {"name": "app-config"}}],
                 "env": [KEYREF, {"name": "X", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "x",
                                                                              "optional": True}}},
                         {"name": "Y", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "nokey",
                                                                         "optional": True}}},
                         {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]}  # fmt: skip
    volumes = [{"name": "a", "configMap": {"name": "absent", "optional": True}},
               {"name": "b", "secret": {"secretName": "absent", "optional": True}},
               {"name": "c", "configMap": {"name": "app-config", "items": [{"key": "level", "path": "l"}]}}]  # fmt: skip
    assert states(spec_pod(container, volumes=volumes), fk.ConfigObjects({"app-config": {"level": True}}, {})) == [
        fk.Verdict("Running")]  # fmt: skip


@pytest.mark.parametrize(
    ("volume", "objs", "message"),
    [
        ({"configMap": {"name": "app-config"}}, fk.ConfigObjects({}, {}), 'configmap "app-config" not found'),
        ({"secret": {"secretName": "web-tls"}}, fk.ConfigObjects({}, {}), 'secret "web-tls" not found'),
        ({"configMap": {"name": "app-config", "items": [{"key": "app.yaml", "path": "a"}]}},
         fk.ConfigObjects({"app-config": {"other.yaml": True}}, {}),
         "configmap references non-existent config key: app.yaml"),
        ({"secret": {"secretName": "web-tls", "items": [{"key": "tls.key", "path": "k"}]}},
         fk.ConfigObjects({}, {"web-tls": {"tls.crt": True}}), "references non-existent secret key: tls.key"),
    ],
)
def test_missing_volume_source_is_failed_mount(volume: dict[str, Any], objs: fk.ConfigObjects, message: str) -> None:
    p = spec_pod({}, volumes=[{"name": "cfg", **volume}])
    full = f'MountVolume.SetUp failed for volume "cfg" : {message}'
    assert states(p, objs) == [fk.Verdict("FailedMount", full)]
    status, _ = fk.desired_status(p, record(), fk.pod_verdicts(p, record(), objs))
    assert status["phase"] == "Pending"
    assert status["containerStatuses"][0]["state"]["waiting"]["reason"] == "ContainerCreating"
    assert fk.events_for(p, p["spec"]["containers"][0], "FailedMount", 4, full) == [
        ("Warning", "FailedMount", full, 4)]  # fmt: skip


def test_kubelet_order_volume_then_image_then_env() -> None:
    container = {"image": "registry.invalid/x:1", "envFrom": [{"secretRef": {"name": "db"}}]}
    volumes = [{"name": "cfg", "configMap": {"name": "app-config"}}]
    assert states(spec_pod(container, volumes=volumes))[0].state == "FailedMount"
    assert states(spec_pod(container))[0].state == "ErrImagePull"
    assert states(spec_pod({**container, "image": "nginx"}))[0].state == "CreateContainerConfigError"


def test_init_container_takes_the_pull_and_config_rules() -> None:
    p = spec_pod({})
    p["spec"]["initContainers"] = [{"name": "migrate", "image": "registry.invalid/migrate:1"}]
    status, all_states = fk.desired_status(p, record(), fk.pod_verdicts(p, record(), fk.ConfigObjects({}, {})))
    assert all_states == ["ErrImagePull", "PodInitializing"]
    assert status["phase"] == "Pending"
    assert status["conditions"][0]["reason"] == "ContainersNotInitialized"
    p["spec"]["initContainers"][0]["image"] = "busybox:1.36"
    assert fk.desired_status(p, record(), fk.pod_verdicts(p, record(), fk.ConfigObjects({}, {})))[1] == [
        "Completed", "Running"]  # fmt: skip


@pytest.mark.parametrize(
    ("probe_kind", "probe", "ports", "verdict"),
    [
        ("readinessProbe", {"httpGet": {"path": "/healthz", "port": 8081}}, [{"containerPort": 8080}],
         fk.Verdict("NotReady", f'Readiness probe failed: Get "http://{REC_IP}:8081/healthz": '
                                f"dial tcp {REC_IP}:8081: connect: connection refused")),
        ("readinessProbe", {"httpGet": {"path": "/h", "port": 8443, "scheme": "HTTPS"}}, [],
         fk.Verdict("NotReady", f'Readiness probe failed: Get "https://{REC_IP}:8443/h": '
                                f"dial tcp {REC_IP}:8443: connect: connection refused")),
        ("readinessProbe", {"tcpSocket": {"port": "5432"}}, [{"containerPort": 5433}],
         fk.Verdict("NotReady", f"Readiness probe failed: dial tcp {REC_IP}:5432: connect: connection refused")),
        ("readinessProbe", {"httpGet": {"path": "/", "port": "metrics"}}, [{"name": "http", "containerPort": 9090}],
         fk.Verdict("NotReady", 'Readiness probe errored: strconv.Atoi: parsing "metrics": invalid syntax')),
        ("livenessProbe", {"tcpSocket": {"port": 6379}}, [{"containerPort": 6380}],
         fk.Verdict("LivenessProbeFailed",
                    f"Liveness probe failed: dial tcp {REC_IP}:6379: connect: connection refused")),
        ("readinessProbe", {"httpGet": {"path": "/", "port": "http"}}, [{"name": "http", "containerPort": 80}],
         fk.Verdict("Running")),
        ("readinessProbe", {"tcpSocket": {"port": 80}}, [{"name": "http", "containerPort": 80}], fk.Verdict("Running")),
        ("livenessProbe", {"exec": {"command": ["true"]}}, [], fk.Verdict("Running")),
    ],
)
def test_probe_on_an_undeclared_port_is_not_answered(probe_kind: str, probe: dict[str, Any],
                                                     ports: list[dict[str, Any]], verdict: fk.Verdict) -> None:  # fmt: skip
    p = spec_pod({probe_kind: probe, "ports": ports})
    assert states(p) == [verdict]
    status, _ = fk.desired_status(p, record(), fk.pod_verdicts(p, record(), None))
    assert status["containerStatuses"][0]["ready"] is (verdict.state == "Running")
    if verdict.state == "NotReady":
        assert status["phase"] == "Running" and status["containerStatuses"][0]["state"].get("running")
        events = fk.events_for(p, p["spec"]["containers"][0], "NotReady", 4, verdict.detail)
        assert ("Warning", "Unhealthy", verdict.detail, 12) in events


def test_liveness_failure_outranks_readiness_failure() -> None:
    p = spec_pod({"ports": [{"containerPort": 80}], "readinessProbe": {"tcpSocket": {"port": 81}},
                  "livenessProbe": {"tcpSocket": {"port": 82}}})  # fmt: skip
    assert states(p)[0].state == "LivenessProbeFailed"


@pytest.mark.parametrize(
    ("env", "env_from", "objs", "verdict"),
    [
        ([], [], fk.ConfigObjects({}, {}), fk.Verdict("CrashLoopBackOff", "FATAL: DATABASE_URL is not set")),
        ([{"name": "DATABASE_URL", "value": ""}], [], fk.ConfigObjects({}, {}),
         fk.Verdict("CrashLoopBackOff", "FATAL: DATABASE_URL is not set")),
        ([{"name": "DATABASE_URL", "value": "postgres://db"}], [], fk.ConfigObjects({}, {}),
         fk.Verdict("CrashLoopBackOff", "FATAL: API_KEY is not set")),
        ([{"name": "DATABASE_URL", "value": "postgres://db"}, {"name": "API_KEY", "value": "k"}], [],
         fk.ConfigObjects({}, {}), fk.Verdict("Running")),
        ([{"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "api", "key": "key"}}}],
         [{"configMapRef": {"name": "db"}, "prefix": "DATABASE_"}],
         fk.ConfigObjects({"db": {"URL": True}}, {"api": {"key": True}}), fk.Verdict("Running")),
        ([{"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "api", "key": "key", "optional": True}}},
          {"name": "DATABASE_URL", "value": "x"}], [], fk.ConfigObjects({}, {}),
         fk.Verdict("CrashLoopBackOff", "FATAL: API_KEY is not set")),
        ([{"name": "DATABASE_URL", "value": "x"}, {"name": "API_KEY", "value": "k"}, {"name": "API_KEY", "value": ""}],
         [], fk.ConfigObjects({}, {}), fk.Verdict("CrashLoopBackOff", "FATAL: API_KEY is not set")),  # last wins
    ],
)
def test_needs_env_crashes_until_each_name_is_set(env: list[dict[str, Any]], env_from: list[dict[str, Any]],
                                                  objs: fk.ConfigObjects, verdict: fk.Verdict) -> None:  # fmt: skip
    p = spec_pod({"env": env, "envFrom": env_from}, {"aiops.test/needs-env": "DATABASE_URL, API_KEY"})
    assert states(p, objs) == [verdict]


def test_needs_env_per_container() -> None:
    p = pod({"aiops.test/needs-env.app": "TOKEN"}, [{"name": "app", "image": "a"}, {"name": "sidecar", "image": "b"}])
    assert [v.state for v in states(p)] == ["CrashLoopBackOff", "Running"]


def test_config_objects_from_lists() -> None:
    objs = fk.ConfigObjects.from_lists(
        {"items": [{"metadata": {"name": "c"}, "data": {"a": "1", "e": ""}, "binaryData": {"b": "AA=="}}]},
        {"items": [{"metadata": {"name": "s"}, "data": {"pw": "cHc="}}, {"metadata": {"name": "empty"}}]},
    )
    assert objs.get("configmap", "c") == {"a": True, "e": False, "b": True}
    assert objs.get("secret", "s") == {"pw": True}
    assert objs.get("secret", "empty") == {}
    assert objs.get("configmap", "s") is None


@pytest.mark.parametrize(
    ("extra", "refers"),
    [
        ({}, False),
        ({"volumes": [{"name": "v", "emptyDir": {}}]}, False),
        ({"volumes": [{"name": "v", "secret": {"secretName": "s"}}]}, True),
        ({"containers": [{"name": "a", "env": [{"name": "X", "value": "1"}]}]}, False),
        ({"containers": [{"name": "a", "envFrom": [{"configMapRef": {"name": "c"}}]}]}, True),
        ({"initContainers": [{"name": "i", "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}],
          "containers": [{"name": "a"}]}, True),
    ],
)
def test_only_pods_that_refer_to_config_cost_a_lookup(extra: dict[str, Any], refers: bool) -> None:
    p = pod({})
    p["spec"].update(extra)
    assert fk.refers_to_config(p) is refers


# --- spec rules on the real control plane: fault, then fix ------------------------------------


def deploy(cluster: Cluster, ns: str, name: str, container: dict[str, Any], *,
           annotations: dict[str, str] | None = None, volumes: list[dict[str, Any]] | None = None) -> None:  # fmt: skip
    pod_spec: dict[str, Any] = {"containers": [{"name": name, "image": "nginx:1.25", **container}]}
    if volumes:
        pod_spec["volumes"] = volumes
    cluster.kubectl("apply", "-n", ns, "-f", "-", input=json.dumps({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}, "annotations": annotations or {}},
                              "spec": pod_spec}},
    }))  # fmt: skip


def live_pods(cluster: Cluster, ns: str, app: str) -> list[dict[str, Any]]:
    items = cluster.api("GET", f"/api/v1/namespaces/{ns}/pods?labelSelector=app%3D{app}")["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


def container(pod: dict[str, Any]) -> dict[str, Any]:
    statuses = (pod.get("status") or {}).get("containerStatuses") or [{}]
    return dict(statuses[0])


def waiting_reason(pod: dict[str, Any]) -> str | None:
    return (container(pod).get("state") or {}).get("waiting", {}).get("reason")


def is_ready(pod: dict[str, Any]) -> bool:
    conds = {c["type"]: c["status"] for c in (pod.get("status") or {}).get("conditions") or []}
    return pod.get("status", {}).get("phase") == "Running" and conds.get("Ready") == "True"


def wait_for_pod(cluster: Cluster, ns: str, app: str, check: Any, what: str) -> dict[str, Any]:
    pods = wait_until(lambda: live_pods(cluster, ns, app), lambda ps: len(ps) == 1 and bool(check(ps[0])),
                      timeout=60, what=f"{app}: {what}")  # fmt: skip
    return pods[0]


def events_of(cluster: Cluster, ns: str, pod: str) -> list[dict[str, Any]]:
    sel = f"involvedObject.name={pod}"
    return list(cluster.api("GET", f"/api/v1/namespaces/{ns}/events?fieldSelector={sel}")["items"])


def wait_for_event(cluster: Cluster, ns: str, pod: str, reason: str, message: str) -> dict[str, Any]:
    def match(e: dict[str, Any]) -> bool:
        return e["reason"] == reason and e["message"] == message

    evs = wait_until(lambda: events_of(cluster, ns, pod), lambda es: any(match(e) for e in es), timeout=30,
                     what=f"event {reason}: {message}")  # fmt: skip
    event = next(e for e in evs if match(e))
    assert event["source"]["component"] == "kubelet"
    return event


def fixed(cluster: Cluster, ns: str, app: str) -> dict[str, Any]:
    """The Deployment's rollout completes and its one pod is Running and Ready."""
    cluster.kubectl("rollout", "status", f"deployment/{app}", "-n", ns, "--timeout=90s", timeout=120)
    pod = wait_for_pod(cluster, ns, app, is_ready, "one Running, Ready pod")
    assert container(pod)["ready"] is True and "running" in container(pod)["state"]
    dep = cluster.kubectl_json("get", "deployment", app, "-n", ns)
    assert dep["status"].get("availableReplicas") == 1 and not dep["status"].get("unavailableReplicas")
    return pod


def kubectl_status_column(cluster: Cluster, ns: str, pod: str) -> str:
    return cluster.kubectl("get", "pod", pod, "-n", ns, "--no-headers").stdout.split()[2]


def findings(cluster: Cluster, ns: str, tmp_path: Path, reason: str) -> list[Finding]:
    """What `aiops analyze` finds in the namespace, once it reports `reason`."""
    cfg = Config(kube=KubeConfig(kubeconfig=str(cluster.kubeconfig)), runtime=Runtime(home=str(tmp_path)))
    return wait_until(lambda: analyze_objects(load_live(cfg, namespace=ns)),
                      lambda fs: any(f.reason == reason for f in fs), timeout=60, what=f"a {reason} finding")


@pytest.mark.cluster
def test_unresolvable_image_fails_to_pull_until_set_image(kube_cluster: Cluster, kube_namespace: str,
                                                          tmp_path: Path) -> None:  # fmt: skip
    ns, image = kube_namespace, "registry.invalid/taskflow/api:1.0"
    deploy(kube_cluster, ns, "api", {"image": image})
    pod = wait_for_pod(kube_cluster, ns, "api", lambda p: waiting_reason(p) == "ImagePullBackOff", "ImagePullBackOff")
    name = pod["metadata"]["name"]
    assert pod["status"]["phase"] == "Pending"
    assert container(pod)["state"]["waiting"]["message"] == f'Back-off pulling image "{image}"'
    # ErrImagePull came first: its events precede the back-off's.
    err = wait_for_event(kube_cluster, ns, name, "Failed", "Error: ErrImagePull")
    backoff = wait_for_event(kube_cluster, ns, name, "Failed", "Error: ImagePullBackOff")
    assert err["firstTimestamp"] < backoff["firstTimestamp"]
    wait_for_event(kube_cluster, ns, name, "Failed", f'Failed to pull image "{image}": {fk.pull_error(image)}')
    assert kubectl_status_column(kube_cluster, ns, name) == "ImagePullBackOff"
    logs = kube_cluster.kubectl("logs", name, "-n", ns, check=False)
    assert logs.returncode != 0 and "trying and failing to pull image" in logs.stderr
    found = [f for f in findings(kube_cluster, ns, tmp_path, "ImagePullBackOff") if f.reason == "ImagePullBackOff"]
    assert found[0].parent == "Deployment/api" and image in " ".join([found[0].message, *found[0].evidence])

    kube_cluster.kubectl("set", "image", "deployment/api", "api=nginx:1.25", "-n", ns)
    pod = fixed(kube_cluster, ns, "api")
    assert container(pod)["image"] == "nginx:1.25"


@pytest.mark.cluster
def test_patching_a_pods_image_recovers_the_same_pod(kube_cluster: Cluster, kube_namespace: str) -> None:
    ns = kube_namespace
    kube_cluster.kubectl("run", "web", "--image=registry.invalid/web:2", "-n", ns, "--labels=app=web")
    first = wait_for_pod(kube_cluster, ns, "web", lambda p: waiting_reason(p) in ("ErrImagePull", "ImagePullBackOff"),
                         "a failing pull")  # fmt: skip
    kube_cluster.kubectl("set", "image", "pod/web", "web=nginx:1.25", "-n", ns)
    pod = wait_for_pod(kube_cluster, ns, "web", is_ready, "Running and Ready")
    assert pod["metadata"]["uid"] == first["metadata"]["uid"]
    assert container(pod)["image"] == "nginx:1.25"
    wait_for_event(kube_cluster, ns, "web", "Started", "Started container web")


@pytest.mark.cluster
def test_missing_configmap_env_waits_until_the_configmap_has_the_key(kube_cluster: Cluster, kube_namespace: str,
                                                                     tmp_path: Path) -> None:  # fmt: skip
    ns = kube_namespace
    env = [{"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "level"}}}]
    deploy(kube_cluster, ns, "api", {"env": env})
    pod = wait_for_pod(kube_cluster, ns, "api", lambda p: waiting_reason(p) == "CreateContainerConfigError",
                       "CreateContainerConfigError")  # fmt: skip
    name = pod["metadata"]["name"]
    assert container(pod)["state"]["waiting"]["message"] == 'configmap "app-config" not found'
    wait_for_event(kube_cluster, ns, name, "Failed", 'Error: configmap "app-config" not found')
    assert kubectl_status_column(kube_cluster, ns, name) == "CreateContainerConfigError"
    found = [f for f in findings(kube_cluster, ns, tmp_path, "CreateContainerConfigError")
             if f.reason == "CreateContainerConfigError"]  # fmt: skip
    assert "app-config" in found[0].message

    # The same pod follows the namespace: a ConfigMap without the key, then with it.
    kube_cluster.kubectl("create", "configmap", "app-config", "--from-literal=other=1", "-n", ns)
    missing_key = f"couldn't find key level in ConfigMap {ns}/app-config"
    pod = wait_for_pod(kube_cluster, ns, "api",
                       lambda p: (container(p)["state"].get("waiting") or {}).get("message") == missing_key,
                       "the missing key")  # fmt: skip
    assert pod["metadata"]["name"] == name
    kube_cluster.kubectl("patch", "configmap", "app-config", "-n", ns, "-p", '{"data": {"level": "info"}}')
    pod = fixed(kube_cluster, ns, "api")
    assert pod["metadata"]["name"] == name  # no rollout needed: the kubelet retried


@pytest.mark.cluster
def test_missing_secret_env_from_until_created(kube_cluster: Cluster, kube_namespace: str) -> None:
    ns = kube_namespace
    deploy(kube_cluster, ns, "worker", {"envFrom": [{"secretRef": {"name": "db-creds"}},
                                                    {"configMapRef": {"name": "absent", "optional": True}}]})  # fmt: skip
    pod = wait_for_pod(kube_cluster, ns, "worker", lambda p: waiting_reason(p) == "CreateContainerConfigError",
                       "CreateContainerConfigError")  # fmt: skip
    assert container(pod)["state"]["waiting"]["message"] == 'secret "db-creds" not found'
    kube_cluster.kubectl("create", "secret", "generic", "db-creds", "--from-literal=password=s3cret", "-n", ns)
    fixed(kube_cluster, ns, "worker")


@pytest.mark.cluster
def test_missing_volume_objects_hold_the_pod_in_container_creating(kube_cluster: Cluster, kube_namespace: str,
                                                                   tmp_path: Path) -> None:  # fmt: skip
    ns = kube_namespace
    volumes = [{"name": "config", "configMap": {"name": "app-config"}},
               {"name": "tls", "secret": {"secretName": "web-tls"}}]  # fmt: skip
    deploy(kube_cluster, ns, "web", {"volumeMounts": [{"name": "config", "mountPath": "/etc/app"},
                                                      {"name": "tls", "mountPath": "/etc/tls"}]}, volumes=volumes)  # fmt: skip
    pod = wait_for_pod(kube_cluster, ns, "web", lambda p: waiting_reason(p) == "ContainerCreating", "ContainerCreating")
    name = pod["metadata"]["name"]
    assert pod["status"]["phase"] == "Pending"
    wait_for_event(kube_cluster, ns, name, "FailedMount",
                   'MountVolume.SetUp failed for volume "config" : configmap "app-config" not found')
    assert kubectl_status_column(kube_cluster, ns, name) == "ContainerCreating"
    found = [f for f in findings(kube_cluster, ns, tmp_path, "ContainerCreating") if f.reason == "ContainerCreating"]
    assert 'configmap "app-config" not found' in " ".join([found[0].message, *found[0].evidence])

    kube_cluster.kubectl("create", "configmap", "app-config", "--from-literal=app.yaml=x", "-n", ns)
    wait_for_event(kube_cluster, ns, name, "FailedMount",
                   'MountVolume.SetUp failed for volume "tls" : secret "web-tls" not found')
    kube_cluster.kubectl("create", "secret", "generic", "web-tls", "--from-literal=tls.crt=x", "-n", ns)
    pod = fixed(kube_cluster, ns, "web")
    assert pod["metadata"]["name"] == name


@pytest.mark.cluster
def test_readiness_probe_on_an_undeclared_port_until_fixed(kube_cluster: Cluster, kube_namespace: str,
                                                           tmp_path: Path) -> None:  # fmt: skip
    ns = kube_namespace
    deploy(kube_cluster, ns, "api", {"ports": [{"name": "http", "containerPort": 8080}],
                                     "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8081}},
                                     "livenessProbe": {"exec": {"command": ["true"]}}})  # fmt: skip
    pod = wait_for_pod(kube_cluster, ns, "api",
                       lambda p: p["status"].get("phase") == "Running" and p["status"].get("podIP"), "Running")  # fmt: skip
    name, ip = pod["metadata"]["name"], pod["status"]["podIP"]
    assert not is_ready(pod) and container(pod)["ready"] is False and "running" in container(pod)["state"]
    wait_for_event(kube_cluster, ns, name, "Unhealthy",
                   f'Readiness probe failed: Get "http://{ip}:8081/healthz": dial tcp {ip}:8081: connect: '
                   "connection refused")  # fmt: skip
    assert kube_cluster.kubectl("get", "pod", name, "-n", ns, "--no-headers").stdout.split()[1:3] == ["0/1", "Running"]
    findings(kube_cluster, ns, tmp_path, "ReadinessProbeFailed")

    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/readinessProbe/httpGet/port", "value": "http"}]
    kube_cluster.kubectl("patch", "deployment", "api", "-n", ns, "--type=json", "-p", json.dumps(patch))
    pod = fixed(kube_cluster, ns, "api")
    assert pod["metadata"]["name"] != name


@pytest.mark.cluster
def test_liveness_probe_on_an_undeclared_port_until_fixed(kube_cluster: Cluster, kube_namespace: str) -> None:
    ns = kube_namespace
    deploy(kube_cluster, ns, "cache", {"ports": [{"name": "redis", "containerPort": 6379}],
                                       "livenessProbe": {"tcpSocket": {"port": "redis-port"}}})  # fmt: skip
    pod = wait_for_pod(kube_cluster, ns, "cache", lambda p: waiting_reason(p) == "CrashLoopBackOff", "CrashLoopBackOff")
    name = pod["metadata"]["name"]
    assert container(pod)["restartCount"] > 0
    assert container(pod)["lastState"]["terminated"]["exitCode"] == 137
    wait_for_event(kube_cluster, ns, name, "Unhealthy",
                   'Liveness probe errored: strconv.Atoi: parsing "redis-port": invalid syntax')
    wait_for_event(kube_cluster, ns, name, "Killing", "Container cache failed liveness probe, will be restarted")

    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/livenessProbe/tcpSocket/port", "value": 6379}]
    kube_cluster.kubectl("patch", "deployment", "cache", "-n", ns, "--type=json", "-p", json.dumps(patch))
    fixed(kube_cluster, ns, "cache")


@pytest.mark.cluster
def test_needs_env_crash_loops_until_the_variable_is_set(kube_cluster: Cluster, kube_namespace: str) -> None:
    ns = kube_namespace
    deploy(kube_cluster, ns, "api", {"env": [{"name": "LOG_LEVEL", "value": "info"}]},
           annotations={"aiops.test/needs-env": "DATABASE_URL"})
    pod = wait_for_pod(kube_cluster, ns, "api", lambda p: waiting_reason(p) == "CrashLoopBackOff", "CrashLoopBackOff")
    name = pod["metadata"]["name"]
    assert container(pod)["lastState"]["terminated"]["exitCode"] == 1
    assert kube_cluster.kubectl("logs", name, "-n", ns).stdout == "FATAL: DATABASE_URL is not set\n"
    assert kube_cluster.kubectl("logs", name, "-n", ns, "--previous").stdout == "FATAL: DATABASE_URL is not set\n"
    wait_for_event(kube_cluster, ns, name, "BackOff", "Back-off restarting failed container")

    kube_cluster.kubectl("set", "env", "deployment/api", "DATABASE_URL=postgres://db:5432/app", "-n", ns)
    pod = fixed(kube_cluster, ns, "api")
    assert kube_cluster.kubectl("logs", pod["metadata"]["name"], "-n", ns).stdout == ""


@pytest.mark.cluster
def test_needs_env_logs_annotation_overrides(kube_cluster: Cluster, kube_namespace: str) -> None:
    ns = kube_namespace
    deploy(kube_cluster, ns, "api", {}, annotations={"aiops.test/needs-env": "API_KEY",
                                                     "aiops.test/logs": "config: API_KEY missing, exiting\n"})  # fmt: skip
    pod = wait_for_pod(kube_cluster, ns, "api", lambda p: waiting_reason(p) == "CrashLoopBackOff", "CrashLoopBackOff")
    assert kube_cluster.kubectl("logs", pod["metadata"]["name"], "-n", ns, "--previous").stdout == \
        "config: API_KEY missing, exiting\n"
