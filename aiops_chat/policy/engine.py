"""evaluate(): the one function deciding whether a command may run, whatever a model asks for.

Order: the argv as a whole (shape, shell metacharacters, the binary, credential flags anywhere) -> the
binary's rules (parse it as the binary will, classify or refuse) -> the session (dry runs are reads,
-A writes and protected namespaces are refused, then the context's tier decides). Any surprise fails
closed: evaluate never raises, it returns DENY.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiops_chat.policy.action import Action
from aiops_chat.policy.helm_rules import helm_action
from aiops_chat.policy.impact import replica_ceiling
from aiops_chat.policy.kubectl_checks import OVERRIDE_FLAGS as KUBECTL_OVERRIDES
from aiops_chat.policy.kubectl_rules import kubectl_action
from aiops_chat.policy.manifest_scan import read_manifest, refuse_kinds
from aiops_chat.policy.minikube_rules import minikube_action
from aiops_chat.policy.refusal import Refusal
from aiops_chat.policy.tokens import check_token
from aiops_chat.policy.types import Decision, PolicyContext, Risk, Tier, Verdict

_RULES: dict[str, Callable[[Sequence[str], PolicyContext], Action]] = {
    "kubectl": kubectl_action,
    "helm": helm_action,
    "minikube": minikube_action,
}
_ALWAYS = frozenset({"kubectl", "helm"})
# Long flags refused wherever they appear, even where a parser would call them a value or an argument.
# `--user` is left to the parser: `kubectl create rolebinding --user=alice` names the binding's subject.
_CREDENTIAL_FLAGS = (KUBECTL_OVERRIDES - {"user"}) | frozenset({
    "kube-apiserver", "kube-as-group", "kube-as-user", "kube-ca-file", "kube-context",
    "kube-insecure-skip-tls-verify", "kube-tls-server-name", "kube-token",
})
# The flag naming the kube context: allowed only with the session's own context (`--context dev` typed out
# of habit when dev is the pinned context), since the executor pins exactly that one.
_SESSION_CONTEXT_FLAG = {"kubectl": "context", "helm": "kube-context"}


def evaluate(argv: Sequence[str], ctx: PolicyContext, stdin: str | None = None) -> Verdict:
    """Decide; ``stdin`` is the text a `-f -` write would read, scanned like a manifest file."""
    binary = argv[0] if isinstance(argv, Sequence) and argv and isinstance(argv[0], str) else ""
    try:
        action = _classify(argv, ctx)
        if stdin is not None and action.risk is not Risk.READ:
            action = _check_stdin(stdin, action, ctx)
        return _judge(action, ctx)
    except Refusal as refusal:
        return Verdict(Decision.DENY, refusal.risk, refusal.reason, binary, refusal.verb, ctx.namespace)
    except Exception:  # fail closed: a bug in a rule must never turn into permission
        return Verdict(Decision.DENY, Risk.FORBIDDEN, "the policy could not interpret this command, so it is denied",
                       binary, "", ctx.namespace)


def _classify(argv: Sequence[str], ctx: PolicyContext) -> Action:
    if isinstance(argv, (str, bytes)) or not isinstance(argv, Sequence):
        raise Refusal("the command must be a list of arguments, not one string")
    if not argv:
        raise Refusal("the command is empty")
    tokens = [check_token(token, i) for i, token in enumerate(argv)]
    binary, args = tokens[0], tokens[1:]
    rules = _RULES.get(binary)
    if rules is None or (binary not in _ALWAYS and binary not in ctx.extra_binaries):
        raise Refusal(_binary_reason(binary))
    for i, token in enumerate(args):
        name, eq, value = token[2:].partition("=")
        if not token.startswith("--") or name not in _CREDENTIAL_FLAGS:
            continue
        if name == _SESSION_CONTEXT_FLAG.get(binary):
            given = value if eq else (args[i + 1] if i + 1 < len(args) else None)
            if ctx.context is not None and given == ctx.context:
                continue  # names the context the session pins anyway: the executor puts the same one first
            pinned = f"this session's context is {ctx.context}" if ctx.context else "this session pins no context"
            flag = f"--{name} {given}" if given else f"--{name}"
            raise Refusal(f"{flag} would switch the cluster: {pinned}; start a session with the context you "
                          "want instead")
        raise Refusal(f"--{name} would override the cluster, credentials or identity the session pins; "
                      "it is never allowed")
    return rules(args, ctx)


def _check_stdin(stdin: str, action: Action, ctx: PolicyContext) -> Action:
    try:
        facts = read_manifest(stdin.encode("utf-8", "replace"), "on stdin")
        refuse_kinds(facts, action.refused_kinds, "on stdin")
    except Refusal as refusal:
        raise Refusal(refusal.reason, verb=action.verb) from None
    found = facts.protected_in(ctx.protected_namespaces)
    if found:
        raise Refusal(f"the manifest on stdin writes to protected namespace {found}, which is read-only",
                      risk=action.risk, verb=action.verb)
    why = facts.outage("on stdin", replica_ceiling(ctx.auto_max_replicas))
    return action.destructive(why) if why else action


def _binary_reason(binary: str) -> str:
    if "/" in binary or "\\" in binary:
        return f"{binary} is a path; only the bare names kubectl and helm may be run"
    if binary == "minikube":
        return "minikube is not enabled in this configuration (policy.allow_minikube)"
    return f"{binary} is not kubectl or helm; no other program may be run"


def _judge(action: Action, ctx: PolicyContext) -> Verdict:
    def verdict(decision: Decision, risk: Risk, reason: str) -> Verdict:
        return Verdict(decision, risk, reason, action.binary, action.verb, action.namespace)

    label = action.label
    if action.risk is Risk.READ:
        return verdict(Decision.ALLOW, Risk.READ, f"{label} is a read")
    if action.dry_run:
        return verdict(Decision.ALLOW, Risk.READ, f"{label} is a dry run, which changes nothing")
    if action.all_namespaces:
        return verdict(Decision.DENY, action.risk,
                       f"{label} with -A/--all-namespaces would change every namespace; it is denied")
    if action.protected_target:
        return verdict(Decision.DENY, action.risk,
                       f"writes in protected namespace {action.protected_target} are denied")
    if action.namespaced and action.namespace in ctx.protected_namespaces:
        return verdict(Decision.DENY, action.risk, f"writes in protected namespace {action.namespace} are denied")
    kind = "a destructive write" if action.risk is Risk.DESTRUCTIVE else "a write"
    if action.why:
        kind = f"{kind} ({action.why})"
    if ctx.tier is Tier.READ_ONLY:
        where = f"context {ctx.context} is read-only" if ctx.context else "no kube context is pinned, so it is read-only"
        return verdict(Decision.DENY, action.risk, f"{where}: {label} is {kind}")
    if ctx.tier is Tier.AUTO and action.auto_ok and action.risk is Risk.WRITE:
        return verdict(Decision.ALLOW, action.risk,
                       f"{label} is a low-risk write, approved automatically in context {ctx.context}")
    return verdict(Decision.CONFIRM, action.risk, f"{label} is {kind} and needs confirmation")
