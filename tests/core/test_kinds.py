"""The kinds table against the names kubectl resolves and against a real API server's discovery."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aiops_chat import kinds


@pytest.mark.parametrize("kind", kinds.BUILTIN, ids=lambda k: k.kind)
def test_every_name_of_a_kind_resolves_to_it(kind: kinds.Kind) -> None:
    for word in kind.words:
        assert kinds.resolve(word) is kind
        assert kinds.resolve(word.upper()) is kind  # kubectl resolves kinds case-insensitively
    assert kinds.by_kind(kind.kind) is kind
    assert kinds.by_plural(kind.plural) is kind


def test_unknown_words_and_the_metrics_api_resolve_to_nothing() -> None:
    assert kinds.resolve("widgets") is None
    assert kinds.resolve("deployments.apps") is None  # the group is the caller's to check
    assert kinds.POD_METRICS not in kinds.BUILTIN
    assert kinds.resolve("pods") is kinds.by_kind("Pod")


def _served(kube_cluster: Any) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    """kind -> [(group, version, resource)] for every version of every group the server serves."""
    out: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    group_versions = [("", "v1")] + [
        (g["name"], v["version"])
        for g in json.loads(kube_cluster.kubectl("get", "--raw", "/apis").stdout)["groups"] for v in g["versions"]]
    for group, version in group_versions:
        path = "/api/v1" if group == "" else f"/apis/{group}/{version}"
        for res in json.loads(kube_cluster.kubectl("get", "--raw", path).stdout)["resources"]:
            if "/" not in res["name"]:
                out.setdefault(res["kind"], []).append((group, version, res))
    return out


@pytest.mark.cluster
def test_the_table_matches_the_api_servers_discovery(kube_cluster: Any) -> None:
    served = _served(kube_cluster)
    checked = []
    for kind in kinds.BUILTIN:
        rows = [(v, res) for group, v, res in served.get(kind.kind, []) if group == kind.group]
        if not rows:
            continue  # not served by this API server (e.g. an older one)
        for _version, res in rows:
            assert (res["name"], res["namespaced"]) == (kind.plural, kind.namespaced), kind
            assert tuple(res.get("shortNames") or ()) == kind.short, kind
        assert {v for v, _ in rows} & set(kind.versions), (kind, [v for v, _ in rows])
        checked.append(kind.kind)
    assert len(checked) >= 30, checked
