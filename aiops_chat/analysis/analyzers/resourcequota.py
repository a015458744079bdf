"""ResourceQuota: quotas used up or nearly so, and the workloads whose pods they refuse.

The quota admission plugin refuses a pod with `exceeded quota: NAME, requested: r=v, used: r=v, limited: r=v`
in the controller's FailedCreate event (and a ReplicaSet's ReplicaFailure condition). A refusal counts as
current only while its workload is still short of pods and the same request would still not fit the quota's
usage now, so an event left over from before the quota was raised does not raise an alarm.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from aiops_chat.analysis.analyzers.base import describe, event_line, kubectl, make
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import (
    Inventory,
    Obj,
    conditions_of,
    name_of,
    namespace_of,
    spec_of,
    status_of,
)
from aiops_chat.analysis.quantity import parse_quantity

NAME = "ResourceQuota"
KIND = "ResourceQuota"
NEAR = 0.9  # share of a hard limit from which a quota is worth a look before it refuses anything

# Controllers whose FailedCreate events carry the quota's refusal of their pods.
_CREATORS = ("ReplicaSet", "Job", "StatefulSet", "DaemonSet")
_NAMED = re.compile(r"(?:exceeded|failed) quota: ([a-z0-9](?:[-a-z0-9.]*[a-z0-9])?)")
# "failed quota: q: must specify limits.cpu,limits.memory": the quota constrains a resource the pod leaves unset.
_MUST_SPECIFY = re.compile(r"must specify ([\w.,/-]+)")
_AMOUNTS = re.compile(r"requested: (?P<requested>.*?), used: .*?, limited: (?P<limited>\S+)")


def quota_named_in(message: str) -> str | None:
    """The quota a refusal message names, if it is one."""
    m = _NAMED.search(message)
    return m.group(1) if m else None


def blocking_quota(inv: Inventory, namespace: str | None, message: str) -> str | None:
    """"ResourceQuota/NAME" when a refusal message names a quota the inventory holds, for grouping the
    refused workload's findings under the quota that caused them."""
    name = quota_named_in(message)
    if name is None or inv.get(KIND, namespace, name) is None:
        return None
    return f"{KIND}/{name}"


@dataclass(frozen=True, slots=True)
class Refusal:
    workload: str  # the root that is short of pods, "Deployment/web"
    quota: str | None  # the quota named, None when the message names none
    requested: dict[str, str]
    line: str  # evidence: the event or condition it came from
    unset: tuple[str, ...] = ()  # resources the quota requires but the pods do not specify


def analyze(inv: Inventory) -> Iterator[Finding]:
    quotas = inv.all(KIND)
    if not quotas:
        return
    refusals = _refusals(inv, {namespace_of(q) for q in quotas})
    for quota in quotas:
        finding = _judge(inv, quota, refusals.get(namespace_of(quota), []))
        if finding is not None:
            yield finding


def _judge(inv: Inventory, quota: Obj, refusals: list[Refusal]) -> Finding | None:
    ns, name = namespace_of(quota), name_of(quota)
    status = status_of(quota)
    hard: Mapping[str, Any] = status.get("hard") or {}
    used: Mapping[str, Any] = status.get("used") or {}
    usage = {r: (_amount(used.get(r, 0)), _amount(h)) for r, h in hard.items()}
    full = [r for r, (u, h) in usage.items() if u is not None and h is not None and (u >= h > 0 or u > h)]
    near = [r for r, (u, h) in usage.items() if u is not None and h and r not in full and u / h >= NEAR]
    mine = [r for r in refusals if (r.quota == name or (r.quota is None and full))
            and _still_refused(r, usage)]
    suggestions = [describe(KIND, name, ns)]
    unset = [r for r in refusals if r.quota == name and r.unset]
    if unset:
        return _requires(quota, unset, suggestions)
    if mine:
        workloads = list(dict.fromkeys(r.workload for r in mine))
        shown = list(dict.fromkeys([*full, *(k for r in mine for k in r.requested if k in hard)]))
        kind_name = [w.split("/", 1) for w in workloads]
        return make(NAME, quota, KIND, Severity.CRITICAL, "QuotaExceeded",
                    f"The quota refuses new pods of {', '.join(workloads[:3])}"
                    f"{' and more' if len(workloads) > 3 else ''}: {_summary(shown, hard, used)}.",
                    [*(_evidence(r, hard, used) for r in shown), *(f"blocked: {w}" for w in workloads[:5]),
                     *dict.fromkeys(r.line for r in mine[:3])],
                    [*suggestions, *(describe(k, n, ns) for k, n in kind_name[:3])])
    if full:
        return make(NAME, quota, KIND, Severity.WARNING, "QuotaFull",
                    f"The quota is used up ({_summary(full, hard, used)}); the next pod or object that needs "
                    "more is refused.", [_evidence(r, hard, used) for r in full + near], suggestions)
    if near:
        return make(NAME, quota, KIND, Severity.WARNING, "NearQuotaLimit",
                    f"The quota is nearly used up ({_summary(near, hard, used)}).",
                    [_evidence(r, hard, used) for r in near], suggestions)
    return None


def _requires(quota: Obj, refusals: list[Refusal], suggestions: list[str]) -> Finding:
    ns = namespace_of(quota)
    resources = list(dict.fromkeys(res for r in refusals for res in r.unset))
    workloads = list(dict.fromkeys(r.workload for r in refusals))
    fixes = []
    for workload in workloads[:2]:
        kind, _, wname = workload.partition("/")
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
            pairs = ",".join(f"{res.split('.', 1)[1]}={_EXAMPLE.get(res.split('.', 1)[1], '1')}"
                             for res in resources if res.startswith(("limits.", "requests.")))
            flag = "--limits" if all(res.startswith("limits.") for res in resources) else "--requests"
            if pairs:
                fixes.append(kubectl("set", "resources", f"{kind.lower()}/{wname}", f"{flag}={pairs}", namespace=ns))
    return make(NAME, quota, KIND, Severity.CRITICAL, "QuotaRequiresResources",
                f"The quota constrains {', '.join(resources)}, so every pod must set it; pods of "
                f"{', '.join(workloads[:3])} do not and are refused.",
                [f"requires: {', '.join(resources)}", *(f"blocked: {w}" for w in workloads[:5]),
                 *dict.fromkeys(r.line for r in refusals[:3])],
                [*fixes, *suggestions])


_EXAMPLE = {"cpu": "500m", "memory": "256Mi"}


def _amount(value: Any) -> float | None:
    return parse_quantity(value) if isinstance(value, str | int | float) else None


def _still_refused(refusal: Refusal, usage: Mapping[str, tuple[float | None, float | None]]) -> bool:
    """Whether the refused request would still not fit the quota's usage now."""
    if not refusal.requested:
        return any(u is not None and h is not None and u >= h for u, h in usage.values())
    for resource, amount in refusal.requested.items():
        u, h = usage.get(resource, (None, None))
        wanted = _amount(amount)
        if u is not None and h is not None and wanted is not None and u + wanted > h:
            return True
    return False


def _summary(resources: list[str], hard: Mapping[str, Any], used: Mapping[str, Any]) -> str:
    return ", ".join(f"{r} {used.get(r, 0)}/{hard[r]}" for r in resources[:4])


def _evidence(resource: str, hard: Mapping[str, Any], used: Mapping[str, Any]) -> str:
    u, h = _amount(used.get(resource, 0)), _amount(hard[resource])
    share = f" ({u / h:.0%})" if u is not None and h else ""
    return f"{resource}: used {used.get(resource, 0)} / hard {hard[resource]}{share}"


def _refusals(inv: Inventory, namespaces: set[str]) -> dict[str, list[Refusal]]:
    """Current quota refusals by namespace, from creators' FailedCreate events and ReplicaFailure conditions."""
    out: dict[str, list[Refusal]] = {}

    def add(kind: str, ns: str, name: str, message: str, line: str) -> None:
        unset = _MUST_SPECIFY.search(message) if "failed quota" in message else None
        if "exceeded quota" not in message and unset is None:
            return
        owner = inv.get(kind, ns, name)
        if owner is None or not _short_of_pods(kind, owner):
            return
        m = _AMOUNTS.search(message)
        requested = dict(_pairs(m.group("requested"))) if m else {}
        workload = inv.root_of(owner) or f"{kind}/{name}"
        missing = tuple(r for r in unset.group(1).split(",") if r) if unset else ()
        out.setdefault(ns, []).append(Refusal(workload, quota_named_in(message), requested, line, missing))

    for ev in inv.all("Event"):
        if ev.get("type") != "Warning" or ev.get("reason") != "FailedCreate":
            continue
        ref = ev.get("involvedObject") or ev.get("regarding") or {}
        kind, ns = str(ref.get("kind") or ""), str(ref.get("namespace") or namespace_of(ev))
        if kind in _CREATORS and ns in namespaces:
            message = str(ev.get("message") or ev.get("note") or "")
            add(kind, ns, str(ref.get("name") or ""), message, event_line(ev))
    for rs in inv.all("ReplicaSet"):
        ns = namespace_of(rs)
        failure = conditions_of(rs).get("ReplicaFailure") or {}
        if ns in namespaces and failure.get("status") == "True":
            message = str(failure.get("message") or "")
            add("ReplicaSet", ns, name_of(rs), message, f"condition ReplicaFailure=True: {message}")
    return out


def _pairs(text: str) -> Iterator[tuple[str, str]]:
    for item in text.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            yield key, value


def _short_of_pods(kind: str, obj: Obj) -> bool:
    """Whether a controller still has fewer pods than it wants (a refusal about it is not history)."""
    spec, status = spec_of(obj), status_of(obj)
    if kind == "Job":
        done = conditions_of(obj)
        return not any((done.get(t) or {}).get("status") == "True" for t in ("Complete", "Failed"))
    if kind == "DaemonSet":
        return int(status.get("currentNumberScheduled") or 0) < int(status.get("desiredNumberScheduled") or 0)
    desired = spec.get("replicas", 1)
    return isinstance(desired, int) and int(status.get("replicas") or 0) < desired
