"""What `helm template` renders: the plan's values exactly, and the conventions of a well-made chart.

Each chart's expectations are one row of PLAN; the checks are shared, so the two charts stay parallel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from helm_chart_support import BACKEND, CHARTS, FRONTEND, Manifest, Rendered, RenderFn


@dataclass(frozen=True)
class PlanRow:
    chart: str
    image: str
    port: int
    requests: dict[str, str]
    limits: dict[str, str]
    probe_path: str
    env: dict[str, str]
    writable_dirs: frozenset[str]
    test_url: str
    extra: dict[str, str] = field(default_factory=dict)


PLAN = {
    BACKEND: PlanRow(
        chart=BACKEND,
        image="taskflow-backend:1.0.0",
        port=7860,
        requests={"cpu": "100m", "memory": "256Mi"},
        limits={"cpu": "500m", "memory": "512Mi"},
        probe_path="/health",
        env={},
        writable_dirs=frozenset({"/tmp"}),
        test_url="http://taskflow-backend:7860/health",
    ),
    FRONTEND: PlanRow(
        chart=FRONTEND,
        image="taskflow-frontend:1.0.0",
        port=3000,
        requests={"cpu": "100m", "memory": "128Mi"},
        limits={"cpu": "500m", "memory": "256Mi"},
        probe_path="/",
        env={"NEXT_PUBLIC_API_BASE_URL": "http://taskflow-backend:7860"},
        writable_dirs=frozenset({"/tmp", "/app/.next/cache"}),
        test_url="http://taskflow-frontend:3000/",
    ),
}

RECOMMENDED_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
)


def env_of(container: Manifest) -> dict[str, object]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.fixture(params=CHARTS)
def row(request: pytest.FixtureRequest) -> PlanRow:
    chart: str = request.param
    return PLAN[chart]


@pytest.fixture
def default(render: RenderFn, row: PlanRow) -> Rendered:
    """The chart rendered as the plan installs it: release name == chart name, default values."""
    return render(row.chart)


# --- the plan's values ---------------------------------------------------------------------------


def test_renders_exactly_the_expected_objects(default: Rendered, row: PlanRow) -> None:
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in default.docs)
    assert kinds == sorted(
        [
            ("Deployment", row.chart),
            ("Pod", f"{row.chart}-test-health"),
            ("Service", row.chart),
            ("ServiceAccount", row.chart),
        ]
    )


def test_image_and_replicas(default: Rendered, row: PlanRow) -> None:
    assert default.deployment["spec"]["replicas"] == 1
    assert default.container["image"] == row.image
    # Images come from `minikube image load`; Always would try a registry and fail.
    assert default.container["imagePullPolicy"] == "IfNotPresent"


def test_nodeport_service_on_the_plan_port(default: Rendered, row: PlanRow) -> None:
    service = default.one("Service", row.chart)
    assert service["spec"]["type"] == "NodePort"
    [port] = service["spec"]["ports"]
    assert port["port"] == row.port
    assert port["protocol"] == "TCP"
    assert "nodePort" not in port, "the node port is left to Kubernetes unless service.nodePort is set"
    # targetPort names the container port, which listens on the same number.
    [container_port] = default.container["ports"]
    assert port["targetPort"] == container_port["name"] == "http"
    assert container_port["containerPort"] == row.port


def test_resources(default: Rendered, row: PlanRow) -> None:
    assert default.container["resources"] == {"requests": row.requests, "limits": row.limits}


@pytest.mark.parametrize("probe", ["livenessProbe", "readinessProbe"])
def test_http_probes(default: Rendered, row: PlanRow, probe: str) -> None:
    rendered = default.container[probe]
    assert rendered["httpGet"] == {"path": row.probe_path, "port": row.port}
    assert rendered["periodSeconds"] >= 1 and rendered["timeoutSeconds"] >= 1


def test_env(default: Rendered, row: PlanRow) -> None:
    assert env_of(default.container) == row.env


def test_frontend_api_url_is_the_backend_service(render: RenderFn) -> None:
    """The plan's NEXT_PUBLIC_API_BASE_URL must name the Service the backend chart really creates."""
    frontend = render(FRONTEND)
    backend = render(BACKEND)
    url = urlsplit(str(env_of(frontend.container)["NEXT_PUBLIC_API_BASE_URL"]))
    service = backend.one("Service", url.hostname)
    assert service["spec"]["ports"][0]["port"] == url.port


# --- names and labels ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("release", "values", "fullname"),
    [
        pytest.param("{chart}", {}, "{chart}", id="release-is-chart-name"),
        pytest.param("demo", {}, "demo-{chart}", id="prefixed-by-release"),
        pytest.param("{chart}-staging", {}, "{chart}-staging", id="release-contains-chart-name"),
        pytest.param("demo", {"fullnameOverride": "tf"}, "tf", id="fullname-override"),
        pytest.param("demo", {"nameOverride": "api"}, "demo-api", id="name-override"),
        pytest.param("r" * 50, {}, "r" * 50 + "-{chart}", id="truncated-to-63"),
    ],
)
def test_object_names(
    render: RenderFn, row: PlanRow, release: str, values: dict[str, str], fullname: str
) -> None:
    rendered = render(row.chart, release=release.format(chart=row.chart), values=values)
    # DNS label limit; a cut that ends on "-" is trimmed.
    expected = fullname.format(chart=row.chart)[:63].rstrip("-")
    for kind in ("Deployment", "Service", "ServiceAccount"):
        assert rendered.one(kind)["metadata"]["name"] == expected
    assert rendered.pod_spec["serviceAccountName"] == expected


def test_every_object_carries_the_recommended_labels(default: Rendered, row: PlanRow) -> None:
    for doc in default.docs:
        labels = doc["metadata"]["labels"]
        missing = [
            k
            for k in RECOMMENDED_LABELS
            if k not in labels and not (doc is default.test_pod and k.endswith("/name"))
        ]
        assert not missing, f"{doc['kind']} lacks {missing}"
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["helm.sh/chart"] == f"{row.chart}-0.1.0"
        assert labels["app.kubernetes.io/version"] == "1.0.0"


def test_pods_carry_the_app_label_the_plan_waits_on(default: Rendered, row: PlanRow) -> None:
    labels = default.pod_template["metadata"]["labels"]
    assert labels["app"] == row.chart
    assert labels["app.kubernetes.io/name"] == row.chart
    assert labels["app.kubernetes.io/instance"] == row.chart


def test_selectors_are_minimal_and_match_the_pods(default: Rendered, row: PlanRow) -> None:
    selector = default.deployment["spec"]["selector"]["matchLabels"]
    assert selector == {"app.kubernetes.io/name": row.chart, "app.kubernetes.io/instance": row.chart}
    assert default.one("Service")["spec"]["selector"] == selector
    assert matches(selector, default.pod_template["metadata"]["labels"])


def test_selector_survives_an_upgrade(render: RenderFn, row: PlanRow) -> None:
    """Deployment selectors are immutable: a new image tag or chart version must not change them."""
    before = render(row.chart)
    after = render(row.chart, values={"image.tag": "1.1.0"})
    assert before.deployment["spec"]["selector"] == after.deployment["spec"]["selector"]
    assert before.one("Service")["spec"]["selector"] == after.one("Service")["spec"]["selector"]
    assert after.pod_template["metadata"]["labels"]["app.kubernetes.io/version"] == "1.1.0"
    assert after.container["image"] == f"{row.chart}:1.1.0"


def test_pod_labels_are_added_but_cannot_override_the_chart_labels(render: RenderFn, row: PlanRow) -> None:
    rendered = render(
        row.chart,
        values={
            "podLabels.team": "taskflow",
            "podLabels.app": "other",
            "podLabels.app\\.kubernetes\\.io/name": "x",
        },
    )
    labels = rendered.pod_template["metadata"]["labels"]
    assert labels["team"] == "taskflow"
    assert labels["app"] == row.chart
    assert matches(rendered.deployment["spec"]["selector"]["matchLabels"], labels)


# --- security -------------------------------------------------------------------------------------


def assert_restricted(pod_spec: Manifest, containers: list[Manifest]) -> None:
    """The Pod Security "restricted" profile's requirements, plus a read-only root filesystem."""
    pod_sc = pod_spec["securityContext"]
    assert pod_sc["runAsNonRoot"] is True
    assert isinstance(pod_sc["runAsUser"], int) and pod_sc["runAsUser"] > 0
    assert pod_sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod_spec["automountServiceAccountToken"] is False
    for container in containers:
        sc = container["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"] == {"drop": ["ALL"]}
        assert sc["readOnlyRootFilesystem"] is True
        assert sc.get("privileged", False) is False
        assert "add" not in sc["capabilities"]


def test_app_pod_is_restricted(default: Rendered) -> None:
    assert_restricted(default.pod_spec, default.pod_spec["containers"])
    assert default.pod_spec["securityContext"]["fsGroup"] > 0


def test_writable_dirs_are_emptydirs(default: Rendered, row: PlanRow) -> None:
    volumes = {v["name"]: v for v in default.pod_spec["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in default.container["volumeMounts"]}
    assert set(mounts) == row.writable_dirs
    for name in mounts.values():
        assert "emptyDir" in volumes[name], f"{name} must be an emptyDir"


def test_service_account_without_token(default: Rendered, row: PlanRow) -> None:
    account = default.one("ServiceAccount", row.chart)
    assert account["automountServiceAccountToken"] is False
    assert default.pod_spec["serviceAccountName"] == row.chart
    assert default.pod_spec["automountServiceAccountToken"] is False


def test_service_account_can_be_external(render: RenderFn, row: PlanRow) -> None:
    rendered = render(row.chart, values={"serviceAccount.create": "false"})
    assert rendered.of_kind("ServiceAccount") == []
    assert rendered.pod_spec["serviceAccountName"] == "default"
    named = render(row.chart, values={"serviceAccount.create": "false", "serviceAccount.name": "shared"})
    assert named.pod_spec["serviceAccountName"] == "shared"


# --- optional values ----------------------------------------------------------------------------


def test_fixed_node_port(render: RenderFn, row: PlanRow) -> None:
    rendered = render(row.chart, values={"service.nodePort": "30080"})
    assert rendered.one("Service")["spec"]["ports"][0]["nodePort"] == 30080


def test_clusterip_service_drops_the_node_port(render: RenderFn, row: PlanRow) -> None:
    rendered = render(row.chart, values={"service.type": "ClusterIP", "service.nodePort": "30080"})
    spec = rendered.one("Service")["spec"]
    assert spec["type"] == "ClusterIP"
    assert "nodePort" not in spec["ports"][0]


def test_env_and_extra_env(render: RenderFn, row: PlanRow) -> None:
    rendered = render(
        row.chart,
        values={
            "env.LOG_LEVEL": "debug",
            "extraEnv[0].name": "POD_NAME",
            "extraEnv[0].valueFrom.fieldRef.fieldPath": "metadata.name",
        },
    )
    env = env_of(rendered.container)
    assert env == {**row.env, "LOG_LEVEL": "debug", "POD_NAME": {"fieldRef": {"fieldPath": "metadata.name"}}}


def test_scheduling_and_pod_metadata_pass_through(render: RenderFn, row: PlanRow) -> None:
    rendered = render(
        row.chart,
        values={
            "podAnnotations.prometheus\\.io/port": "metrics",
            "nodeSelector.kubernetes\\.io/os": "linux",
            "tolerations[0].key": "dedicated",
            "tolerations[0].operator": "Exists",
            "tolerations[0].effect": "NoSchedule",
            "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
            ".matchExpressions[0].key": "zone",
            "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
            ".matchExpressions[0].operator": "Exists",
        },
    )
    assert rendered.pod_template["metadata"]["annotations"] == {"prometheus.io/port": "metrics"}
    assert rendered.pod_spec["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert rendered.pod_spec["tolerations"] == [
        {"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}
    ]
    terms = rendered.pod_spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"][0]["matchExpressions"] == [{"key": "zone", "operator": "Exists"}]


def test_no_hpa_by_default(default: Rendered) -> None:
    assert default.of_kind("HorizontalPodAutoscaler") == []


def test_hpa_when_enabled(render: RenderFn, row: PlanRow) -> None:
    rendered = render(
        row.chart,
        values={
            "autoscaling.enabled": "true",
            "autoscaling.maxReplicas": "4",
            "autoscaling.targetMemoryUtilizationPercentage": "70",
        },
    )
    hpa = rendered.one("HorizontalPodAutoscaler", row.chart)
    # helm's offline capabilities include autoscaling/v2; the v2beta2 fallback is checked against
    # the 1.20 test server in test_chart_cluster.py.
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": row.chart}
    assert (spec["minReplicas"], spec["maxReplicas"]) == (1, 4)
    targets = {m["resource"]["name"]: m["resource"]["target"] for m in spec["metrics"]}
    assert targets == {
        "cpu": {"type": "Utilization", "averageUtilization": 80},
        "memory": {"type": "Utilization", "averageUtilization": 70},
    }
    # The HPA owns the replica count; a fixed one would fight it on every upgrade.
    assert "replicas" not in rendered.deployment["spec"]


# --- the helm test hook -------------------------------------------------------------------------


def test_test_hook_checks_the_service(default: Rendered, row: PlanRow) -> None:
    pod = default.test_pod
    assert pod["metadata"]["name"] == f"{row.chart}-test-health"
    assert pod["spec"]["restartPolicy"] == "Never"
    [container] = pod["spec"]["containers"]
    assert container["image"].startswith("busybox:")
    assert container["command"][0] == "wget"
    assert container["command"][-1] == row.test_url
    assert container["resources"]["limits"]


def test_test_hook_is_restricted(default: Rendered) -> None:
    pod = default.test_pod
    assert_restricted(pod["spec"], pod["spec"]["containers"])


def test_test_hook_is_not_selected_as_an_app_pod(default: Rendered, row: PlanRow) -> None:
    """Matching labels would let the ReplicaSet adopt it, the Service route to it, `kubectl wait -l app=` wait on it."""
    labels = default.test_pod["metadata"]["labels"]
    assert not matches(default.deployment["spec"]["selector"]["matchLabels"], labels)
    assert not matches(default.one("Service")["spec"]["selector"], labels)
    assert "app" not in labels


def test_test_hook_can_be_disabled(render: RenderFn, row: PlanRow) -> None:
    assert render(row.chart, values={"tests.enabled": "false"}).of_kind("Pod") == []
