"""values.schema.json: wrong values stop `helm template` (and so install/upgrade) with a message naming the field."""

from __future__ import annotations

import pytest
from helm_chart_support import CHARTS, chart_path, run_helm

SCHEMA_ERROR = "values don't meet the specifications of the schema"

# (id, helm value arguments, fragments the error must contain)
REJECTED: list[tuple[str, list[str], list[str]]] = [
    (
        "replicaCount-string",
        ["--set", "replicaCount=two"],
        ["replicaCount", "Expected: integer, given: string"],
    ),
    ("replicaCount-negative", ["--set", "replicaCount=-1"], ["replicaCount", "greater than or equal to 0"]),
    ("port-string", ["--set", "service.port=http"], ["service.port", "Expected: integer, given: string"]),
    ("port-out-of-range", ["--set", "service.port=70000"], ["service.port", "less than or equal to 65535"]),
    # --set turns 2 into an integer; the schema insists on a string tag (use --set-string).
    ("tag-integer", ["--set", "image.tag=2"], ["image.tag", "Expected: string, given: integer"]),
    ("tag-boolean", ["--set", "image.tag=true"], ["image.tag", "Expected: string, given: boolean"]),
    ("repository-empty", ["--set", "image.repository="], ["image.repository"]),
    ("pull-policy", ["--set", "image.pullPolicy=Sometimes"], ["image.pullPolicy", "IfNotPresent"]),
    ("service-type", ["--set", "service.type=External"], ["service.type", "NodePort"]),
    (
        "node-port-range",
        ["--set", "service.nodePort=8080"],
        ["service.nodePort", "greater than or equal to 30000"],
    ),
    ("probe-path", ["--set", "livenessProbe.path=health"], ["livenessProbe.path", "pattern"]),
    ("probe-unknown-key", ["--set", "readinessProbe.exec=true"], ["readinessProbe", "exec"]),
    ("typo-top-level", ["--set", "replicas=2"], ["Additional property replicas is not allowed"]),
    ("typo-nested", ["--set", "service.targetport=80"], ["targetport"]),
    ("env-object", ["--set", "env.FOO.bar=1"], ["env.FOO"]),
    ("extra-env-without-name", ["--set", "extraEnv[0].value=x"], ["extraEnv.0", "name"]),
    (
        "writable-dir-relative",
        ["--set", "writableDirs[0].name=tmp", "--set", "writableDirs[0].mountPath=tmp"],
        ["writableDirs.0.mountPath"],
    ),
    (
        "autoscaling-enabled-string",
        ["--set-string", "autoscaling.enabled=yes"],
        ["autoscaling.enabled", "boolean"],
    ),
    ("resources-garbage", ["--set", "resources.limits.memory=lots"], ["resources.limits.memory"]),
]


@pytest.mark.parametrize(("case", "args", "fragments"), REJECTED, ids=[c[0] for c in REJECTED])
@pytest.mark.parametrize("chart", CHARTS)
def test_schema_rejects(helm_bin: str, chart: str, case: str, args: list[str], fragments: list[str]) -> None:
    proc = run_helm(helm_bin, ["template", chart, str(chart_path(chart)), *args])
    assert proc.returncode != 0, f"{case}: helm accepted it:\n{proc.stdout[:400]}"
    assert SCHEMA_ERROR in proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, f"{case}: {fragment!r} not in:\n{proc.stderr}"


ACCEPTED: list[tuple[str, list[str]]] = [
    ("numeric-tag-as-string", ["--set-string", "image.tag=2"]),
    ("node-port", ["--set", "service.nodePort=32000"]),
    ("named-probe-port", ["--set", "livenessProbe.port=http"]),
    ("quantities", ["--set", "resources.limits.cpu=1", "--set", "resources.requests.memory=0.5Gi"]),
    ("replicas-zero", ["--set", "replicaCount=0"]),
]


@pytest.mark.parametrize(("case", "args"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
@pytest.mark.parametrize("chart", CHARTS)
def test_schema_accepts(helm_bin: str, chart: str, case: str, args: list[str]) -> None:
    proc = run_helm(helm_bin, ["template", chart, str(chart_path(chart)), *args])
    assert proc.returncode == 0, f"{case}:\n{proc.stderr}"


@pytest.mark.parametrize("chart", CHARTS)
def test_hpa_bounds_are_checked(helm_bin: str, chart: str) -> None:
    args = [
        "--set",
        "autoscaling.enabled=true",
        "--set",
        "autoscaling.minReplicas=5",
        "--set",
        "autoscaling.maxReplicas=2",
    ]
    proc = run_helm(helm_bin, ["template", chart, str(chart_path(chart)), *args])
    assert proc.returncode != 0
    assert "autoscaling.maxReplicas must be greater than or equal to autoscaling.minReplicas" in proc.stderr
