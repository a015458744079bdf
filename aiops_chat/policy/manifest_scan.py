"""What a manifest holds, read the way kubectl reads it: each object's kind and namespace, and bindings.

kubectl decodes a stream that starts with `{` as concatenated JSON objects and anything else as YAML
documents, and unpacks every object that has `items` (a List). The policy parses the same way, JSON
and flow-style YAML included, rather than matching lines of text. A manifest it cannot parse is refused
(fail closed): a namespace the policy cannot see may be a protected one. Duplicate keys are refused too,
because PyYAML and kubectl's decoders need not pick the same one. So is any explicit YAML tag (`!!binary`,
`!!str`, `!custom`, `%TAG` shorthands): PyYAML turns `kind: !!binary TmFtZXNwYWNl` into bytes the scan
would skip, while kubectl reads the text "Namespace"; a tag means whatever each decoder makes of it, so
none is accepted. After parsing, every value must be a type both sides read alike (mappings, lists,
strings, numbers, booleans, null, implicit timestamps); anything else is refused too. Anchors, aliases
and merge keys are accepted: PyYAML and kubectl's go-yaml resolve them the same way, and the scan reads
the resolved values.

Beyond namespaces, the scan refuses administrator-like RBAC (rbac.py) and pod specs that reach the node
(pod_security.py: privileged, host namespaces, hostPath ...), and reports outage patterns
(impact.py: zero replicas, NoExecute taints, zero quotas) that make the write destructive.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiops_chat.policy import pod_security, rbac
from aiops_chat.policy.impact import largest_replicas, object_impacts
from aiops_chat.policy.refusal import Refusal

MAX_SCAN_BYTES = 4 * 1024 * 1024
_MAX_OBJECTS = 100_000  # YAML aliases can make a small file hold a huge (or cyclic) tree of List items
_MAX_NODES = 1_000_000  # every value, for the type check: shared (aliased) subtrees count each time they appear
_CLUSTER_ADMIN_TEXT = re.compile(rb"(?<![A-Za-z0-9-])cluster-admin(?![A-Za-z0-9-])")
# Files kubectl reads when it walks a directory (cli-runtime's FileExtensions, compared case-sensitively);
# a file named explicitly is read whatever its name.
_KUBECTL_EXTENSIONS = (".json", ".yaml", ".yml")
_MERGE_TAG = "tag:yaml.org,2002:merge"
_ITEMS = frozenset({"items"})

# (lower-cased kind aliases, why an object of such a kind may not be acted on), e.g. what delete refuses.
RefusedKinds = tuple[tuple[frozenset[str], str], ...]


@functools.cache
def _strict_loader() -> type[Any]:
    """A SafeLoader that refuses a mapping with the same key twice (built on first use: yaml loads lazily)."""
    import yaml

    base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 4 MB parse in well under 1 s

    class StrictLoader(base):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            keys = [k.value for k, _ in node.value if k.tag != _MERGE_TAG and isinstance(k, yaml.ScalarNode)]
            if len(set(keys)) != len(keys):
                duplicate = next(k for k in keys if keys.count(k) > 1)
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {duplicate}", node.start_mark)
            result: dict[Any, Any] = super().construct_mapping(node, deep=deep)
            return result

    return StrictLoader


@dataclass(frozen=True)
class ManifestFacts:
    """Namespaces a manifest writes to (metadata.namespace, and Namespace objects by name) and its kinds."""

    namespaces: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()  # lower-cased, as written in `kind:`
    impacts: tuple[str, ...] = ()        # why writing these objects is an outage (impact.py)
    replicas: int = 0                    # the largest replicas/minReplicas asked for (the ceiling is the session's)

    def __or__(self, other: ManifestFacts) -> ManifestFacts:
        return ManifestFacts(self.namespaces | other.namespaces, self.kinds | other.kinds,
                             tuple(dict.fromkeys(self.impacts + other.impacts)), max(self.replicas, other.replicas))

    def outage(self, where: str, replica_ceiling: int) -> str:
        """Why writing these objects is an outage, or "": their impacts, and replicas beyond the ceiling."""
        impacts = list(self.impacts)
        if self.replicas > replica_ceiling:
            impacts.append(f"{self.replicas} replicas is beyond {replica_ceiling}, ten times the auto tier's "
                           "ceiling, and can take the cluster's capacity from other workloads")
        if not impacts:
            return ""
        return f"the manifest {where}: {impacts[0]}" + (f" (and {len(impacts) - 1} more)" if len(impacts) > 1 else "")

    def protected_in(self, protected: frozenset[str]) -> str | None:
        hit = sorted(self.namespaces & protected)
        return hit[0] if hit else None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key}")
        out[key] = value
    return out


def _json_stream(text: str) -> list[Any]:
    decoder = json.JSONDecoder(object_pairs_hook=_no_duplicates)
    documents: list[Any] = []
    index = 0
    while True:
        while index < len(text) and text[index] in " \t\r\n":
            index += 1
        if index == len(text):
            return documents
        document, index = decoder.raw_decode(text, index)
        documents.append(document)


def _documents(data: bytes, where: str) -> list[Any]:
    """apimachinery's YAMLOrJSONDecoder reads a stream starting with `{` as JSON; newer releases fall back
    to YAML when that fails (flow-style YAML starts with `{` too), so a failed JSON read is retried as YAML."""
    import yaml

    try:
        if data.lstrip(b" \t\r\n").startswith(b"{"):
            try:
                return _json_stream(data.decode("utf-8"))
            except ValueError:  # UnicodeDecodeError is a ValueError too
                pass
        _refuse_tags(data, where)
        return list(yaml.load_all(data, Loader=_strict_loader()))
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise Refusal(f"cannot read manifest {where} to check its namespaces: it is not valid YAML or JSON "
                      f"({_first_line(exc)})") from None


def parse_documents(data: bytes, where: str) -> list[Any]:
    """The documents as kubectl would read them, refused when tagged, duplicated or of an odd type."""
    documents = _documents(data, where)
    _check_types(documents, where)
    return documents


def _refuse_tags(data: bytes, where: str) -> None:
    """Any explicit tag on a node, whatever it says: each decoder gives tags its own meaning."""
    import yaml

    for event in yaml.parse(data, Loader=_strict_loader()):
        tag = getattr(event, "tag", None) if isinstance(event, yaml.NodeEvent) else None
        if tag is not None:
            raise Refusal(f"the manifest {where} uses the YAML tag {tag}; kubectl and the policy may read a "
                          "tagged value differently, so tags are not allowed (write the value plainly)")


_PLAIN_TYPES = (str, int, float, bool, type(None), datetime.date)  # datetime.datetime is a date too


def _check_types(documents: list[Any], where: str) -> None:
    """Only values both decoders read alike; no recursion (aliases can nest deeply), with a cap."""
    stack: list[Any] = list(documents)
    seen = 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > _MAX_NODES:
            raise Refusal(f"the manifest {where} holds more than {_MAX_NODES} values, too many to check")
        if isinstance(item, Mapping):
            for key in item:
                if not isinstance(key, _PLAIN_TYPES):
                    raise _odd_type(key, where)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif not isinstance(item, _PLAIN_TYPES):
            raise _odd_type(item, where)


def _odd_type(value: object, where: str) -> Refusal:
    return Refusal(f"the manifest {where} holds a {type(value).__name__} value, which the policy does not "
                   "read the way kubectl does; it is refused")


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:120] or type(exc).__name__


def _fields(obj: Mapping[Any, Any], name: str) -> list[Any]:
    """Values under ``name`` in any letter case: decoders differ on case, so every spelling counts. Case
    folded, as Go's case-insensitive JSON matching folds: "ſ" (long s) is "s", "K" (Kelvin) is "k"."""
    return [v for k, v in obj.items() if isinstance(k, str) and k.casefold() == name]


def _strings(values: Iterable[Any]) -> set[str]:
    return {str(v) for v in values if isinstance(v, (str, int)) and not isinstance(v, bool)}


def _objects(documents: list[Any], where: str) -> Iterable[Mapping[Any, Any]]:
    """Every object, List items unpacked (at any depth), without recursion and with a cap."""
    stack: list[Any] = list(reversed(documents))
    seen = 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > _MAX_OBJECTS:
            raise Refusal(f"the manifest {where} holds more than {_MAX_OBJECTS} objects, too many to check")
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, Mapping):
            yield item
            for items in _fields(item, "items"):
                if isinstance(items, list):
                    stack.extend(reversed(items))


def read_manifest(data: bytes, where: str = "stdin") -> ManifestFacts:
    """The facts of one manifest; refused when unreadable, tagged, or granting administrator-like RBAC."""
    if len(data) > MAX_SCAN_BYTES:
        raise Refusal(f"the manifest {where} is too large for the policy to check its namespaces")
    if _CLUSTER_ADMIN_TEXT.search(data):
        raise _cluster_admin(where)
    documents = parse_documents(data, where)
    namespaces: set[str] = set()
    kinds: set[str] = set()
    impacts: list[str] = []
    replicas = 0
    for obj in _objects(documents, where):
        kind = {k.lower() for k in _strings(_fields(obj, "kind"))}
        kinds |= kind
        names: set[str] = set()
        for metadata in _fields(obj, "metadata"):
            if not isinstance(metadata, Mapping):
                continue
            namespaces |= _strings(_fields(metadata, "namespace"))
            names |= _strings(_fields(metadata, "name"))
            if "namespace" in kind:  # the Namespace object itself: relabelling it can lift pod security
                namespaces |= _strings(_fields(metadata, "name"))
        label = f"{'/'.join(sorted(kind)) or 'object'} {'/'.join(sorted(names))}".strip()
        _check_rbac(obj, kind, f"the manifest {where} ({label})")
        # A List's items are objects of their own, checked (and named) as such; `items` that is not a list
        # is no List (nothing unpacks it), so it is checked as part of this object.
        listed = all(isinstance(items, list) for items in _fields(obj, "items"))
        pod_security.check_object(obj, f"the manifest {where} ({label})", skip=_ITEMS if listed else frozenset())
        impacts += object_impacts(obj, label)
        replicas = max(replicas, largest_replicas(obj))
    return ManifestFacts(frozenset(namespaces), frozenset(kinds), tuple(dict.fromkeys(impacts)), replicas)


def _check_rbac(obj: Mapping[Any, Any], kind: set[str], where: str) -> None:
    """Roles judged by their rules, bindings by their role and subjects (in any object: kind may be hidden)."""
    if _fields(obj, "aggregationrule"):
        raise Refusal(f"{where} aggregates rules from other roles chosen by label, which can take in "
                      "cluster-admin's; it is never allowed")
    for rules in _fields(obj, "rules"):
        if isinstance(rules, list):
            rbac.check_role_rules([(_str_list(r, "verbs"), _str_list(r, "resources"),
                                    # null in a string list decodes to "" (the core group) on the server
                                    ["" if g is None else str(g) for g in _list(r, "apigroups")]
                                    if _fields(r, "apigroups") else None)
                                   for r in rules if isinstance(r, Mapping)], where)
    subjects = [n for s in _list(obj, "subjects") if isinstance(s, Mapping) for n in _strings(_fields(s, "name"))]
    for role_ref in _fields(obj, "roleref"):
        # Escapes (`"cluster\u002dadmin"`) hide the name from the text search; the parsed value shows it.
        if isinstance(role_ref, Mapping):
            for role in _strings(_fields(role_ref, "name")):
                rbac.check_binding(role, cluster_wide="clusterrolebinding" in kind, subjects=subjects, where=where)


def _cluster_admin(where: str) -> Refusal:
    return Refusal(f"the manifest {where} refers to cluster-admin; bindings to cluster-admin are never allowed")


def _list(obj: Mapping[Any, Any], name: str) -> list[Any]:
    return [item for value in _fields(obj, name) if isinstance(value, list) for item in value]


def _str_list(obj: Mapping[Any, Any], name: str) -> list[str]:
    return [str(v) for v in _list(obj, name) if isinstance(v, str)]


def refuse_kinds(facts: ManifestFacts, refused: RefusedKinds, where: str) -> None:
    for aliases, reason in refused:
        hit = sorted(facts.kinds & aliases)
        if hit:
            raise Refusal(f"the manifest {where} holds a {hit[0]} object: {reason}")


def scan_manifest_text(data: bytes, protected: frozenset[str], where: str = "stdin") -> str | None:
    """The first protected namespace a manifest writes to; cluster-admin and unreadable manifests are refused."""
    return read_manifest(data, where).protected_in(protected)


def read_manifest_files(files: Iterable[tuple[str, bool]]) -> ManifestFacts:
    """The facts of every file kubectl would read; ``(path, named)``, named False when found in a directory.

    A file found in a directory without a .json/.yaml/.yml name is skipped by kubectl, so it may be
    unparsable here; it is still checked if it parses, and a mention of cluster-admin is still refused.
    """
    facts = ManifestFacts()
    budget = MAX_SCAN_BYTES
    for path, named in files:
        try:
            with open(path, "rb") as handle:
                data = handle.read(budget + 1)
        except OSError:
            continue  # kubectl will fail on it too; nothing gets written
        budget -= len(data)
        if budget < 0:
            raise Refusal("the manifests are too large for the policy to check their namespaces")
        where = os.path.basename(path)
        try:
            facts |= read_manifest(data, where)
        except Refusal:
            if named or path.endswith(_KUBECTL_EXTENSIONS) or _CLUSTER_ADMIN_TEXT.search(data):
                raise
    return facts
