"""Kubeconfig files for tests that need one but no cluster: every server is a closed loopback port."""

from __future__ import annotations

import json
from pathlib import Path

UNREACHABLE = "https://127.0.0.1:9"  # nothing listens on the discard port: connection refused


def kubeconfig_text(*contexts: str, server: str = UNREACHABLE, namespace: str | None = None,
                    token: str = "not-a-real-token") -> str:
    """A kubeconfig (as JSON, which is YAML) with one cluster and user; the first context is the current one."""
    ctx: dict[str, str] = {"cluster": "c", "user": "u", **({"namespace": namespace} if namespace else {})}
    doc = {
        "apiVersion": "v1", "kind": "Config", "current-context": contexts[0],
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": token}}],
        "contexts": [{"name": name, "context": ctx if i == 0 else {"cluster": "c", "user": "u"}}
                     for i, name in enumerate(contexts)],
    }
    return json.dumps(doc, indent=1)


def write_kubeconfig(path: Path, *contexts: str, **how: str) -> Path:
    path.write_text(kubeconfig_text(*contexts, **how))
    return path
