"""`aiops optimize` recommendations from usage against requests, limits and HPA bounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiops_chat.analysis.optimize import recommend, render_recommendations
from aiops_chat.analysis.sources.snapshot import load_snapshot

FIXTURE = Path(__file__).parent / "fixtures" / "optimize.yaml"


def _by_name() -> dict[tuple[str, str], dict[str, Any]]:
    return {(r.name, r.reason): r.to_dict() for r in recommend(load_snapshot(FIXTURE))}


def test_each_case_gets_exactly_its_recommendations() -> None:
    assert sorted(_by_name()) == [
        ("bare", "MissingLimits"), ("bare", "MissingRequests"),
        ("fat", "OverProvisioned"), ("fixed", "FixedBounds"), ("maxed", "AtMaxReplicas"),
        ("tight", "NearMemoryLimit"), ("tight", "UnderProvisioned"),
    ]  # "right" (60% cpu, 70% memory of its requests) gets nothing


def test_over_provisioned_uses_the_busiest_replica_plus_headroom() -> None:
    fat = _by_name()[("fat", "OverProvisioned")]
    assert fat["usage"] == {"cpu": "80m", "memory": "120Mi"}
    assert fat["recommended"] == {"requests.cpu": "105m", "requests.memory": "160Mi"}
    assert fat["command"] == "kubectl set resources deployment/fat -c c --requests=cpu=105m,memory=160Mi -n app"
    assert fat["helm_values"] is None  # not Helm-managed


def test_under_provisioned_and_near_limit_for_a_helm_statefulset() -> None:
    recs = _by_name()
    tight = recs[("tight", "UnderProvisioned")]
    assert tight["severity"] == "warning"
    assert tight["command"] == "kubectl set resources statefulset/tight -c db --requests=cpu=125m,memory=384Mi -n app"
    assert "resources:\n  requests:\n    cpu: 125m\n    memory: 384Mi" in tight["helm_values"]
    near = recs[("tight", "NearMemoryLimit")]
    assert near["severity"] == "critical" and near["recommended"] == {"limits.memory": "584Mi"}


def test_missing_requests_without_usage_suggest_a_starting_point() -> None:
    recs = _by_name()
    assert recs[("bare", "MissingRequests")]["recommended"] == {"requests.cpu": "100m", "requests.memory": "128Mi"}
    assert recs[("bare", "MissingLimits")]["recommended"] == {"limits.memory": "256Mi"}


def test_hpa_bounds() -> None:
    recs = _by_name()
    assert recs[("maxed", "AtMaxReplicas")]["command"] == \
        """kubectl patch hpa maxed --type=merge -p '{"spec":{"maxReplicas":8}}' -n app"""
    assert recs[("fixed", "FixedBounds")]["severity"] == "warning"


def test_render_formats() -> None:
    recs = recommend(load_snapshot(FIXTURE))
    table = render_recommendations(recs, "table")
    assert table.splitlines()[0] == "CRITICAL  app/StatefulSet/tight [db]  NearMemoryLimit"
    md = render_recommendations(recs, "markdown")
    assert md.startswith("# Resource recommendations") and "```yaml" in md
    assert render_recommendations([], "table") == "No resource recommendations.\n"
