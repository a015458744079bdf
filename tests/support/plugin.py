"""pytest fixtures for the real test control plane (see docs/testcluster.md).

kube_cluster (session): one control plane for the whole run, started in a temporary state dir
  and stopped at the end; or, when AIOPS_TEST_KUBECONFIG names the kubeconfig of a cluster
  started by `scripts/testcluster up`, that cluster, reused and left running.
kube_namespace (function): a fresh namespace, ready for pods, deleted (without waiting) after.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from .testcluster import (
    INSTALL_HINT,
    Cluster,
    ClusterStartError,
    missing_tools,
    start,
    stop,
    wait_for_namespace_ready,
)

REUSE_ENV = "AIOPS_TEST_KUBECONFIG"


def _reuse(kubeconfig: str) -> Cluster:
    state_dir = Path(kubeconfig).resolve().parent
    if not (state_dir / "cluster.json").exists():
        pytest.fail(f"{REUSE_ENV}={kubeconfig}: no cluster.json beside it; it must be a kubeconfig written by "
                    "scripts/testcluster up", pytrace=False)  # fmt: skip
    cluster = Cluster.load(state_dir)
    probe = cluster.kubectl("get", "--raw", "/readyz", check=False, timeout=15)
    if probe.returncode != 0:
        pytest.fail(f"{REUSE_ENV}={kubeconfig}: the cluster does not answer: {probe.stderr.strip()}", pytrace=False)
    return cluster


@pytest.fixture(scope="session")
def kube_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    reuse = os.environ.get(REUSE_ENV)
    if reuse:
        yield _reuse(reuse)
        return
    missing = missing_tools()
    if missing:
        pytest.fail(f"test control plane unavailable, missing {', '.join(missing)}: {INSTALL_HINT}", pytrace=False)
    state_dir = tmp_path_factory.mktemp("testcluster")
    try:
        # The fake kubelet takes the cluster down if this process dies without teardown
        # (e.g. pytest-timeout's os._exit), so CI never leaks a control plane.
        cluster = start(state_dir, owner_pid=os.getpid())
    except ClusterStartError as e:
        pytest.fail(f"test control plane failed to start: {e}", pytrace=False)
    try:
        yield cluster
    finally:
        stop(state_dir)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-") or "test"


@pytest.fixture
def kube_namespace(kube_cluster: Cluster, request: pytest.FixtureRequest) -> Iterator[str]:
    name = f"t-{_slug(request.node.name)}-{secrets.token_hex(3)}"
    kube_cluster.kubectl("create", "namespace", name)
    try:
        wait_for_namespace_ready(kube_cluster, name)
    except ClusterStartError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield name
    finally:
        # Namespace deletion takes ~10 s on 1.20; nothing waits for it.
        kube_cluster.kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)
