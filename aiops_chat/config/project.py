"""What a working-directory `./aiops.toml` may change, even once the user has trusted it.

It came with the directory (often a cloned repository), so it may set the project's own things (the
workflow, the model, the namespace) but may only make the safety policy stricter than the user's own
configuration makes it. Every rule below keeps each context's tier, each protected namespace and the
audit log at least as strict as without the file; anything else is refused naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiops_chat.config.model import BUILTIN_TIER_RULES, TIER_NAMES
from aiops_chat.config.parse import Layer, default_of
from aiops_chat.errors import ConfigError

# Keys that decide which program runs, with which credentials, or where aiops writes its own files.
FORBIDDEN = {
    "kube.kubectl": "it chooses the program aiops runs",
    "kube.helm": "it chooses the program aiops runs",
    "kube.minikube": "it chooses the program aiops runs",
    "kube.kubeconfig": "it chooses the credentials (and a kubeconfig can run a credential plugin)",
    "audit.path": "it chooses where the audit log is written",
    "audit.hmac_key_file": "it chooses which file's secret signs the audit log",
    "audit.head_copy": "it chooses where aiops writes files",
    "analysis.cache_dir": "it chooses where aiops writes files",
}


class Refused(Exception):
    """A project value that would loosen the policy; the message says how."""


def _stricter_tier(base: str, new: str) -> str:
    if TIER_NAMES.index(new) > TIER_NAMES.index(base):
        raise Refused(f"{new!r} is looser than {base!r}")
    return new


def _read_only_rules_first(base: tuple[tuple[str, str], ...], new: tuple[tuple[str, str], ...]) -> Any:
    for i, (glob, tier) in enumerate(new):
        if tier != "read-only":
            raise Refused(f"rule [{i}] {{context = {glob!r}, tier = {tier!r}}} is not read-only; only read-only "
                          "rules can be added")
    # Put first, so they win; the user's rules (or the built-in ones, which an empty list means) follow.
    return new + (base or BUILTIN_TIER_RULES)


def _union(base: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    return base + tuple(item for item in new if item not in base)


def _subset(base: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    extra = [item for item in new if item not in base]
    if extra:
        raise Refused(f"it adds {', '.join(extra)}, which your configuration does not allow")
    return new


def _inside_workdir(base: str, new: str) -> str:
    base_dir = (Path(base).expanduser() if base else Path.cwd()).resolve()
    new_dir = Path(new).expanduser().resolve() if new else Path.cwd().resolve()
    if new_dir != base_dir and base_dir not in new_dir.parents:
        raise Refused(f"{str(new_dir)!r} is not inside the working directory {str(base_dir)!r}")
    return str(new_dir)


def _only_false(base: bool, new: bool) -> bool:
    if new and not base:
        raise Refused("it turns on what your configuration turns off")
    return new


def _only_true(base: bool, new: bool) -> bool:
    if base and not new:
        raise Refused("it turns off what your configuration turns on")
    return new


def _not_more(base: int, new: int) -> int:
    if new > base:
        raise Refused(f"{new} is more than {base}")
    return new


# key -> how the project's value combines with the value so far (or why it is refused).
TIGHTEN: dict[str, Callable[[Any, Any], Any]] = {
    "policy.default_tier": _stricter_tier,
    "policy.tiers": _read_only_rules_first,
    "policy.read_only_contexts": _union,
    "policy.protected_namespaces": _union,
    "policy.helm_repos": _subset,
    "policy.workdir": _inside_workdir,
    "policy.allow_minikube": _only_false,
    "policy.auto_max_replicas": _not_more,
    "audit.enabled": _only_true,
    "llm.enabled": _only_false,  # turning the model off keeps cluster data on this machine
    "redaction.extra_patterns": _union,
}
# How the merged value is described in `aiops config show`.
MERGED = {"policy.tiers", "policy.read_only_contexts", "policy.protected_namespaces", "redaction.extra_patterns"}


def apply_project(layer: Layer, values: dict[str, Any], origins: dict[str, str], *, user_file: str) -> None:
    """Merge a working-directory file into the values so far, in place; refuse what would loosen them."""
    fix = (f"a working-directory file may only tighten the policy; if you mean it, put the key in {user_file} "
           f"or name the file with --config")
    for key, value in layer.values.items():
        if key in FORBIDDEN:
            raise ConfigError(f"{layer.source}: key '{key}' cannot be set in a working-directory file: "
                              f"{FORBIDDEN[key]}; {fix}")
        combine = TIGHTEN.get(key)
        if combine is None:
            values[key] = value
            origins[key] = layer.source
            continue
        base = values.get(key, default_of(key))
        try:
            values[key] = combine(base, value)
        except Refused as why:
            raise ConfigError(f"{layer.source}: key '{key}' would loosen the policy ({why}); {fix}") from None
        before = origins.get(key, "default")
        origins[key] = f"{before} + {layer.source}" if key in MERGED else layer.source
