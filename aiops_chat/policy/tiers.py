"""Tiers per kube context, and building a session's PolicyContext from the configuration."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aiops_chat.errors import ConfigError
from aiops_chat.policy.types import PolicyContext, Tier

if TYPE_CHECKING:
    from aiops_chat.config import Config

# Used when the configuration lists no tiers of its own.
BUILTIN_TIERS: tuple[tuple[str, Tier], ...] = (("*prod*", Tier.READ_ONLY), ("*production*", Tier.READ_ONLY))


def tier_for_context(context: str | None, tiers: Sequence[tuple[str, Tier]], default: Tier) -> Tier:
    """The first glob (fnmatch, case-insensitive) matching the context wins; else ``default``.

    No context at all means kubectl would pick whatever its current context is, which may be production:
    that is read-only.
    """
    if context is None:
        return Tier.READ_ONLY
    name = context.lower()
    for glob, tier in tiers or BUILTIN_TIERS:
        if fnmatch.fnmatchcase(name, glob.lower()):
            return tier
    return default


def parse_tier(value: str, where: str) -> Tier:
    try:
        return Tier(value.strip().lower())
    except ValueError:
        choices = ", ".join(t.value for t in Tier)
        raise ConfigError(f"{where}: unknown tier {value!r}; expected one of {choices}") from None


def policy_context_for(cfg: Config, context: str | None, namespace: str | None) -> PolicyContext:
    policy = cfg.policy
    tiers = tuple((glob, parse_tier(name, f"policy.tiers[{glob!r}]")) for glob, name in policy.tiers)
    default = parse_tier(policy.default_tier, "policy.default_tier")
    workdir = Path(policy.workdir).expanduser() if policy.workdir else Path.cwd()
    return PolicyContext(
        context=context,
        namespace=namespace,
        tier=tier_for_context(context, tiers, default),
        protected_namespaces=frozenset(policy.protected_namespaces),
        workdir=workdir.resolve(),
        helm_repos=frozenset(policy.helm_repos),
        extra_binaries=frozenset({"minikube"}) if policy.allow_minikube else frozenset(),
        auto_max_replicas=policy.auto_max_replicas,
    )
