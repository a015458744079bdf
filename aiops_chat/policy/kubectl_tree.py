"""kubectl's command tree as far as the policy understands it, with the commands that are never allowed."""

from __future__ import annotations

from collections.abc import Sequence

from aiops_chat import kinds
from aiops_chat.policy.grammar import Command, FlagTable, tree
from aiops_chat.policy.kubectl_flags import KUBECTL_FLAGS

GLOBAL_FLAGS = FlagTable.parse(KUBECTL_FLAGS[""] + " h|help")

DENIED_VERBS: dict[str, str] = {
    "exec": "kubectl exec opens a shell or runs commands in a container; it is never allowed",
    "attach": "kubectl attach connects to a running container's terminal; it is never allowed",
    "cp": "kubectl cp copies files into or out of a container; it is never allowed",
    "port-forward": "kubectl port-forward opens a network tunnel into the cluster; it is never allowed",
    "proxy": "kubectl proxy opens a local gateway to the API server; it is never allowed",
    "edit": "kubectl edit opens an interactive editor; use patch or apply instead",
    "debug": "kubectl debug starts debugging containers with extra privileges; it is never allowed",
    "config": "kubectl config reads or changes kubeconfig and its credentials; it is never allowed",
    "plugin": "kubectl plugin lists or runs local plugins; it is never allowed",
    "certificate": "kubectl certificate approves or denies certificate requests, which mints credentials; it is never allowed",
    "kustomize": "kubectl kustomize can fetch remote bases the policy cannot check; it is not allowed",
    "alpha": "kubectl alpha commands are experimental; they are not allowed",
    "completion": "kubectl completion sets up a shell, it does nothing in the cluster; it is not allowed",
    "options": "kubectl options only prints help; ask with --help instead",
    "help": "kubectl help only prints help; ask with --help instead",
}

_SUBCOMMAND_DENIALS: dict[str, str] = {
    "create token": "kubectl create token mints a service account token, a credential; it is never allowed",
    "auth reconcile": "kubectl auth reconcile rewrites RBAC rules from files; it is not allowed",
    "cluster-info dump": "kubectl cluster-info dump copies the whole cluster state and logs; ask for specific objects instead",
    "apply edit-last-applied": "kubectl apply edit-last-applied opens an interactive editor; it is not allowed",
    "apply set-last-applied": "kubectl apply set-last-applied rewrites the last-applied annotation; it is not allowed",
    "apply view-last-applied": "kubectl apply view-last-applied prints stored manifests, Secret values included; it is not allowed",
    "set env": "kubectl set env can copy Secret values into containers; it is not allowed",
    "set selector": "kubectl set selector rewires which pods a resource selects; it is not allowed",
    "set serviceaccount": "kubectl set serviceaccount changes the identity pods run as; it is not allowed",
    "set subject": "kubectl set subject changes who a role binding grants rights to; it is not allowed",
}


def _cmd(path: str, *children: tuple[Sequence[str], Command]) -> Command:
    return Command(path, FlagTable.parse(KUBECTL_FLAGS.get(path, "")), tree(*children))


def _leaf(path: str, *aliases: str) -> tuple[Sequence[str], Command]:
    return (path.rsplit(" ", 1)[-1], *aliases), _cmd(path)


def _denied(path: str) -> tuple[Sequence[str], Command]:
    word = path.rsplit(" ", 1)[-1]
    reason = DENIED_VERBS.get(path) or _SUBCOMMAND_DENIALS[path]
    return (word,), Command(path, denied=reason)


# `kubectl create <kind>` subcommands, named by the kind's singular with its short names as aliases
# (`create quota` is the one spelled the other way round).
_CREATE_KINDS = {
    **{k.singular: k.short for k in map(kinds.by_kind, (
        "Namespace", "ConfigMap", "Deployment", "Job", "CronJob", "ServiceAccount", "Role", "ClusterRole",
        "RoleBinding", "ClusterRoleBinding", "PriorityClass", "PodDisruptionBudget", "Ingress"))},
    "quota": ("resourcequota",),
}
_POD, _NODE, _SERVICE = kinds.by_kind("Pod"), kinds.by_kind("Node"), kinds.by_kind("Service")

ROOT = Command("", children=tree(
    *(_leaf(v) for v in ("get", "describe", "logs", "events", "explain", "api-resources", "api-versions", "version",
                         "diff", "wait", "scale", "label", "annotate", "patch", "autoscale", "cordon", "uncordon",
                         "drain", "taint", "delete", "replace", "expose", "run")),
    (("top",), _cmd("top", _leaf("top pod", _POD.plural, *_POD.short),
                      _leaf("top node", _NODE.plural, *_NODE.short))),
    (("cluster-info",), _cmd("cluster-info", _denied("cluster-info dump"))),
    (("rollout",), _cmd("rollout", *(_leaf(f"rollout {s}") for s in
                                     ("status", "history", "restart", "undo", "pause", "resume")))),
    (("auth",), _cmd("auth", _leaf("auth can-i"), _leaf("auth whoami"), _denied("auth reconcile"))),
    (("set",), _cmd("set", _leaf("set image"), _leaf("set resources"), _denied("set env"), _denied("set selector"),
                    _denied("set serviceaccount"), _denied("set subject"))),
    (("apply",), _cmd("apply", _denied("apply edit-last-applied"), _denied("apply set-last-applied"),
                      _denied("apply view-last-applied"))),
    (("create",), _cmd(
        "create",
        *(_leaf(f"create {k}", *aliases) for k, aliases in _CREATE_KINDS.items()),
        (("secret",), _cmd("create secret", *(_leaf(f"create secret {k}") for k in ("generic", "tls", "docker-registry")))),
        ((_SERVICE.singular, *_SERVICE.short), _cmd("create service", *(_leaf(f"create service {k}") for k in
                                                      ("clusterip", "nodeport", "loadbalancer", "externalname")))),
        _denied("create token"),
    )),
    *(_denied(v) for v in DENIED_VERBS),
))
