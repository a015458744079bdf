"""Pod specs that reach the node are forbidden in manifests and patches, as `kubectl run --privileged` is.

Table-driven: every baseline field (Pod Security Standards) x every workload kind x every input form
(-f file as YAML and JSON, a directory, stdin, a List, merge / strategic merge / JSON patches, a patch
file). The allowed table holds what the baseline profile allows, so the rule is not simply "any
securityContext"; the TaskFlow charts, rendered by the real helm, must stay plain writes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops_chat.policy import DEFAULT_PROTECTED_NAMESPACES, Decision, PolicyContext, Risk, Tier, evaluate
from aiops_chat.policy.pod_security import BASELINE_CAPABILITIES, SAFE_SYSCTLS
from tests.charts.helm_chart_support import CHARTS, chart_path, find_helm, run_helm

PodSpec = dict[str, Any]
Mutation = Callable[[PodSpec], None]


def _base_spec() -> PodSpec:
    return {"containers": [{"name": "app", "image": "nginx:1.27"}]}


def _container(field: str, value: Any, which: str = "containers") -> Mutation:
    def mutate(spec: PodSpec) -> None:
        target = spec.setdefault(which, [{"name": "side", "image": "busybox"}])[0]
        target.setdefault("securityContext", {})[field] = value
    return mutate


def _pod(field: str, value: Any) -> Mutation:
    def mutate(spec: PodSpec) -> None:
        spec[field] = value
    return mutate


def _pod_security_context(field: str, value: Any) -> Mutation:
    def mutate(spec: PodSpec) -> None:
        spec.setdefault("securityContext", {})[field] = value
    return mutate


def _volume(volume: dict[str, Any]) -> Mutation:
    def mutate(spec: PodSpec) -> None:
        spec["volumes"] = [{"name": "v", **volume}]
    return mutate


def _port(host_port: Any) -> Mutation:
    def mutate(spec: PodSpec) -> None:
        spec["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": host_port}]
    return mutate


# (id, mutation, a fragment the refusal must name: the field)
FORBIDDEN: list[tuple[str, Mutation, str]] = [
    ("privileged", _container("privileged", True), "securityContext.privileged"),
    ("privileged-init", _container("privileged", True, "initContainers"), "initContainers[0].securityContext"),
    ("privileged-ephemeral", _container("privileged", False, "ephemeralContainers"), "ephemeralContainers"),
    ("privileged-yes", _container("privileged", "yes"), "privileged"),
    ("hostNetwork", _pod("hostNetwork", True), "spec.hostNetwork"),
    ("hostPID", _pod("hostPID", True), "spec.hostPID"),
    ("hostIPC", _pod("hostIPC", True), "spec.hostIPC"),
    ("hostNetwork-case", _pod("HOSTNETWORK", True), "HOSTNETWORK"),
    ("hostPath", _volume({"hostPath": {"path": "/"}}), "volumes[0].hostPath"),
    ("hostPath-socket", _volume({"hostPath": {"path": "/run/containerd/containerd.sock", "type": "Socket"}}),
     "hostPath"),
    ("hostPort", _port(2222), "hostPort"),
    ("hostPort-string", _port("22"), "hostPort"),
    ("cap-SYS_ADMIN", _container("capabilities", {"add": ["SYS_ADMIN"]}), "capabilities.add"),
    ("cap-NET_ADMIN", _container("capabilities", {"add": ["NET_ADMIN"]}), "NET_ADMIN"),
    ("cap-SYS_PTRACE", _container("capabilities", {"add": ["SYS_PTRACE"]}), "SYS_PTRACE"),
    ("cap-ALL", _container("capabilities", {"add": ["ALL"]}), "ALL"),
    ("cap-lower-prefixed", _container("capabilities", {"add": ["cap_sys_module"]}), "cap_sys_module"),
    ("cap-NET_RAW", _container("capabilities", {"add": ["NET_RAW"]}), "NET_RAW"),
    ("cap-BPF", _container("capabilities", {"add": ["CHOWN", "BPF"]}), "BPF"),
    ("procMount", _container("procMount", "Unmasked"), "procMount"),
    ("seccomp-container", _container("seccompProfile", {"type": "Unconfined"}), "seccompProfile.type"),
    ("seccomp-pod", _pod_security_context("seccompProfile", {"type": "unconfined"}), "seccompProfile.type"),
    ("apparmor-field", _container("appArmorProfile", {"type": "Unconfined"}), "appArmorProfile.type"),
    ("apparmor-pod", _pod_security_context("appArmorProfile", {"type": "Unconfined"}), "appArmorProfile"),
    ("selinux-type", _container("seLinuxOptions", {"type": "spc_t"}), "seLinuxOptions.type"),
    ("selinux-user", _pod_security_context("seLinuxOptions", {"user": "system_u"}), "seLinuxOptions.user"),
    ("selinux-role", _container("seLinuxOptions", {"role": "sysadm_r"}), "seLinuxOptions.role"),
    ("sysctl-unsafe", _pod_security_context("sysctls", [{"name": "kernel.core_pattern", "value": "|/x"}]),
     "kernel.core_pattern"),
    ("sysctl-slashes", _pod_security_context("sysctls", [{"name": "kernel/msgmax", "value": "1"}]), "sysctls"),
    ("hostProcess-container", _container("windowsOptions", {"hostProcess": True}), "hostProcess"),
    ("hostProcess-pod", _pod_security_context("windowsOptions", {"hostProcess": True}), "hostProcess"),
]

# What the baseline profile allows (and the restricted profile's hardening we do not demand).
ALLOWED: list[tuple[str, Mutation]] = [
    ("plain", lambda spec: None),
    ("privileged-false", _container("privileged", False)),
    ("host-namespaces-false", lambda spec: spec.update(hostNetwork=False, hostPID=False, hostIPC=False)),
    ("hostPort-zero", _port(0)),
    ("runtime-default-caps", _container("capabilities", {"add": sorted(BASELINE_CAPABILITIES),
                                                         "drop": ["ALL"]})),
    ("cap-lowercase-default", _container("capabilities", {"add": ["net_bind_service", "CAP_CHOWN"]})),
    ("drop-only", _container("capabilities", {"drop": ["ALL"]})),
    ("allowPrivilegeEscalation", _container("allowPrivilegeEscalation", True)),
    ("runAsUser-0", _pod_security_context("runAsUser", 0)),
    ("procMount-default", _container("procMount", "Default")),
    ("seccomp-runtime-default", _container("seccompProfile", {"type": "RuntimeDefault"})),
    ("seccomp-localhost", _pod_security_context("seccompProfile", {"type": "Localhost",
                                                                   "localhostProfile": "p.json"})),
    ("apparmor-runtime-default", _container("appArmorProfile", {"type": "RuntimeDefault"})),
    ("selinux-container-t", _container("seLinuxOptions", {"type": "container_t", "level": "s0:c1,c2"})),
    ("sysctls-safe", _pod_security_context("sysctls", [{"name": n, "value": "1"} for n in sorted(SAFE_SYSCTLS)])),
    ("volumes-plain", _volume({"emptyDir": {}})),
    ("volumes-configmap", _volume({"configMap": {"name": "settings"}})),
    ("hostProcess-false", _container("windowsOptions", {"hostProcess": False})),
]

# Where each kind keeps its pod spec.
KINDS: dict[str, Callable[[PodSpec], dict[str, Any]]] = {
    "Pod": lambda s: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": s},
    **{kind: (lambda k: lambda s: {"apiVersion": "apps/v1", "kind": k, "metadata": {"name": "w"},
                                   "spec": {"selector": {"matchLabels": {"a": "b"}},
                                            "template": {"metadata": {"labels": {"a": "b"}}, "spec": s}}})(kind)
       for kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet")},
    "Job": lambda s: {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
                      "spec": {"template": {"spec": s}}},
    "CronJob": lambda s: {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
                          "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": s}}}}},
    "ReplicationController": lambda s: {"apiVersion": "v1", "kind": "ReplicationController",
                                        "metadata": {"name": "rc"}, "spec": {"template": {"spec": s}}},
    "PodTemplate": lambda s: {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "t"},
                              "template": {"spec": s}},
    # A custom resource embedding a pod template (an Argo Rollout): kind is no reason to look away.
    "Rollout": lambda s: {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r"},
                          "spec": {"template": {"spec": s}}},
    # kind hidden: decoders differ on letter case, the check does not depend on kind at all.
    "no-kind": lambda s: {"metadata": {"name": "x"}, "spec": s},
}


def _spec(mutation: Mutation) -> PodSpec:
    spec = _base_spec()
    mutation(spec)
    return spec


@pytest.fixture
def ctx(tmp_path: Path) -> PolicyContext:
    return PolicyContext(context="dev-cluster", namespace="default", tier=Tier.AUTO,
                         protected_namespaces=DEFAULT_PROTECTED_NAMESPACES, workdir=tmp_path)


def _apply_file(ctx: PolicyContext, name: str, text: str, verb: str = "apply") -> Any:
    (ctx.workdir / name).write_text(text)
    return evaluate(["kubectl", verb, "-f", name], ctx)


def _assert_forbidden(verdict: Any, field: str) -> None:
    assert (verdict.decision, verdict.risk) == (Decision.DENY, Risk.FORBIDDEN), verdict
    assert field.lower() in verdict.reason.lower(), verdict.reason
    assert "run --privileged" in verdict.reason and "never allowed" in verdict.reason


@pytest.mark.parametrize(("field", "mutation", "named"), FORBIDDEN, ids=[f for f, *_ in FORBIDDEN])
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_field_in_every_kind_is_forbidden(ctx: PolicyContext, kind: str, field: str,
                                               mutation: Mutation, named: str) -> None:
    obj = KINDS[kind](_spec(mutation))
    _assert_forbidden(_apply_file(ctx, "m.yaml", yaml.safe_dump(obj)), named)


@pytest.mark.parametrize(("field", "mutation"), ALLOWED, ids=[f for f, _ in ALLOWED])
@pytest.mark.parametrize("kind", list(KINDS))
def test_what_the_baseline_allows_stays_a_write(ctx: PolicyContext, kind: str, field: str,
                                                mutation: Mutation) -> None:
    obj = KINDS[kind](_spec(mutation))
    verdict = _apply_file(ctx, "m.yaml", yaml.safe_dump(obj))
    assert (verdict.decision, verdict.risk) == (Decision.CONFIRM, Risk.WRITE), verdict


PRIVILEGED_POD = KINDS["Pod"](_spec(_volume({"hostPath": {"path": "/"}})))
PLAIN_DEPLOYMENT = KINDS["Deployment"](_base_spec())


@pytest.mark.parametrize("verb", ["apply", "create", "replace"])
def test_file_forms_json_yaml_flow_and_stream(ctx: PolicyContext, verb: str) -> None:
    _assert_forbidden(_apply_file(ctx, "p.json", json.dumps(PRIVILEGED_POD), verb), "hostPath")
    _assert_forbidden(_apply_file(ctx, "p.yaml", yaml.safe_dump(PRIVILEGED_POD, default_flow_style=True), verb),
                      "hostPath")
    stream = json.dumps(PLAIN_DEPLOYMENT) + "\n" + json.dumps(PRIVILEGED_POD)
    _assert_forbidden(_apply_file(ctx, "s.json", stream, verb), "hostPath")
    docs = yaml.safe_dump(PLAIN_DEPLOYMENT) + "---\n" + yaml.safe_dump(PRIVILEGED_POD)
    _assert_forbidden(_apply_file(ctx, "d.yaml", docs, verb), "hostPath")
    # Aliases resolve the same way for kubectl: the privileged block may be defined anywhere (the anchor is
    # an unknown field the server drops; refused where it is found first, fail closed).
    aliased = ("metadata: {name: p, labels: {}}\nkind: Pod\n"
               "spec: {containers: [{name: a, image: b, securityContext: &sc {runAsUser: 0}},\n"
               "                    {name: c, image: d, securityContext: {<<: *sc, privileged: true}}]}\n")
    _assert_forbidden(_apply_file(ctx, "a.yaml", aliased, verb), "containers[1].securityContext.privileged")
    merged = ("x-sc: &sc {privileged: true}\nkind: Pod\nmetadata: {name: p}\n"
              "spec: {containers: [{name: a, image: b, securityContext: {<<: *sc}}]}\n")
    _assert_forbidden(_apply_file(ctx, "m.yaml", merged, verb), "privileged")


def test_a_directory_is_checked_file_by_file(ctx: PolicyContext) -> None:
    nested = ctx.workdir / "deploy" / "more"
    nested.mkdir(parents=True)
    (ctx.workdir / "deploy" / "app.yaml").write_text(yaml.safe_dump(PLAIN_DEPLOYMENT))
    (nested / "evil.json").write_text(json.dumps(PRIVILEGED_POD))
    _assert_forbidden(evaluate(["kubectl", "apply", "-R", "-f", "deploy"], ctx), "evil.json")
    # A file kubectl skips in a directory (no .yaml/.yml/.json name) is not held against the rest.
    (nested / "evil.json").rename(nested / "evil.txt")
    verdict = evaluate(["kubectl", "apply", "-R", "-f", "deploy"], ctx)
    assert (verdict.decision, verdict.risk) == (Decision.CONFIRM, Risk.WRITE), verdict
    # Named explicitly, kubectl reads it whatever its name.
    _assert_forbidden(evaluate(["kubectl", "apply", "-f", "deploy/more/evil.txt"], ctx), "hostPath")


def test_stdin_is_checked(ctx: PolicyContext) -> None:
    for text in (yaml.safe_dump(PRIVILEGED_POD), json.dumps(PRIVILEGED_POD)):
        _assert_forbidden(evaluate(["kubectl", "apply", "-f", "-"], ctx, stdin=text), "on stdin")
        _assert_forbidden(evaluate(["kubectl", "create", "-f", "-"], ctx, stdin=text), "hostPath")
    fine = evaluate(["kubectl", "apply", "-f", "-"], ctx, stdin=yaml.safe_dump(PLAIN_DEPLOYMENT))
    assert (fine.decision, fine.risk) == (Decision.CONFIRM, Risk.WRITE)


def test_list_items_at_any_depth_are_named(ctx: PolicyContext) -> None:
    inner = {"apiVersion": "v1", "kind": "List", "items": [PLAIN_DEPLOYMENT, PRIVILEGED_POD]}
    outer = {"apiVersion": "v1", "kind": "List", "items": [{"kind": "List", "items": [inner]}]}
    verdict = _apply_file(ctx, "list.json", json.dumps(outer))
    _assert_forbidden(verdict, "spec.volumes[0].hostPath")
    assert "(pod p)" in verdict.reason.lower()  # the item itself is named, not the List around it


def test_items_that_are_not_a_list_are_still_checked(ctx: PolicyContext) -> None:
    """Only a list under `items` is unpacked into objects; anything else is part of the object itself."""
    obj = {"apiVersion": "example.com/v1", "kind": "Runner", "metadata": {"name": "r"},
           "items": {"template": {"spec": _spec(_pod("hostNetwork", True))}}}
    _assert_forbidden(_apply_file(ctx, "r.yaml", yaml.safe_dump(obj)), "items.template.spec.hostNetwork")


def test_persistent_volumes_on_the_node_are_forbidden(ctx: PolicyContext) -> None:
    for volume, field in (({"hostPath": {"path": "/"}}, "spec.hostPath"), ({"local": {"path": "/etc"}}, "spec.local")):
        pv: dict[str, Any] = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"},
                              "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], **volume}}
        _assert_forbidden(_apply_file(ctx, "pv.yaml", yaml.safe_dump(pv)), field)


def test_apparmor_and_seccomp_annotations(ctx: PolicyContext) -> None:
    for key, value in (("container.apparmor.security.beta.kubernetes.io/app", "unconfined"),
                       ("seccomp.security.alpha.kubernetes.io/pod", "unconfined")):
        obj = KINDS["Deployment"](_base_spec())
        obj["spec"]["template"]["metadata"]["annotations"] = {key: value}
        _assert_forbidden(_apply_file(ctx, "a.yaml", yaml.safe_dump(obj)), key)
    fine = KINDS["Pod"](_base_spec())
    fine["metadata"]["annotations"] = {"container.apparmor.security.beta.kubernetes.io/app": "runtime/default"}
    assert _apply_file(ctx, "a.yaml", yaml.safe_dump(fine)).risk is Risk.WRITE


def test_a_crd_schema_describing_pod_fields_is_not_a_pod(ctx: PolicyContext) -> None:
    """Operators' CRDs embed the PodSpec schema; a schema sets no field, so it stays a plain write."""
    schema = {"type": "object", "properties": {
        "hostNetwork": {"type": "boolean"}, "hostPath": {"type": "object", "properties": {"path": {"type": "string"}}},
        "securityContext": {"type": "object", "properties": {"privileged": {"type": "boolean"},
                                                             "capabilities": {"properties": {"add": {"type": "array"}}}}},
    }}
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "things.example.com"},
           "spec": {"group": "example.com", "names": {"kind": "Thing", "plural": "things"}, "scope": "Namespaced",
                    "versions": [{"name": "v1", "served": True, "storage": True,
                                  "schema": {"openAPIV3Schema": schema}}]}}
    assert _apply_file(ctx, "crd.yaml", yaml.safe_dump(crd)).risk is Risk.WRITE


def test_dry_run_and_read_verbs(ctx: PolicyContext) -> None:
    """A server dry run still sends the object (admission webhooks see it); refused like run --privileged
    --dry-run. diff and get read a file and write nothing."""
    (ctx.workdir / "p.yaml").write_text(yaml.safe_dump(PRIVILEGED_POD))
    _assert_forbidden(evaluate(["kubectl", "apply", "--dry-run=server", "-f", "p.yaml"], ctx), "hostPath")
    assert evaluate(["kubectl", "diff", "-f", "p.yaml"], ctx).decision is Decision.ALLOW


# --- patches -------------------------------------------------------------------------------------------------
PATCHES: list[tuple[str, list[str], str]] = [
    ("strategic", ["-p", '{"spec":{"template":{"spec":{"containers":[{"name":"app","securityContext":'
                         '{"privileged":true}}]}}}}'], "securityContext.privileged"),
    ("merge", ["--type=merge", "-p", '{"spec":{"template":{"spec":{"hostNetwork":true}}}}'], "hostNetwork"),
    ("yaml-yes", ["-p", "spec: {template: {spec: {hostPID: yes}}}"], "hostPID"),  # YAML 1.1: yes is true
    ("flow-yaml", ["-p", "{spec: {template: {spec: {volumes: [{name: r, hostPath: {path: /}}]}}}}"], "hostPath"),
    ("json-add-bool", ["--type=json", "-p", '[{"op":"add","path":"/spec/template/spec/hostIPC","value":true}]'],
     "hostIPC"),
    ("json-add-volume", ["--type", "json", "-p", '[{"op":"add","path":"/spec/template/spec/volumes/-",'
                                                 '"value":{"name":"r","hostPath":{"path":"/"}}}]'], "hostPath"),
    ("json-replace-deep", ["--type=json", "-p", '[{"op":"replace","path":"/spec/template/spec/containers/0/'
                                                'securityContext/capabilities/add/0","value":"SYS_ADMIN"}]'],
     "SYS_ADMIN"),
    ("json-second-op", ["--type=json", "-p", '[{"op":"add","path":"/metadata/labels/a","value":"b"},'
                                             '{"op":"add","path":"/spec/template/spec","value":'
                                             '{"containers":[{"name":"a","image":"b","ports":'
                                             '[{"containerPort":1,"hostPort":1}]}]}}]'], "hostPort"),
    ("json-escaped-annotation", ["--type=json", "-p", '[{"op":"add","path":"/spec/template/metadata/annotations/'
                                                      'container.apparmor.security.beta.kubernetes.io~1app",'
                                                      '"value":"unconfined"}]'], "apparmor"),
    ("json-copy", ["--type=json", "-p", '[{"op":"copy","from":"/spec/template/spec/containers/0/securityContext/'
                                        'runAsNonRoot","path":"/spec/template/spec/hostNetwork"}]'],
     "cannot see"),
    ("json-move", ["--type=json", "-p", '[{"op":"move","from":"/metadata/annotations/x",'
                                        '"path":"/spec/template/spec/securityContext/seccompProfile/type"}]'],
     "cannot see"),
    ("ephemeral", ["--subresource=ephemeralcontainers", "-p", '{"spec":{"ephemeralContainers":[{"name":"dbg",'
                                                              '"image":"busybox","targetContainerName":"app"}]}}'],
     "kubectl debug"),
    ("pod-procmount", ["-p", '{"spec":{"containers":[{"name":"app","securityContext":{"procMount":"Unmasked"}}]}}'],
     "procMount"),
]


@pytest.mark.parametrize(("form", "flags", "named"), PATCHES, ids=[f for f, *_ in PATCHES])
def test_patch_bodies_are_forbidden(ctx: PolicyContext, form: str, flags: list[str], named: str) -> None:
    verdict = evaluate(["kubectl", "patch", "deployment", "web", *flags], ctx)
    assert (verdict.decision, verdict.risk) == (Decision.DENY, Risk.FORBIDDEN), verdict
    assert named.lower() in verdict.reason.lower(), verdict.reason
    assert "deployment web" in verdict.reason


def test_patch_file_is_checked(ctx: PolicyContext) -> None:
    (ctx.workdir / "patch.yaml").write_text("spec:\n  template:\n    spec:\n      hostNetwork: true\n")
    _assert_forbidden(evaluate(["kubectl", "patch", "deploy", "web", "--patch-file", "patch.yaml"], ctx),
                      "the patch patch.yaml")


@pytest.mark.parametrize("flags", [
    ["-p", '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}'],
    ["-p", '{"spec":{"template":{"spec":{"hostNetwork":false,"securityContext":{"runAsUser":0}}}}}'],
    ["--type=json", "-p", '[{"op":"copy","from":"/metadata/labels/a","path":"/metadata/labels/b"}]'],
    ["--type=json", "-p", '[{"op":"remove","path":"/spec/template/spec/containers/0/securityContext"}]'],
    ["--type=json", "-p", '[{"op":"add","path":"/spec/template/spec/containers/0/securityContext/capabilities/'
                          'add/-","value":"NET_BIND_SERVICE"}]'],
], ids=["image", "baseline-values", "copy-label", "remove", "default-capability"])
def test_ordinary_patches_stay_writes(ctx: PolicyContext, flags: list[str]) -> None:
    verdict = evaluate(["kubectl", "patch", "deployment", "web", *flags], ctx)
    assert verdict.decision is Decision.CONFIRM and verdict.risk is Risk.WRITE, verdict


def test_the_reason_names_object_and_field(ctx: PolicyContext) -> None:
    obj = copy.deepcopy(KINDS["CronJob"](_spec(_container("privileged", True))))
    verdict = _apply_file(ctx, "cj.yaml", yaml.safe_dump(obj))
    assert verdict.reason == (
        "the manifest cj.yaml (cronjob c) sets spec.jobTemplate.spec.template.spec.containers[0].securityContext."
        "privileged (a privileged container), which hands the node to a pod as kubectl run --privileged does; "
        "it is never allowed")


# --- our own charts --------------------------------------------------------------------------------------
@pytest.mark.parametrize("values", [[], ["--set", "autoscaling.enabled=true"]], ids=["defaults", "autoscaling"])
@pytest.mark.parametrize("chart", CHARTS)
def test_the_taskflow_charts_stay_plain_writes(ctx: PolicyContext, chart: str, values: list[str]) -> None:
    helm = find_helm()
    assert helm is not None, "helm is missing: run scripts/install-test-deps"
    rendered = run_helm(helm, ["template", chart, str(chart_path(chart)), *values])
    assert rendered.returncode == 0, rendered.stderr
    assert "kind: Deployment" in rendered.stdout
    for argv, stdin in ((["kubectl", "apply", "-f", "rendered.yaml"], None), (["kubectl", "apply", "-f", "-"],
                                                                              rendered.stdout)):
        (ctx.workdir / "rendered.yaml").write_text(rendered.stdout)
        verdict = evaluate(argv, ctx, stdin=stdin)
        assert (verdict.decision, verdict.risk) == (Decision.CONFIRM, Risk.WRITE), verdict


@pytest.mark.parametrize("argv", [
    ["kubectl", "run", "x", "--image=nginx", "--annotations=container.apparmor.security.beta.kubernetes.io/x=unconfined"],
    ["kubectl", "run", "x", "--image=nginx", "--annotations", "seccomp.security.alpha.kubernetes.io/pod=unconfined"],
    ["kubectl", "annotate", "pod", "web-1", "container.apparmor.security.beta.kubernetes.io/web=unconfined"],
])
def test_unconfined_annotations_by_flag_are_forbidden(ctx: PolicyContext, argv: list[str]) -> None:
    verdict = evaluate(argv, ctx)
    assert (verdict.decision, verdict.risk) == (Decision.DENY, Risk.FORBIDDEN), verdict
    assert "metadata.annotations" in verdict.reason


def test_ordinary_annotations_stay_writes(ctx: PolicyContext) -> None:
    for argv in (["kubectl", "run", "x", "--image=nginx", "--annotations=team=a"],
                 ["kubectl", "annotate", "pod", "web-1", "container.apparmor.security.beta.kubernetes.io/web=runtime/default"]):
        assert evaluate(argv, ctx).risk is Risk.WRITE, argv


def test_keys_are_matched_as_a_case_insensitive_go_decoder_would(ctx: PolicyContext) -> None:
    """Go's encoding/json folds "ſ" (long s) to s and the Kelvin sign to k when it matches field names."""
    for spec in ({"ho\u017ftNetwork": True, "containers": []},
                 {"containers": [{"name": "a", "image": "b", "\u017fecurityContext": {"privileged": True}}]},
                 {"containers": [{"name": "a", "image": "b",
                                  "securityContext": {"capabilitie\u017f": {"add": ["SYS_ADMIN"]}}}]},
                 {"hostNetwor\u212a": True, "containers": []}):
        _assert_forbidden(_apply_file(ctx, "f.json", json.dumps(KINDS["Pod"](spec))), "")
    hidden_namespace = {"kind": "ConfigMap", "metadata": {"name": "x", "name\u017fpace": "kube-system"}}
    verdict = _apply_file(ctx, "ns.json", json.dumps(hidden_namespace))
    assert verdict.decision is Decision.DENY and "kube-system" in verdict.reason, verdict


def test_the_reason_shows_hostile_keys_harmlessly(ctx: PolicyContext) -> None:
    obj = {"kind": "Pod", "metadata": {"name": "p"},
           "spec": {"\x1b]52;c;ZXZpbA==\x07" + "x" * 500: {"hostNetwork": True}}}
    reason = _apply_file(ctx, "p.json", json.dumps(obj)).reason
    assert "\x1b" not in reason and "\\x1b" in reason and len(reason) < 600, reason
