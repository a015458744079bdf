"""`helm lint --strict` over both charts, with the defaults and with the optional parts switched on."""

from __future__ import annotations

import pytest
from helm_chart_support import CHARTS, chart_path, run_helm, set_args

# Value sets that switch on every optional branch of the templates.
VARIANTS: dict[str, dict[str, str]] = {
    "defaults": {},
    "autoscaling": {"autoscaling.enabled": "true", "autoscaling.targetMemoryUtilizationPercentage": "75"},
    "clusterip-no-serviceaccount": {"service.type": "ClusterIP", "serviceAccount.create": "false"},
    "fixed-nodeport-extras": {
        "service.nodePort": "30080",
        "env.LOG_LEVEL": "debug",
        "extraEnv[0].name": "POD_NAME",
        "extraEnv[0].valueFrom.fieldRef.fieldPath": "metadata.name",
        "podAnnotations.team": "taskflow",
        "nodeSelector.kubernetes\\.io/os": "linux",
    },
    "tests-disabled": {"tests.enabled": "false"},
}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("chart", CHARTS)
def test_lint_strict_is_clean(helm_bin: str, chart: str, variant: str) -> None:
    proc = run_helm(helm_bin, ["lint", "--strict", str(chart_path(chart)), *set_args(VARIANTS[variant])])
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "0 chart(s) failed" in output
    # --strict turns warnings into failures; make sure none slipped through as a lower level.
    assert "[WARNING]" not in output and "[ERROR]" not in output, output
