"""An index over raw cluster objects (plain dicts as the API serves them), built once per analysis.

Analyzers ask it for objects by kind, by name, by label selector and for the events about an object.
Indexes other than by-kind are built lazily on first use, so a run that never matches selectors never pays
for the label index. Objects are never copied: 10,000 pods cost a dict insertion each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiops_chat.analysis import selectors

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace or "", name)

_EMPTY: dict[str, Any] = {}


def meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or _EMPTY


def name_of(obj: Mapping[str, Any]) -> str:
    return str(meta(obj).get("name") or "")


def namespace_of(obj: Mapping[str, Any]) -> str:
    return str(meta(obj).get("namespace") or "")


def labels_of(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return meta(obj).get("labels") or _EMPTY


def annotations_of(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return meta(obj).get("annotations") or _EMPTY


def spec_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("spec") or _EMPTY


def status_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("status") or _EMPTY


def conditions_of(obj: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """status.conditions by type."""
    return {str(c.get("type")): c for c in status_of(obj).get("conditions") or () if isinstance(c, Mapping)}


def controller_ref(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    refs = meta(obj).get("ownerReferences") or ()
    for ref in refs:
        if ref.get("controller"):
            return ref
    return refs[0] if refs else None


def event_time(ev: Mapping[str, Any]) -> str:
    """An event's latest timestamp as an ISO string (comparable as text)."""
    series = ev.get("series") or _EMPTY
    return str(
        ev.get("lastTimestamp") or series.get("lastObservedTime") or ev.get("eventTime")
        or ev.get("firstTimestamp") or meta(ev).get("creationTimestamp") or ""
    )


class Inventory:
    """Cluster objects grouped by kind, plus what the source could and could not list.

    `listed` holds the kinds the source actually listed; analyzers that reason about absence ("no Service
    of that name") check it first, so a snapshot without Services never accuses an Ingress of a missing one.
    `namespace` is the scope (None: all namespaces); `namespace_exists` says whether that namespace exists
    (False: the source says it does not; None: not known, or no namespace asked for).
    """

    def __init__(
        self,
        by_kind: Mapping[str, list[Obj]],
        *,
        listed: Iterable[str] | None = None,
        namespace: str | None = None,
        notes: Iterable[str] = (),
        namespace_exists: bool | None = None,
    ) -> None:
        self.namespace_exists = namespace_exists
        self._by_kind: dict[str, list[Obj]] = dict(by_kind)
        self.listed: frozenset[str] = frozenset(listed if listed is not None else
                                                (k for k, v in self._by_kind.items() if v))
        self.namespace = namespace
        self.notes: list[str] = list(notes)
        self._names: dict[str, dict[Key, Obj]] = {}
        self._events: dict[tuple[str, str, str], list[Obj]] | None = None
        self._pod_labels: dict[str, dict[tuple[str, str], list[Obj]]] | None = None
        self._pods_by_ns: dict[str, list[Obj]] | None = None

    @classmethod
    def from_objects(
        cls, objects: Iterable[Obj], *, namespace: str | None = None, notes: Iterable[str] = ()
    ) -> Inventory:
        """Group a flat stream of objects (each with its `kind`) by kind."""
        by_kind: dict[str, list[Obj]] = {}
        for obj in objects:
            kind = obj.get("kind")
            if isinstance(kind, str) and kind:
                lst = by_kind.get(kind)
                if lst is None:
                    by_kind[kind] = lst = []
                lst.append(obj)
        return cls(by_kind, namespace=namespace, notes=notes)

    # -- lookups ------------------------------------------------------------------------------------

    def all(self, kind: str) -> list[Obj]:
        return self._by_kind.get(kind) or []

    def kinds(self) -> list[str]:
        return sorted(self._by_kind)

    def has(self, kind: str) -> bool:
        """Whether the source listed this kind, so its absence means something."""
        return kind in self.listed

    def covers_namespace(self, namespace: str) -> bool:
        return self.namespace is None or self.namespace == namespace

    def get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        index = self._names.get(kind)
        if index is None:
            index = {(namespace_of(o), name_of(o)): o for o in self.all(kind)}
            self._names[kind] = index
        return index.get((namespace or "", name))

    def events_for(self, kind: str, namespace: str | None, name: str) -> list[Obj]:
        """Events whose involvedObject is this object, oldest first."""
        if self._events is None:
            index: dict[tuple[str, str, str], list[Obj]] = {}
            for ev in self.all("Event"):
                inv = ev.get("involvedObject") or ev.get("regarding") or _EMPTY
                key = (str(inv.get("kind") or ""), str(inv.get("namespace") or namespace_of(ev)),
                       str(inv.get("name") or ""))
                index.setdefault(key, []).append(ev)
            for evs in index.values():
                if len(evs) > 1:
                    evs.sort(key=event_time)
            self._events = index
        return self._events.get((kind, namespace or "", name)) or []

    def warning_events_for(self, kind: str, namespace: str | None, name: str) -> list[Obj]:
        return [e for e in self.events_for(kind, namespace, name) if e.get("type") == "Warning"]

    def pods_in(self, namespace: str) -> list[Obj]:
        if self._pods_by_ns is None:
            by_ns: dict[str, list[Obj]] = {}
            for pod in self.all("Pod"):
                by_ns.setdefault(namespace_of(pod), []).append(pod)
            self._pods_by_ns = by_ns
        return self._pods_by_ns.get(namespace) or []

    def pods_matching(self, namespace: str, selector: Mapping[str, Any] | None) -> list[Obj]:
        """Pods in a namespace matching a LabelSelector, or a plain label map (a Service's selector).

        An empty selector matches every pod, as for NetworkPolicy and PodDisruptionBudget.
        """
        if selector and "matchLabels" not in selector and "matchExpressions" not in selector:
            selector = {"matchLabels": selector}
        pods = self.pods_in(namespace)
        if not selector or not pods:
            return list(pods)
        match_labels: Mapping[str, Any] = selector.get("matchLabels") or _EMPTY
        if match_labels:
            index = self._label_index().get(namespace) or {}
            # Intersect from the rarest label, so a selector costs what its answer costs.
            lists = sorted((index.get((k, str(v))) or [] for k, v in match_labels.items()), key=len)
            candidates = lists[0]
            for other in lists[1:]:
                if not candidates:
                    break
                ids = {id(p) for p in other}
                candidates = [p for p in candidates if id(p) in ids]
        else:
            candidates = pods
        if selector.get("matchExpressions"):
            candidates = [p for p in candidates if selectors.matches(labels_of(p), selector)]
        return list(candidates)

    def _label_index(self) -> dict[str, dict[tuple[str, str], list[Obj]]]:
        if self._pod_labels is None:
            index: dict[str, dict[tuple[str, str], list[Obj]]] = {}
            for pod in self.all("Pod"):
                per_ns = index.get(namespace_of(pod))
                if per_ns is None:
                    index[namespace_of(pod)] = per_ns = {}
                for item in labels_of(pod).items():
                    lst = per_ns.get(item)
                    if lst is None:
                        per_ns[item] = lst = []
                    lst.append(pod)
            self._pod_labels = index
        return self._pod_labels

    # -- ownership ----------------------------------------------------------------------------------

    def root_of(self, obj: Mapping[str, Any]) -> str | None:
        """The controller an object rolls up to, as "Kind/name" (same namespace), or None for a root.

        Pods climb ReplicaSet -> Deployment and Job -> CronJob. When the ReplicaSet itself was not listed,
        the pod-template-hash label still tells the Deployment's name.
        """
        ref = controller_ref(obj)
        if ref is None:
            return None
        kind, name = str(ref.get("kind") or ""), str(ref.get("name") or "")
        if not kind or not name or kind == "Node":
            return None  # static pods are mirrored by their node; they have no controller to fix
        if kind in ("ReplicaSet", "Job"):
            owner = self.get(kind, namespace_of(obj), name)
            if owner is not None:
                return self.root_of(owner) or f"{kind}/{name}"
            if kind == "ReplicaSet":
                pod_hash = labels_of(obj).get("pod-template-hash")
                if pod_hash and name.endswith("-" + pod_hash):
                    return f"Deployment/{name[: -len(pod_hash) - 1]}"
        return f"{kind}/{name}"
