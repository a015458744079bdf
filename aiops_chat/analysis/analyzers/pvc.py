"""PersistentVolumeClaim: claims stuck Pending (with the provisioner's word) or Lost."""

from __future__ import annotations

from collections.abc import Iterator

from aiops_chat.analysis.analyzers.base import (
    describe,
    first_sentence,
    kubectl,
    latest_events,
    make,
    reference_missing,
    unverified,
)
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, name_of, namespace_of, spec_of, status_of

NAME = "PersistentVolumeClaim"
KIND = "PersistentVolumeClaim"


def analyze(inv: Inventory) -> Iterator[Finding]:
    for pvc in inv.all(KIND):
        ns, name = namespace_of(pvc), name_of(pvc)
        phase = status_of(pvc).get("phase")
        sc = spec_of(pvc).get("storageClassName")
        if phase == "Lost":
            yield make(NAME, pvc, KIND, Severity.CRITICAL, "Lost",
                       f"The claim lost its volume {spec_of(pvc).get('volumeName', '')}; pods using it cannot start.",
                       ["status.phase: Lost"], [describe(KIND, name, ns), kubectl("get", "pv")])
        elif phase == "Pending":
            events = inv.events_for(KIND, ns, name)
            warnings = [e for e in events if e.get("type") == "Warning"]
            waiting = [e for e in events if e.get("reason") == "WaitForFirstConsumer"]
            missing = reference_missing(inv, "StorageClass", None, str(sc)) if sc else False
            if missing:
                yield make(NAME, pvc, KIND, Severity.CRITICAL, "StorageClassNotFound",
                           f"The claim asks for StorageClass {sc}, which does not exist, so it stays Pending.",
                           [f"spec.storageClassName: {sc}", "status.phase: Pending"],
                           [kubectl("get", "storageclass"), describe(KIND, name, ns)])
            elif missing is None:
                yield unverified(NAME, pvc, KIND, "StorageClass", str(sc), "spec.storageClassName")
            elif warnings:
                last = warnings[-1]
                yield make(NAME, pvc, KIND, Severity.WARNING, "Pending",
                           f"The claim is Pending: {first_sentence(str(last.get('message', '')), 200)}",
                           ["status.phase: Pending", *latest_events(warnings, 2)], [describe(KIND, name, ns)])
            elif not waiting:
                # WaitForFirstConsumer claims are Pending by design until a pod uses them.
                yield make(NAME, pvc, KIND, Severity.INFO, "Pending",
                           "The claim is Pending with no provisioner error yet.", ["status.phase: Pending"],
                           [describe(KIND, name, ns)])
