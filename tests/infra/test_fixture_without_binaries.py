"""Without the binaries the fixture must fail loudly (a silent skip would hide a broken CI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_kube_cluster_fails_with_install_hint(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.support.plugin"]\n')
    (tmp_path / "test_x.py").write_text("def test_needs_cluster(kube_cluster):\n    pass\n")
    env = {**os.environ, "AIOPS_TEST_CACHE": str(tmp_path / "empty-cache"), "PYTHONPATH": str(REPO),
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # only our plugin matters here
    env.pop("AIOPS_TEST_KUBECONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "scripts/install-test-deps" in proc.stdout
    assert "kube-apiserver" in proc.stdout
    assert "1 error" in proc.stdout and "skipped" not in proc.stdout
