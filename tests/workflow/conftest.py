"""Fixtures of the workflow tests. The helpers live in workflow_support."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.config import Config

from .workflow_support import FakeMinikube, install_fake_minikube, make_config


@pytest.fixture
def fake_minikube(tmp_path: Path) -> FakeMinikube:
    return install_fake_minikube(tmp_path)


@pytest.fixture
def cluster_config(tmp_path: Path, kube_cluster: Any) -> Config:
    """Config for the real test control plane: its kubeconfig, and its PATH (kubectl, helm)."""
    return make_config(tmp_path, path=kube_cluster.env["PATH"], kubeconfig=str(kube_cluster.kubeconfig))


@pytest.fixture
def system_path() -> str:
    return os.environ.get("PATH", "/usr/bin:/bin")
