"""Issue 9 items 6 and 9: tagged YAML fails closed; administrator-like RBAC is found by its rules.

PyYAML reads `kind: !!binary TmFtZXNwYWNl` as bytes, which the scan skipped, while kubectl reads a kind;
every explicit tag is now refused, however it is spelled. A Role granting `*` on `*`, or escalate, bind,
impersonate, is cluster-admin under another name; bindings to admin/edit cluster-wide or to every client
are as bad. The real-cluster test shows the name check alone let through a role the API server treats as
all-powerful.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from aiops_chat.policy import Decision, Risk, evaluate
from tests.policy import conftest as policy_fixtures
from tests.policy.conftest import MakeCtx

# The policy tests' session fixtures: a working directory of manifests and charts, and a session factory.
workdir = policy_fixtures.workdir
make_ctx = policy_fixtures.make_ctx

TAGGED = [
    "kind: !!binary TmFtZXNwYWNl\nmetadata: {name: team-a}\n",
    "kind: !<tag:yaml.org,2002:binary> TmFtZXNwYWNl\nmetadata: {name: team-a}\n",
    "%TAG !e! tag:yaml.org,2002:\n---\nkind: !e!binary TmFtZXNwYWNl\nmetadata: {name: team-a}\n",
    "kind: ClusterRoleBinding\nroleRef: {kind: ClusterRole, name: !!binary Y2x1c3Rlci1hZG1pbg==}\n",
    "kind: ConfigMap\nmetadata: !!map {name: x, namespace: kube-system}\n",
    "kind: ConfigMap\nmetadata: {name: x}\ndata: !!omap [{a: b}]\n",
    "kind: ConfigMap\nmetadata: {name: x}\ndata: {a: ! 1}\n",
    "kind: ConfigMap\nmetadata: {name: x}\ndata: !!python/object:os.system {a: b}\n",
    "kind: List\nitems:\n- !custom {kind: Namespace, metadata: {name: team-a}}\n",
    '{"kind": "ConfigMap", "metadata": {"name": "x"}}\n---\nkind: !!binary TmFtZXNwYWNl\n',
]


@pytest.mark.parametrize("manifest", TAGGED)
@pytest.mark.parametrize("verb", ["apply", "delete", "create", "replace"])
def test_any_yaml_tag_is_refused(manifest: str, verb: str, make_ctx: MakeCtx) -> None:
    verdict = evaluate(["kubectl", verb, "-f", "-"], make_ctx(), stdin=manifest)
    assert (verdict.decision, verdict.risk) == (Decision.DENY, Risk.FORBIDDEN), verdict
    assert "tag" in verdict.reason


def test_untagged_manifests_with_aliases_and_odd_scalars_still_pass(make_ctx: MakeCtx) -> None:
    manifest = ("base: &b {app: web}\nkind: ConfigMap\nmetadata: {name: x, labels: *b}\n"
                "data: {9000: 'svc:80', when: 2024-01-01, on: yes}\n")
    assert evaluate(["kubectl", "apply", "-f", "-"], make_ctx(), stdin=manifest).decision is Decision.CONFIRM


ADMIN_LIKE = [
    {"kind": "ClusterRole", "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
    {"kind": "Role", "rules": [{"apiGroups": [""], "resources": ["*"], "verbs": ["*"]}]},
    {"kind": "ClusterRole", "rules": [{"resources": ["*/scale", "pods"], "verbs": ["*"]}]},
    {"kind": "ClusterRole", "rules": [{"resources": ["clusterroles"], "verbs": ["bind"]}]},
    {"kind": "Role", "rules": [{"resources": ["roles"], "verbs": ["Escalate"]}]},
    {"kind": "ClusterRole", "rules": [{"resources": ["users", "serviceaccounts"], "verbs": ["impersonate"]}]},
    {"kind": "ClusterRole", "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]}},
    {"kind": "ClusterRoleBinding", "roleRef": {"kind": "ClusterRole", "name": "admin"},
     "subjects": [{"kind": "User", "name": "u"}]},
    {"kind": "ClusterRoleBinding", "roleRef": {"kind": "ClusterRole", "name": "edit"},
     "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "team-a"}]},
    {"kind": "RoleBinding", "roleRef": {"kind": "ClusterRole", "name": "system:aggregate-to-admin"},
     "subjects": [{"kind": "User", "name": "u"}]},
    {"kind": "RoleBinding", "roleRef": {"kind": "ClusterRole", "name": "view"},
     "subjects": [{"kind": "Group", "name": "system:unauthenticated"}]},
    # kind hidden in a List, or not where the scan looks: the rules are judged in any object.
    {"kind": "List", "items": [{"kind": "ClusterRole", "rules": [{"resources": ["*"], "verbs": ["*"]}]}]},
    {"KIND": "ClusterRole", "RULES": [{"Resources": ["*"], "Verbs": ["*"]}]},
]


@pytest.mark.parametrize("obj", ADMIN_LIKE, ids=[str(i) for i in range(len(ADMIN_LIKE))])
def test_administrator_like_rbac_is_refused_by_its_rules(obj: dict[str, Any], make_ctx: MakeCtx) -> None:
    import json

    obj = {"apiVersion": "rbac.authorization.k8s.io/v1", "metadata": {"name": "harmless-name"}, **obj}
    for text in (json.dumps(obj), _yaml(obj)):
        verdict = evaluate(["kubectl", "apply", "-f", "-"], make_ctx(), stdin=text)
        assert (verdict.decision, verdict.risk) == (Decision.DENY, Risk.FORBIDDEN), (text, verdict)


def _yaml(obj: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(obj)


@pytest.mark.parametrize("argv", [
    ["kubectl", "create", "clusterrole", "helper", "--verb=*", "--resource=*"],
    ["kubectl", "create", "clusterrole", "helper", "--verb=get,list,*", "--resource=pods,*"],
    ["kubectl", "create", "role", "helper", "--verb=impersonate", "--resource=serviceaccounts"],
    ["kubectl", "create", "clusterrole", "helper", "--verb=bind", "--resource=clusterroles"],
    ["kubectl", "create", "clusterrole", "helper", "--aggregation-rule=rbac.example.com/aggregate=true"],
    ["kubectl", "create", "clusterrolebinding", "b", "--clusterrole=admin", "--serviceaccount=team-a:default"],
    ["kubectl", "create", "rolebinding", "b", "--clusterrole=edit", "--group=system:authenticated"],
])
def test_create_role_and_binding_flags_are_judged_the_same(argv: list[str], make_ctx: MakeCtx) -> None:
    assert evaluate(argv, make_ctx()).decision is Decision.DENY


@pytest.mark.parametrize("argv", [
    ["kubectl", "create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods"],
    ["kubectl", "create", "clusterrole", "node-viewer", "--verb=get", "--resource=nodes"],
    ["kubectl", "create", "rolebinding", "team-admin", "--clusterrole=admin", "--group=team-a"],
    ["kubectl", "create", "clusterrolebinding", "viewers", "--clusterrole=view", "--group=sre"],
])
def test_ordinary_rbac_stays_a_write(argv: list[str], make_ctx: MakeCtx) -> None:
    verdict = evaluate(argv, make_ctx())
    assert (verdict.decision, verdict.risk) == (Decision.CONFIRM, Risk.WRITE), verdict


def test_real_api_server_treats_a_renamed_star_role_as_all_powerful(kube_cluster: Any, kube_namespace: str,
                                                                   make_ctx: MakeCtx) -> None:
    """The premise: a ClusterRole named anything but cluster-admin, with `*` on `*`, reads kube-system Secrets."""
    role = (f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: {kube_namespace}-ops}}\n"
            "rules:\n- {apiGroups: ['*'], resources: ['*'], verbs: ['*']}\n---\n"
            f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: {kube_namespace}-ops}}\n"
            f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {kube_namespace}-ops}}\n"
            f"subjects: [{{kind: User, name: {kube_namespace}-mallory, apiGroup: rbac.authorization.k8s.io}}]\n")
    verdict = evaluate(["kubectl", "apply", "-f", "-"], make_ctx(), stdin=role)
    assert verdict.decision is Decision.DENY and "administrator-like" in verdict.reason
    kube_cluster.kubectl("apply", "-f", "-", input=role)
    try:
        answer = kube_cluster.kubectl("auth", "can-i", "get", "secrets", "-n", "kube-system",
                                      f"--as={kube_namespace}-mallory", check=False)
        assert answer.stdout.strip() == "yes"
    finally:
        kube_cluster.kubectl("delete", "clusterrolebinding,clusterrole", f"{kube_namespace}-ops", check=False)


@pytest.mark.parametrize(("manifest", "field", "seen"), [
    ("apiVersion: v1\nkind: !!binary TmFtZXNwYWNl\nmetadata:\n  name: tagged-ns\n", ("kind",), "Namespace"),
    ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: tagged}\n"
     "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: !!binary Y2x1c3Rlci1hZG1pbg==}\n"
     "subjects: [{kind: User, name: m, apiGroup: rbac.authorization.k8s.io}]\n", ("roleRef", "name"), "cluster-admin"),
])
def test_real_kubectl_decodes_binary_tags_the_scan_used_to_skip(kube_cluster: Any, make_ctx: MakeCtx,
                                                                 manifest: str, field: tuple[str, ...],
                                                                 seen: str) -> None:
    """The premise of item 6: kubectl reads `!!binary` as the text it encodes (a Namespace, cluster-admin)."""
    out = json.loads(kube_cluster.kubectl("create", "--dry-run=client", "-o", "json", "-f", "-",
                                          input=manifest).stdout)
    value: Any = out
    for key in field:
        value = value[key]
    assert value == seen
    for verb in ("apply", "delete"):
        verdict = evaluate(["kubectl", verb, "-f", "-"], make_ctx(), stdin=manifest)
        assert verdict.decision is Decision.DENY and "YAML tag" in verdict.reason
