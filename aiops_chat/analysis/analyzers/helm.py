"""Helm releases: the latest revision failed or is stuck pending, read from the storage objects' labels.

Helm 3 stores each revision in a Secret (or ConfigMap) labelled owner=helm, name, status, version. Only
labels are read; release payloads are never decoded (the live source does not even fetch them).
"""

from __future__ import annotations

from collections.abc import Iterator

from aiops_chat.analysis.analyzers.base import helm, make
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, Obj, labels_of, namespace_of

NAME = "HelmRelease"
KIND = "HelmRelease"


def analyze(inv: Inventory) -> Iterator[Finding]:
    latest: dict[tuple[str, str], tuple[int, Obj]] = {}
    for kind in ("Secret", "ConfigMap"):
        for obj in inv.all(kind):
            labels = labels_of(obj)
            if labels.get("owner") != "helm" or not labels.get("name"):
                continue
            try:
                version = int(labels.get("version") or 0)
            except ValueError:
                continue
            key = (namespace_of(obj), labels["name"])
            if key not in latest or version > latest[key][0]:
                latest[key] = (version, obj)
    for (ns, release), (version, obj) in sorted(latest.items()):
        status = labels_of(obj).get("status", "")
        release_obj = {"metadata": {"name": release, "namespace": ns}}
        evidence = [f"release {release} revision {version}: status {status}"]
        history = helm("history", release, namespace=ns)
        if status == "failed":
            more = [helm("rollback", release, str(version - 1), namespace=ns)] if version > 1 else []
            yield make(NAME, release_obj, KIND, Severity.CRITICAL, "ReleaseFailed",
                       f"Revision {version} of Helm release {release} failed.", evidence,
                       [history, helm("status", release, namespace=ns), *more])
        elif status.startswith("pending-") or status == "uninstalling":
            yield make(NAME, release_obj, KIND, Severity.WARNING, "ReleasePending",
                       f"Helm release {release} is stuck in {status} at revision {version}; further upgrades "
                       "fail with 'another operation is in progress'.", evidence,
                       [history, helm("status", release, namespace=ns)])
