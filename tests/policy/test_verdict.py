"""Verdict shape, fail-closed behaviour on odd input, and the reasons people read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aiops_chat.policy import Decision, Risk, Verdict, evaluate
from tests.policy.conftest import MakeCtx


def test_to_dict_is_json_with_the_cli_keys(make_ctx: MakeCtx) -> None:
    verdict = evaluate(["kubectl", "-n", "team-a", "scale", "deploy/web", "--replicas=2"], make_ctx())
    data = verdict.to_dict()
    assert json.loads(json.dumps(data)) == {
        "decision": "confirm", "risk": "write", "reason": "kubectl scale is a write and needs confirmation",
        "binary": "kubectl", "verb": "scale", "namespace": "team-a",
    }


@pytest.mark.parametrize("argv", [
    "kubectl get pods",                 # one string, not a list
    b"kubectl get pods",
    None,
    42,
    ["kubectl", None],
    ["kubectl", 3],
    [None],
    ("kubectl", "get", b"pods"),
    iter(["kubectl", "get", "pods"]),   # not a sequence
])
def test_odd_input_is_denied_not_raised(argv: Any, make_ctx: MakeCtx) -> None:
    verdict = evaluate(argv, make_ctx())
    assert isinstance(verdict, Verdict)
    assert verdict.decision is Decision.DENY
    assert verdict.risk is Risk.FORBIDDEN


def test_a_tuple_argv_works_like_a_list(make_ctx: MakeCtx) -> None:
    assert evaluate(("kubectl", "get", "pods"), make_ctx()) == evaluate(["kubectl", "get", "pods"], make_ctx())


def test_a_bug_in_a_rule_fails_closed(make_ctx: MakeCtx, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiops_chat.policy import kubectl_rules

    def broken(*_: Any) -> Any:
        raise KeyError("boom")

    monkeypatch.setitem(kubectl_rules.HANDLERS, "get", broken)
    verdict = evaluate(["kubectl", "get", "pods"], make_ctx())
    assert (verdict.decision, verdict.risk) == (Decision.DENY, Risk.FORBIDDEN)
    assert "could not interpret" in verdict.reason


@pytest.mark.parametrize(("argv", "reason"), [
    (["kubectl", "exec", "-it", "web", "--", "sh"],
     "kubectl exec opens a shell or runs commands in a container; it is never allowed"),
    (["kubectl", "-n", "kube-system", "delete", "pod", "x"], "writes in protected namespace kube-system are denied"),
    # Since issue 13 item 12 the session's own context may be named; another one is refused with both named.
    (["kubectl", "get", "pods", "--context=prod"],
     "--context prod would switch the cluster: this session's context is dev-cluster; start a session with the "
     "context you want instead"),
    (["kubectl", "get", "pods", "--kubeconfig=/x"],
     "--kubeconfig would override the cluster, credentials or identity the session pins; it is never allowed"),
])
def test_reasons_read_as_sentences(argv: list[str], reason: str, make_ctx: MakeCtx) -> None:
    assert evaluate(argv, make_ctx()).reason == reason


def test_verdict_names_the_effective_namespace(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(namespace="team-a")
    assert evaluate(["kubectl", "delete", "pod", "x"], ctx).namespace == "team-a"
    assert evaluate(["kubectl", "delete", "pod", "x", "-n", "team-b"], ctx).namespace == "team-b"
    assert evaluate(["helm", "--namespace=team-c", "uninstall", "web"], ctx).namespace == "team-c"
