"""ReplicaSet: pods the controller could not create (quota, admission, missing service account)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aiops_chat.analysis.analyzers.base import describe, first_sentence, kubectl, latest_events, make
from aiops_chat.analysis.analyzers.resourcequota import blocking_quota
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, conditions_of, name_of, namespace_of, spec_of

NAME = "ReplicaSet"


def analyze(inv: Inventory) -> Iterator[Finding]:
    for rs in inv.all("ReplicaSet"):
        if spec_of(rs).get("replicas", 1) == 0:
            continue  # old revisions scaled to zero
        ns, name = namespace_of(rs), name_of(rs)
        failure = conditions_of(rs).get("ReplicaFailure") or {}
        events = [e for e in inv.warning_events_for("ReplicaSet", ns, name) if e.get("reason") == "FailedCreate"]
        if not _failing(failure) and not events:
            continue
        message = str(failure.get("message") or (events[-1].get("message") if events else "") or "")
        evidence = []
        if _failing(failure):
            evidence.append(f"condition ReplicaFailure=True: {failure.get('reason', '')}: {message}")
        evidence += latest_events(events, 2)
        more = [kubectl("describe", "resourcequota", namespace=ns)] if "quota" in message else []
        # A quota's refusal reads in the quota's group: it is the root cause, the ReplicaSet its symptom.
        yield make(NAME, rs, "ReplicaSet", Severity.CRITICAL, "FailedCreate",
                   f"The ReplicaSet cannot create pods: {first_sentence(message, 200)}",
                   evidence, [describe("ReplicaSet", name, ns), *more],
                   blocking_quota(inv, ns, message) or inv.root_of(rs))


def _failing(cond: Mapping[str, Any]) -> bool:
    """A ReplicaFailure condition that holds. The controller removes the condition once it recovers, so a
    FailedCreate condition without a status (a hand-made object) still counts; other reasons need True."""
    status = cond.get("status")
    return status == "True" or (status is None and cond.get("reason") == "FailedCreate")
