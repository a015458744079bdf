"""Recurring Warning events about objects no other analyzer explained (the engine drops the explained)."""

from __future__ import annotations

from collections.abc import Iterator

from aiops_chat.analysis.analyzers.base import events_cmd, latest_events
from aiops_chat.analysis.analyzers.resourcequota import blocking_quota
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, Obj, namespace_of

NAME = "Event"
RECURRING = 3  # a warning seen fewer times is usually a transient during a rollout


def analyze(inv: Inventory) -> Iterator[Finding]:
    groups: dict[tuple[str, str, str], list[Obj]] = {}
    for ev in inv.all("Event"):
        if ev.get("type") != "Warning":
            continue
        inv_obj = ev.get("involvedObject") or ev.get("regarding") or {}
        key = (str(inv_obj.get("kind") or ""), str(inv_obj.get("namespace") or namespace_of(ev)),
               str(inv_obj.get("name") or ""))
        groups.setdefault(key, []).append(ev)
    for (kind, ns, name), events in sorted(groups.items()):
        total = sum(int(e.get("count") or (e.get("series") or {}).get("count") or 1) for e in events)
        if total < RECURRING or not kind or not name:
            continue
        if inv.has(kind) and inv.get(kind, ns, name) is None:
            continue  # about an object that is gone
        target = inv.get(kind, ns, name)
        reasons = list(dict.fromkeys(str(e.get("reason")) for e in events))
        yield Finding(
            kind=kind, namespace=ns or None, name=name, analyzer=NAME, severity=Severity.WARNING,
            reason=reasons[-1] if len(reasons) == 1 else "RecurringWarnings",
            message=f"{total} Warning events ({', '.join(reasons)}) about this {kind}.",
            evidence=tuple(latest_events(events, 3)), suggestions=(events_cmd(kind, name, ns or None),),
            parent=_quota_of(inv, ns, events) or (inv.root_of(target) if target is not None else None),
        )


def _quota_of(inv: Inventory, ns: str, events: list[Obj]) -> str | None:
    """The quota the newest refusal names, so a Job's refused pods read in the quota's group."""
    for ev in reversed(events):
        if ev.get("reason") == "FailedCreate" and (quota := blocking_quota(inv, ns, str(ev.get("message") or ""))):
            return quota
    return None
