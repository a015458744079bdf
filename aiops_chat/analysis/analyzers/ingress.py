"""Ingress (networking.k8s.io/v1 and v1beta1): class, backend Services and ports, TLS secrets."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aiops_chat.analysis.analyzers.base import describe, kubectl, make, reference_missing, unverified
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, Obj, annotations_of, name_of, namespace_of, spec_of

NAME = "Ingress"
_DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class"
_LEGACY_CLASS = "kubernetes.io/ingress.class"
# GKE's controller serves these without IngressClass objects.
_BUILT_IN_CLASSES = frozenset({"gce", "gce-internal"})


def analyze(inv: Inventory) -> Iterator[Finding]:
    has_default = any(annotations_of(c).get(_DEFAULT_CLASS) == "true" for c in inv.all("IngressClass"))
    for ing in inv.all("Ingress"):
        ns, name = namespace_of(ing), name_of(ing)
        spec = spec_of(ing)
        yield from _ingress_class(inv, ing, has_default)
        yield from _backends(inv, ing, ns, name)
        for tls in spec.get("tls") or ():
            secret = str(tls.get("secretName") or "")
            if not secret:
                continue  # no secretName: the controller's default certificate, by choice
            missing = reference_missing(inv, "Secret", ns, secret)
            if missing is None:
                yield unverified(NAME, ing, "Ingress", "Secret", secret, "spec.tls.secretName")
            elif missing:
                yield make(NAME, ing, "Ingress", Severity.WARNING, "TLSSecretNotFound",
                           f"TLS secret {secret} does not exist; the controller serves a default certificate "
                           f"for {', '.join(tls.get('hosts') or ['its hosts'])}.",
                           [f"spec.tls.secretName: {secret}"], [kubectl("get", "secrets", namespace=ns)])


def _ingress_class(inv: Inventory, ing: Obj, has_default: bool) -> Iterator[Finding]:
    spec = spec_of(ing)
    cls = spec.get("ingressClassName")
    if not cls and annotations_of(ing).get(_LEGACY_CLASS):
        return  # the pre-1.18 annotation names a controller's class, not necessarily an IngressClass object
    if not cls:
        if not inv.has("IngressClass"):
            yield make(NAME, ing, "Ingress", Severity.INFO, "NoIngressClass",
                       "No ingress class is set; whether the cluster has a default IngressClass cannot be checked "
                       "(the source holds no IngressClass objects).",
                       ["spec.ingressClassName: unset", "IngressClass: not in the source"],
                       [kubectl("get", "ingressclass")])
        elif not has_default:
            yield make(NAME, ing, "Ingress", Severity.WARNING, "MissingIngressClass",
                       "No ingress class is set and the cluster has no default IngressClass, so no controller "
                       "serves this Ingress.", ["spec.ingressClassName: unset"], [kubectl("get", "ingressclass")])
        return
    if str(cls) in _BUILT_IN_CLASSES:
        return
    missing = reference_missing(inv, "IngressClass", None, str(cls))
    if missing is None:
        yield unverified(NAME, ing, "Ingress", "IngressClass", str(cls), "spec.ingressClassName")
    elif missing:
        yield make(NAME, ing, "Ingress", Severity.WARNING, "IngressClassNotFound",
                   f"IngressClass {cls} does not exist, so no controller serves this Ingress.",
                   [f"spec.ingressClassName: {cls}"], [kubectl("get", "ingressclass")])


def _backend_refs(spec: Mapping[str, Any]) -> Iterator[tuple[str, Any, str]]:
    """(service, port number or name, where) for the default backend and every rule path, both API shapes."""
    default = spec.get("defaultBackend") or spec.get("backend")
    candidates = [(default, "defaultBackend")] if default else []
    for rule in spec.get("rules") or ():
        for path in (rule.get("http") or {}).get("paths") or ():
            candidates.append((path.get("backend") or {}, f"{rule.get('host') or '*'}{path.get('path') or '/'}"))
    for backend, where in candidates:
        svc = backend.get("service")
        if svc:  # networking.k8s.io/v1
            port = svc.get("port") or {}
            yield str(svc.get("name") or ""), port.get("number", port.get("name")), where
        elif backend.get("serviceName"):  # v1beta1
            yield str(backend["serviceName"]), backend.get("servicePort"), where


def _backends(inv: Inventory, ing: Obj, ns: str, name: str) -> Iterator[Finding]:
    unchecked: set[str] = set()
    for svc_name, port, where in _backend_refs(spec_of(ing)):
        missing = reference_missing(inv, "Service", ns, svc_name)
        if missing is None:
            if svc_name not in unchecked:
                unchecked.add(svc_name)
                yield unverified(NAME, ing, "Ingress", "Service", svc_name, f"backend {where}")
            continue
        if missing:
            yield make(NAME, ing, "Ingress", Severity.CRITICAL, "BackendServiceNotFound",
                       f"Path {where} routes to Service {svc_name}, which does not exist; requests get 503.",
                       [f"backend {where}: service {svc_name} port {port}"],
                       [kubectl("get", "services", namespace=ns), describe("Ingress", name, ns)])
            continue
        svc = inv.get("Service", ns, svc_name) or {}
        ports = spec_of(svc).get("ports") or ()
        if port is not None and not any(port in (p.get("port"), p.get("name")) for p in ports):
            yield make(NAME, ing, "Ingress", Severity.WARNING, "BackendPortNotFound",
                       f"Path {where} routes to port {port} of Service {svc_name}, which has no such port.",
                       [f"backend {where}: service {svc_name} port {port}",
                        "service ports: " + ", ".join(str(p.get("name") or p.get("port")) for p in ports)],
                       [describe("Service", svc_name, ns)])
