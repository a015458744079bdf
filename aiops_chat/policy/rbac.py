"""RBAC grants the policy never lets a command create: cluster-admin by any name, and bindings to everyone.

A name check alone ("cluster-admin") is not enough: a Role or ClusterRole granting every verb on every
resource, or the verbs that lift RBAC's own guard rails (escalate, bind, impersonate), is as powerful
under any other name. So roles are judged by their rules, in manifests and in `kubectl create role`,
and bindings by the role they name and the subjects they grant it to.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiops_chat.policy.refusal import Refusal

# escalate/bind let a holder grant rights it does not have; impersonate lets it act as anyone (system:masters).
ESCALATING_VERBS = frozenset({"escalate", "bind", "impersonate"})
# Granted in every namespace, kube-system included, by a ClusterRoleBinding: Secrets of every service account.
_CLUSTER_WIDE_ONLY_IN_A_NAMESPACE = frozenset({"admin", "edit"})
# Subjects that are every client of the API server: a binding to them grants the role to anyone.
_EVERYONE = frozenset({"system:anonymous", "system:unauthenticated", "system:authenticated"})
PRIVILEGED_ROLES = frozenset({"cluster-admin"})


def _split(values: Iterable[str]) -> set[str]:
    """Flag values are string slices (pflag splits on commas); compared lower-cased to fail closed."""
    return {part.strip().lower() for value in values for part in value.split(",")}


def _wildcard(resource: str) -> bool:
    """`*`, `*/scale`, and kubectl's `*.group` form all mean every resource (of a group)."""
    return resource.partition("/")[0].partition(".")[0] == "*"


def admin_like_rule(verbs: Iterable[str], resources: Iterable[str], groups: Iterable[str] | None) -> str | None:
    """Why one rule makes a role as dangerous as cluster-admin, or None. ``groups`` None: not given (core)."""
    verb_set, resource_set = _split(verbs), _split(resources)
    group_set = _split(groups) if groups is not None else {""}
    escalating = sorted(verb_set & ESCALATING_VERBS)
    if escalating:
        return f"the verb {escalating[0]} lets its holder grant or assume rights it does not have"
    every_resource = any(_wildcard(r) for r in resource_set)
    if "*" in verb_set and every_resource:
        return "every verb on every resource is cluster-admin under another name"
    if every_resource and verb_set and group_set & {"", "*"}:
        # Every core resource includes Secrets (tokens) and pods (run as any service account), whatever the verbs.
        return "a rule on every core resource reaches Secrets and pods, and so every service account's rights"
    return None


def check_role_rules(rules: list[tuple[list[str], list[str], list[str] | None]], where: str) -> None:
    """``rules``: (verbs, resources, apiGroups or None) per rule of a Role or ClusterRole."""
    for verbs, resources, groups in rules:
        why = admin_like_rule(verbs, resources, groups)
        if why:
            raise Refusal(f"{where} grants an administrator-like role: {why}; it is never allowed")


def check_binding(role: str, *, cluster_wide: bool, subjects: Iterable[str], where: str) -> None:
    """A binding's roleRef name and its subjects' names (users, groups, service accounts)."""
    low = role.lower()
    if low in PRIVILEGED_ROLES or low.startswith("system:"):
        raise Refusal(f"{where} binds {role}, which grants administrator or system rights; it is never allowed")
    if cluster_wide and low in _CLUSTER_WIDE_ONLY_IN_A_NAMESPACE:
        raise Refusal(f"{where} binds {role} cluster-wide, which grants it in every namespace, kube-system "
                      "included; bind it in one namespace with a RoleBinding instead")
    everyone = sorted(_split(subjects) & _EVERYONE)
    if everyone:
        raise Refusal(f"{where} grants {role} to {everyone[0]}, which is every client of the cluster; "
                      "it is never allowed")
