"""Fixtures of the chart tests; the helpers themselves live in helm_chart_support."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from helm_chart_support import (
    ClusterTools,
    Rendered,
    RenderFn,
    cache_bin_dir,
    chart_path,
    find_helm,
    parse_manifests,
    run_helm,
    set_args,
)


@pytest.fixture(scope="session")
def helm_bin() -> str:
    found = find_helm()
    if found is None:
        pytest.fail(
            f"helm not found on PATH nor in {cache_bin_dir()}: run scripts/install-test-deps "
            "(it installs helm 3.18 there)",
            pytrace=False,
        )
    return found


@pytest.fixture
def render(helm_bin: str) -> RenderFn:
    """render(chart, release=chart, values={"a.b": "v"}, extra=[...]) -> Rendered; asserts helm succeeded."""

    def _render(
        chart: str,
        release: str | None = None,
        values: Mapping[str, str] | None = None,
        extra: Sequence[str] = (),
        namespace: str = "default",
    ) -> Rendered:
        proc = run_helm(
            helm_bin,
            [
                "template",
                release or chart,
                str(chart_path(chart)),
                "--namespace",
                namespace,
                *set_args(values),
                *extra,
            ],
        )
        assert proc.returncode == 0, f"helm template failed:\n{proc.stderr}"
        return parse_manifests(proc.stdout)

    return _render


@pytest.fixture(scope="session")
def cluster_tools(kube_cluster: Any) -> ClusterTools:
    # The fixture's env carries KUBECONFIG and a PATH with helm; the rest of the environment
    # (HOME, for helm's cache and config directories) comes from the test process.
    env = {**os.environ, **kube_cluster.env}
    helm = find_helm(env.get("PATH"))
    kubectl = shutil.which("kubectl", path=env.get("PATH"))
    if helm is None or kubectl is None:
        pytest.fail(
            "helm or kubectl missing from kube_cluster.env['PATH']; run scripts/install-test-deps",
            pytrace=False,
        )
    return ClusterTools(helm=helm, kubectl_bin=kubectl, env=env)
