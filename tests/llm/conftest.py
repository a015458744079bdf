from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools.fake_kubectl import FakeKubectl


@pytest.fixture
def fake_kubectl(tmp_path: Path) -> FakeKubectl:
    return FakeKubectl(tmp_path)
