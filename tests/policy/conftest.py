"""A real working directory for policy tests: manifests, a chart, values, and links pointing out of it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.policy import DEFAULT_PROTECTED_NAMESPACES, PolicyContext, Tier

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
"""
IN_KUBE_SYSTEM = """apiVersion: v1
kind: ConfigMap
metadata:
  name: sneaky
  namespace: kube-system
"""

CLUSTER_ADMIN_BINDING = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: escalate
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: ServiceAccount
  name: default
  namespace: default
"""


def build_workdir(root: Path, outside: Path) -> Path:
    work = root / "work"
    (work / "manifests" / "more").mkdir(parents=True)
    (work / "manifests" / "app.yaml").write_text(DEPLOYMENT)
    (work / "manifests" / "more" / "svc.yaml").write_text(DEPLOYMENT.replace("Deployment", "Service"))
    (work / "sys.yaml").write_text(IN_KUBE_SYSTEM)
    (work / "sysdir").mkdir()
    (work / "sysdir" / "cm.yaml").write_text(IN_KUBE_SYSTEM)
    (work / "chart" / "templates").mkdir(parents=True)
    (work / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 0.1.0\n")
    (work / "values.yaml").write_text("replicaCount: 2\n")
    (work / "patch.json").write_text('{"spec": {"replicas": 2}}')
    (work / "config").mkdir()
    (work / "config" / "app.properties").write_text("a=b\n")
    (work / "image.tar").write_bytes(b"\0" * 16)
    (work / "crb.yaml").write_text(CLUSTER_ADMIN_BINDING)
    outside.mkdir(exist_ok=True)
    (outside / "secret.yaml").write_text(DEPLOYMENT)
    (outside / "chart").mkdir(exist_ok=True)
    (outside / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: evil\nversion: 0.1.0\n")
    # Links that look local but lead out of the working directory.
    os.symlink(outside / "secret.yaml", work / "link-out.yaml")
    os.symlink(outside / "chart", work / "chart-link")
    (work / "linkdir").mkdir()
    (work / "linkdir" / "ok.yaml").write_text(DEPLOYMENT)
    os.symlink(outside / "secret.yaml", work / "linkdir" / "zz-out.yaml")
    # A link that stays inside is fine.
    os.symlink(work / "manifests" / "app.yaml", work / "link-in.yaml")
    return work


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("policy")
    return build_workdir(base, base / "outside")


MakeCtx = Callable[..., PolicyContext]


@pytest.fixture(scope="session")
def make_ctx(workdir: Path) -> MakeCtx:
    def make(**overrides: Any) -> PolicyContext:
        values: dict[str, Any] = {
            "context": "dev-cluster",
            "namespace": "default",
            "tier": Tier.CONFIRM,
            "protected_namespaces": DEFAULT_PROTECTED_NAMESPACES,
            "workdir": workdir,
            "helm_repos": frozenset({"bitnami", "stable"}),
            "extra_binaries": frozenset({"minikube"}),
        }
        for key, value in overrides.items():
            if key == "tier":
                value = Tier(value)
            elif key in ("protected_namespaces", "helm_repos", "extra_binaries"):
                value = frozenset(value)
            values[key] = value
        return PolicyContext(**values)

    return make
