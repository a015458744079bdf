"""`aiops optimize`: right-size containers from metrics.k8s.io usage against their requests and limits.

A pure function of the inventory (pods, their controllers, HPAs and PodMetrics), like the analyzers. Usage is
one sample per pod from the metrics API; the advice therefore leaves generous headroom (x1.3 for requests,
x2 for memory limits) instead of pretending to know a peak it never saw.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiops_chat.analysis.analyzers.base import RESOURCE, kubectl
from aiops_chat.analysis.findings import Severity
from aiops_chat.analysis.inventory import (
    Inventory,
    Obj,
    annotations_of,
    labels_of,
    name_of,
    namespace_of,
    spec_of,
    status_of,
)
from aiops_chat.analysis.quantity import cpu_millis, format_cpu, format_memory, memory_bytes

OVER = 0.3  # using under 30% of a request wastes what the scheduler reserved
UNDER = 0.9  # using over 90% of a request (or a memory limit) is a throttle or an OOM kill waiting
HEADROOM = 1.3
MIN_WASTE_CPU = 50.0  # millicores; smaller savings are not worth a rollout
MIN_WASTE_MEM = 64 * 2**20
MIN_CPU = 10.0  # the smallest requests worth suggesting: below these, scheduling noise dominates
MIN_MEM = 32 * 2**20


@dataclass(frozen=True, slots=True)
class Recommendation:
    kind: str
    namespace: str
    name: str
    container: str | None
    severity: Severity
    reason: str
    message: str
    current: Mapping[str, str] = field(default_factory=dict)
    usage: Mapping[str, str] = field(default_factory=dict)
    recommended: Mapping[str, str] = field(default_factory=dict)
    command: str | None = None
    helm_values: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "namespace": self.namespace, "name": self.name, "container": self.container,
            "severity": str(self.severity), "reason": self.reason, "message": self.message,
            "current": dict(self.current), "usage": dict(self.usage), "recommended": dict(self.recommended),
            "command": self.command, "helm_values": self.helm_values,
        }


@dataclass
class _Usage:
    cpu: list[float] = field(default_factory=list)
    memory: list[float] = field(default_factory=list)


def _workloads(inv: Inventory) -> Iterator[tuple[str, Obj]]:
    for kind in ("Deployment", "StatefulSet", "DaemonSet"):
        for obj in inv.all(kind):
            yield kind, obj


def _usage_by_root(inv: Inventory) -> dict[tuple[str, str, str], _Usage]:
    """Usage samples keyed by (namespace, "Kind/name" of the pod's root, container)."""
    pods = {(namespace_of(p), name_of(p)): p for p in inv.all("Pod")}
    out: dict[tuple[str, str, str], _Usage] = {}
    for pm in inv.all("PodMetrics"):
        pod = pods.get((namespace_of(pm), name_of(pm)))
        root = inv.root_of(pod) if pod is not None else None
        if root is None:
            continue
        for c in pm.get("containers") or ():
            usage = c.get("usage") or {}
            slot = out.setdefault((namespace_of(pm), root, str(c.get("name"))), _Usage())
            cpu, mem = cpu_millis(usage.get("cpu")), memory_bytes(usage.get("memory"))
            if cpu is not None:
                slot.cpu.append(cpu)
            if mem is not None:
                slot.memory.append(mem)
    return out


def _helm_managed(obj: Obj) -> bool:
    return labels_of(obj).get("app.kubernetes.io/managed-by") == "Helm" or \
        "meta.helm.sh/release-name" in annotations_of(obj)


def _helm_snippet(container: str, requests: Mapping[str, str], limits: Mapping[str, str]) -> str:
    lines = [f"# values.yaml (container {container})", "resources:"]
    for section, values in (("requests", requests), ("limits", limits)):
        if values:
            lines.append(f"  {section}:")
            lines.extend(f"    {k}: {v}" for k, v in values.items())
    return "\n".join(lines)


def recommend(inv: Inventory) -> list[Recommendation]:
    usage = _usage_by_root(inv)
    have_metrics = bool(inv.all("PodMetrics"))
    recs: list[Recommendation] = []
    for kind, obj in _workloads(inv):
        ns, name = namespace_of(obj), name_of(obj)
        template = (spec_of(obj).get("template") or {}).get("spec") or {}
        for c in template.get("containers") or ():
            cname = str(c.get("name") or "")
            u = usage.get((ns, f"{kind}/{name}", cname))
            recs.extend(_container(kind, obj, c, u if have_metrics else None))
    recs.extend(_replicas(inv))
    recs.sort(key=lambda r: (-r.severity.rank, r.namespace, r.kind, r.name, r.container or "", r.reason))
    return recs


@dataclass(frozen=True)
class _Sizing:
    """One container of one workload: what it asks for, and the most it was seen using."""

    kind: str
    obj: Obj
    container: str
    requests: Mapping[str, Any]
    limits: Mapping[str, Any]
    measured: bool           # metrics were read for it (False: no metrics API, or no sample)
    cpu_used: float | None   # millicores
    mem_used: float | None   # bytes

    @classmethod
    def of(cls, kind: str, obj: Obj, c: Mapping[str, Any], u: _Usage | None) -> _Sizing:
        res = c.get("resources") or {}
        return cls(kind, obj, str(c.get("name") or ""), res.get("requests") or {}, res.get("limits") or {},
                   measured=u is not None, cpu_used=max(u.cpu) if u and u.cpu else None,
                   mem_used=max(u.memory) if u and u.memory else None)

    @property
    def used(self) -> dict[str, str]:
        return {k: v for k, v in (
            ("cpu", f"{self.cpu_used:.0f}m" if self.cpu_used is not None else None),
            ("memory", f"{self.mem_used / 2**20:.0f}Mi" if self.mem_used is not None else None)) if v}

    def suggest_cpu(self) -> str:
        return format_cpu(self.cpu_used * HEADROOM) if self.cpu_used is not None else "100m"

    def suggest_mem(self) -> str:
        return format_memory(self.mem_used * HEADROOM) if self.mem_used is not None else "128Mi"

    def advise(self, severity: Severity, reason: str, message: str, *, requests: Mapping[str, str] = {},
               limits: Mapping[str, str] = {}) -> Recommendation:
        ns, name = namespace_of(self.obj), name_of(self.obj)
        args = [f"--{section}=" + ",".join(f"{k}={v}" for k, v in values.items())
                for section, values in (("requests", requests), ("limits", limits)) if values]
        return Recommendation(
            kind=self.kind, namespace=ns, name=name, container=self.container, severity=severity, reason=reason,
            message=message,
            current={f"requests.{k}": str(v) for k, v in self.requests.items()}
            | {f"limits.{k}": str(v) for k, v in self.limits.items()},
            usage=self.used,
            recommended={**{f"requests.{k}": v for k, v in requests.items()},
                         **{f"limits.{k}": v for k, v in limits.items()}},
            command=kubectl("set", "resources", f"{RESOURCE[self.kind]}/{name}", "-c", self.container, *args,
                            namespace=ns),
            helm_values=_helm_snippet(self.container, requests, limits) if _helm_managed(self.obj) else None,
        )


def _container(kind: str, obj: Obj, c: Mapping[str, Any], u: _Usage | None) -> Iterator[Recommendation]:
    s = _Sizing.of(kind, obj, c, u)
    yield from _unset(s)
    if s.measured:
        yield from _resized(s)
        yield from _near_memory_limit(s)


def _unset(s: _Sizing) -> Iterator[Recommendation]:
    req, lim = s.requests, s.limits
    if not req.get("cpu") or not req.get("memory"):
        requests = {"cpu": str(req.get("cpu") or s.suggest_cpu()), "memory": str(req.get("memory") or s.suggest_mem())}
        basis = "from current usage" if s.used else "as a starting point (no usage data)"
        yield s.advise(Severity.WARNING, "MissingRequests",
                       f"No {' or '.join(k for k in ('cpu', 'memory') if not req.get(k))} request; the scheduler "
                       f"places it blind and it is evicted first under pressure. Suggested {basis}.", requests=requests)
    if not lim.get("memory"):
        base = memory_bytes(req.get("memory")) or (s.mem_used * HEADROOM if s.mem_used else 128 * 2**20)
        yield s.advise(Severity.INFO, "MissingLimits",
                       "No memory limit; a leak in this container can take the whole node's memory.",
                       limits={"memory": format_memory(max(base, (s.mem_used or 0) * HEADROOM) * 2)})


def _resized(s: _Sizing) -> Iterator[Recommendation]:
    """Requests far above what it uses (waste) or close below it (throttling, eviction)."""
    changes: dict[str, str] = {}
    notes: list[str] = []
    under = False
    used = s.used
    for res_name, used_v, parse, fmt, floor, least in (
        ("cpu", s.cpu_used, cpu_millis, format_cpu, MIN_WASTE_CPU, MIN_CPU),
        ("memory", s.mem_used, memory_bytes, format_memory, MIN_WASTE_MEM, MIN_MEM),
    ):
        requested = parse(s.requests.get(res_name)) if s.requests.get(res_name) else None
        if used_v is None or not requested:
            continue
        target = max(used_v * HEADROOM, least)
        share = f"{used[res_name]} {res_name}, {used_v / requested:.0%} of its {s.requests[res_name]} request"
        if used_v < OVER * requested and requested - target >= floor:
            changes[res_name] = fmt(target)
            notes.append(f"uses {share} (the rest is reserved for nothing)")
        elif used_v > UNDER * requested:
            under = True
            changes[res_name] = fmt(target)
            notes.append(f"uses {share} ({'throttled' if res_name == 'cpu' else 'evicted first'} under contention)")
    if changes:
        yield s.advise(Severity.WARNING if under else Severity.INFO, "UnderProvisioned" if under else "OverProvisioned",
                       "It " + "; it ".join(notes) + ".", requests=changes)


def _near_memory_limit(s: _Sizing) -> Iterator[Recommendation]:
    lim = s.limits
    limit = memory_bytes(lim.get("memory")) if lim.get("memory") else None
    if limit and s.mem_used is not None and s.mem_used > UNDER * limit:
        yield s.advise(Severity.CRITICAL, "NearMemoryLimit",
                       f"Uses {s.used['memory']} of its {lim['memory']} memory limit ({s.mem_used / limit:.0%}); "
                       "the next spike is an OOM kill.", limits={"memory": format_memory(s.mem_used * 2)})


def _replicas(inv: Inventory) -> Iterator[Recommendation]:
    for hpa in inv.all("HorizontalPodAutoscaler"):
        ns, name = namespace_of(hpa), name_of(hpa)
        spec, status = spec_of(hpa), status_of(hpa)
        ref = spec.get("scaleTargetRef") or {}
        lo, hi = spec.get("minReplicas", 1), spec.get("maxReplicas")
        current = status.get("currentReplicas")
        target = inv.get(str(ref.get("kind")), ns, str(ref.get("name")))
        if target is not None and current is None:
            current = spec_of(target).get("replicas")
        if not isinstance(hi, int) or not isinstance(current, int):
            continue
        base = {"minReplicas": str(lo), "maxReplicas": str(hi), "currentReplicas": str(current)}
        patch = kubectl("patch", "hpa", name, "--type=merge", "-p", f'{{"spec":{{"maxReplicas":{hi * 2}}}}}',
                        namespace=ns)
        if lo == hi:
            yield Recommendation("HorizontalPodAutoscaler", ns, name, None, Severity.WARNING, "FixedBounds",
                                 f"minReplicas equals maxReplicas ({hi}); the autoscaler can never scale.", base, {},
                                 {"maxReplicas": str(hi * 2)}, patch)
        elif current >= hi:
            yield Recommendation("HorizontalPodAutoscaler", ns, name, None, Severity.WARNING, "AtMaxReplicas",
                                 f"Runs at its maximum of {hi} replicas; it cannot absorb more load.", base, {},
                                 {"maxReplicas": str(hi * 2)}, patch)
        elif current <= lo and isinstance(lo, int) and lo > 1 and current == lo and \
                status.get("desiredReplicas", current) < lo:
            yield Recommendation("HorizontalPodAutoscaler", ns, name, None, Severity.INFO, "AtMinReplicas",
                                 f"Would scale below its minimum of {lo}; minReplicas may be higher than needed.",
                                 base, {}, {"minReplicas": str(max(1, lo - 1))},
                                 kubectl("patch", "hpa", name, "--type=merge", "-p",
                                         f'{{"spec":{{"minReplicas":{max(1, lo - 1)}}}}}', namespace=ns))


def render_recommendations(recs: Sequence[Recommendation], output: str, notes: Sequence[str] = ()) -> str:
    import json

    if output == "json":
        by_sev = {str(s): sum(1 for r in recs if r.severity is s) for s in Severity}
        return json.dumps({"recommendations": [r.to_dict() for r in recs],
                           "summary": {"total": len(recs), "by_severity": by_sev, "notes": list(notes)}}, indent=2)
    md = output == "markdown"
    if not recs:
        return "No resource recommendations.\n"
    lines = ["# Resource recommendations", ""] if md else []
    for r in recs:
        where = f"{r.namespace}/{r.kind}/{r.name}" + (f" [{r.container}]" if r.container else "")
        lines.append(f"{'## ' if md else ''}{str(r.severity).upper():<8}  {where}  {r.reason}")
        lines.append(f"{'' if md else '    '}{r.message}")
        facts = [f"now {', '.join(f'{k}={v}' for k, v in r.current.items()) or 'nothing set'}"]
        if r.usage:
            facts.append(f"usage {', '.join(f'{k}={v}' for k, v in r.usage.items())}")
        facts.append(f"suggested {', '.join(f'{k}={v}' for k, v in r.recommended.items())}")
        lines.append(("" if md else "    ") + "; ".join(facts))
        if r.command:
            lines += (["", "```sh", r.command, "```"] if md else [f"    run:  {r.command}"])
        if r.helm_values:
            lines += (["", "```yaml", r.helm_values, "```"] if md else
                      ["    helm: " + r.helm_values.replace("\n", "\n          ")])
        lines.append("")
    return "\n".join(lines) + "\n"
