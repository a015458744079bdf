"""The policy's flag tables against the real binaries' --help.

If a flag changed from boolean to value-taking (or the reverse), the policy would read the next argument
wrongly, a resource name for a value or a value for a resource name. kubectl is installed on every
machine that runs the suite; helm comes with the test control plane (tests/support puts it on PATH).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from aiops_chat.policy.grammar import FlagTable, Kind
from aiops_chat.policy.helm_flags import HELM_FLAGS
from aiops_chat.policy.kubectl_flags import KUBECTL_FLAGS
from tests.policy.help_flags import helm_flags, kubectl_flags
from tests.support.testcluster import bin_dir

_KIND = {Kind.BOOL: "bool", Kind.VALUE: "value", Kind.OPTIONAL: "optional"}


def _ours(spec: str) -> dict[str, tuple[str | None, str]]:
    table = FlagTable.parse(spec)
    return {name: (flag.short, _KIND[flag.kind]) for name, flag in table.by_long.items()}


def _helm() -> str | None:
    fetched = Path(bin_dir()) / "helm"  # where scripts/install-test-deps puts it
    return str(fetched) if os.access(fetched, os.X_OK) else shutil.which("helm")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("path", sorted(KUBECTL_FLAGS))
def test_kubectl_table_matches_help(path: str) -> None:
    real = kubectl_flags("kubectl", path.split())
    assert _ours(KUBECTL_FLAGS[path]) == real


@pytest.mark.parametrize("path", sorted(HELM_FLAGS))
def test_helm_table_matches_help(path: str) -> None:
    helm = _helm()
    if helm is None:
        pytest.skip("helm is not on PATH (the test control plane provides it)")
    real = helm_flags(helm, path.split())
    globals_ = helm_flags(helm, [])
    expected = real if not path else {k: v for k, v in real.items() if k not in globals_}
    assert _ours(HELM_FLAGS[path]) == expected
