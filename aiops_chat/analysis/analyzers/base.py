"""What every analyzer shares: its signature and small helpers for evidence and suggested commands."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, event_time, name_of, namespace_of

# An analyzer is a pure function from the inventory to findings; it never does I/O.
Analyzer = Callable[[Inventory], Iterable[Finding]]

# Plural resource names kubectl accepts, for suggested commands.
RESOURCE = {
    "Pod": "pod", "Deployment": "deployment", "ReplicaSet": "replicaset", "StatefulSet": "statefulset",
    "DaemonSet": "daemonset", "Job": "job", "CronJob": "cronjob", "Service": "service",
    "Endpoints": "endpoints", "Ingress": "ingress", "PersistentVolumeClaim": "pvc",
    "PersistentVolume": "pv", "StorageClass": "storageclass", "Node": "node",
    "HorizontalPodAutoscaler": "hpa", "PodDisruptionBudget": "pdb", "NetworkPolicy": "networkpolicy",
    "ValidatingWebhookConfiguration": "validatingwebhookconfiguration",
    "MutatingWebhookConfiguration": "mutatingwebhookconfiguration", "ConfigMap": "configmap",
    "Secret": "secret", "IngressClass": "ingressclass", "ResourceQuota": "resourcequota",
}


def command(binary: str, *args: str, namespace: str | None = None) -> str:
    """A command line as one string, quoted so it can be pasted after `aiops run --`."""
    argv = [binary, *args]
    if namespace:
        argv += ["-n", namespace]
    return shlex.join(argv)


def kubectl(*args: str, namespace: str | None = None) -> str:
    return command("kubectl", *args, namespace=namespace)


def helm(*args: str, namespace: str | None = None) -> str:
    return command("helm", *args, namespace=namespace)


def describe(kind: str, name: str, namespace: str | None) -> str:
    return kubectl("describe", RESOURCE.get(kind, kind.lower()), name, namespace=namespace)


def events_cmd(kind: str, name: str, namespace: str | None) -> str:
    return kubectl("get", "events", "--field-selector",
                   f"involvedObject.kind={kind},involvedObject.name={name}", namespace=namespace)


def event_line(ev: Mapping[str, Any]) -> str:
    count = ev.get("count") or (ev.get("series") or {}).get("count") or 1
    times = f" (x{count})" if isinstance(count, int) and count > 1 else ""
    message = " ".join(str(ev.get("message") or ev.get("note") or "").split())
    return f"event {ev.get('type', 'Normal')} {ev.get('reason', '')}{times}: {message}"


def latest_events(events: Sequence[Mapping[str, Any]], limit: int = 3) -> list[str]:
    """The newest few events as evidence lines, newest last, one line per distinct reason+message."""
    seen: dict[tuple[str, str], Mapping[str, Any]] = {}
    for ev in sorted(events, key=event_time):
        seen[(str(ev.get("reason")), str(ev.get("message")))] = ev
    return [event_line(ev) for ev in list(seen.values())[-limit:]]


def make(
    analyzer: str,
    obj: Mapping[str, Any],
    kind: str,
    severity: Severity,
    reason: str,
    message: str,
    evidence: Iterable[str] = (),
    suggestions: Iterable[str] = (),
    parent: str | None = None,
) -> Finding:
    ns = namespace_of(obj) or None
    return Finding(
        kind=kind, namespace=ns, name=name_of(obj), analyzer=analyzer, severity=severity, reason=reason,
        message=message, evidence=tuple(evidence), suggestions=tuple(dict.fromkeys(suggestions)), parent=parent,
    )


def first_sentence(text: str, limit: int = 240) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reference_missing(inv: Inventory, kind: str, namespace: str | None, name: str) -> bool | None:
    """Whether a named object is missing: True (the source listed `kind` and holds no such object), False
    (it exists), None (the source holds no `kind` at all, so absence proves nothing).

    This is the one rule for references across analyzers; docs/analyzers.md ("Snapshot semantics") states it.
    """
    if not inv.has(kind):
        return None
    return inv.get(kind, namespace, name) is None


def unverified(analyzer: str, obj: Mapping[str, Any], kind: str, ref_kind: str, ref_name: str, where: str,
               parent: str | None = None, ref_namespace: str | None = None) -> Finding:
    """An info finding for a reference that cannot be checked because the source holds no `ref_kind`.

    The referenced object lives in `ref_namespace`, or in the referring object's namespace."""
    ns = None if ref_kind in _CLUSTER_SCOPED else (ref_namespace or namespace_of(obj) or None)
    return make(analyzer, obj, kind, Severity.INFO, "UnverifiedReference",
                f"{where} names {ref_kind} {ref_name}, which cannot be checked: the source holds no {ref_kind} "
                "objects (a partial snapshot, or a kind it could not list).",
                [f"{where}: {ref_kind}/{ref_name}", f"{ref_kind}: not in the source"],
                [kubectl("get", RESOURCE.get(ref_kind, ref_kind.lower()), ref_name, namespace=ns)],
                parent)


_CLUSTER_SCOPED = frozenset({"Node", "PersistentVolume", "StorageClass", "IngressClass",
                             "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"})
