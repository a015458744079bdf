"""Snapshot files: every format kubectl prints, tolerance of sparse objects, and named errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiops_chat.analysis.api import analyze_objects
from aiops_chat.analysis.sources.demo import load_demo
from aiops_chat.analysis.sources.snapshot import load_snapshot
from aiops_chat.errors import SnapshotError

SNAPSHOTS = Path(__file__).parent / "fixtures" / "snapshots"


@pytest.mark.parametrize(
    ("file", "kinds"),
    [
        ("list.yaml", {"Pod": 1, "Service": 1}),
        ("stream.yaml", {"Pod": 2, "Service": 1}),
        ("typed-list.json", {"Pod": 1}),
        ("single.json", {"Service": 1}),
        ("array.json", {"Pod": 1, "Service": 1}),
    ],
)
def test_formats_load_every_object(file: str, kinds: dict[str, int]) -> None:
    inv = load_snapshot(SNAPSHOTS / file)
    assert {k: len(inv.all(k)) for k in inv.kinds()} == kinds


@pytest.mark.parametrize("file", ["list.yaml", "stream.yaml", "array.json"])
def test_service_selecting_nothing_is_found_in_every_format(file: str) -> None:
    findings = analyze_objects(load_snapshot(SNAPSHOTS / file), filters=["Service"])
    assert [(f.name, f.reason) for f in findings] == [("web", "SelectorMatchesNothing")]


def test_without_any_pods_a_selector_is_not_judged() -> None:
    # single.json holds the same Service but no pods: absence of pods proves nothing there.
    assert analyze_objects(load_snapshot(SNAPSHOTS / "single.json")) == []


def test_items_of_a_typed_list_get_their_kind() -> None:
    findings = analyze_objects(load_snapshot(SNAPSHOTS / "typed-list.json"))
    assert [(f.kind, f.name, f.reason) for f in findings] == [("Pod", "api-1", "CrashLoopBackOff")]


def test_namespace_scope_keeps_cluster_objects_and_drops_other_namespaces() -> None:
    inv = load_snapshot(SNAPSHOTS / "stream.yaml", namespace="shop")
    assert sorted(p["metadata"]["name"] for p in inv.all("Pod")) == ["web-1"]
    assert inv.namespace == "shop"
    unscoped = analyze_objects(load_snapshot(SNAPSHOTS / "stream.yaml"), filters=["Pod"])
    assert [(f.namespace, f.reason) for f in unscoped] == [("elsewhere", "Unschedulable")]


def test_sparse_objects_do_not_crash_any_analyzer() -> None:
    inv = load_snapshot(SNAPSHOTS / "sparse.yaml")
    findings = analyze_objects(inv, best_practices=True)
    # Whatever they find, every finding is complete enough to render.
    for f in findings:
        assert f.kind and f.reason and f.message
    assert inv.notes == []


@pytest.mark.parametrize(
    ("file", "problem"),
    [
        ("bad.yaml", "not valid YAML or JSON: line 3"),
        ("bad.json", "not valid JSON: line 1"),
        ("empty.yaml", "the file is empty"),
        ("comments.yaml", "no Kubernetes objects found"),
        ("text.yaml", "none of its 1 documents is a Kubernetes object"),
        ("numbers.yaml", "none of its 2 documents is a Kubernetes object"),
        ("does-not-exist.yaml", "no such file"),
    ],
)
def test_bad_files_raise_snapshot_error_naming_file_and_problem(file: str, problem: str) -> None:
    with pytest.raises(SnapshotError) as err:
        load_snapshot(SNAPSHOTS / file)
    assert str(SNAPSHOTS / file) in str(err.value)
    assert problem in str(err.value)


def test_a_directory_is_a_snapshot_error(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="cannot read"):
        load_snapshot(tmp_path)


def test_json_and_yaml_of_the_same_objects_give_the_same_findings(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load((SNAPSHOTS / "list.yaml").read_text())
    (tmp_path / "same.json").write_text(json.dumps(data))
    as_json = analyze_objects(load_snapshot(tmp_path / "same.json"))
    as_yaml = analyze_objects(load_snapshot(SNAPSHOTS / "list.yaml"))
    assert as_json == as_yaml and as_json


def test_demo_shows_the_three_advertised_faults_and_nothing_else_critical() -> None:
    findings = analyze_objects(load_demo())
    reasons = {(f.kind, f.name.rsplit("-", 2)[0] if f.kind == "Pod" else f.name, f.reason) for f in findings}
    assert ("Pod", "taskflow-backend", "CrashLoopBackOff") in reasons
    assert ("Service", "taskflow-frontend", "SelectorMatchesNothing") in reasons
    assert ("Pod", "taskflow-worker", "Unschedulable") in reasons
    assert not [f for f in findings if "redis" in f.name or f.namespace == "kube-system"]
    assert {f.parent for f in findings if f.kind == "Pod"} == {"Deployment/taskflow-backend", "Deployment/taskflow-worker"}
