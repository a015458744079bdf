"""The node takeover by manifest: a privileged hostPath pod applied as "a write" is refused end to end.

`kubectl run --privileged` was refused, but the same pod written in a file and given to `kubectl apply -f`
was judged a plain write: one approval (or `--yes`) from a model that read hostile cluster text, and the
pod mounts the node's root filesystem. Here the real API server first shows it would accept the pod (a
server dry run straight through kubectl, not through aiops), then `aiops run --yes` and the Executor refuse
it by every road (file, stdin, patch) and nothing is created, while an ordinary Deployment still applies.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from aiops_chat.audit import AuditLog
from aiops_chat.config import Config, runtime_from_environ
from aiops_chat.execution import Executor
from aiops_chat.exit_codes import DENIED, OK
from aiops_chat.policy import Decision, Risk

pytestmark = pytest.mark.cluster

NODE_ESCAPE = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "node-shell"},
    "spec": {"hostPID": True, "containers": [{
        "name": "shell", "image": "busybox:1.36", "command": ["chroot", "/host", "sh"],
        "securityContext": {"privileged": True}, "volumeMounts": [{"name": "root", "mountPath": "/host"}]}],
        "volumes": [{"name": "root", "hostPath": {"path": "/"}}]},
}
DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
}


def _env(cluster, home: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {**cluster.env, "HOME": str(home), "XDG_STATE_HOME": str(home / "state"),
            "KUBECONFIG": str(cluster.kubeconfig)}


def _aiops(cluster, home: Path, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", *args], capture_output=True, text=True,
                          env=_env(cluster, home), cwd=home, stdin=subprocess.DEVNULL, timeout=120)


def _executor(cluster, home: Path, namespace: str) -> Executor:  # type: ignore[no-untyped-def]
    cfg = Config(runtime=runtime_from_environ(_env(cluster, home)))
    cfg = dataclasses.replace(cfg, audit=dataclasses.replace(cfg.audit, path=str(home / "audit.jsonl")),
                              policy=dataclasses.replace(cfg.policy, workdir=str(home)))
    return Executor(cfg, namespace=namespace, audit=AuditLog(cfg.audit_path), source="cli")


def _pods(cluster, namespace: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [p["metadata"]["name"] for p in cluster.kubectl_json("-n", namespace, "get", "pods")["items"]]


def test_the_privileged_hostpath_pod_is_refused_and_nothing_is_created(  # type: ignore[no-untyped-def]
        kube_cluster, kube_namespace: str, tmp_path: Path) -> None:
    ns = kube_namespace
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(yaml.safe_dump(NODE_ESCAPE))
    # The hole is real: this API server admits the pod (nothing in the namespace stops it).
    kube_cluster.kubectl("-n", ns, "apply", "--dry-run=server", "-f", str(manifest))

    refused = _aiops(kube_cluster, tmp_path, "-n", ns, "run", "--yes", "--", "kubectl", "apply", "-f", "pod.yaml")
    assert refused.returncode == DENIED, refused.stderr
    assert "DENY (forbidden)" in refused.stderr and "securityContext.privileged" in refused.stderr
    assert "run --privileged" in refused.stderr

    checked = _aiops(kube_cluster, tmp_path, "policy", "check", "--context", "aiops-test", "--output", "json",
                     "--", "kubectl", "create", "-f", "pod.yaml")
    assert json.loads(checked.stdout)["risk"] == "forbidden", checked.stdout

    # An approval does not help: the Executor refuses before any approver is asked, by every road.
    ex = _executor(kube_cluster, tmp_path, ns)
    roads = [(["kubectl", "apply", "-f", "pod.yaml"], None),
             (["kubectl", "replace", "--force", "-f", "pod.yaml"], None),
             (["kubectl", "create", "-f", "-"], json.dumps(NODE_ESCAPE))]
    for argv, stdin in roads:
        result = ex.run(argv, approved_by="user:test", stdin=stdin)
        assert not result.executed, argv
        assert (result.verdict.decision, result.verdict.risk) == (Decision.DENY, Risk.FORBIDDEN), result.verdict
    assert "node-shell" not in _pods(kube_cluster, ns)
    assert AuditLog(tmp_path / "audit.jsonl").verify().ok


def test_patching_a_deployment_into_a_node_shell_is_refused(  # type: ignore[no-untyped-def]
        kube_cluster, kube_namespace: str, tmp_path: Path) -> None:
    ns = kube_namespace
    (tmp_path / "web.yaml").write_text(yaml.safe_dump(DEPLOYMENT))
    applied = _aiops(kube_cluster, tmp_path, "-n", ns, "run", "--yes", "--", "kubectl", "apply", "-f", "web.yaml")
    assert applied.returncode == OK, applied.stderr  # an ordinary Deployment is still an ordinary write
    before = kube_cluster.kubectl_json("-n", ns, "get", "deployment", "web")["spec"]["template"]

    ex = _executor(kube_cluster, tmp_path, ns)
    patches = [
        ["-p", '{"spec":{"template":{"spec":{"containers":[{"name":"web","securityContext":{"privileged":true}}]}}}}'],
        ["--type=merge", "-p", '{"spec":{"template":{"spec":{"hostNetwork":true}}}}'],
        ["--type=json", "-p", '[{"op":"add","path":"/spec/template/spec/volumes","value":'
                              '[{"name":"root","hostPath":{"path":"/"}}]}]'],
    ]
    for flags in patches:
        # The server accepts each patch (shown with a server dry run straight through kubectl) ...
        kube_cluster.kubectl("-n", ns, "patch", "deployment", "web", "--dry-run=server", *flags)
        # ... the policy does not, approved or not.
        result = ex.run(["kubectl", "patch", "deployment", "web", *flags], approved_by="user:test")
        assert not result.executed and result.verdict.risk is Risk.FORBIDDEN, result.verdict
    assert kube_cluster.kubectl_json("-n", ns, "get", "deployment", "web")["spec"]["template"] == before

    # An ordinary patch of the same Deployment still goes through.
    fine = ex.run(["kubectl", "patch", "deployment", "web", "-p",
                   '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}'],
                  approved_by="user:test")
    assert fine.ok, fine.stderr
    image = kube_cluster.kubectl_json("-n", ns, "get", "deployment", "web")["spec"]["template"]["spec"]
    assert image["containers"][0]["image"] == "nginx:1.28"
