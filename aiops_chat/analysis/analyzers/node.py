"""Node: NotReady, resource pressure, network unavailable, cordoned."""

from __future__ import annotations

from collections.abc import Iterator

from aiops_chat.analysis.analyzers.base import describe, kubectl, make
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, conditions_of, name_of, spec_of

NAME = "Node"
PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure")


def analyze(inv: Inventory) -> Iterator[Finding]:
    for node in inv.all("Node"):
        name = name_of(node)
        conds = conditions_of(node)
        ready = conds.get("Ready")
        suggestions = [describe("Node", name, None), kubectl("get", "pods", "-A", "--field-selector",
                                                              f"spec.nodeName={name}")]
        if ready is not None and ready.get("status") != "True":
            yield make(NAME, node, "Node", Severity.CRITICAL, "NotReady",
                       f"The node is not ready ({ready.get('reason', 'unknown')}); its pods are not running or "
                       "will be evicted.",
                       [f"condition Ready={ready.get('status')}: {ready.get('reason', '')}: {ready.get('message', '')}"],
                       suggestions)
        for ctype in PRESSURE:
            cond = conds.get(ctype) or {}
            if cond.get("status") == "True":
                yield make(NAME, node, "Node", Severity.WARNING, ctype,
                           f"The node reports {ctype}; the kubelet evicts pods to recover.",
                           [f"condition {ctype}=True: {cond.get('message', '')}"], suggestions)
        network = conds.get("NetworkUnavailable") or {}
        if network.get("status") == "True":
            yield make(NAME, node, "Node", Severity.CRITICAL, "NetworkUnavailable",
                       "The node's network is not configured, so pods on it cannot communicate.",
                       [f"condition NetworkUnavailable=True: {network.get('message', '')}"], suggestions)
        if spec_of(node).get("unschedulable"):
            yield make(NAME, node, "Node", Severity.INFO, "Cordoned",
                       "The node is cordoned: no new pods are scheduled to it.", ["spec.unschedulable: true"],
                       [kubectl("uncordon", name)])
