"""Fixtures every test package may use (registered in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fake_kubectl import FakeKubectl


@pytest.fixture
def fake_kubectl(tmp_path: Path) -> FakeKubectl:
    """A scripted kubectl on disk: the executor spawns it as it would the real one."""
    return FakeKubectl(tmp_path)
