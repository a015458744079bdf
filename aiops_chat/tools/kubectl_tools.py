"""kubectl tools: the generic one and typed ones for the common operations. Each returns an argv.

Descriptions are short on purpose (they are sent on every call); parameters shared by many tools
(`namespace`) carry no description, the name says it. `target` is always `kind/name`.
"""

from __future__ import annotations

from typing import Literal

from aiops_chat.tools.base import ToolArgumentError, namespace_flags, plain


def kubectl(args: list[str]) -> list[str]:
    """Run kubectl for anything the other tools lack.

    Args:
        args: argv after `kubectl`, e.g. ["get","ingress","-o","wide"]
    """
    argv = list(args)
    if argv[:1] == ["kubectl"]:  # models often repeat the binary; harmless to drop
        argv = argv[1:]
    if not argv:
        raise ToolArgumentError("args must hold at least a kubectl verb, e.g. [\"get\", \"pods\"]")
    return ["kubectl", *argv]


def get(kind: str, name: str = "", namespace: str = "", all_namespaces: bool = False, selector: str = "",
        output: Literal["wide", "yaml", "json"] | None = None) -> list[str]:
    """List or show objects.

    Args:
        kind: e.g. pods, deploy, svc, or pods,svc
        selector: label selector, e.g. app=web
    """
    argv = ["kubectl", "get", plain(kind, "kind")]
    if name:
        argv.append(plain(name, "name"))
    if selector:
        argv += ["-l", plain(selector, "selector")]
    if output:
        argv += ["-o", output]
    return argv + namespace_flags(namespace, all_namespaces)


def describe(kind: str, name: str, namespace: str = "") -> list[str]:
    """Describe one object, with its events."""
    return ["kubectl", "describe", plain(kind, "kind"), plain(name, "name"), *namespace_flags(namespace)]


def logs(target: str, container: str = "", tail: int = 200, previous: bool = False, namespace: str = "") -> list[str]:
    """Container logs.

    Args:
        target: pod name or deployment/name
        previous: the crashed previous container
    """
    if tail < 1:
        raise ToolArgumentError("tail must be at least 1")
    argv = ["kubectl", "logs", plain(target, "target"), f"--tail={min(tail, 2000)}"]
    if container:
        argv += ["-c", plain(container, "container")]
    if previous:
        argv.append("--previous")
    return argv + namespace_flags(namespace)


def events(name: str = "", namespace: str = "", all_namespaces: bool = False) -> list[str]:
    """Recent events, oldest first.

    Args:
        name: only events about this object
    """
    argv = ["kubectl", "get", "events", "--sort-by=.lastTimestamp"]
    if name:
        argv += ["--field-selector", f"involvedObject.name={plain(name, 'name')}"]
    return argv + namespace_flags(namespace, all_namespaces)


def top(kind: Literal["pods", "nodes"] = "pods", namespace: str = "") -> list[str]:
    """CPU and memory use (needs metrics-server)."""
    return ["kubectl", "top", kind, *([] if kind == "nodes" else namespace_flags(namespace))]


def rollout(action: Literal["status", "history", "restart", "undo"], target: str, revision: int = 0,
            namespace: str = "") -> list[str]:
    """Rollout status, history, restart or undo.

    Args:
        target: e.g. deployment/web
        revision: for undo; 0 means the previous one
    """
    argv = ["kubectl", "rollout", action, _target(target)]
    if action == "status":
        argv.append("--timeout=60s")
    if action == "undo" and revision:
        argv.append(f"--to-revision={revision}")
    return argv + namespace_flags(namespace)


def scale(target: str, replicas: int, namespace: str = "") -> list[str]:
    """Set a workload's replica count.

    Args:
        target: e.g. deployment/web
    """
    if replicas < 0:
        raise ToolArgumentError("replicas must be 0 or more")
    return ["kubectl", "scale", _target(target), f"--replicas={replicas}", *namespace_flags(namespace)]


def set_image(target: str, container: str, image: str, namespace: str = "") -> list[str]:
    """Change a container image.

    Args:
        target: e.g. deployment/web
        container: container name, or * for all
    """
    name = container.strip()
    if name != "*":
        name = plain(name, "container")
    return ["kubectl", "set", "image", _target(target), f"{name}={plain(image, 'image')}", *namespace_flags(namespace)]


def _target(target: str) -> str:
    value = plain(target, "target")
    kind, sep, name = value.partition("/")
    if not sep or not kind or not name:
        raise ToolArgumentError(f"target must be kind/name, e.g. deployment/web (got {target!r})")
    return value
