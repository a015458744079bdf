"""Outages by another name: what an object or a patch body does that makes a write destructive.

`kubectl scale --replicas=0` is an outage, and so is `patch -p '{"spec":{"replicas":0}}'` or an applied
manifest saying `replicas: 0`; `taint ... :NoExecute` evicts a node's pods and so does a Node object or
patch carrying that taint; a ResourceQuota with a zero hard limit refuses every new pod (or object) in its
namespace. A patch that sets a `selector` moves a Service's traffic to whatever pods match, silently.
Each is still allowed, but as destructive: a person types the object's name, `--yes` and the auto tier
never run it. The reasons returned here go into the verdict's reason, so the approval prompt shows them.

Near zero is an outage too. A limit below the smallest container anyone runs (CPU under 10m, memory
under 16Mi) kills or starves every container it applies to: `resources.limits` in a pod spec, `set
resources --limits`, a LimitRange's `max` or `default`. A namespace's quota is shared by all its pods, so
its floor is ten such containers (CPU under 100m, memory or ephemeral storage under 160Mi), and `pods`
at 1 or less stops every rollout (a rolling update needs one pod more). A Service's `targetPort` changed
by a patch sends its traffic to a port that may have nothing behind it, as a selector patch does. The
other side: replicas (or an HPA's minReplicas) beyond ten times the auto tier's ceiling
(`policy.auto_max_replicas`) can take the cluster's capacity, preempting other pods; the caller compares
:func:`largest_replicas` with :func:`replica_ceiling`, which depends on the session.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

# A Kubernetes quantity: sign, decimal number, then an exponent or a suffix (m, k, Ki, Mi, G ...).
_QUANTITY = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+|[A-Za-z]{0,2})?\Z")
NO_EXECUTE = "noexecute"
_SUFFIXES = {"": 1.0, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
             "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40, "Pi": 2.0**50, "Ei": 2.0**60}
# Below these a container cannot run (CPU in cores, memory in bytes); a namespace quota gets ten times.
CONTAINER_FLOORS = {"cpu": 0.010, "memory": 16 * 2.0**20, "ephemeral-storage": 16 * 2.0**20}
QUOTA_FACTOR = 10
MIN_QUOTA_PODS = 2
REPLICA_CEILING_FACTOR = 10
_FLOOR_TEXT = {"cpu": "10m", "memory": "16Mi", "ephemeral-storage": "16Mi"}
_QUOTA_FLOOR_TEXT = {"cpu": "100m", "memory": "160Mi", "ephemeral-storage": "160Mi"}


def zero_quantity(value: object) -> bool:
    """True for 0, "0", "0m", "0Gi", "0.0", "+0", "0e3" ... (a bool is not a quantity)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value == 0
    if not isinstance(value, str):
        return False
    m = _QUANTITY.match(value.strip())
    return m is not None and float(m.group(1)) == 0


def quantity(value: object) -> float | None:
    """A Kubernetes quantity as a number ("100m" -> 0.1, "1Gi" -> 2**30, "1e3" -> 1000); None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _QUANTITY.match(text)
    if m is None:
        return None
    number, rest = float(m.group(1)), text[m.end(1):]
    sign = -1.0 if text.startswith("-") else 1.0
    if rest[:1] in ("e", "E") and len(rest) > 1:
        try:
            return sign * number * 10.0 ** int(rest[1:])
        except ValueError:
            return None
    factor = _SUFFIXES.get(rest)
    return None if factor is None else sign * number * factor


def below_floor(resource: str, value: object, *, quota: bool = False) -> str:
    """Why a limit (or, with ``quota``, a namespace's hard limit) of ``resource`` is near zero, or ""."""
    name = resource.strip().lower()
    if quota and name in ("pods", "count/pods"):
        count = quantity(value)
        return f"{resource}={value} leaves no room for a rollout's extra pod" \
            if count is not None and count < MIN_QUOTA_PODS else ""
    if quota:
        name = name.removeprefix("requests.").removeprefix("limits.")
    floor = CONTAINER_FLOORS.get(name)
    amount = quantity(value)
    if floor is None or amount is None:
        return ""
    factor = QUOTA_FACTOR if quota else 1
    if amount < floor * factor:
        if quota:
            return f"{resource}={value} is below {_QUOTA_FLOOR_TEXT[name]}, room for ten of the smallest containers"
        return f"{resource}={value} is below {_FLOOR_TEXT[name]}, less than the smallest container needs"
    return ""


def replica_ceiling(auto_max_replicas: int) -> int:
    return max(auto_max_replicas, 1) * REPLICA_CEILING_FACTOR


def largest_replicas(obj: Any) -> int:
    """The largest `spec.replicas` or `spec.minReplicas` in an object or a patch body (JSON patches too)."""
    counts = [v for body in _as_objects(obj, []) for spec in _get(body, "spec") if isinstance(spec, Mapping)
              for name in ("replicas", "minreplicas") for v in _get(spec, name)
              if isinstance(v, int) and not isinstance(v, bool)]
    return max(counts, default=0)


def go_int(text: str) -> int | None:
    """An integer flag value as pflag reads it (strconv.ParseInt, base 0): "0x0", "0o0", "00", "+0", "0_0" are 0."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or body.strip() != body:
        return None
    base, digits = 10, body
    if body[:2].lower() in ("0x", "0o", "0b"):
        base, digits = {"x": 16, "o": 8, "b": 2}[body[1].lower()], body[2:].lstrip("_")
    elif len(body) > 1 and body[0] == "0":
        base, digits = 8, body[1:].lstrip("_")
    try:
        value = int(digits, base)
    except ValueError:
        return None
    return -value if text.startswith("-") else value


def _get(obj: Mapping[Any, Any], name: str) -> list[Any]:
    """Values under ``name`` in any letter case: decoders differ on case, so every spelling counts. Case
    folded, as Go's case-insensitive JSON matching folds: "ſ" (long s) is "s", "K" (Kelvin) is "k"."""
    return [v for k, v in obj.items() if isinstance(k, str) and k.casefold() == name]


def object_impacts(obj: Mapping[Any, Any], what: str) -> list[str]:
    """Reasons ``obj`` (a whole object or a merge patch) is an outage write; ``what`` names it."""
    found: list[str] = []
    for spec in _get(obj, "spec"):
        if not isinstance(spec, Mapping):
            continue
        if any(isinstance(v, (int, float)) and not isinstance(v, bool) and v == 0 for v in _get(spec, "replicas")):
            found.append(f"it sets {what} to zero replicas")
        for taints in _get(spec, "taints"):
            if isinstance(taints, list) and any(_no_execute(t) for t in taints):
                found.append(f"it taints {what} NoExecute, which evicts every pod without a toleration")
        for hard in _get(spec, "hard"):
            if isinstance(hard, Mapping) and any(zero_quantity(v) for v in hard.values()):
                found.append("a ResourceQuota with a zero hard limit refuses every new object of that kind")
            elif isinstance(hard, Mapping):
                found += [f"a ResourceQuota near zero refuses new pods: {why}" for k, v in hard.items()
                          if isinstance(k, str) and (why := below_floor(k, v, quota=True))]
        for limits in _get(spec, "limits"):  # a LimitRange: `max` rejects bigger pods, `default` is given to all
            for item in limits if isinstance(limits, list) else []:
                found += [f"a LimitRange {field} near zero starves every new container: {why}"
                          for field in ("max", "default") for bound in _get(item, field) if isinstance(bound, Mapping)
                          for k, v in bound.items() if isinstance(k, str) and (why := below_floor(k, v))]
    found += [f"it limits a container of {what} near zero, which kills or starves it: {why}"
              for limits in _container_limits(obj) for k, v in limits.items()
              if isinstance(k, str) and (why := below_floor(k, v))]
    return found


def _container_limits(obj: Any) -> list[Mapping[Any, Any]]:
    """Every `resources.limits` mapping at any depth (a pod spec's containers, wherever the kind keeps them)."""
    return [lim for item in _mappings(obj, 1_000_000) for resources in _get(item, "resources")
            if isinstance(resources, Mapping) for lim in _get(resources, "limits") if isinstance(lim, Mapping)]


def _mappings(obj: Any, limit: int) -> Iterator[Mapping[Any, Any]]:
    """Every mapping at any depth, at most ``limit`` values visited (YAML aliases can make a tree huge)."""
    stack = [obj]
    seen = 0
    while stack and seen < limit:
        item = stack.pop()
        seen += 1
        if isinstance(item, Mapping):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _no_execute(taint: object) -> bool:
    return isinstance(taint, Mapping) and any(isinstance(e, str) and e.strip().lower() == NO_EXECUTE
                                              for e in _get(taint, "effect"))


def patch_impacts(body: Any, what: str) -> list[str]:
    """Reasons a patch body (merge, strategic merge or JSON patch) is an outage write or moves traffic."""
    found: list[str] = []
    for obj in _as_objects(body, found):
        found += object_impacts(obj, what)
        if _has_key(obj, "selector"):
            found.append(f"it changes the selector of {what}, which moves a Service's traffic to whatever "
                         "pods match")
        if _has_key(obj, "targetport"):
            found.append(f"it changes a targetPort of {what}, which sends a Service's traffic to a port that "
                         "may have nothing listening")
    return list(dict.fromkeys(found))


def _as_objects(body: Any, found: list[str]) -> Iterable[Mapping[Any, Any]]:
    """A merge patch is an object; a JSON patch (a list of operations) is turned into one object per op."""
    if isinstance(body, Mapping):
        yield body
        return
    if not isinstance(body, list):
        return
    for verb, path, merged in json_patch_ops(body):
        if merged is not None:
            yield merged
        elif any(word in path.lower() for word in ("selector", "replicas", "taints", "hard", "targetport",
                                                   "limits")):
            # remove / move / copy: the value is not in the patch, so the change cannot be judged harmless.
            found.append(f"its JSON patch {verb or 'operation'} on {path} changes what the policy cannot see")


def json_patch_ops(ops: list[Any]) -> Iterator[tuple[str, str, Mapping[Any, Any] | None]]:
    """(op, path, the op as a merge patch) for each operation of a JSON patch; the merge patch is None for ops
    whose value is not in the patch (remove, move, copy, test)."""
    for op in ops:
        if not isinstance(op, Mapping):
            continue
        path = next((p for p in _get(op, "path") if isinstance(p, str)), "")
        verb = next((o for o in _get(op, "op") if isinstance(o, str)), "").lower()
        if verb in ("add", "replace"):
            values = _get(op, "value")
            yield verb, path, pointer_object(path, values[0] if values else None)
        else:
            yield verb, path, None


def pointer_segments(path: str) -> list[str]:
    """`/metadata/annotations/a~1b` -> ["metadata", "annotations", "a/b"] (JSON pointer escapes undone)."""
    return [s.replace("~1", "/").replace("~0", "~") for s in path.split("/")[1:]]


def pointer_object(path: str, value: Any) -> Mapping[Any, Any]:
    """`/spec/taints/-` + value -> {"spec": {"taints": [value]}}: a JSON patch op as a merge patch."""
    out: Any = value
    for name in reversed(pointer_segments(path)):
        out = [out] if name == "-" or name.isdigit() else {name: out}
    return out if isinstance(out, Mapping) else {}


def _has_key(obj: Any, name: str) -> bool:
    """Whether a mapping key equal to ``name`` (any case) appears at any depth."""
    return any(isinstance(k, str) and k.casefold() == name for item in _mappings(obj, 100_000) for k in item)
