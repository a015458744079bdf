"""Property tests: whatever safe-looking command a forbidden element is smuggled into, it is not allowed."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiops_chat.policy import Decision, PolicyContext, evaluate
from tests.policy.conftest import MakeCtx

# Commands the policy allows or asks about on their own (paths exist in the test working directory).
SAFE_COMMANDS: list[list[str]] = [
    ["kubectl", "get", "pods"],
    ["kubectl", "get", "deploy/web", "-o", "wide"],
    ["kubectl", "describe", "pod", "web-1"],
    ["kubectl", "logs", "web-1", "--tail=20"],
    ["kubectl", "top", "pod"],
    ["kubectl", "rollout", "status", "deploy/web"],
    ["kubectl", "scale", "deploy/web", "--replicas=2"],
    ["kubectl", "rollout", "restart", "deploy/web"],
    ["kubectl", "label", "pod", "web-1", "tier=front"],
    ["kubectl", "delete", "pod", "web-1"],
    ["kubectl", "apply", "-f", "manifests/app.yaml"],
    ["helm", "list"],
    ["helm", "status", "web"],
    ["helm", "install", "web", "./chart"],
    ["helm", "upgrade", "web", "bitnami/nginx", "-f", "values.yaml"],
    ["helm", "uninstall", "web"],
    ["minikube", "status"],
    ["minikube", "start"],
]
# Global flags every command of the binary accepts, so any base command stays valid with them.
SAFE_EXTRAS: dict[str, list[list[str]]] = {
    "kubectl": [["-n", "team-a"], ["--namespace=team-a"], ["--request-timeout=5s"], ["-v=2"], ["-nteam-a"]],
    # Not --debug: `helm upgrade --debug` prints the stored release values and is denied (issue 9 item 2).
    "helm": [["-n", "team-a"], ["--namespace=team-a"], ["--burst-limit=50"], ["--qps=5"]],
    "minikube": [["-p", "dev"], ["--profile=dev"], ["--alsologtostderr"]],
}
ANY_TOKENS = sorted({t for groups in SAFE_EXTRAS.values() for g in groups for t in g})

CREDENTIAL_FLAGS = [
    "--context=other", "--context", "--kubeconfig=/tmp/kc", "--kubeconfig", "--cluster=c", "--token=abc",
    "--token", "--as=system:admin", "--as-group=system:masters", "--as-uid=0", "--server=https://evil",
    "--insecure-skip-tls-verify", "--insecure-skip-tls-verify=true", "--certificate-authority=/ca",
    "--client-key=/k", "--client-certificate=/c", "--username=u", "--password=p", "--tls-server-name=x",
    "--kube-context=other", "--kube-token=t", "--kube-apiserver=https://evil", "--kube-as-user=admin",
    "--kube-as-group=g", "--kube-ca-file=/ca", "--kube-insecure-skip-tls-verify", "--kube-tls-server-name=x",
]
METACHARACTERS = [";", "|", "&", "$(", "`", ">", "<", "\n", "\0", "\r", "$", "\x1b", "\u202e", "\u200b"]
DENIED_VERBS = {
    "kubectl": ["exec", "attach", "cp", "port-forward", "proxy", "edit", "debug", "config", "plugin",
                "certificate", "kustomize"],
    "helm": ["plugin", "registry", "push", "pull", "package", "create"],
    "minikube": ["ssh", "mount", "dashboard", "tunnel", "kubectl", "cp"],
}


def _ctx(make_ctx: MakeCtx, tier: str) -> PolicyContext:
    return make_ctx(tier=tier)


@st.composite
def safe_argv(draw: Any) -> list[str]:
    argv = list(draw(st.sampled_from(SAFE_COMMANDS)))
    for group in draw(st.lists(st.sampled_from(SAFE_EXTRAS[argv[0]]), max_size=2)):
        argv += group
    return argv


@st.composite
def with_credential_flag(draw: Any) -> list[str]:
    argv = draw(safe_argv())
    argv.insert(draw(st.integers(1, len(argv))), draw(st.sampled_from(CREDENTIAL_FLAGS)))
    return argv


@st.composite
def with_metacharacter(draw: Any) -> list[str]:
    argv = draw(safe_argv())
    meta = draw(st.sampled_from(METACHARACTERS))
    i = draw(st.integers(0, len(argv) - 1))
    if draw(st.booleans()):
        argv.insert(i + 1, meta + draw(st.sampled_from(["", "id", "rm -rf /", "x"])))
    else:
        token = argv[i]
        cut = draw(st.integers(0, len(token)))
        argv[i] = token[:cut] + meta + token[cut:]
    return argv


@st.composite
def with_denied_verb(draw: Any) -> list[str]:
    argv = draw(safe_argv())
    binary = argv[0]
    prefix = draw(st.sampled_from([[], ["-n", "team-a"], ["--namespace=team-a"]])) if binary != "minikube" else []
    return [binary, *prefix, draw(st.sampled_from(DENIED_VERBS[binary])), *argv[2:]]


TIERS = st.sampled_from(["confirm", "auto", "read-only"])
_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(argv=with_credential_flag(), tier=TIERS)
def test_credential_flags_are_always_denied(argv: list[str], tier: str, make_ctx: MakeCtx) -> None:
    verdict = evaluate(argv, _ctx(make_ctx, tier))
    assert verdict.decision is Decision.DENY, (argv, verdict)


@_SETTINGS
@given(argv=with_metacharacter(), tier=TIERS)
def test_metacharacters_are_always_denied(argv: list[str], tier: str, make_ctx: MakeCtx) -> None:
    verdict = evaluate(argv, _ctx(make_ctx, tier))
    assert verdict.decision is Decision.DENY, (argv, verdict)


@_SETTINGS
@given(argv=with_denied_verb(), tier=TIERS)
def test_denied_commands_are_never_allowed(argv: list[str], tier: str, make_ctx: MakeCtx) -> None:
    verdict = evaluate(argv, _ctx(make_ctx, tier))
    assert verdict.decision is Decision.DENY, (argv, verdict)


@_SETTINGS
@given(argv=safe_argv())
def test_the_safe_commands_themselves_are_not_denied(argv: list[str], make_ctx: MakeCtx) -> None:
    # Guards the properties above: they must fail because of the injected element, not the base command.
    verdict = evaluate(argv, _ctx(make_ctx, "confirm"))
    assert verdict.decision is not Decision.DENY, (argv, verdict)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(st.one_of(st.text(max_size=12), st.sampled_from(ANY_TOKENS + CREDENTIAL_FLAGS + ["--", "-"])),
                     max_size=8),
       binary=st.sampled_from(["kubectl", "helm", "minikube", "sh", ""]))
def test_evaluate_never_raises_and_is_deterministic(argv: list[str], binary: str, make_ctx: MakeCtx) -> None:
    ctx = _ctx(make_ctx, "auto")
    first = evaluate([binary, *argv], ctx)
    assert first == evaluate([binary, *argv], ctx)
    assert first.reason


# --- manifests on stdin: a protected namespace or a mass-delete kind is found however the text is written ----
_NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)


@st.composite
def manifest_objects(draw: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Harmless objects plus one planted object, possibly nested in Lists, in a random position."""
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": draw(_NAMES), "namespace": "team-a"}}
        for _ in range(draw(st.integers(0, 3)))
    ]
    planted = draw(st.sampled_from([
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "kube-system"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b"}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}},
    ]))
    item: dict[str, Any] = planted
    for _ in range(draw(st.integers(0, 2))):
        item = {"apiVersion": "v1", "kind": "List", "items": [item]}
    objects.insert(draw(st.integers(0, len(objects))), item)
    return objects, planted


def _serialise(objects: list[dict[str, Any]], style: str) -> str:
    import json

    import yaml

    if style == "json":
        return "\n".join(json.dumps(o) for o in objects)
    return yaml.safe_dump_all(objects, default_flow_style=style == "flow")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=manifest_objects(), style=st.sampled_from(["json", "flow", "block"]), tier=TIERS)
def test_stdin_manifests_are_read_in_any_style(drawn: tuple[list[dict[str, Any]], dict[str, Any]], style: str,
                                               tier: str, make_ctx: MakeCtx) -> None:
    objects, planted = drawn
    text = _serialise(objects, style)
    ctx = _ctx(make_ctx, tier)
    delete = evaluate(["kubectl", "delete", "-f", "-"], ctx, text)
    assert delete.decision is Decision.DENY, (text, delete)
    apply = evaluate(["kubectl", "apply", "-f", "-"], ctx, text)
    if planted["metadata"].get("namespace") == "kube-system":
        assert apply.decision is Decision.DENY and "kube-system" in apply.reason, (text, apply)
    else:
        # Only delete refuses these kinds; the same manifest applied is an ordinary write.
        assert apply.decision is not Decision.DENY or tier == "read-only", (text, apply)
