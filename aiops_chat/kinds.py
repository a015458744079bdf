"""The Kubernetes kinds aiops-chat knows: one row per built-in kind, with the names kubectl knows it by.

This module is vocabulary only. What each layer does with a kind (which tables the injection guard trusts,
which kinds the analyzers list, which words a request may use) is that layer's decision and stays there;
it names kinds from this table so the names, groups and versions are written once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["BUILTIN", "POD_METRICS", "Kind", "by_kind", "by_plural", "resolve"]


@dataclass(frozen=True)
class Kind:
    kind: str                       # the object's `kind`, e.g. "Deployment"
    plural: str                     # the API resource name, e.g. "deployments"
    group: str = ""                 # "" is the core group
    versions: tuple[str, ...] = ("v1",)  # newest first; 1.20 serves only the older ones for some kinds
    short: tuple[str, ...] = ()     # kubectl's short names, e.g. ("deploy",)
    namespaced: bool = True

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def words(self) -> tuple[str, ...]:
        """Every name kubectl resolves to this kind without a group: plural, singular, short names."""
        return tuple(dict.fromkeys((self.plural, self.singular, *self.short)))


def _kinds(group: str, *rows: Kind) -> tuple[Kind, ...]:
    return tuple(Kind(r.kind, r.plural, group, r.versions, r.short, r.namespaced) for r in rows)


_CLUSTER = False
BUILTIN: tuple[Kind, ...] = (
    *_kinds(
        "",
        Kind("Pod", "pods", short=("po",)),
        Kind("Service", "services", short=("svc",)),
        Kind("Endpoints", "endpoints", short=("ep",)),
        Kind("ConfigMap", "configmaps", short=("cm",)),
        Kind("Secret", "secrets"),
        Kind("Event", "events", short=("ev",)),
        Kind("ServiceAccount", "serviceaccounts", short=("sa",)),
        Kind("ResourceQuota", "resourcequotas", short=("quota",)),
        Kind("LimitRange", "limitranges", short=("limits",)),
        Kind("ReplicationController", "replicationcontrollers", short=("rc",)),
        Kind("PersistentVolumeClaim", "persistentvolumeclaims", short=("pvc",)),
        Kind("PersistentVolume", "persistentvolumes", short=("pv",), namespaced=_CLUSTER),
        Kind("Namespace", "namespaces", short=("ns",), namespaced=_CLUSTER),
        Kind("Node", "nodes", short=("no",), namespaced=_CLUSTER),
    ),
    *_kinds(
        "apps",
        Kind("Deployment", "deployments", short=("deploy",)),
        Kind("ReplicaSet", "replicasets", short=("rs",)),
        Kind("StatefulSet", "statefulsets", short=("sts",)),
        Kind("DaemonSet", "daemonsets", short=("ds",)),
    ),
    *_kinds(
        "batch",
        Kind("Job", "jobs"),
        Kind("CronJob", "cronjobs", versions=("v1", "v1beta1"), short=("cj",)),
    ),
    *_kinds(
        "networking.k8s.io",
        Kind("Ingress", "ingresses", versions=("v1", "v1beta1"), short=("ing",)),
        Kind("IngressClass", "ingressclasses", versions=("v1", "v1beta1"), namespaced=_CLUSTER),
        Kind("NetworkPolicy", "networkpolicies", short=("netpol",)),
    ),
    *_kinds("discovery.k8s.io", Kind("EndpointSlice", "endpointslices", versions=("v1", "v1beta1"))),
    *_kinds(
        "storage.k8s.io",
        Kind("StorageClass", "storageclasses", versions=("v1", "v1beta1"), short=("sc",), namespaced=_CLUSTER),
        Kind("CSINode", "csinodes", namespaced=_CLUSTER),
    ),
    *_kinds("scheduling.k8s.io", Kind("PriorityClass", "priorityclasses", short=("pc",), namespaced=_CLUSTER)),
    *_kinds("node.k8s.io", Kind("RuntimeClass", "runtimeclasses", namespaced=_CLUSTER)),
    *_kinds("autoscaling", Kind("HorizontalPodAutoscaler", "horizontalpodautoscalers",
                                versions=("v2", "v2beta2", "v1"), short=("hpa",))),
    *_kinds("policy", Kind("PodDisruptionBudget", "poddisruptionbudgets", versions=("v1", "v1beta1"),
                           short=("pdb",))),
    *_kinds(
        "rbac.authorization.k8s.io",
        Kind("Role", "roles"),
        Kind("RoleBinding", "rolebindings"),
        Kind("ClusterRole", "clusterroles", namespaced=_CLUSTER),
        Kind("ClusterRoleBinding", "clusterrolebindings", namespaced=_CLUSTER),
    ),
    *_kinds("apiextensions.k8s.io", Kind("CustomResourceDefinition", "customresourcedefinitions",
                                         short=("crd", "crds"), namespaced=_CLUSTER)),
    *_kinds("apiregistration.k8s.io", Kind("APIService", "apiservices", namespaced=_CLUSTER)),
    *_kinds(
        "admissionregistration.k8s.io",
        Kind("ValidatingWebhookConfiguration", "validatingwebhookconfigurations", versions=("v1", "v1beta1"),
             namespaced=_CLUSTER),
        Kind("MutatingWebhookConfiguration", "mutatingwebhookconfigurations", versions=("v1", "v1beta1"),
             namespaced=_CLUSTER),
    ),
)

# Served by metrics-server (an aggregated API), not the API server itself; its plural repeats `pods`, so it
# is kept out of BUILTIN and of the word lookups.
POD_METRICS = Kind("PodMetrics", "pods", "metrics.k8s.io", ("v1beta1",))


def _index(pairs: Iterable[tuple[str, Kind]]) -> Mapping[str, Kind]:
    out: dict[str, Kind] = {}
    for key, kind in pairs:
        if key in out:
            raise ValueError(f"kinds.py: {key!r} names both {out[key].kind} and {kind.kind}")
        out[key] = kind
    return out


_BY_KIND = _index((k.kind, k) for k in BUILTIN)
_BY_PLURAL = _index((k.plural, k) for k in BUILTIN)
_BY_WORD = _index((w, k) for k in BUILTIN for w in k.words)


def by_kind(kind: str) -> Kind:
    """`Deployment` -> its row; KeyError for a kind not in the table."""
    return _BY_KIND[kind]


def by_plural(plural: str) -> Kind:
    """`deployments` -> its row; KeyError for a resource not in the table."""
    return _BY_PLURAL[plural]


def resolve(word: str) -> Kind | None:
    """The built-in kind a bare kubectl word names (`deploy`, `Deployment`, `deployments`), case-insensitively;
    None if none does. A `.version.group` suffix is the caller's to check."""
    return _BY_WORD.get(word.lower())
