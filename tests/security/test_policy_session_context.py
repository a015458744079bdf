"""Issue 13 item 12: `--context X` is allowed when X is the session's pinned context, and only then.

The executor puts `--context <pinned>` first; a second `--context` with the same value changes nothing, so
`aiops run -- kubectl --context dev get pods` runs when dev is the session's context. Any other value, an
empty one, or a second different one would choose the cluster, and stays denied. The real-cluster test
runs the command through the real executor and kubectl.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiops_chat.kubeconfig import load_view
from aiops_chat.policy import Decision, evaluate
from tests.policy import conftest as policy_fixtures
from tests.policy.conftest import MakeCtx
from tests.workflow.workflow_support import make_config, make_executor

# The policy tests' session fixtures: a working directory of manifests and charts, and a session factory.
workdir = policy_fixtures.workdir
make_ctx = policy_fixtures.make_ctx


@pytest.mark.parametrize("argv", [
    ["kubectl", "--context", "dev-cluster", "get", "pods"],
    ["kubectl", "get", "pods", "--context=dev-cluster", "-n", "team-a"],
    ["kubectl", "--context=dev-cluster", "--context", "dev-cluster", "describe", "pod", "x"],
    ["helm", "--kube-context", "dev-cluster", "list"],
    ["helm", "status", "web", "--kube-context=dev-cluster"],
])
def test_the_pinned_context_may_be_named(argv: list[str], make_ctx: MakeCtx) -> None:
    assert evaluate(argv, make_ctx(context="dev-cluster")).decision is Decision.ALLOW


@pytest.mark.parametrize("argv", [
    ["kubectl", "--context", "prod", "get", "pods"],
    ["kubectl", "--context", "dev-cluster", "--context", "prod", "get", "pods"],
    ["kubectl", "--context=prod", "--context=dev-cluster", "get", "pods"],
    ["kubectl", "--context=", "get", "pods"],
    ["kubectl", "--context", "Dev-Cluster", "get", "pods"],        # kubeconfig names are case-sensitive
    ["kubectl", "--context", "dev-cluster*", "get", "pods"],
    ["kubectl", "get", "pods", "--", "--context=prod"],
    ["helm", "list", "--kube-context", "prod"],
    ["helm", "list", "--kube-context=dev-cluster", "--kube-context=prod"],
])
def test_any_other_context_is_denied(argv: list[str], make_ctx: MakeCtx) -> None:
    verdict = evaluate(argv, make_ctx(context="dev-cluster"))
    assert verdict.decision is Decision.DENY and "context" in verdict.reason


def test_no_pinned_context_means_none_may_be_named(make_ctx: MakeCtx) -> None:
    verdict = evaluate(["kubectl", "--context", "dev-cluster", "get", "pods"], make_ctx(context=None, tier="read-only"))
    assert verdict.decision is Decision.DENY


def test_real_run_with_the_pinned_context(kube_cluster: Any, tmp_path: Path) -> None:
    cfg = make_config(tmp_path, path=kube_cluster.env["PATH"], kubeconfig=str(kube_cluster.kubeconfig))
    current = load_view(cfg.kubeconfig, cfg.runtime.home).current
    assert current, "the test kubeconfig names a current context"
    executor = make_executor(cfg, namespace="default")
    ran = executor.run(["kubectl", "--context", current, "get", "namespaces", "-o", "name"])
    assert ran.executed and ran.exit_code == 0, ran
    assert "namespace/default" in ran.stdout
    other = executor.run(["kubectl", "--context", f"{current}-other", "get", "namespaces"])
    assert not other.executed and other.verdict.decision is Decision.DENY
