"""The fake kubelet's pure rules (no cluster needed): state mapping, selectors, quantities."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import fake_kubelet as fk


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
