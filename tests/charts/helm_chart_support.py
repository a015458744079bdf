"""Helpers of the chart tests: where the charts are, how to find helm, how to read its output.

Rendering goes through the real helm binary (the one scripts/install-test-deps puts in the test
cache), so the tests check what `helm install` would really send, not a re-implementation of
Go templates.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CHARTS_DIR = Path(__file__).resolve().parents[2] / "charts"
BACKEND = "taskflow-backend"
FRONTEND = "taskflow-frontend"
CHARTS = (BACKEND, FRONTEND)
HELM_TIMEOUT_S = 240

Manifest = dict[str, Any]


def chart_path(chart: str) -> Path:
    return CHARTS_DIR / chart


def cache_bin_dir() -> Path:
    cache = os.environ.get("AIOPS_TEST_CACHE") or str(Path.home() / ".cache" / "aiops-testcluster")
    return Path(cache) / "bin"


def find_helm(search_path: str | None = None) -> str | None:
    """helm on `search_path` (default: PATH), else the one installed in the test cache."""
    found = shutil.which("helm", path=search_path)
    if found:
        return found
    cached = cache_bin_dir() / "helm"
    return str(cached) if os.access(cached, os.X_OK) else None


def run_helm(
    helm: str, args: Sequence[str], env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [helm, *args],
        capture_output=True,
        text=True,
        env=dict(env) if env is not None else None,
        timeout=HELM_TIMEOUT_S,
        check=False,
    )


def set_args(values: Mapping[str, str] | None) -> list[str]:
    args: list[str] = []
    for key, value in (values or {}).items():
        args += ["--set", f"{key}={value}"]
    return args


@dataclass(frozen=True)
class Rendered:
    """The objects of one `helm template` run, parsed."""

    docs: tuple[Manifest, ...]

    def of_kind(self, kind: str) -> list[Manifest]:
        return [d for d in self.docs if d.get("kind") == kind]

    def one(self, kind: str, name: str | None = None) -> Manifest:
        found = [d for d in self.of_kind(kind) if name is None or d["metadata"]["name"] == name]
        names = [d["metadata"]["name"] for d in self.of_kind(kind)]
        assert len(found) == 1, f"expected one {kind} {name or ''}, rendered: {names}"
        return found[0]

    @property
    def deployment(self) -> Manifest:
        return self.one("Deployment")

    @property
    def pod_template(self) -> Manifest:
        template: Manifest = self.deployment["spec"]["template"]
        return template

    @property
    def pod_spec(self) -> Manifest:
        spec: Manifest = self.pod_template["spec"]
        return spec

    @property
    def container(self) -> Manifest:
        containers = self.pod_spec["containers"]
        assert len(containers) == 1, "the app pod has one container"
        first: Manifest = containers[0]
        return first

    @property
    def test_pod(self) -> Manifest:
        pods = [
            d
            for d in self.of_kind("Pod")
            if d["metadata"].get("annotations", {}).get("helm.sh/hook") == "test"
        ]
        assert len(pods) == 1, "expected exactly one helm test hook pod"
        return pods[0]


def parse_manifests(text: str) -> Rendered:
    return Rendered(tuple(d for d in yaml.safe_load_all(text) if d))


RenderFn = Callable[..., Rendered]


@dataclass(frozen=True)
class ClusterTools:
    """helm and kubectl bound to the test control plane's kubeconfig."""

    helm: str
    kubectl_bin: str
    env: Mapping[str, str]

    def helm_run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_helm(self.helm, args, self.env)

    def kubectl(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.kubectl_bin, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=dict(self.env),
            timeout=HELM_TIMEOUT_S,
            check=False,
        )
