"""HorizontalPodAutoscaler (autoscaling/v1, v2beta1, v2beta2, v2): target, resource requests, bounds."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from aiops_chat.analysis.analyzers.base import RESOURCE, describe, kubectl, make
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import (
    Inventory,
    Obj,
    annotations_of,
    conditions_of,
    name_of,
    namespace_of,
    spec_of,
    status_of,
)

NAME = "HorizontalPodAutoscaler"
KIND = "HorizontalPodAutoscaler"


def resource_metrics(spec: Mapping[str, Any]) -> list[str]:
    """The container resources (cpu, memory) the HPA scales on, whichever API version it came from."""
    names = ["cpu"] if spec.get("targetCPUUtilizationPercentage") is not None else []
    for metric in spec.get("metrics") or ():
        res = metric.get("resource") or metric.get("containerResource")
        if metric.get("type") in ("Resource", "ContainerResource") and res and res.get("name"):
            names.append(str(res["name"]))
    if not names and not spec.get("metrics"):
        names = ["cpu"]  # v1 without a target defaults to 80% CPU
    return names


def _conditions(hpa: Obj) -> dict[str, Mapping[str, Any]]:
    conds = conditions_of(hpa)
    if not conds:  # autoscaling/v1 keeps them in an annotation
        raw = annotations_of(hpa).get("autoscaling.alpha.kubernetes.io/conditions")
        if raw:
            try:
                conds = {str(c.get("type")): c for c in json.loads(raw)}
            except (ValueError, AttributeError):
                conds = {}
    return conds


def analyze(inv: Inventory) -> Iterator[Finding]:
    for hpa in inv.all(KIND):
        ns, name = namespace_of(hpa), name_of(hpa)
        spec, status = spec_of(hpa), status_of(hpa)
        ref = spec.get("scaleTargetRef") or {}
        tkind, tname = str(ref.get("kind") or ""), str(ref.get("name") or "")
        suggestions = [describe(KIND, name, ns)]
        target = inv.get(tkind, ns, tname) if inv.has(tkind) else None
        if inv.has(tkind) and target is None:
            yield make(NAME, hpa, KIND, Severity.CRITICAL, "ScaleTargetNotFound",
                       f"It scales {tkind} {tname}, which does not exist, so it does nothing.",
                       [f"spec.scaleTargetRef: {tkind}/{tname}"], suggestions)
            continue
        if target is not None:
            containers = ((spec_of(target).get("template") or {}).get("spec") or {}).get("containers") or ()
            for res in dict.fromkeys(resource_metrics(spec)):
                lacking = [str(c.get("name")) for c in containers
                           if res not in ((c.get("resources") or {}).get("requests") or {})]
                if lacking:
                    yield make(NAME, hpa, KIND, Severity.WARNING, "MissingResourceRequests",
                               f"It scales on {res} utilization, but containers {', '.join(lacking)} of {tkind} "
                               f"{tname} request no {res}, so utilization cannot be computed.",
                               [f"metric: {res}", f"containers without requests.{res}: {', '.join(lacking)}"],
                               [kubectl("set", "resources", f"{RESOURCE.get(tkind, tkind.lower())}/{tname}",
                                        f"--requests={res}={'100m' if res == 'cpu' else '128Mi'}", namespace=ns),
                                *suggestions])
        conds = _conditions(hpa)
        active = conds.get("ScalingActive") or {}
        if active.get("status") == "False":
            yield make(NAME, hpa, KIND, Severity.WARNING, "ScalingInactive",
                       f"Autoscaling is inactive: {active.get('message') or active.get('reason') or 'no reason given'}",
                       [f"condition ScalingActive=False: {active.get('reason', '')}: {active.get('message', '')}"],
                       suggestions)
        max_r = spec.get("maxReplicas")
        current = status.get("currentReplicas")
        desired = status.get("desiredReplicas", current)
        if isinstance(max_r, int) and isinstance(current, int) and current >= max_r and (desired or 0) >= max_r:
            yield make(NAME, hpa, KIND, Severity.WARNING, "PinnedAtMax",
                       f"It runs at its maximum of {max_r} replicas and still wants more; load exceeds what it may "
                       "scale to.",
                       [f"status: currentReplicas={current}, desiredReplicas={desired}", f"spec.maxReplicas: {max_r}"],
                       [kubectl("patch", "hpa", name, "-p", json.dumps({"spec": {"maxReplicas": max_r * 2}},
                                                                       separators=(",", ":")), namespace=ns),
                        *suggestions])
