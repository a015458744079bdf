"""Which cluster `aiops eval` may use: it creates namespaces, applies manifests and lets a model write there.

A context whose tier is read-only is refused outright (the policy would refuse the set-up anyway, and
read-only is how a user marks production). Any other context must look like a throwaway cluster: its name
is one local tools give (kind-*, minikube, k3d-*, docker-desktop, ...) or says dev/test/sandbox, or its API
server is on this machine. Anything else needs `--i-know-this-is-a-test-cluster`.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiops_chat.errors import PolicyError, UsageError
from aiops_chat.kubeconfig import load_view
from aiops_chat.policy import Tier
from aiops_chat.policy.tiers import policy_context_for

if TYPE_CHECKING:
    from aiops_chat.config import Config

DEV_CONTEXTS = ("kind-*", "minikube", "minikube-*", "k3d-*", "docker-desktop", "docker-for-desktop",
                "rancher-desktop", "colima*", "orbstack", "microk8s", "*dev*", "*test*", "*sandbox*", "*local*")
FLAG = "--i-know-this-is-a-test-cluster"


def eval_context(cfg: Config, context: str | None, *, forced: bool) -> str:
    """The context to evaluate on, or a refusal saying why and what to do."""
    view = load_view(cfg.kubeconfig, cfg.runtime.home)
    name = context or cfg.kube.context or view.current
    if not name:
        raise UsageError("no kube context: pass --context NAME (aiops eval never guesses which cluster to use)")
    if view.contexts and view.get(name) is None:
        raise UsageError(f"no context {name!r} in the kubeconfig")
    tier = policy_context_for(cfg, name, None).tier
    if tier is Tier.READ_ONLY:
        raise PolicyError(f"context {name!r} is read-only in the policy: aiops eval creates namespaces and lets the "
                          "model write, so it never runs there (not even with " + FLAG + ")",
                          hint="use a kind or minikube cluster")
    if not forced and not looks_like_dev(cfg, name):
        raise PolicyError(f"context {name!r} does not look like a throwaway cluster (by name or a local API "
                          "server): aiops eval creates and deletes namespaces there",
                          hint=f"use a kind/minikube cluster, or pass {FLAG} if it is one")
    return name


def looks_like_dev(cfg: Config, name: str) -> bool:
    if any(fnmatch.fnmatchcase(name.lower(), g) for g in DEV_CONTEXTS):
        return True
    view = load_view(cfg.kubeconfig, cfg.runtime.home)
    ctx = view.get(name)
    cluster = view.cluster(ctx.cluster) if ctx else None
    host = urlsplit(cluster.server).hostname if cluster else None
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
