"""Objects from the live cluster through the API: one LIST per kind, all in parallel, raw JSON.

This is what `aiops analyze`, `aiops optimize` and the TUI's health panel use. The agent's
`analyze_cluster` tool reads through the policy-checked executor instead (kubectl_reads.py).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiops_chat.analysis.inventory import Inventory

if TYPE_CHECKING:
    from aiops_chat.config import Config
    from aiops_chat.kube_gateway import KubeGateway, Resource

__all__ = ["KINDS", "METRICS", "OPTIMIZE_KINDS", "KindSpec", "load_live"]


@dataclass(frozen=True)
class KindSpec:
    kind: str
    group: str
    versions: tuple[str, ...]  # newest first; 1.20 serves only the older ones for some kinds
    plural: str
    namespaced: bool = True
    # Kinds no other analyzer consults may be filtered by the label selector on the server.
    subject_only: bool = False
    metadata_only: bool = False
    fixed_selector: str | None = None


KINDS: tuple[KindSpec, ...] = (
    KindSpec("Pod", "", ("v1",), "pods"),
    KindSpec("Event", "", ("v1",), "events"),
    KindSpec("Service", "", ("v1",), "services"),
    KindSpec("Endpoints", "", ("v1",), "endpoints"),
    KindSpec("PersistentVolumeClaim", "", ("v1",), "persistentvolumeclaims", subject_only=True),
    KindSpec("Node", "", ("v1",), "nodes", namespaced=False),
    KindSpec("PersistentVolume", "", ("v1",), "persistentvolumes", namespaced=False, subject_only=True),
    # Metadata only: Ingress TLS checks need names, Helm release checks need labels, nobody needs payloads.
    KindSpec("Secret", "", ("v1",), "secrets", metadata_only=True),
    KindSpec("ConfigMap", "", ("v1",), "configmaps", metadata_only=True, fixed_selector="owner=helm"),
    KindSpec("Deployment", "apps", ("v1",), "deployments"),
    KindSpec("ReplicaSet", "apps", ("v1",), "replicasets"),
    KindSpec("StatefulSet", "apps", ("v1",), "statefulsets", subject_only=True),
    KindSpec("DaemonSet", "apps", ("v1",), "daemonsets", subject_only=True),
    KindSpec("Job", "batch", ("v1",), "jobs"),
    KindSpec("CronJob", "batch", ("v1", "v1beta1"), "cronjobs", subject_only=True),
    KindSpec("Ingress", "networking.k8s.io", ("v1", "v1beta1"), "ingresses", subject_only=True),
    KindSpec("IngressClass", "networking.k8s.io", ("v1", "v1beta1"), "ingressclasses", namespaced=False),
    KindSpec("StorageClass", "storage.k8s.io", ("v1", "v1beta1"), "storageclasses", namespaced=False),
    KindSpec("HorizontalPodAutoscaler", "autoscaling", ("v2", "v2beta2", "v1"), "horizontalpodautoscalers",
             subject_only=True),
    KindSpec("PodDisruptionBudget", "policy", ("v1", "v1beta1"), "poddisruptionbudgets", subject_only=True),
    KindSpec("NetworkPolicy", "networking.k8s.io", ("v1",), "networkpolicies", subject_only=True),
    # Not label-filtered: other analyzers look quotas up by the name a refusal message gives.
    KindSpec("ResourceQuota", "", ("v1",), "resourcequotas"),
    KindSpec("ValidatingWebhookConfiguration", "admissionregistration.k8s.io", ("v1", "v1beta1"),
             "validatingwebhookconfigurations", namespaced=False),
    KindSpec("MutatingWebhookConfiguration", "admissionregistration.k8s.io", ("v1", "v1beta1"),
             "mutatingwebhookconfigurations", namespaced=False),
)

METRICS = KindSpec("PodMetrics", "metrics.k8s.io", ("v1beta1",), "pods")

# What `aiops optimize` needs: workloads, their pods and autoscalers, and usage from the metrics API.
OPTIMIZE_KINDS: tuple[KindSpec, ...] = (
    *(k for k in KINDS if k.kind in ("Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
                                     "HorizontalPodAutoscaler")),
    METRICS,
)


def load_live(
    cfg: Config,
    *,
    context: str | None = None,
    namespace: str | None = None,
    all_namespaces: bool = False,
    label_selector: str | None = None,
    kinds: tuple[KindSpec, ...] = KINDS,
    gateway: KubeGateway | None = None,
) -> Inventory:
    """List every kind the analyzers use, in parallel; forbidden or missing kinds become notes.

    Scope: all namespaces if asked, else `namespace`, else the context's (as kubectl would).
    """
    from aiops_chat.kube_gateway import KubeGateway

    if all_namespaces:
        namespace = None
    elif not namespace:
        from aiops_chat.execution.executor import resolve_target

        namespace = resolve_target(cfg, context, None).namespace
    gw = gateway or KubeGateway(cfg, context=context)
    try:
        groups = gw.api_groups()  # also the reachability check: an unreachable server fails here, once
        plan: list[tuple[KindSpec, list[Resource]]] = []
        notes: list[str] = []
        for spec in kinds:
            candidates = resources_for(spec, groups)
            if not candidates:
                notes.append(f"{spec.kind}: not served by this cluster ({spec.group or 'core'} "
                             f"{'/'.join(spec.versions)}), skipped")
            else:
                plan.append((spec, candidates))
        with ThreadPoolExecutor(max_workers=min(12, len(plan) + 1)) as pool:
            exists = pool.submit(namespace_exists, gw, namespace) if namespace else None
            results = list(pool.map(lambda p: _list(gw, p[0], p[1], namespace, label_selector), plan))
            namespace_found = exists.result() if exists is not None else None
    finally:
        if gateway is None:
            gw.close()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    listed: list[str] = []
    for (spec, _res), (items, note) in zip(plan, results, strict=True):
        if note:
            notes.append(note)
            continue
        by_kind[spec.kind] = items
        # A label-filtered list says nothing about absence, so it does not count as listed (nor do the
        # ConfigMaps, listed only as far as Helm's own storage goes).
        if not (label_selector and spec.subject_only) and not spec.fixed_selector:
            listed.append(spec.kind)
    return Inventory(by_kind, listed=listed, namespace=namespace, notes=notes, namespace_exists=namespace_found)


def namespace_exists(gw: KubeGateway, namespace: str) -> bool | None:
    """True or False from GET namespaces/NAME; None when the answer is not ours to see (403) or unclear."""
    from aiops_chat.kube_gateway import ListFailed

    try:
        gw.get_json(f"/api/v1/namespaces/{namespace}")
    except ListFailed as exc:
        return False if exc.status == 404 else None
    return True


def resources_for(spec: KindSpec, groups: dict[str, list[str]]) -> list[Resource]:
    """The versions of a kind worth trying, newest first, among those its group serves.

    A group's versions are not a kind's: 1.20 serves batch/v1 (Jobs) but CronJobs only in batch/v1beta1,
    so a 404 on one version moves on to the next.
    """
    from aiops_chat.kube_gateway import Resource

    served = groups.get(spec.group) or ()
    return [Resource(spec.kind, spec.group, v, spec.plural, spec.namespaced) for v in spec.versions if v in served]


def _list(gw: KubeGateway, spec: KindSpec, candidates: list[Resource], namespace: str | None,
          label_selector: str | None) -> tuple[list[dict[str, Any]], str | None]:
    from aiops_chat.kube_gateway import ListFailed

    selector = spec.fixed_selector or (label_selector if spec.subject_only else None)
    failure: ListFailed | None = None
    for res in candidates:
        try:
            return gw.list_items(res, namespace=namespace, label_selector=selector,
                                 metadata_only=spec.metadata_only), None
        except ListFailed as exc:
            failure = exc
            if exc.status != 404:
                break
    assert failure is not None
    what = "not allowed to list" if failure.status in (401, 403) else "not served"
    return [], f"{spec.kind}: {what} ({failure.status}{': ' + failure.reason if failure.reason else ''}), skipped"
