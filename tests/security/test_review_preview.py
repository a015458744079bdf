"""Review: the preview of a write is a read the policy allows, for every write form it is built for.

`kubectl rollout restart` has no --dry-run, so its preview was denied by the policy (an unknown flag) and
the approval dialog said "no preview: denied by policy" for the most common write of all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aiops_chat.execution.preview import preview_argv
from aiops_chat.policy import Decision, PolicyContext, Risk, Tier, evaluate

WRITES = [
    ["kubectl", "rollout", "restart", "deployment/web"],
    ["kubectl", "rollout", "restart", "deployment", "web", "-n", "shop"],
    ["kubectl", "rollout", "pause", "deployment/web"],
    ["kubectl", "rollout", "resume", "deployment/web"],
    ["kubectl", "rollout", "undo", "deployment/web"],
    ["kubectl", "rollout", "undo", "deployment/web", "--to-revision=2"],
    ["kubectl", "scale", "deployment/web", "--replicas=3"],
    ["kubectl", "set", "image", "deployment/web", "web=nginx:1.27"],
    ["kubectl", "set", "resources", "deployment/web", "--limits=cpu=1"],
    ["kubectl", "label", "pod", "p1", "a=b"],
    ["kubectl", "annotate", "pod", "p1", "a=b"],
    ["kubectl", "patch", "deployment", "web", "-p", '{"spec":{"replicas":2}}'],
    ["kubectl", "delete", "pod", "p1"],
    ["kubectl", "cordon", "n1"],
    ["kubectl", "uncordon", "n1"],
    ["kubectl", "taint", "nodes", "n1", "k=v:NoSchedule"],
    ["kubectl", "expose", "deployment", "web", "--port=80"],
    ["kubectl", "autoscale", "deployment", "web", "--max=3"],
    ["kubectl", "create", "configmap", "c", "--from-literal=a=b"],
]


@pytest.mark.parametrize("argv", WRITES, ids=lambda a: " ".join(a[1:4]))
def test_every_preview_is_an_allowed_read(argv: list[str], tmp_path: Path) -> None:
    ctx = PolicyContext(context="dev", namespace="default", tier=Tier.CONFIRM,
                        protected_namespaces=frozenset({"kube-system"}), workdir=tmp_path)
    assert evaluate(argv, ctx).risk is not Risk.READ  # a write, so the pipeline asks for its preview
    preview = preview_argv(argv)
    if preview is None:
        return  # no preview is an honest answer; a denied one is not
    verdict = evaluate(preview, ctx)
    assert verdict.decision is Decision.ALLOW and verdict.risk is Risk.READ, (preview, verdict.reason)


def test_rollout_undo_keeps_its_server_dry_run() -> None:
    assert preview_argv(["kubectl", "rollout", "undo", "deployment/web"]) == [
        "kubectl", "rollout", "undo", "deployment/web", "--dry-run=server"]
