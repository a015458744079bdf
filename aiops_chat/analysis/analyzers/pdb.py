"""PodDisruptionBudget (policy/v1 and v1beta1): budgets that allow no disruption block node drains."""

from __future__ import annotations

from collections.abc import Iterator

from aiops_chat.analysis.analyzers.base import describe, make
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, name_of, namespace_of, spec_of, status_of
from aiops_chat.analysis.selectors import format_selector

NAME = "PodDisruptionBudget"
KIND = "PodDisruptionBudget"


def analyze(inv: Inventory) -> Iterator[Finding]:
    for pdb in inv.all(KIND):
        ns, name = namespace_of(pdb), name_of(pdb)
        spec, status = spec_of(pdb), status_of(pdb)
        selector = spec.get("selector")
        if inv.has("Pod") and selector and not inv.pods_matching(ns, selector):
            yield make(NAME, pdb, KIND, Severity.INFO, "SelectsNothing",
                       f"Its selector {format_selector(selector)} matches no pod; it protects nothing.",
                       [f"spec.selector: {format_selector(selector)}"], [describe(KIND, name, ns)])
            continue
        allowed = status.get("disruptionsAllowed", status.get("podDisruptionsAllowed"))
        expected = int(status.get("expectedPods") or 0)
        if allowed == 0 and expected > 0:
            healthy = status.get("currentHealthy", 0)
            bound = (f"minAvailable={spec['minAvailable']}" if "minAvailable" in spec
                     else f"maxUnavailable={spec.get('maxUnavailable')}")
            yield make(NAME, pdb, KIND, Severity.WARNING, "NoDisruptionsAllowed",
                       f"It allows no voluntary disruption ({healthy}/{expected} healthy, {bound}), so node drains "
                       "and cluster upgrades block on these pods.",
                       [f"status: disruptionsAllowed=0, currentHealthy={healthy}, "
                        f"desiredHealthy={status.get('desiredHealthy')}, expectedPods={expected}", f"spec: {bound}"],
                       [describe(KIND, name, ns)])
