"""What a rule found a command to be, before the session's tier and protected namespaces are applied."""

from __future__ import annotations

from dataclasses import dataclass, replace

from aiops_chat.policy.grammar import Parsed
from aiops_chat.policy.manifest_scan import RefusedKinds
from aiops_chat.policy.refusal import Refusal
from aiops_chat.policy.tokens import is_dns_label
from aiops_chat.policy.types import PolicyContext, Risk


@dataclass(frozen=True)
class Action:
    binary: str
    verb: str
    risk: Risk                       # READ, WRITE or DESTRUCTIVE; FORBIDDEN things are refused instead
    namespace: str | None            # the effective namespace (argv's -n, else the session's)
    namespaced: bool = True          # False for cluster-scoped targets (nodes): the protected-namespace rule skips it
    dry_run: bool = False            # a write that only simulates: judged as a read
    all_namespaces: bool = False     # -A on a write touches every namespace, protected ones included
    auto_ok: bool = False            # a low-risk write the AUTO tier may approve alone
    protected_target: str | None = None  # a protected namespace named elsewhere (a manifest, a Namespace object)
    refused_kinds: RefusedKinds = ()     # kinds a `-f -` manifest on stdin may not hold (delete: namespaces ...)
    why: str = ""                        # what makes a write destructive (or worth a closer look), for the reason

    def destructive(self, why: str) -> Action:
        """The same action judged destructive: a person types its name, `--yes` and the auto tier never run it."""
        risk = Risk.DESTRUCTIVE if self.risk is not Risk.READ else self.risk
        return replace(self, risk=risk, why="; ".join(w for w in (self.why, why) if w))

    @property
    def label(self) -> str:
        return f"{self.binary} {self.verb}"


def effective_namespace(parsed: Parsed, ctx: PolicyContext, flag: str = "namespace") -> str | None:
    """argv's namespace if given (it must be one unambiguous, valid name), else the session's."""
    given = {v for n, v in parsed.flags if n == flag}
    if not given:
        return ctx.namespace
    if len(given) > 1:
        raise Refusal("the namespace is given more than once with different values, which is ambiguous")
    (name,) = given
    if name is None or not is_dns_label(name):
        raise Refusal(f"{name!r} is not a valid namespace name")
    return name
