"""The typed tools build exactly these argv (binary first), and refuse values that would become flags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aiops_chat.tools import helm_tools, kubectl_tools
from aiops_chat.tools.base import ToolArgumentError

K, H = kubectl_tools, helm_tools

CASES: list[tuple[Callable[..., list[str]], dict[str, Any], list[str]]] = [
    (K.kubectl, {"args": ["get", "pods"]}, ["kubectl", "get", "pods"]),
    (K.kubectl, {"args": ["kubectl", "get", "pods"]}, ["kubectl", "get", "pods"]),
    (H.helm, {"args": ["list", "-A"]}, ["helm", "list", "-A"]),
    (K.get, {"kind": "pods"}, ["kubectl", "get", "pods"]),
    (K.get, {"kind": "deploy", "name": "web", "output": "yaml", "namespace": "shop"},
     ["kubectl", "get", "deploy", "web", "-o", "yaml", "-n", "shop"]),
    (K.get, {"kind": "pods", "selector": "app=web", "all_namespaces": True},
     ["kubectl", "get", "pods", "-l", "app=web", "-A"]),
    (K.describe, {"kind": "pod", "name": "web-0"}, ["kubectl", "describe", "pod", "web-0"]),
    (K.logs, {"target": "web-0"}, ["kubectl", "logs", "web-0", "--tail=200"]),
    (K.logs, {"target": "deployment/web", "container": "app", "tail": 50, "previous": True},
     ["kubectl", "logs", "deployment/web", "--tail=50", "-c", "app", "--previous"]),
    (K.logs, {"target": "web-0", "tail": 100000}, ["kubectl", "logs", "web-0", "--tail=2000"]),
    (K.events, {}, ["kubectl", "get", "events", "--sort-by=.lastTimestamp"]),
    (K.events, {"name": "web-0", "namespace": "shop"},
     ["kubectl", "get", "events", "--sort-by=.lastTimestamp", "--field-selector", "involvedObject.name=web-0",
      "-n", "shop"]),
    (K.top, {}, ["kubectl", "top", "pods"]),
    (K.top, {"kind": "nodes", "namespace": "x"}, ["kubectl", "top", "nodes"]),
    (K.rollout, {"action": "status", "target": "deployment/web"},
     ["kubectl", "rollout", "status", "deployment/web", "--timeout=60s"]),
    (K.rollout, {"action": "history", "target": "deployment/web"}, ["kubectl", "rollout", "history", "deployment/web"]),
    (K.rollout, {"action": "restart", "target": "deployment/web"}, ["kubectl", "rollout", "restart", "deployment/web"]),
    (K.rollout, {"action": "undo", "target": "deployment/web", "revision": 3},
     ["kubectl", "rollout", "undo", "deployment/web", "--to-revision=3"]),
    (K.scale, {"target": "deployment/web", "replicas": 3}, ["kubectl", "scale", "deployment/web", "--replicas=3"]),
    (K.set_image, {"target": "deployment/web", "container": "app", "image": "nginx:1.27"},
     ["kubectl", "set", "image", "deployment/web", "app=nginx:1.27"]),
    (K.set_image, {"target": "deployment/web", "container": "*", "image": "nginx:1.27"},
     ["kubectl", "set", "image", "deployment/web", "*=nginx:1.27"]),
    (H.helm_release, {"action": "list", "all_namespaces": True}, ["helm", "list", "-A"]),
    (H.helm_release, {"action": "status", "release": "web"}, ["helm", "status", "web"]),
    (H.helm_release, {"action": "history", "release": "web"}, ["helm", "history", "web", "--max", "10"]),
    (H.helm_release, {"action": "rollback", "release": "web", "revision": 2}, ["helm", "rollback", "web", "2"]),
    (H.helm_release, {"action": "uninstall", "release": "web"}, ["helm", "uninstall", "web"]),
    (H.helm_install, {"action": "install", "release": "web", "chart": "./charts/web", "values": ["replicaCount=2"]},
     ["helm", "install", "web", "./charts/web", "--set", "replicaCount=2"]),
    (H.helm_install, {"action": "upgrade", "release": "web", "chart": "repo/web", "version": "1.2.3"},
     ["helm", "upgrade", "web", "repo/web", "--version", "1.2.3"]),
]


@pytest.mark.parametrize(("fn", "args", "argv"), CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_builds_argv(fn: Callable[..., list[str]], args: dict[str, Any], argv: list[str]) -> None:
    assert fn(**args) == argv


REFUSED: list[tuple[Callable[..., list[str]], dict[str, Any], str]] = [
    (K.get, {"kind": "pods", "name": "--kubeconfig=/tmp/x"}, "must not start with '-'"),
    (K.get, {"kind": "pods", "namespace": "-A"}, "must not start with '-'"),
    (K.describe, {"kind": "pod", "name": "a b"}, "one word"),
    (K.logs, {"target": "web", "tail": 0}, "tail must be at least 1"),
    (K.scale, {"target": "web", "replicas": 2}, "kind/name"),
    (K.scale, {"target": "deployment/web", "replicas": -1}, "0 or more"),
    (K.set_image, {"target": "deployment/web", "container": "app", "image": "--raw"}, "must not start"),
    (K.kubectl, {"args": []}, "at least a kubectl verb"),
    (H.helm_release, {"action": "status"}, "needs a release name"),
    (H.helm_install, {"action": "install", "release": "w", "chart": "c", "values": ["novalue"]}, "key=value"),
]


@pytest.mark.parametrize(("fn", "args", "message"), REFUSED)
def test_refuses_unusable_values(fn: Callable[..., list[str]], args: dict[str, Any], message: str) -> None:
    with pytest.raises(ToolArgumentError, match=message):
        fn(**args)
