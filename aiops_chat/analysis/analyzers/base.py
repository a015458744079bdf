"""What every analyzer shares: its signature and small helpers for evidence and suggested commands."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from aiops_chat import kinds
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, event_time, name_of, namespace_of

# An analyzer is a pure function from the inventory to findings; it never does I/O.
Analyzer = Callable[[Inventory], Iterable[Finding]]

# The name suggested commands use for each kind: the singular, or a short name where that reads better.
_BY_SHORT_NAME = frozenset({"PersistentVolumeClaim", "PersistentVolume", "HorizontalPodAutoscaler",
                            "PodDisruptionBudget"})
RESOURCE = {k.kind: k.short[0] if k.kind in _BY_SHORT_NAME else k.singular for k in kinds.BUILTIN}


def command(binary: str, *args: str, namespace: str | None = None) -> str:
    """A command line as one string, quoted so it can be pasted after `aiops run --`."""
    argv = [binary, *args]
    if namespace:
        argv += ["-n", namespace]
    return shlex.join(argv)


def kubectl(*args: str, namespace: str | None = None) -> str:
    return command("kubectl", *args, namespace=namespace)


def helm(*args: str, namespace: str | None = None) -> str:
    return command("helm", *args, namespace=namespace)


def describe(kind: str, name: str, namespace: str | None) -> str:
    return kubectl("describe", RESOURCE.get(kind, kind.lower()), name, namespace=namespace)


def events_cmd(kind: str, name: str, namespace: str | None) -> str:
    return kubectl("get", "events", "--field-selector",
                   f"involvedObject.kind={kind},involvedObject.name={name}", namespace=namespace)


def event_line(ev: Mapping[str, Any]) -> str:
    count = ev.get("count") or (ev.get("series") or {}).get("count") or 1
    times = f" (x{count})" if isinstance(count, int) and count > 1 else ""
    message = " ".join(str(ev.get("message") or ev.get("note") or "").split())
    return f"event {ev.get('type', 'Normal')} {ev.get('reason', '')}{times}: {message}"


def latest_events(events: Sequence[Mapping[str, Any]], limit: int = 3) -> list[str]:
    """The newest few events as evidence lines, newest last, one line per distinct reason+message."""
    seen: dict[tuple[str, str], Mapping[str, Any]] = {}
    for ev in sorted(events, key=event_time):
        seen[(str(ev.get("reason")), str(ev.get("message")))] = ev
    return [event_line(ev) for ev in list(seen.values())[-limit:]]


def make(
    analyzer: str,
    obj: Mapping[str, Any],
    kind: str,
    severity: Severity,
    reason: str,
    message: str,
    evidence: Iterable[str] = (),
    suggestions: Iterable[str] = (),
    parent: str | None = None,
) -> Finding:
    ns = namespace_of(obj) or None
    return Finding(
        kind=kind, namespace=ns, name=name_of(obj), analyzer=analyzer, severity=severity, reason=reason,
        message=message, evidence=tuple(evidence), suggestions=tuple(dict.fromkeys(suggestions)), parent=parent,
    )


def first_sentence(text: str, limit: int = 240) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
