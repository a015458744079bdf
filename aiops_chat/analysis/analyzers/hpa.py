"""HorizontalPodAutoscaler (autoscaling/v1, v2beta1, v2beta2, v2): target, resource requests, bounds."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from aiops_chat.analysis.analyzers.base import (
    RESOURCE,
    describe,
    kubectl,
    make,
    reference_missing,
    unverified,
)
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


# Kinds whose pod template this analyzer can read; others (a custom resource with a scale subresource,
# an Argo Rollout) are valid targets it cannot judge.
_WORKLOADS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})


def analyze(inv: Inventory) -> Iterator[Finding]:
    for hpa in inv.all(KIND):
        ns, name = namespace_of(hpa), name_of(hpa)
        spec = spec_of(hpa)
        ref = spec.get("scaleTargetRef") or {}
        tkind, tname = str(ref.get("kind") or ""), str(ref.get("name") or "")
        suggestions = [describe(KIND, name, ns)]
        if not tkind or not tname:
            yield make(NAME, hpa, KIND, Severity.CRITICAL, "InvalidScaleTargetRef",
                       "Its scaleTargetRef names no object (kind or name empty), so it scales nothing.",
                       [f"spec.scaleTargetRef: kind={tkind or '(empty)'}, name={tname or '(empty)'}"], suggestions)
        else:
            missing = reference_missing(inv, tkind, ns, tname)
            if missing:
                yield make(NAME, hpa, KIND, Severity.CRITICAL, "ScaleTargetNotFound",
                           f"It scales {tkind} {tname}, which does not exist, so it does nothing.",
                           [f"spec.scaleTargetRef: {tkind}/{tname}"], suggestions)
            elif missing is None:
                yield unverified(NAME, hpa, KIND, tkind, tname, "spec.scaleTargetRef")
            elif missing is False and tkind in _WORKLOADS:
                yield from _requests(hpa, inv.get(tkind, ns, tname) or {}, tkind, tname, suggestions)
        yield from _conditions_findings(hpa, suggestions)


def _requests(hpa: Obj, target: Obj, tkind: str, tname: str, suggestions: list[str]) -> Iterator[Finding]:
    ns = namespace_of(hpa)
    containers = ((spec_of(target).get("template") or {}).get("spec") or {}).get("containers") or ()
    for res in dict.fromkeys(resource_metrics(spec_of(hpa))):
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


def _conditions_findings(hpa: Obj, suggestions: list[str]) -> Iterator[Finding]:
    ns, name = namespace_of(hpa), name_of(hpa)
    spec, status = spec_of(hpa), status_of(hpa)
    conds = _conditions(hpa)
    able = conds.get("AbleToScale") or {}
    if able.get("status") == "False":
        yield make(NAME, hpa, KIND, Severity.WARNING, "UnableToScale",
                   f"It cannot scale its target: {able.get('message') or able.get('reason') or 'no reason given'}",
                   [f"condition AbleToScale=False: {able.get('reason', '')}: {able.get('message', '')}"],
                   suggestions)
    active = conds.get("ScalingActive") or {}
    if active.get("status") == "False":
        yield make(NAME, hpa, KIND, Severity.WARNING, "ScalingInactive",
                   f"Autoscaling is inactive: {active.get('message') or active.get('reason') or 'no reason given'}",
                   [f"condition ScalingActive=False: {active.get('reason', '')}: {active.get('message', '')}"],
                   suggestions)
    limited = conds.get("ScalingLimited") or {}
    max_r = spec.get("maxReplicas")
    min_r = spec.get("minReplicas", 1)
    current = status.get("currentReplicas")
    desired = status.get("desiredReplicas", current)
    at_max = isinstance(max_r, int) and isinstance(current, int) and current >= max_r and (desired or 0) >= max_r
    if (limited.get("status") == "True" and limited.get("reason") == "TooManyReplicas") or at_max:
        yield make(NAME, hpa, KIND, Severity.WARNING, "PinnedAtMax",
                   f"It runs at its maximum of {max_r} replicas and still wants more; load exceeds what it may "
                   "scale to.",
                   [f"status: currentReplicas={current}, desiredReplicas={desired}", f"spec.maxReplicas: {max_r}",
                    *([f"condition ScalingLimited=True: TooManyReplicas: {limited.get('message', '')}"]
                      if limited.get("reason") == "TooManyReplicas" else [])],
                   [kubectl("patch", "hpa", name, "-p", json.dumps({"spec": {"maxReplicas": (max_r or 1) * 2}},
                                                                   separators=(",", ":")), namespace=ns),
                    *suggestions])
    elif limited.get("status") == "True" and not (limited.get("reason") == "TooFewReplicas" and desired == min_r):
        # At minReplicas with TooFewReplicas is an idle service, not a problem; anything else is worth knowing.
        yield make(NAME, hpa, KIND, Severity.INFO, "ScalingLimited",
                   f"Scaling is limited: {limited.get('message') or limited.get('reason') or 'no reason given'}",
                   [f"condition ScalingLimited=True: {limited.get('reason', '')}: {limited.get('message', '')}",
                    f"status: currentReplicas={current}, desiredReplicas={desired}",
                    f"spec: minReplicas={min_r}, maxReplicas={max_r}"], suggestions)
