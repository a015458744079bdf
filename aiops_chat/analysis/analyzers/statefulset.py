"""StatefulSet: its governing headless Service, the StorageClasses of its claims, and ready pods."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aiops_chat.analysis.analyzers.base import describe, kubectl, make, reference_missing, unverified
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, name_of, namespace_of, spec_of, status_of

NAME = "StatefulSet"


def analyze(inv: Inventory) -> Iterator[Finding]:
    for sts in inv.all("StatefulSet"):
        ns, name = namespace_of(sts), name_of(sts)
        spec, status = spec_of(sts), status_of(sts)
        service = str(spec.get("serviceName") or "")
        missing = reference_missing(inv, "Service", ns, service) if service else False
        if not service:
            # Optional in the API, but without it the pods get no stable per-pod DNS names.
            yield make(NAME, sts, "StatefulSet", Severity.INFO, "NoGoverningService",
                       "It names no governing Service (spec.serviceName is empty), so its pods get no stable DNS "
                       "names.", ["spec.serviceName: (empty)"], [describe("StatefulSet", name, ns)])
        elif missing is None:
            yield unverified(NAME, sts, "StatefulSet", "Service", service, "spec.serviceName")
        elif missing:
            yield make(NAME, sts, "StatefulSet", Severity.WARNING, "ServiceNotFound",
                       f"The governing Service {service} does not exist, so its pods get no stable DNS names.",
                       [f"spec.serviceName: {service}"], [kubectl("get", "service", namespace=ns)])
        elif service:
            svc = inv.get("Service", ns, service) or {}
            if spec_of(svc).get("clusterIP") not in ("None", None):
                yield make(NAME, sts, "StatefulSet", Severity.WARNING, "ServiceNotHeadless",
                           f"The governing Service {service} is not headless (clusterIP is set), so per-pod DNS "
                           "records are not published.",
                           [f"spec.serviceName: {service}", f"service clusterIP: {spec_of(svc).get('clusterIP')}"],
                           [describe("Service", service, ns)])
        for claim in spec.get("volumeClaimTemplates") or ():
            sc = str(spec_of(claim).get("storageClassName") or "")
            missing = reference_missing(inv, "StorageClass", None, sc) if sc else False
            if missing is None:
                yield unverified(NAME, sts, "StatefulSet", "StorageClass", sc,
                                 f"volumeClaimTemplates[{name_of(claim)}].storageClassName")
            elif missing:
                yield make(NAME, sts, "StatefulSet", Severity.CRITICAL, "StorageClassNotFound",
                           f"Volume claim template {name_of(claim)} asks for StorageClass {sc}, which does not "
                           "exist, so its claims stay Pending.",
                           [f"volumeClaimTemplates[{name_of(claim)}].storageClassName: {sc}"],
                           [kubectl("get", "storageclass")])
        desired = spec.get("replicas", 1)
        # readyReplicas where the controller reports it; availableReplicas (1.22+, and partial objects) otherwise.
        ready = int(status.get("readyReplicas", status.get("availableReplicas")) or 0)
        if isinstance(desired, int) and ready < desired and _observed(status):
            yield make(NAME, sts, "StatefulSet", Severity.CRITICAL if ready == 0 else Severity.WARNING,
                       "PodsNotReady", f"Only {ready}/{desired} pods are ready; a StatefulSet starts pods in order, "
                       "so one stuck pod blocks the rest.",
                       [f"status: readyReplicas={ready}, replicas={desired}"],
                       [kubectl("rollout", "status", f"statefulset/{name}", "--timeout=10s", namespace=ns),
                        describe("StatefulSet", name, ns)])


def _observed(status: Mapping[str, Any]) -> bool:
    """Whether the controller reported on the object; an empty status is no evidence of unready pods."""
    return any(status.get(k) is not None for k in ("observedGeneration", "replicas", "readyReplicas",
                                                   "availableReplicas", "currentReplicas", "conditions"))
