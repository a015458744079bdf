"""Kubernetes label selectors: the structured form objects carry and the string form `-l` takes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from aiops_chat.errors import SnapshotError

Labels = Mapping[str, str]
LabelPredicate = Callable[[Labels], bool]


def requirements_of(selector: Mapping[str, Any] | None) -> list[tuple[str, str, tuple[str, ...]]]:
    """A LabelSelector ({matchLabels, matchExpressions}) as (key, operator, values) requirements."""
    if not selector:
        return []
    reqs: list[tuple[str, str, tuple[str, ...]]] = [
        (k, "In", (str(v),)) for k, v in (selector.get("matchLabels") or {}).items()
    ]
    for expr in selector.get("matchExpressions") or ():
        reqs.append((str(expr.get("key", "")), str(expr.get("operator", "")), tuple(expr.get("values") or ())))
    return reqs


def requirement_holds(labels: Labels, key: str, op: str, values: tuple[str, ...]) -> bool:
    if op == "In":
        return labels.get(key) in values
    if op == "NotIn":
        return labels.get(key) not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    # An operator we do not know selects nothing, as the API server would reject it anyway.
    return False


def matches(labels: Labels | None, selector: Mapping[str, Any] | None) -> bool:
    """Whether labels satisfy a structured LabelSelector. An empty selector matches everything."""
    labels = labels or {}
    return all(requirement_holds(labels, k, op, vals) for k, op, vals in requirements_of(selector))


_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<notexists>!\s*(?P<nkey>[\w./-]+))"
    r"|(?P<setkey>[\w./-]+)\s+(?P<setop>in|notin)\s*\((?P<setvals>[^)]*)\)"
    r"|(?P<key>[\w./-]+)\s*(?:(?P<op>==|!=|=)\s*(?P<val>[\w./-]*))?"
    r")\s*(?:,|$)"
)


def parse_selector(text: str) -> LabelPredicate:
    """Parse kubectl's `-l` syntax (a=b, a!=b, a in (x,y), a notin (x), a, !a; comma-separated)."""
    reqs: list[tuple[str, str, tuple[str, ...]]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SnapshotError(f"invalid label selector {text!r} near {text[pos:]!r}")
        pos = m.end()
        if m.group("notexists"):
            reqs.append((m.group("nkey"), "DoesNotExist", ()))
        elif m.group("setkey"):
            vals = tuple(v.strip() for v in m.group("setvals").split(",") if v.strip())
            reqs.append((m.group("setkey"), "In" if m.group("setop") == "in" else "NotIn", vals))
        elif m.group("op"):
            op = "NotIn" if m.group("op") == "!=" else "In"
            reqs.append((m.group("key"), op, (m.group("val"),)))
        else:
            reqs.append((m.group("key"), "Exists", ()))

    def predicate(labels: Labels) -> bool:
        return all(requirement_holds(labels, k, op, vals) for k, op, vals in reqs)

    return predicate


def format_selector(selector: Mapping[str, Any] | None) -> str:
    """A structured selector (or a plain map) in `-l` syntax, for messages and suggested commands."""
    if not selector:
        return ""
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        selector = {"matchLabels": selector}
    parts: list[str] = []
    for key, op, vals in requirements_of(selector):
        if op == "In" and len(vals) == 1:
            parts.append(f"{key}={vals[0]}")
        elif op in ("In", "NotIn"):
            parts.append(f"{key} {op.lower()} ({','.join(vals)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)
