"""The command policy: argv + session -> allow / confirm / deny, with a risk and a reason a person reads.

A pure function (it only looks at local files a command would read). Modules: ``types`` (the vocabulary),
``tokens`` (per-token checks), ``grammar`` (cobra/pflag parsing), ``paths`` (working-directory files),
``manifest_scan`` (what -f manifests and stdin hold),
``kubectl_*``, ``helm_*``, ``minikube_rules`` (per-binary rules), ``tiers`` (tiers and the session
context), ``engine`` (evaluate).
"""

from aiops_chat.policy.engine import evaluate
from aiops_chat.policy.tiers import BUILTIN_TIERS, policy_context_for, tier_for_context
from aiops_chat.policy.types import (
    DEFAULT_PROTECTED_NAMESPACES,
    Decision,
    PolicyContext,
    Risk,
    Tier,
    Verdict,
)

__all__ = [
    "BUILTIN_TIERS",
    "DEFAULT_PROTECTED_NAMESPACES",
    "Decision",
    "PolicyContext",
    "Risk",
    "Tier",
    "Verdict",
    "evaluate",
    "policy_context_for",
    "tier_for_context",
]
