"""The fake kubelet's pure rules (no cluster needed): state mapping, selectors, quantities."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import fake_kubelet as fk


def pod(annotations: dict[str, str], containers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "namespace": "ns", "uid": "u-1", "annotations": annotations},
        "spec": {"containers": containers or [{"name": "app", "image": "nginx:1.25"}]},
        "status": {},
    }


@pytest.mark.parametrize(
    ("states", "phase"),
    [
        (["Running"], "Running"),
        (["Completed"], "Succeeded"),
        (["Completed", "Failed"], "Failed"),
        (["ImagePullBackOff"], "Pending"),
        (["ImagePullBackOff", "Running"], "Running"),
        (["CreateContainerConfigError"], "Pending"),
        (["OOMKilled"], "Running"),
    ],
)
def test_pod_phase(states: list[str], phase: str) -> None:
    assert fk.pod_phase(states) == phase


def test_per_container_state_overrides_pod_state() -> None:
    p = pod({"aiops.test/state": "Running", "aiops.test/state.sidecar": "crashloopbackoff"},
            [{"name": "app", "image": "a"}, {"name": "sidecar", "image": "b"}])  # fmt: skip
    status, states = fk.desired_status(p, fk.PodRecord("192.0.2.10", "2024-01-01T00:00:00Z"))
    assert states == ["Running", "CrashLoopBackOff"]
    assert [c["ready"] for c in status["containerStatuses"]] == [True, False]
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False" and ready["message"] == "containers with unready status: [sidecar]"


def test_unknown_state_falls_back_to_running() -> None:
    assert fk.container_state_name(pod({"aiops.test/state": "Exploding"}), "app") == "Running"


def test_config_error_names_the_missing_secret() -> None:
    spec = {"containers": [{"name": "app", "envFrom": [{"secretRef": {"name": "db-creds"}}]}]}
    assert fk._missing_config_message(spec) == 'secret "db-creds" not found'


@pytest.mark.parametrize(
    ("selector", "labels", "match"),
    [
        ("", {"a": "1"}, True),
        ("a=1", {"a": "1"}, True),
        ("a==1,b=2", {"a": "1"}, False),
        ("a!=1", {"a": "1"}, False),
        ("a in (1,2)", {"a": "2"}, True),
        ("a notin (1,2)", {"a": "2"}, False),
        ("a", {"a": "x"}, True),
        ("!a", {"a": "x"}, False),
    ],
)
def test_label_selector(selector: str, labels: dict[str, str], match: bool) -> None:
    assert fk.label_selector_matches(selector, labels) is match


def test_usage_parsing() -> None:
    assert fk.parse_usage("cpu=50m, memory=100Mi") == {"cpu": "50m", "memory": "100Mi"}
    assert fk.parse_usage("cpu=lots") is None
    assert fk.parse_quantity("100Mi") == 100 * 2**20
    assert fk.parse_quantity("250m") == pytest.approx(0.25)
