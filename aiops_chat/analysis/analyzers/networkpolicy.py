"""NetworkPolicy: selectors that match nothing, and default-deny ingress that leaves a Service unreachable.

A policy with an empty pod selector, the Ingress type and no ingress rules denies all ingress to every pod
in its namespace; that is deliberate (a default deny), but it is also why a Service "times out" when no
other policy lets traffic in to its pods. Whether a rule's peers and ports admit a given client is not
judged: any ingress rule on a policy selecting the pods counts as letting traffic in, so the warning only
fires when nothing at all could.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aiops_chat.analysis.analyzers.base import describe, kubectl, make
from aiops_chat.analysis.analyzers.service import endpoint_addresses
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import (
    Inventory,
    Obj,
    conditions_of,
    labels_of,
    name_of,
    namespace_of,
    spec_of,
)
from aiops_chat.analysis.selectors import format_selector, matches

NAME = "NetworkPolicy"
KIND = "NetworkPolicy"


def analyze(inv: Inventory) -> Iterator[Finding]:
    by_ns: dict[str, list[Obj]] = {}
    for pol in inv.all(KIND):
        by_ns.setdefault(namespace_of(pol), []).append(pol)
    for ns, policies in sorted(by_ns.items()):
        denied: list[str] | None = None
        for pol in policies:
            selector = spec_of(pol).get("podSelector") or {}
            if selector and not inv.has("Pod"):
                yield make(NAME, pol, KIND, Severity.INFO, "UnverifiedSelector",
                           f"Whether its pod selector {format_selector(selector)} matches any pod cannot be checked: "
                           "the source holds no Pod objects.", [f"spec.podSelector: {format_selector(selector)}"],
                           [kubectl("get", "pods", "-l", format_selector(selector), namespace=ns)])
            elif selector and not inv.pods_matching(ns, selector):
                yield _selects_nothing(pol, ns, selector)
            elif not selector and _ingress_type(pol) and not spec_of(pol).get("ingress"):
                if denied is None:
                    denied = _services_denied(inv, ns, policies)
                yield _default_deny(pol, ns, denied)
        yield from _dns_blocked(inv, ns, policies)


def _egress_type(pol: Obj) -> bool:
    types = spec_of(pol).get("policyTypes")
    return "Egress" in types if types is not None else bool(spec_of(pol).get("egress"))


def _allows_dns(pol: Obj) -> bool:
    """Whether an egress rule lets port 53 out (a rule without ports allows every port). Peers are not
    judged: a rule for port 53 to anywhere counts, as the DNS service's address is not ours to resolve."""
    for rule in spec_of(pol).get("egress") or ():
        ports = rule.get("ports") or ()
        if not ports or any(p.get("port") in (53, "53", "dns", "dns-tcp") or
                            (isinstance(p.get("port"), int) and isinstance(p.get("endPort"), int)
                             and p["port"] <= 53 <= p["endPort"]) or p.get("port") is None for p in ports):
            return True
    return False


def _dns_blocked(inv: Inventory, ns: str, policies: list[Obj]) -> Iterator[Finding]:
    """Egress-restricted pods that no policy lets reach DNS: every name lookup times out."""
    egress = [p for p in policies if _egress_type(p)]
    if not egress:
        return
    allowing = [spec_of(p).get("podSelector") or {} for p in egress if _allows_dns(p)]
    reported: set[str] = set()
    for pol in egress:
        if _allows_dns(pol):
            continue
        selector = spec_of(pol).get("podSelector") or {}
        if inv.has("Pod"):
            blocked = [name_of(pod) for pod in inv.pods_matching(ns, selector)
                       if name_of(pod) not in reported and not any(matches(labels_of(pod), s) for s in allowing)]
            if not blocked:
                continue
            reported.update(blocked)
            who = f"pods {', '.join(blocked[:3])}{' and more' if len(blocked) > 3 else ''}"
        elif allowing:
            continue  # without pods, a policy letting DNS out may cover them; not judged
        else:
            who = f"the pods it selects ({format_selector(selector) or 'every pod in the namespace'})"
        yield make(NAME, pol, KIND, Severity.WARNING, "EgressBlocksDNS",
                   f"It restricts egress and no policy in {ns} allows port 53, so DNS lookups from {who} time "
                   "out (connections by name fail).",
                   [f"spec.podSelector: {format_selector(selector) or '{} (every pod in the namespace)'}",
                    "spec.policyTypes includes Egress; egress rules: "
                    f"{len(spec_of(pol).get('egress') or ())}, none allowing port 53",
                    f"policies in {ns} allowing DNS egress: {len(allowing)}"],
                   [kubectl("get", "networkpolicy", namespace=ns), describe(KIND, name_of(pol), ns)])


def _ingress_type(pol: Obj) -> bool:
    # Without policyTypes the API treats a policy as Ingress (plus Egress when it has egress rules).
    types = spec_of(pol).get("policyTypes")
    return types is None or "Ingress" in types


def _selects_nothing(pol: Obj, ns: str, selector: Mapping[str, Any]) -> Finding:
    sel = format_selector(selector)
    return make(NAME, pol, KIND, Severity.WARNING, "SelectsNothing",
                f"Its pod selector {sel} matches no pod in {ns}, so it restricts nothing.",
                [f"spec.podSelector: {sel}"],
                [kubectl("get", "pods", "--show-labels", namespace=ns), describe(KIND, name_of(pol), ns)])


def _default_deny(pol: Obj, ns: str, denied: list[str]) -> Finding:
    name = name_of(pol)
    evidence = ["spec.podSelector: {} (every pod in the namespace)", "spec.policyTypes includes Ingress, no ingress rules"]
    suggestions = [kubectl("get", "networkpolicy", namespace=ns), describe(KIND, name, ns)]
    if not denied:
        return make(NAME, pol, KIND, Severity.INFO, "DefaultDenyIngress",
                    f"It denies all ingress to pods in {ns} unless another policy allows it; a Service whose pods "
                    "no policy admits traffic to times out.", evidence, suggestions)
    return make(NAME, pol, KIND, Severity.WARNING, "DefaultDenyIngress",
                f"It denies all ingress to pods in {ns}, and no policy allows ingress to the pods of "
                f"{', '.join(f'Service/{s}' for s in denied[:3])}{' and more' if len(denied) > 3 else ''}, "
                "so connections to them time out.",
                [*evidence, *(f"Service/{s} has ready endpoints; no NetworkPolicy with ingress rules selects its pods"
                              for s in denied[:5])],
                [*suggestions, *(kubectl("get", "endpoints", s, namespace=ns) for s in denied[:2])])


def _services_denied(inv: Inventory, ns: str, policies: list[Obj]) -> list[str]:
    """Services in `ns` with ready endpoints whose pods no policy lets any ingress in to."""
    if not inv.has("Service") or not inv.has("Pod"):
        return []
    allowing = [spec_of(p).get("podSelector") or {} for p in policies
                if _ingress_type(p) and spec_of(p).get("ingress")]
    denied: list[str] = []
    for svc in inv.all("Service"):
        selector = spec_of(svc).get("selector")
        if namespace_of(svc) != ns or not selector or spec_of(svc).get("type") == "ExternalName":
            continue
        pods = inv.pods_matching(ns, selector)
        if not pods or not _has_endpoints(inv, svc, pods):
            continue
        if not any(matches(labels_of(pod), sel) for pod in pods for sel in allowing):
            denied.append(name_of(svc))
    return sorted(denied)


def _has_endpoints(inv: Inventory, svc: Obj, pods: list[Obj]) -> bool:
    if inv.has("Endpoints"):
        ep = inv.get("Endpoints", namespace_of(svc), name_of(svc))
        return ep is not None and endpoint_addresses(ep)[0] > 0
    return any((conditions_of(p).get("Ready") or {}).get("status") == "True" for p in pods)
