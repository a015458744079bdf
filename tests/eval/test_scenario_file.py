"""The scenario file format (docs/eval.md): what loads, and what is refused with the file and key named.

A scenario file may come from a copied repository (`aiops eval --scenarios DIR`): its set-up must not reach
beyond the scenario's throwaway namespace, whatever it says.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops_chat.errors import ConfigError
from aiops_chat.evaluation.scenario import (
    Apply,
    CheckKind,
    HelmRelease,
    Wait,
    builtin_dir,
    load_dir,
    load_file,
    lookup,
    parse,
    same_value,
    select,
)

DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 1
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: registry.k8s.io/pause:3.9}]}
""")


def scenario(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "fix-web", "category": "fix", "description": "d", "request": "fix web in {namespace}",
        "setup": [{"apply": DEPLOYMENT}, {"wait": [{"ready": "deployment/web"}]},
                  {"helm": {"release": "taskflow-backend", "chart": "taskflow-backend", "set": {"replicaCount": 2}}}],
        "approve": ["kubectl scale deployment/web *"], "never": ["kubectl delete *"],
        "checks": [{"field": "deployment/web", "path": "spec.replicas", "equals": 3},
                   {"ready": "deployment/web"}, {"answer_contains": ["scaled", "replicas"]},
                   {"answer_not_contains": "sorry"},
                   {"pod_reason": {"selector": "app=web", "reason": "Running"}}],
    }
    doc.update(changes)
    return doc


def test_a_whole_scenario_parses_into_typed_steps_and_checks() -> None:
    s = parse(scenario(), "f.yaml")
    assert s.name == "fix-web" and s.category == "fix" and s.needs_charts
    assert isinstance(s.setup[0], Apply) and s.setup[0].manifests[0]["kind"] == "Deployment"
    assert isinstance(s.setup[1], Wait) and s.setup[1].checks[0].kind is CheckKind.READY
    assert s.setup[2] == HelmRelease("taskflow-backend", "taskflow-backend", {"replicaCount": "2"})
    assert [c.kind for c in s.checks] == [CheckKind.FIELD, CheckKind.READY, CheckKind.ANSWER_CONTAINS,
                                          CheckKind.ANSWER_NOT_CONTAINS, CheckKind.POD_REASON]
    assert s.checks[3].texts == ("sorry",)
    assert (s.wait_seconds, s.check_seconds) == (90.0, 60.0)


@pytest.mark.parametrize(("changes", "message"), [
    ({"colour": "red"}, "f.yaml: unknown key(s) colour"),
    ({"name": "Fix_Web"}, "name 'Fix_Web' must be lowercase"),
    ({"name": "x" * 41}, "at most 40"),
    ({"category": "chaos"}, "category 'chaos'; expected one of diagnose, fix, operate, refuse"),
    ({"request": 3}, "f.yaml.request: expected a string, got int"),
    ({"checks": []}, "a scenario needs at least one check"),
    ({"checks": [{"ready": "deployment/web", "gone": "pod/x"}]}, "f.yaml: checks[0]: expected exactly one of"),
    ({"checks": [{"field": "deployment/web", "path": "spec.replicas"}]}, "needs exactly one of equals or present"),
    ({"checks": [{"field": "deployment/web", "path": "spec..x", "equals": 1}]}, "cannot read 'spec..x'"),
    ({"checks": [{"ready": "Deployment/Web"}]}, "expected kind/name in lowercase"),
    ({"checks": [{"answer_contains": []}]}, "expected a string or a list of strings"),
    ({"setup": [{"wait": [{"answer_contains": "x"}]}]}, "answer checks cannot be waited for"),
    ({"setup": [{"apply": DEPLOYMENT, "wait": []}]}, "setup[0]: expected exactly one of apply, helm, wait"),
    ({"approve": ["ok", 3]}, "f.yaml.approve: expected a list of non-empty strings"),
    ({"check_seconds": 0}, "f.yaml.check_seconds: expected seconds between 0 and 3600"),
    ({"setup": [{"helm": {"release": "x", "chart": "../../etc"}}]}, "must be plain names"),
    ({"setup": [{"helm": {"release": "x", "chart": "y", "set": {"a": "1,b=2"}}}]}, "set.a: expected a dotted key"),
])
def test_a_bad_file_names_the_key_and_what_was_expected(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse(scenario(**changes), "f.yaml")
    assert message in str(exc.value)


@pytest.mark.parametrize("manifest", [
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n",
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\n",
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: x}\nroleRef: {kind: ClusterRole, name: cluster-admin}\n",
    "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata: {name: x}\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n}\n",
    "- not an object\n",
    "apiVersion: v1\nkind: ConfigMap\n",
])
def test_set_up_objects_stay_inside_the_scenarios_namespace(manifest: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse(scenario(setup=[{"apply": manifest}]), "f.yaml")
    assert "f.yaml: setup[0].apply[" in str(exc.value)


def test_files_on_disk_name_the_file_when_broken(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: not valid YAML"):
        load_file(bad)
    tag = tmp_path / "tag.yaml"
    tag.write_text("name: !!python/object:os.system x\n")
    with pytest.raises(ConfigError, match=r"tag\.yaml: not valid YAML"):  # safe_load: no Python objects
        load_file(tag)
    huge = tmp_path / "huge.yaml"
    huge.write_text("#" * 300_000)
    with pytest.raises(ConfigError, match="at most"):
        load_file(huge)
    with pytest.raises(ConfigError, match="no such directory"):
        load_dir(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match=r"no \*\.yaml scenario files"):
        load_dir(empty)


def test_two_files_with_one_name_are_refused(tmp_path: Path) -> None:
    for stem in ("a", "b"):
        (tmp_path / f"{stem}.yaml").write_text(yaml.safe_dump(scenario()))
    with pytest.raises(ConfigError, match=r"b\.yaml: name 'fix-web' is also the name of .*a\.yaml"):
        load_dir(tmp_path)


def test_paths_read_keys_indexes_filters_and_dotted_map_keys() -> None:
    obj = {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "now"}},
           "spec": {"replicas": 3, "containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]},
           "status": {"conditions": [{"type": "Available", "status": "True"}]}}
    assert lookup(obj, "spec.replicas") == 3
    assert lookup(obj, "spec.containers[1].image") == "y"
    assert lookup(obj, "spec.containers[name=b].image") == "y"
    assert lookup(obj, "status.conditions[type=Available].status") == "True"
    assert lookup(obj, "metadata.annotations[kubectl.kubernetes.io/restartedAt]") == "now"
    assert lookup(obj, "spec.containers[name=c].image") is None
    assert lookup(obj, "spec.containers[5]") is None
    assert lookup(obj, "spec.replicas.x") is None
    assert same_value(3, "3") and same_value(True, "true") and same_value(3.0, 3)
    assert not same_value(None, "None") and not same_value(3, 4)


def test_filters_match_names_and_categories() -> None:
    a, b = parse(scenario(), "a"), parse(scenario(name="diag-web", category="diagnose"), "b")
    assert select([a, b], []) == [a, b]
    assert select([a, b], ["diag-*"]) == [b]
    assert select([a, b], ["fix"]) == [a]
    assert select([a, b], ["nothing*"]) == []


def test_the_shipped_scenarios_load() -> None:
    shipped = load_dir(builtin_dir())
    assert shipped and all(s.source.endswith(f"{s.name}.yaml") for s in shipped)
