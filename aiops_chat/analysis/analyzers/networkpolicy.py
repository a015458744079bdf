"""NetworkPolicy: a pod selector that matches nothing is usually a typo that leaves pods unprotected."""

from __future__ import annotations

from collections.abc import Iterator

from aiops_chat.analysis.analyzers.base import describe, kubectl, make
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, name_of, namespace_of, spec_of
from aiops_chat.analysis.selectors import format_selector

NAME = "NetworkPolicy"


def analyze(inv: Inventory) -> Iterator[Finding]:
    if not inv.has("Pod"):
        return
    for pol in inv.all("NetworkPolicy"):
        ns, name = namespace_of(pol), name_of(pol)
        selector = spec_of(pol).get("podSelector") or {}
        if selector and not inv.pods_matching(ns, selector):
            sel = format_selector(selector)
            yield make(NAME, pol, "NetworkPolicy", Severity.WARNING, "SelectsNothing",
                       f"Its pod selector {sel} matches no pod in {ns}, so it restricts nothing.",
                       [f"spec.podSelector: {sel}"],
                       [kubectl("get", "pods", "--show-labels", namespace=ns), describe("NetworkPolicy", name, ns)])
