"""Shared test setup: the real test control plane's fixtures (kube_cluster, kube_namespace)."""

pytest_plugins = ["tests.support.plugin"]
