"""PodDisruptionBudget (policy/v1 and v1beta1): budgets that allow no disruption block node drains."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aiops_chat.analysis.analyzers.base import describe, kubectl, make
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import (
    Inventory,
    Obj,
    conditions_of,
    name_of,
    namespace_of,
    spec_of,
    status_of,
)
from aiops_chat.analysis.selectors import format_selector

NAME = "PodDisruptionBudget"
KIND = "PodDisruptionBudget"


def analyze(inv: Inventory) -> Iterator[Finding]:
    for pdb in inv.all(KIND):
        ns = namespace_of(pdb)
        spec, status = spec_of(pdb), status_of(pdb)
        selector = spec.get("selector")
        if inv.has("Pod") and selector and not inv.pods_matching(ns, selector):
            yield _selects_nothing(pdb, selector)
            continue
        allowed = status.get("disruptionsAllowed", status.get("podDisruptionsAllowed"))
        expected = status.get("expectedPods")
        cond = conditions_of(pdb).get("DisruptionAllowed") or {}
        refused = cond.get("status") == "False"
        if expected == 0 and refused and not inv.has("Pod"):
            # The controller found no pod for the selector; that is what "expected 0" means.
            yield _selects_nothing(pdb, selector or {})
        elif (allowed == 0 and isinstance(expected, int) and expected > 0) or (refused and expected is None):
            yield _blocking(pdb, status, cond)


def _selects_nothing(pdb: Obj, selector: Mapping[str, Any]) -> Finding:
    ns, name = namespace_of(pdb), name_of(pdb)
    return make(NAME, pdb, KIND, Severity.INFO, "SelectsNothing",
                f"Its selector {format_selector(selector)} matches no pod; it protects nothing.",
                [f"spec.selector: {format_selector(selector)}"],
                [kubectl("get", "pods", "--show-labels", namespace=ns), describe(KIND, name, ns)])


def _blocking(pdb: Obj, status: Mapping[str, Any], cond: Mapping[str, Any]) -> Finding:
    ns, name = namespace_of(pdb), name_of(pdb)
    spec = spec_of(pdb)
    healthy, expected = status.get("currentHealthy", 0), status.get("expectedPods", "?")
    bound = (f"minAvailable={spec['minAvailable']}" if "minAvailable" in spec
             else f"maxUnavailable={spec.get('maxUnavailable')}")
    evidence = [f"status: disruptionsAllowed={status.get('disruptionsAllowed', 0)}, currentHealthy={healthy}, "
                f"desiredHealthy={status.get('desiredHealthy')}, expectedPods={expected}", f"spec: {bound}"]
    if cond:
        evidence.insert(0, f"condition DisruptionAllowed={cond.get('status')}: {cond.get('reason', '')}: "
                           f"{cond.get('message', '')}".rstrip(": "))
    selector = spec.get("selector")
    return make(NAME, pdb, KIND, Severity.WARNING, "NoDisruptionsAllowed",
                f"It allows no voluntary disruption ({healthy}/{expected} healthy, {bound}), so node drains "
                "and cluster upgrades block on these pods.", evidence,
                [describe(KIND, name, ns),
                 *([kubectl("get", "pods", "-l", sel, namespace=ns)] if (sel := format_selector(selector)) else [])])
