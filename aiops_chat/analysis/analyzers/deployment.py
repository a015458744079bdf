"""Deployment: replicas that are not available and rollouts that stopped progressing."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aiops_chat.analysis.analyzers.base import describe, kubectl, make
from aiops_chat.analysis.analyzers.resourcequota import blocking_quota
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, conditions_of, name_of, namespace_of, spec_of, status_of

NAME = "Deployment"


def analyze(inv: Inventory) -> Iterator[Finding]:
    for dep in inv.all("Deployment"):
        spec, status = spec_of(dep), status_of(dep)
        desired = spec.get("replicas", 1)
        if not isinstance(desired, int) or desired == 0:
            continue
        ns, name = namespace_of(dep), name_of(dep)
        available = int(status.get("availableReplicas") or 0)
        conds = conditions_of(dep)
        progressing = conds.get("Progressing") or {}
        failure = conds.get("ReplicaFailure") or {}
        suggestions = [describe("Deployment", name, ns), kubectl("rollout", "history", f"deployment/{name}", namespace=ns)]
        replicas = f"{available}/{desired} replicas available"
        if progressing.get("reason") == "ProgressDeadlineExceeded":
            yield make(NAME, dep, "Deployment", Severity.CRITICAL, "ProgressDeadlineExceeded",
                       f"The rollout stopped progressing ({replicas}); the new pods never became ready.",
                       [f"condition Progressing=False: ProgressDeadlineExceeded: {progressing.get('message', '')}",
                        f"status: {replicas}"],
                       [*suggestions, kubectl("rollout", "undo", f"deployment/{name}", namespace=ns)])
        elif failure.get("status") == "True":
            yield make(NAME, dep, "Deployment", Severity.CRITICAL, "ReplicaFailure",
                       f"The Deployment cannot create its pods: {failure.get('message', '')}",
                       [f"condition ReplicaFailure=True: {failure.get('reason', '')}: {failure.get('message', '')}",
                        f"status: {replicas}"], suggestions, blocking_quota(inv, ns, str(failure.get("message") or "")))
        elif available < desired and _observed(status):
            # A rollout in progress is not yet a problem unless nothing at all is serving.
            severity = Severity.CRITICAL if available == 0 else Severity.WARNING
            yield make(NAME, dep, "Deployment", severity, "UnavailableReplicas",
                       f"Only {replicas}; see the pod findings below for why.",
                       [f"status: {replicas}, {status.get('unavailableReplicas', desired - available)} unavailable",
                        *(f"condition Available=False: {c.get('message', '')}" for c in [conds.get("Available") or {}]
                          if c.get("status") == "False")],
                       suggestions)


def _observed(status: Mapping[str, Any]) -> bool:
    """Whether the controller has reported on the object at all. A Deployment with no status fields is one it
    has not seen yet, or a partial object (a manifest, a hand-made snapshot): no evidence of unavailability."""
    return any(status.get(k) is not None for k in ("observedGeneration", "replicas", "availableReplicas",
                                                   "unavailableReplicas", "readyReplicas", "conditions"))
