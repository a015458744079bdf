"""Shared test setup: the real test control plane's fixtures (kube_cluster, kube_namespace) and fake_kubectl."""

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.support.plugin", "tests.support.fixtures"]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test its own $XDG_CACHE_HOME: what aiops remembers there (a model endpoint's capabilities, an
    explanation) must not carry from one test, or one run, to the next, nor land in the developer's ~/.cache.
    The test control plane's binaries are found through $HOME, which this leaves alone."""
    cache = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    yield cache
