"""Tiers per kube context, and building a session's PolicyContext from the configuration."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aiops_chat.config.model import BUILTIN_TIER_RULES
from aiops_chat.errors import ConfigError
from aiops_chat.policy.types import PolicyContext, Tier

if TYPE_CHECKING:
    from aiops_chat.config import Config

# Used when the configuration lists no tiers of its own.
BUILTIN_TIERS: tuple[tuple[str, Tier], ...] = tuple((glob, Tier(tier)) for glob, tier in BUILTIN_TIER_RULES)


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
    # Contexts named exactly (prod clusters whose names do not say so) are read-only whatever the globs say.
    named_read_only = {name.lower() for name in policy.read_only_contexts}
    workdir = Path(policy.workdir).expanduser() if policy.workdir else Path.cwd()
    return PolicyContext(
        context=context,
        namespace=namespace,
        tier=Tier.READ_ONLY if context is not None and context.lower() in named_read_only
        else tier_for_context(context, tiers, default),
        protected_namespaces=frozenset(policy.protected_namespaces),
        workdir=workdir.resolve(),
        helm_repos=frozenset(policy.helm_repos),
        extra_binaries=frozenset({"minikube"}) if policy.allow_minikube else frozenset(),
        auto_max_replicas=policy.auto_max_replicas,
    )
