"""Objects from a file: YAML or JSON, a `kind: List`, a multi-document stream, or `kubectl get -o yaml|json`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiops_chat.analysis.gc_pause import gc_paused
from aiops_chat.analysis.inventory import Inventory, Obj, name_of, namespace_of
from aiops_chat.errors import SnapshotError


def load_snapshot(path: str | Path, *, namespace: str | None = None) -> Inventory:
    """Read a snapshot file into an inventory scoped to `namespace` (None: everything in the file)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SnapshotError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{p}: cannot read: {exc}") from None
    return inventory_from_text(text, source=str(p), namespace=namespace)


def inventory_from_text(text: str, *, source: str, namespace: str | None = None) -> Inventory:
    with gc_paused():
        return _inventory(parse_documents(text, source=source), source=source, namespace=namespace)


def _inventory(docs: list[Any], *, source: str, namespace: str | None) -> Inventory:
    recorded = _recorded(docs)
    skipped = kept = 0
    objects: list[Obj] = []
    namespaces: set[str] = set()
    for obj in flatten(docs):
        if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str) or not obj.get("kind"):
            skipped += 1
            continue
        kept += 1
        if namespace:  # only a scoped run asks whether its namespace exists; the common path stays lean
            obj_ns = namespace_of(obj)
            namespaces.add(obj_ns if obj_ns or obj["kind"] != "Namespace" else name_of(obj))
            if obj_ns not in ("", namespace):
                continue
        objects.append(obj)
    if recorded is not None:
        namespaces.add(recorded.namespace)
    if not kept and not skipped and recorded is None:
        raise SnapshotError(f"{source}: no Kubernetes objects found (expected objects with a `kind`, a List, "
                            "or the output of `kubectl get -o yaml`)")
    if not kept and skipped:
        raise SnapshotError(f"{source}: none of its {skipped} documents is a Kubernetes object (no `kind`)")
    notes = [f"{source}: skipped {skipped} entries without a kind"] if skipped else []
    scope = namespace or (recorded.namespace if recorded is not None else None) or None
    inv = Inventory.from_objects(objects, namespace=scope, notes=notes)
    if recorded is not None:
        # `aiops snapshot` says which kinds it listed in full: an empty kind still means "none exist", and a
        # kind it holds only in part (ConfigMaps: Helm's storage only) proves no absence, as when live.
        inv.listed = frozenset(recorded.kinds)
    if namespace:
        inv.namespace_exists = namespace in namespaces
    return inv


@dataclass(frozen=True)
class Recorded:
    """What `aiops snapshot` records about its own collection, in the List's metadata.annotations."""

    kinds: tuple[str, ...]
    namespace: str  # "" for all namespaces


def _recorded(docs: list[Any]) -> Recorded | None:
    if len(docs) != 1 or not isinstance(docs[0], dict):
        return None
    annotations = (docs[0].get("metadata") or {}).get("annotations") or {}
    kinds = annotations.get(LISTED_KINDS) if isinstance(annotations, dict) else None
    if not isinstance(kinds, str):
        return None
    ns = annotations.get(SCOPE)
    return Recorded(tuple(k for k in kinds.split(",") if k), ns if isinstance(ns, str) else "")


def snapshot_document(inv: Inventory, *, metadata_only: Iterable[str] = ()) -> dict[str, Any]:
    """The inventory as a `kind: List` recording the kinds listed and the scope, for `aiops snapshot`.

    managedFields are dropped (bulk the analyzers never read). Kinds listed for their metadata only keep
    names, labels and owners: their annotations can hold the payload itself (kubectl's last-applied
    configuration of a Secret carries its data), which no snapshot should.
    """
    bare = frozenset(metadata_only)
    items: list[Obj] = []
    for kind in inv.kinds():
        for obj in inv.all(kind):
            meta = dict(obj.get("metadata") or {})
            meta.pop("managedFields", None)
            if kind in bare:
                meta = {k: meta[k] for k in _BARE_METADATA if k in meta}
                obj = {"apiVersion": obj.get("apiVersion"), "kind": kind, "metadata": meta}
            else:
                obj = {**obj, "metadata": meta}
            items.append(obj)
    return {"apiVersion": "v1", "kind": "List",
            "metadata": {"annotations": {LISTED_KINDS: ",".join(sorted(inv.listed)), SCOPE: inv.namespace or ""}},
            "items": items}


LISTED_KINDS = "aiops-chat/listed-kinds"
SCOPE = "aiops-chat/namespace"
_BARE_METADATA = ("name", "namespace", "uid", "labels", "ownerReferences", "creationTimestamp")


def parse_documents(text: str, *, source: str) -> list[Any]:
    with gc_paused():
        return _parse_documents(text, source=source)


def _parse_documents(text: str, *, source: str) -> list[Any]:
    stripped = text.lstrip()
    if not stripped:
        raise SnapshotError(f"{source}: the file is empty")
    if stripped[0] in "{[":
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as exc:
            if source.endswith(".json"):
                raise SnapshotError(f"{source}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
            # Flow-style YAML also starts with { or [; let the YAML parser have its say.
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [doc for doc in yaml.load_all(text, Loader=loader) if doc is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SnapshotError(f"{source}: not valid YAML or JSON: {where}{problem}") from None


def flatten(docs: Iterable[Any]) -> Iterator[Any]:
    """Objects from documents that are objects, Lists (`kind: List`, `PodList` ...) or bare arrays."""
    for doc in docs:
        if isinstance(doc, list):
            yield from flatten(doc)
        elif isinstance(doc, dict) and isinstance(doc.get("items"), list) and (
            str(doc.get("kind") or "List").endswith("List")
        ):
            # Items of a typed list (what the API returns) carry no kind of their own.
            item_kind = str(doc.get("kind") or "List")[: -len("List")]
            for item in doc["items"]:
                if isinstance(item, dict) and item_kind and not item.get("kind"):
                    item["kind"] = item_kind
                yield item
        else:
            yield doc
