"""Reading kubeconfig files for context names and default namespaces, without the kubernetes SDK.

The executor pins the context it resolved here, so a `kubectl config use-context` in another terminal
cannot retarget a running session.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiops_chat.errors import ConfigError


@dataclass(frozen=True)
class KubeContext:
    name: str
    cluster: str
    user: str
    namespace: str | None


@dataclass(frozen=True)
class KubeCluster:
    name: str
    server: str
    insecure: bool  # insecure-skip-tls-verify: the server's certificate is not checked


@dataclass(frozen=True)
class KubeconfigView:
    files: tuple[Path, ...]
    current: str | None
    contexts: tuple[KubeContext, ...]
    clusters: tuple[KubeCluster, ...] = ()
    users: tuple[str, ...] = ()

    def get(self, name: str) -> KubeContext | None:
        return next((c for c in self.contexts if c.name == name), None)

    def cluster(self, name: str) -> KubeCluster | None:
        return next((c for c in self.clusters if c.name == name), None)


def kubeconfig_paths(kubeconfig: str) -> tuple[str, ...]:
    """The files of a KUBECONFIG-style list, split the way kubectl splits it (os.pathsep), in order.
    The one place aiops splits such a list."""
    return tuple(p for p in kubeconfig.split(os.pathsep) if p)


def kubeconfig_files(kubeconfig: str, home: str) -> tuple[Path, ...]:
    """KUBECONFIG may list several files; kubectl merges them, first one wins per key."""
    if kubeconfig:
        return tuple(Path(p).expanduser() for p in kubeconfig_paths(kubeconfig))
    return (Path(home or "~").expanduser() / ".kube" / "config",)


def load_view(kubeconfig: str, home: str) -> KubeconfigView:
    import yaml

    files = kubeconfig_files(kubeconfig, home)
    current: str | None = None
    seen: dict[str, KubeContext] = {}
    clusters: dict[str, KubeCluster] = {}
    users: dict[str, None] = {}
    for path in files:
        if not path.is_file():
            continue
        try:
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read kubeconfig: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: kubeconfig is not a mapping")
        current = current or data.get("current-context") or None
        for item in data.get("contexts") or []:
            if not isinstance(item, dict) or not item.get("name") or item["name"] in seen:
                continue
            ctx = item.get("context") or {}
            seen[item["name"]] = KubeContext(
                name=str(item["name"]),
                cluster=str(ctx.get("cluster", "")),
                user=str(ctx.get("user", "")),
                namespace=ctx.get("namespace") or None,
            )
        for item in data.get("clusters") or []:
            if isinstance(item, dict) and item.get("name") and str(item["name"]) not in clusters:
                spec: dict[str, Any] = item["cluster"] if isinstance(item.get("cluster"), dict) else {}
                clusters[str(item["name"])] = KubeCluster(str(item["name"]), str(spec.get("server") or ""),
                                                          spec.get("insecure-skip-tls-verify") is True)
        for item in data.get("users") or []:
            if isinstance(item, dict) and item.get("name"):
                users.setdefault(str(item["name"]), None)
    return KubeconfigView(files=files, current=current, contexts=tuple(seen.values()),
                          clusters=tuple(clusters.values()), users=tuple(users))
