"""helm tools: the generic one and typed ones for releases. Each returns an argv."""

from __future__ import annotations

from typing import Literal

from aiops_chat.tools.base import ToolArgumentError, namespace_flags, plain


def helm(args: list[str]) -> list[str]:
    """Run helm for anything the other tools lack.

    Args:
        args: argv after `helm`, e.g. ["get","values","web"]
    """
    argv = list(args)
    if argv[:1] == ["helm"]:
        argv = argv[1:]
    if not argv:
        raise ToolArgumentError("args must hold at least a helm command, e.g. [\"list\"]")
    return ["helm", *argv]


def helm_release(action: Literal["list", "status", "history", "rollback", "uninstall"], release: str = "",
                 revision: int = 0, namespace: str = "", all_namespaces: bool = False) -> list[str]:
    """List releases, or show, roll back or uninstall one.

    Args:
        revision: for rollback; 0 means the previous one
    """
    if action == "list":
        return ["helm", "list", *namespace_flags(namespace, all_namespaces)]
    if not release:
        raise ToolArgumentError(f"helm {action} needs a release name")
    argv = ["helm", action, plain(release, "release")]
    if action == "history":
        argv += ["--max", "10"]
    if action == "rollback" and revision:
        argv.append(str(revision))
    return argv + namespace_flags(namespace)


def helm_install(action: Literal["install", "upgrade"], release: str, chart: str, version: str = "",
                 values: list[str] | None = None, namespace: str = "") -> list[str]:
    """Install or upgrade a release.

    Args:
        chart: a path or repo/chart
        values: --set pairs, e.g. ["replicaCount=2"]
    """
    argv = ["helm", action, plain(release, "release"), plain(chart, "chart")]
    if version:
        argv += ["--version", plain(version, "version")]
    for pair in values or ():
        if "=" not in pair:
            raise ToolArgumentError(f"values must be key=value pairs (got {pair!r})")
        argv += ["--set", plain(pair, "value")]
    return argv + namespace_flags(namespace)
