"""A real working directory for policy tests: manifests, a chart, values, and links pointing out of it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.policy import DEFAULT_PROTECTED_NAMESPACES, PolicyContext, Tier

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
"""
IN_KUBE_SYSTEM = """apiVersion: v1
kind: ConfigMap
metadata:
  name: sneaky
  namespace: kube-system
"""

CLUSTER_ADMIN_BINDING = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: escalate
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: ServiceAccount
  name: default
  namespace: default
"""


# Manifests a line-anchored text scan missed: JSON, flow style, List items, escapes, merge keys.
SYS_JSON = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "kube-system"}}\n'
SYS_FLOW = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\n"
SYS_LIST = """apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: List
  items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: x, namespace: kube-public}}]
"""
SYS_STREAM = '{"kind": "ConfigMap", "metadata": {"name": "a"}}\n{"kind": "ConfigMap", "metadata": {"name": "b", ' \
    '"namespace": "kube-system"}}\n'
SYS_ESCAPED = 'kind: ConfigMap\nmetadata:\n  name: x\n  namespace: "kube\\x2dsystem"\n'
SYS_MERGE = "kind: ConfigMap\nbase: &b {namespace: kube-system}\nmetadata:\n  <<: *b\n  name: x\n"
SYS_NAMESPACE_OBJECT = """apiVersion: v1
kind: Namespace
metadata:
  name: kube-system
  labels: {pod-security.kubernetes.io/enforce: privileged}
"""
DUPLICATE_KEY = "kind: ConfigMap\nmetadata:\n  name: x\n  namespace: team-a\n  namespace: kube-system\n"
CRB_ESCAPED = '{"kind": "ClusterRoleBinding", "metadata": {"name": "e"}, "roleRef": {"kind": "ClusterRole", ' \
    '"name": "cluster\\u002dadmin"}, "subjects": [{"kind": "ServiceAccount", "name": "default", ' \
    '"namespace": "default"}]}\n'
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n"
NODE = "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n"
CRD = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: foos.example.com\n"


# Issue 9: tagged YAML, RBAC by rules, outage objects, patches, charts with links out or lookup.
TAGGED = {
    "tag-binary.yaml": "apiVersion: v1\nkind: !!binary TmFtZXNwYWNl\nmetadata:\n  name: team-a\n",
    "crb-binary.yaml": "kind: ClusterRoleBinding\nmetadata: {name: e}\nroleRef:\n  kind: ClusterRole\n"
                       "  name: !!binary Y2x1c3Rlci1hZG1pbg==\nsubjects: [{kind: User, name: mallory}]\n",
    "tag-str.yaml": "kind: !!str ConfigMap\nmetadata: {name: x}\n",
    "tag-custom.yaml": "kind: ConfigMap\nmetadata: !meta {name: x, namespace: kube-system}\n",
    "tag-shorthand.yaml": "%TAG !k! tag:yaml.org,2002:\n---\nkind: !k!binary TmFtZXNwYWNl\nmetadata: {name: x}\n",
    "tag-set.yaml": "kind: ConfigMap\nmetadata: {name: x}\ndata: !!set {a, b}\n",
}
RBAC = {
    "role-star.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: ops-helper}\n"
                      "rules:\n- apiGroups: ['*']\n  resources: ['*']\n  verbs: ['*']\n",
    "role-escalate.json": '{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"}, '
                          '"rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"], '
                          '"verbs": ["get", "escalate"]}]}',
    "role-impersonate.yaml": "kind: List\nitems:\n- {kind: ClusterRole, metadata: {name: x}, rules: [{apiGroups: [''],"
                             " resources: [users, groups], verbs: [impersonate]}]}\n",
    "role-ok.yaml": "kind: Role\nmetadata: {name: pod-reader}\nrules:\n- {apiGroups: [''], resources: [pods, pods/log],"
                    " verbs: [get, list, watch]}\n",
    "aggregate.yaml": "kind: ClusterRole\nmetadata: {name: sneaky}\naggregationRule:\n  clusterRoleSelectors:\n"
                      "  - matchLabels: {kubernetes.io/bootstrapping: rbac-defaults}\nrules: []\n",
    "crb-admin.yaml": "kind: ClusterRoleBinding\nmetadata: {name: x}\nroleRef: {apiGroup: rbac.authorization.k8s.io,"
                      " kind: ClusterRole, name: admin}\nsubjects: [{kind: User, name: alice}]\n",
    "rb-admin.yaml": "kind: RoleBinding\nmetadata: {name: x, namespace: team-a}\nroleRef: {apiGroup: "
                     "rbac.authorization.k8s.io, kind: ClusterRole, name: admin}\nsubjects: [{kind: User, name: alice}]\n",
    "rb-everyone.yaml": "kind: RoleBinding\nmetadata: {name: x}\nroleRef: {kind: ClusterRole, name: view}\n"
                        "subjects: [{kind: Group, name: 'system:authenticated'}]\n",
    "crb-system.yaml": "kind: ClusterRoleBinding\nmetadata: {name: x}\nroleRef: {kind: ClusterRole, "
                       "name: 'system:controller:clusterrole-aggregation-controller'}\nsubjects: [{kind: User, name: a}]\n",
}
OUTAGE = {
    "zero-replicas.yaml": DEPLOYMENT.replace("replicas: 1", "replicas: 0"),
    "node-noexecute.yaml": "kind: Node\nmetadata: {name: n1}\nspec:\n  taints:\n  - {key: k, value: v, effect: NoExecute}\n",
    "quota-zero.json": '{"kind": "ResourceQuota", "metadata": {"name": "freeze"}, "spec": {"hard": {"pods": "0"}}}',
    "pod-toleration.yaml": "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: nginx}]\n"
                           "  tolerations:\n  - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute}\n",
}
LOOKUP_NOTES = '{{ (lookup "v1" "Secret" "kube-system" "bootstrap-token").data }}\n'


def _chart(path: Path, files: dict[str, str]) -> None:
    (path / "templates").mkdir(parents=True, exist_ok=True)
    (path / "Chart.yaml").write_text(f"apiVersion: v2\nname: {path.name}\nversion: 0.1.0\n")
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)


def _tgz(archive: Path, chart: Path) -> None:
    import tarfile

    with tarfile.open(archive, "w:gz") as tar:
        tar.add(chart, arcname=chart.name)


def _build_charts(work: Path, outside: Path) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    _chart(work / "chart-linkout", {"templates/cm.yaml": cm})
    os.symlink(outside / "secret.yaml", work / "chart-linkout" / "templates" / "kubeconfig.yaml")
    _chart(work / "chart-filelink", {"templates/cm.yaml": cm})
    (work / "chart-filelink" / "files").mkdir()
    os.symlink(outside / "secret.yaml", work / "chart-filelink" / "files" / "key.pem")
    _chart(work / "chart-dirlink", {"templates/cm.yaml": cm})
    os.symlink(outside / "chart", work / "chart-dirlink" / "charts")
    _chart(work / "chart-innerlink", {"templates/cm.yaml": cm})
    os.symlink(work / "manifests" / "app.yaml", work / "chart-innerlink" / "templates" / "app.yaml")
    _chart(work / "chart-lookup", {"templates/cm.yaml": cm, "templates/NOTES.txt": LOOKUP_NOTES})
    _chart(work / "chart-helper", {"templates/_helpers.tpl": '{{- define "x" -}}{{ lookup "v1" "Secret" "" "" }}'
                                   '{{- end -}}\n', "templates/cm.yaml": cm})
    staging = work / "staging"
    _chart(staging / "packaged", {"templates/NOTES.txt": LOOKUP_NOTES})
    _tgz(work / "chart-lookup.tgz", staging / "packaged")
    _chart(staging / "sub", {"templates/NOTES.txt": LOOKUP_NOTES})
    _chart(work / "chart-subchart", {"templates/cm.yaml": cm})
    (work / "chart-subchart" / "charts").mkdir()
    _tgz(work / "chart-subchart" / "charts" / "sub-0.1.0.tgz", staging / "sub")
    (work / "values-lookup.yaml").write_text('notes: \'{{ lookup "v1" "Secret" "kube-system" "" }}\'\n')
    (work / "patch-zero.json").write_text('{"spec": {"replicas": 0}}')
    (work / "patch-selector.yaml").write_text("spec:\n  selector:\n    app: elsewhere\n")


def build_workdir(root: Path, outside: Path) -> Path:
    work = root / "work"
    (work / "manifests" / "more").mkdir(parents=True)
    (work / "manifests" / "app.yaml").write_text(DEPLOYMENT)
    (work / "manifests" / "more" / "svc.yaml").write_text(DEPLOYMENT.replace("Deployment", "Service"))
    (work / "sys.yaml").write_text(IN_KUBE_SYSTEM)
    (work / "sysdir").mkdir()
    (work / "sysdir" / "cm.yaml").write_text(IN_KUBE_SYSTEM)
    (work / "chart" / "templates").mkdir(parents=True)
    (work / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 0.1.0\n")
    (work / "values.yaml").write_text("replicaCount: 2\n")
    (work / "patch.json").write_text('{"spec": {"replicas": 2}}')
    (work / "config").mkdir()
    (work / "config" / "app.properties").write_text("a=b\n")
    (work / "image.tar").write_bytes(b"\0" * 16)
    (work / "crb.yaml").write_text(CLUSTER_ADMIN_BINDING)
    scan = work / "scan"
    (scan / "nsdir").mkdir(parents=True)
    (scan / "mixed").mkdir()
    for name, text in {
        "sys.json": SYS_JSON, "sys-flow.yaml": SYS_FLOW, "sys-list.yaml": SYS_LIST, "sys-stream.json": SYS_STREAM,
        "sys-escaped.yaml": SYS_ESCAPED, "sys-merge.yaml": SYS_MERGE, "sys-ns.yaml": SYS_NAMESPACE_OBJECT,
        "dup.yaml": DUPLICATE_KEY, "broken.yaml": "kind: ConfigMap\nmetadata: {name: x\n",
        "crb-escaped.json": CRB_ESCAPED, "ns.yaml": NAMESPACE, "node.yaml": NODE, "crd.yaml": CRD,
        "ns.json": '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}',
        "ns-flow.yaml": "{apiVersion: v1, kind: Namespace, metadata: {name: team-a}}\n",
        "ns-in-list.yaml": "kind: List\nitems:\n- " + NAMESPACE.replace("\n", "\n  ").rstrip() + "\n",
        "ns-second.yaml": DEPLOYMENT + "---\n" + NAMESPACE,
        "nsdir/app.yaml": DEPLOYMENT, "nsdir/zz.yml": NODE,
        # kubectl skips files without a manifest extension when it walks a directory.
        "mixed/app.yaml": DEPLOYMENT, "mixed/notes.txt": "not: [yaml\n",
        "team-a.yaml": DEPLOYMENT.replace("  name: web\n", "  name: web\n  namespace: team-a\n"),
        **TAGGED, **RBAC, **OUTAGE,
    }.items():
        (scan / name).write_text(text)
    outside.mkdir(exist_ok=True)
    (outside / "secret.yaml").write_text(DEPLOYMENT)
    (outside / "chart").mkdir(exist_ok=True)
    (outside / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: evil\nversion: 0.1.0\n")
    # Links that look local but lead out of the working directory.
    os.symlink(outside / "secret.yaml", work / "link-out.yaml")
    os.symlink(outside / "chart", work / "chart-link")
    (work / "linkdir").mkdir()
    (work / "linkdir" / "ok.yaml").write_text(DEPLOYMENT)
    os.symlink(outside / "secret.yaml", work / "linkdir" / "zz-out.yaml")
    # A link that stays inside is fine.
    os.symlink(work / "manifests" / "app.yaml", work / "link-in.yaml")
    _build_charts(work, outside)
    return work


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("policy")
    return build_workdir(base, base / "outside")


MakeCtx = Callable[..., PolicyContext]


@pytest.fixture(scope="session")
def make_ctx(workdir: Path) -> MakeCtx:
    def make(**overrides: Any) -> PolicyContext:
        values: dict[str, Any] = {
            "context": "dev-cluster",
            "namespace": "default",
            "tier": Tier.CONFIRM,
            "protected_namespaces": DEFAULT_PROTECTED_NAMESPACES,
            "workdir": workdir,
            "helm_repos": frozenset({"bitnami", "stable"}),
            "extra_binaries": frozenset({"minikube"}),
        }
        for key, value in overrides.items():
            if key == "tier":
                value = Tier(value)
            elif key in ("protected_namespaces", "helm_repos", "extra_binaries"):
                value = frozenset(value)
            values[key] = value
        return PolicyContext(**values)

    return make
