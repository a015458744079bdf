"""Issue 9 item 4: writes that are outages or hit objects nobody named are destructive.

Destructive means a person types the object's name: `--yes` (ApproveWrites) and the auto tier never run
them. Each form below was a plain write before, so `aiops ask --yes` ran it. The last test runs the real
kubectl against the real API server to show why `--replicas=0x0` must count as zero.
"""

from __future__ import annotations

import pytest

from aiops_chat.execution.approval import ApproveWrites, confirmation_word
from aiops_chat.policy import Decision, Risk, evaluate
from tests.policy import conftest as policy_fixtures
from tests.policy.conftest import MakeCtx

# The policy tests' session fixtures: a working directory of manifests and charts, and a session factory.
workdir = policy_fixtures.workdir
make_ctx = policy_fixtures.make_ctx

OUTAGES: list[tuple[list[str], str]] = [
    (["kubectl", "scale", "deploy", "--all", "--replicas=0"], "zero replicas"),
    (["kubectl", "scale", "deploy", "-l", "app=web", "--replicas=3"], "selector"),
    (["kubectl", "scale", "statefulset/db", "--replicas=0"], "zero replicas"),
    (["kubectl", "scale", "deploy/web", "--replicas=0_0"], "zero replicas"),
    (["kubectl", "scale", "deploy/web", "--replicas=0o0"], "zero replicas"),
    (["kubectl", "taint", "nodes", "n1", "maintenance=now:NoExecute"], "NoExecute"),
    (["kubectl", "taint", "nodes", "n1", "k:noexecute"], "NoExecute"),
    (["kubectl", "set", "image", "deploy", "--all", "*=evil:1"], "--all"),
    (["kubectl", "set", "image", "deploy/web", "*=evil:1"], "wildcard"),
    (["kubectl", "label", "pods", "--all", "app=x", "--overwrite"], "--all"),
    (["kubectl", "annotate", "deploy", "-l", "team=a", "x=y"], "selector"),
    (["kubectl", "label", "svc", "--field-selector=metadata.name!=x", "a=b"], "field selector"),
    (["kubectl", "cordon", "-l", "pool=a"], "node"),
    (["kubectl", "uncordon", "-l", "pool=a"], "node"),
    (["kubectl", "create", "quota", "freeze", "--hard=pods=0"], "zero hard limit"),
    (["kubectl", "create", "quota", "freeze", "--hard=limits.memory=0Mi"], "zero hard limit"),
    (["kubectl", "rollout", "restart", "deploy"], "bare kind"),
    (["kubectl", "rollout", "restart", "deploy", "-l", "app=web"], "selector"),
    (["kubectl", "rollout", "undo", "deploy", "--selector", "app=web"], "selector"),
    (["kubectl", "set", "resources", "deploy", "--all", "--limits=memory=1Mi"], "--all"),
    (["kubectl", "patch", "deploy", "web", "-p", '{"spec":{"replicas":0}}'], "zero replicas"),
    (["kubectl", "patch", "deploy", "web", "--type=merge", "-p", "spec: {replicas: 0}"], "zero replicas"),
    (["kubectl", "patch", "node", "n1", "--type=json", "-p",
      '[{"op":"add","path":"/spec/taints/-","value":{"key":"k","effect":"NoExecute"}}]'], "NoExecute"),
    (["kubectl", "patch", "svc", "web", "-p", '{"spec":{"selector":{"app":"mine"}}}'], "traffic"),
    (["kubectl", "apply", "-f", "scan/zero-replicas.yaml"], "zero replicas"),
    (["kubectl", "apply", "-f", "scan/node-noexecute.yaml"], "NoExecute"),
    (["kubectl", "apply", "-f", "scan/quota-zero.json"], "zero hard limit"),
]

# Ordinary writes keep exactly the verdict they had: confirm in the confirm tier, auto ones alone in auto.
ORDINARY: list[tuple[list[str], str, str]] = [
    (["kubectl", "scale", "deploy/web", "--replicas=3"], "confirm", "allow"),
    (["kubectl", "rollout", "restart", "deploy/web"], "confirm", "allow"),
    (["kubectl", "label", "pod", "web-1", "tier=front"], "confirm", "confirm"),
    (["kubectl", "set", "image", "deploy/web", "web=nginx:1.27"], "confirm", "confirm"),
    (["kubectl", "taint", "nodes", "n1", "k=v:NoSchedule"], "confirm", "confirm"),
    (["kubectl", "taint", "nodes", "n1", "k:NoExecute-"], "confirm", "confirm"),
    (["kubectl", "cordon", "node1"], "confirm", "confirm"),
    (["kubectl", "create", "quota", "q", "--hard=pods=20"], "confirm", "confirm"),
    (["kubectl", "patch", "deploy", "web", "-p", '{"spec":{"replicas":2}}'], "confirm", "confirm"),
    (["kubectl", "patch", "svc", "web", "-p", '{"metadata":{"labels":{"a":"b"}}}'], "confirm", "confirm"),
    (["kubectl", "apply", "-f", "manifests/app.yaml"], "confirm", "confirm"),
    (["kubectl", "apply", "-f", "scan/pod-toleration.yaml"], "confirm", "confirm"),
]


@pytest.mark.parametrize(("argv", "why"), OUTAGES, ids=[" ".join(a)[:70] for a, _ in OUTAGES])
def test_outage_and_mass_writes_are_destructive(argv: list[str], why: str, make_ctx: MakeCtx) -> None:
    for tier in ("confirm", "auto"):
        verdict = evaluate(argv, make_ctx(tier=tier))
        assert (verdict.decision, verdict.risk) == (Decision.CONFIRM, Risk.DESTRUCTIVE), (tier, verdict)
        assert why.lower() in verdict.reason.lower(), verdict.reason
    # --yes approves writes, never these; nor is the typed word ever empty.
    assert not ApproveWrites()(verdict, argv).approved
    assert confirmation_word(argv)


@pytest.mark.parametrize(("argv", "confirm_tier", "auto_tier"), ORDINARY, ids=[" ".join(a)[:70] for a, *_ in ORDINARY])
def test_ordinary_writes_stay_as_easy(argv: list[str], confirm_tier: str, auto_tier: str, make_ctx: MakeCtx) -> None:
    confirm = evaluate(argv, make_ctx(tier="confirm"))
    auto = evaluate(argv, make_ctx(tier="auto"))
    assert (confirm.decision.value, confirm.risk) == (confirm_tier, Risk.WRITE), confirm
    assert (auto.decision.value, auto.risk) == (auto_tier, Risk.WRITE), auto
    assert ApproveWrites()(confirm, argv).approved


def test_the_approval_prompt_says_why(make_ctx: MakeCtx) -> None:
    verdict = evaluate(["kubectl", "taint", "nodes", "n1", "k=v:NoExecute"], make_ctx())
    assert verdict.reason == ("kubectl taint is a destructive write (a NoExecute taint evicts every pod on the node "
                              "without a toleration, a drain by another name) and needs confirmation")


def test_the_word_to_type_is_the_object_not_a_label(make_ctx: MakeCtx) -> None:
    assert confirmation_word(["kubectl", "taint", "nodes", "n1", "k=v:NoExecute"]) == "n1"
    assert confirmation_word(["kubectl", "label", "pods", "--all", "app=x"]) == "label"
    assert confirmation_word(["kubectl", "scale", "deploy/web", "--replicas=0"]) == "web"


def test_real_kubectl_reads_0x0_as_zero_replicas(kube_cluster, kube_namespace: str, make_ctx: MakeCtx) -> None:  # type: ignore[no-untyped-def]
    """pflag parses integers with base prefixes: the policy must see the zero that kubectl sees."""
    ns = kube_namespace
    kube_cluster.kubectl("-n", ns, "create", "deployment", "web", "--image=nginx", "--replicas=2")
    argv = ["kubectl", "scale", "deployment/web", "--replicas=0x0"]
    assert evaluate(argv, make_ctx(tier="auto", namespace=ns)).risk is Risk.DESTRUCTIVE
    kube_cluster.kubectl("-n", ns, *argv[1:])
    assert kube_cluster.kubectl_json("-n", ns, "get", "deployment", "web")["spec"]["replicas"] == 0
