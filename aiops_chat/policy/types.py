"""The vocabulary of the policy: decisions, risks, tiers, the session it judges in, and its verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Decision(StrEnum):
    ALLOW = "allow"
    CONFIRM = "confirm"
    DENY = "deny"


class Risk(StrEnum):
    READ = "read"
    WRITE = "write"
    DESTRUCTIVE = "destructive"
    FORBIDDEN = "forbidden"


class Tier(StrEnum):
    """How much a kube context lets writes through: none, with a person's approval, or low-risk ones alone."""

    READ_ONLY = "read-only"
    CONFIRM = "confirm"
    AUTO = "auto"


DEFAULT_PROTECTED_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})


@dataclass(frozen=True)
class PolicyContext:
    """The session a command is judged in. Built once per session by ``policy_context_for``."""

    context: str | None
    namespace: str | None
    tier: Tier
    protected_namespaces: frozenset[str]
    workdir: Path
    helm_repos: frozenset[str] = frozenset()
    extra_binaries: frozenset[str] = field(default_factory=lambda: frozenset({"minikube"}))
    auto_max_replicas: int = 10  # the AUTO tier approves `scale` alone only up to this many replicas


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    risk: Risk
    reason: str
    binary: str
    verb: str
    namespace: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "risk": self.risk.value,
            "reason": self.reason,
            "binary": self.binary,
            "verb": self.verb,
            "namespace": self.namespace,
        }
