"""Outages by another name: what an object or a patch body does that makes a write destructive.

`kubectl scale --replicas=0` is an outage, and so is `patch -p '{"spec":{"replicas":0}}'` or an applied
manifest saying `replicas: 0`; `taint ... :NoExecute` evicts a node's pods and so does a Node object or
patch carrying that taint; a ResourceQuota with a zero hard limit refuses every new pod (or object) in its
namespace. A patch that sets a `selector` moves a Service's traffic to whatever pods match, silently.
Each is still allowed, but as destructive: a person types the object's name, `--yes` and the auto tier
never run it. The reasons returned here go into the verdict's reason, so the approval prompt shows them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# A Kubernetes quantity: sign, decimal number, then an exponent or a suffix (m, k, Ki, Mi, G ...).
_QUANTITY = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+|[A-Za-z]{0,2})?\Z")
NO_EXECUTE = "noexecute"


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
    """Values under ``name`` in any letter case: decoders differ on case, so every spelling counts."""
    return [v for k, v in obj.items() if isinstance(k, str) and k.lower() == name]


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
    return found


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
    return list(dict.fromkeys(found))


def _as_objects(body: Any, found: list[str]) -> Iterable[Mapping[Any, Any]]:
    """A merge patch is an object; a JSON patch (a list of operations) is turned into one object per op."""
    if isinstance(body, Mapping):
        yield body
        return
    if not isinstance(body, list):
        return
    for op in body:
        if not isinstance(op, Mapping):
            continue
        path = next((p for p in _get(op, "path") if isinstance(p, str)), "")
        verb = next((o for o in _get(op, "op") if isinstance(o, str)), "").lower()
        if verb in ("add", "replace"):
            values = _get(op, "value")
            yield pointer_object(path, values[0] if values else None)
        elif any(word in path.lower() for word in ("selector", "replicas", "taints", "hard")):
            # remove / move / copy: the value is not in the patch, so the change cannot be judged harmless.
            found.append(f"its JSON patch {verb or 'operation'} on {path} changes what the policy cannot see")


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
    stack = [obj]
    seen = 0
    while stack and seen < 100_000:
        item = stack.pop()
        seen += 1
        if isinstance(item, Mapping):
            if any(isinstance(k, str) and k.lower() == name for k in item):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
