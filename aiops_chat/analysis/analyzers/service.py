"""Service: selectors that match nothing, endpoints that are not ready, target ports no container exposes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aiops_chat.analysis.analyzers.base import describe, kubectl, make
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import (
    Inventory,
    Obj,
    annotations_of,
    conditions_of,
    labels_of,
    name_of,
    namespace_of,
    spec_of,
    status_of,
)
from aiops_chat.analysis.selectors import format_selector

NAME = "Service"
# Controllers before coordination.k8s.io Leases kept their lock on an Endpoints object of this annotation.
_LEADER = "control-plane.alpha.kubernetes.io/leader"


def analyze(inv: Inventory) -> Iterator[Finding]:
    if not inv.has("Pod") and not inv.has("Endpoints"):
        return  # nothing to judge a selector against
    for svc in inv.all("Service"):
        spec = spec_of(svc)
        selector = spec.get("selector")
        if spec.get("type") == "ExternalName" or not selector:
            continue  # endpoints are managed by hand or not at all
        yield from _analyze(inv, svc, selector)


def _analyze(inv: Inventory, svc: Obj, selector: Mapping[str, str]) -> Iterator[Finding]:
    ns, name = namespace_of(svc), name_of(svc)
    sel = format_selector(selector)
    pods = inv.pods_matching(ns, selector) if inv.has("Pod") else None
    ep = inv.get("Endpoints", ns, name) if inv.has("Endpoints") else None
    if ep is not None and _LEADER in annotations_of(ep):
        return  # a leader-election lock kept on an Endpoints object: no addresses by design
    ready, not_ready = endpoint_addresses(ep) if ep is not None else (None, [])
    check_eps = [kubectl("get", "endpoints", name, namespace=ns)]
    if pods is not None and not pods:
        yield make(NAME, svc, "Service", Severity.CRITICAL, "SelectorMatchesNothing",
                   f"The selector {sel} matches no pod in namespace {ns}, so the Service has no endpoints "
                   "and every request to it fails.",
                   [f"spec.selector: {sel}", f"pods in {ns} matching: 0 of {len(inv.pods_in(ns))}",
                    *_near_misses(inv, ns, selector)],
                   [kubectl("get", "pods", "--show-labels", namespace=ns), *check_eps, describe("Service", name, ns)])
        return
    if ready is None and pods is not None:
        # A pod with no status at all never passed the API (which sets a phase): a manifest or a hand-made
        # object is no evidence either way, so it does not count as a not-ready endpoint.
        judged = [p for p in pods if status_of(p)]
        if not judged:
            return
        ready_pods = [p for p in judged if (conditions_of(p).get("Ready") or {}).get("status") == "True"]
        ready, not_ready = len(ready_pods), [name_of(p) for p in judged if p not in ready_pods]
    # Endpoints that are not ready are a symptom of the pods' controller: read them in its group.
    parent = _common_root(inv, pods) if pods and (ready == 0 or not_ready) else None
    if ready == 0:
        yield make(NAME, svc, "Service", Severity.CRITICAL, "NoReadyEndpoints",
                   f"The Service selects {len(pods) if pods is not None else 'its'} pod(s) but none is ready, "
                   "so it has no endpoints to send traffic to.",
                   [f"spec.selector: {sel}", f"not-ready endpoints: {', '.join(not_ready[:5]) or 'none'}"],
                   [*check_eps, kubectl("get", "pods", "-l", sel, namespace=ns)], parent)
    elif not_ready:
        yield make(NAME, svc, "Service", Severity.WARNING, "NotReadyEndpoints",
                   f"{len(not_ready)} of its endpoints are not ready ({ready} ready).",
                   [f"not-ready endpoints: {', '.join(not_ready[:5])}"],
                   [*check_eps, kubectl("get", "pods", "-l", sel, namespace=ns)], parent)
    if pods:
        yield from _target_ports(svc, pods)


def _common_root(inv: Inventory, pods: list[Obj]) -> str | None:
    roots = {inv.root_of(p) for p in pods[:50]}
    return roots.pop() if len(roots) == 1 else None


def endpoint_addresses(ep: Obj) -> tuple[int, list[str]]:
    """An Endpoints object's ready address count and the names of its not-ready ones."""
    ready = 0
    not_ready: list[str] = []
    for subset in ep.get("subsets") or ():
        ready += len(subset.get("addresses") or ())
        for addr in subset.get("notReadyAddresses") or ():
            ref = addr.get("targetRef") or {}
            not_ready.append(str(ref.get("name") or addr.get("ip") or "?"))
    return ready, not_ready


def _near_misses(inv: Inventory, ns: str, selector: Mapping[str, str]) -> list[str]:
    """Label values pods do carry for the selector's keys: usually the typo or the renamed app."""
    seen: dict[str, None] = {}
    for pod in inv.pods_in(ns):
        labels = labels_of(pod)
        shared = [f"{k}={labels[k]}" for k in selector if k in labels]
        if shared:
            seen[",".join(shared)] = None
        if len(seen) >= 3:
            break
    return [f"pods in {ns} carry instead: {'; '.join(seen)}"] if seen else []


def _target_ports(svc: Obj, pods: list[Obj]) -> Iterator[Finding]:
    names: set[str] = set()
    numbers: set[int] = set()
    for pod in pods[:20]:  # replicas share a template; a few are enough to know the ports
        for c in spec_of(pod).get("containers") or ():
            for p in c.get("ports") or ():
                if p.get("name"):
                    names.add(str(p["name"]))
                if isinstance(p.get("containerPort"), int):
                    numbers.add(p["containerPort"])
    ns, name = namespace_of(svc), name_of(svc)
    for port in spec_of(svc).get("ports") or ():
        target: Any = port.get("targetPort", port.get("port"))
        if isinstance(target, str) and not target.isdigit():
            missing = target not in names
        else:
            # Declaring container ports is optional; only a declared list that lacks the port is wrong.
            missing = bool(numbers) and int(target) not in numbers
        if missing:
            yield make(NAME, svc, "Service", Severity.WARNING, "TargetPortNotExposed",
                       f"Port {port.get('name') or port.get('port')} targets {target}, which no selected container "
                       "declares, so connections are likely refused.",
                       [f"spec.ports[{port.get('name') or port.get('port')}].targetPort: {target}",
                        f"container ports: {', '.join(sorted(names | {str(n) for n in numbers})) or 'none'}"],
                       [describe("Service", name, ns)])
