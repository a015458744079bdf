"""Shared test setup: the real test control plane's fixtures (kube_cluster, kube_namespace) and fake_kubectl."""

pytest_plugins = ["tests.support.plugin", "tests.support.fixtures"]
