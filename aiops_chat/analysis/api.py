"""The analysis entry points shared by the CLI and the agent's `analyze_cluster` tool."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from aiops_chat.analysis.analyzers import (
    ALIASES,
    ANALYZERS,
    BEST_PRACTICE_ANALYZERS,
    EVENT_ANALYZER,
    Analyzer,
)
from aiops_chat.analysis.findings import Finding, Severity, group_findings, sort_key
from aiops_chat.analysis.gc_pause import gc_paused
from aiops_chat.analysis.inventory import Inventory, Obj, labels_of, namespace_of
from aiops_chat.analysis.selectors import LabelPredicate, parse_selector
from aiops_chat.errors import UsageError


def resolve_filters(filters: Iterable[str] | None, *, best_practices: bool = False) -> dict[str, Analyzer]:
    """The analyzers to run: all (plus best practices if asked), or those named (case-insensitive, aliases)."""
    available = {**ANALYZERS, **BEST_PRACTICE_ANALYZERS}
    names = [f.strip() for f in filters or () if f.strip()]
    if not names:
        return {**ANALYZERS, **(BEST_PRACTICE_ANALYZERS if best_practices else {})}
    by_lower = {n.lower(): n for n in available} | {k: v for k, v in ALIASES.items()}
    chosen: dict[str, Analyzer] = {}
    for name in names:
        real = by_lower.get(name.lower())
        if real is None:
            raise UsageError(f"unknown analyzer {name!r} in --filter (known: {', '.join(available)})")
        chosen[real] = available[real]
    if best_practices:
        chosen.update(BEST_PRACTICE_ANALYZERS)
    return chosen


def run_analyzers(inv: Inventory, analyzers: dict[str, Analyzer], *, label_selector: str | None = None) -> list[Finding]:
    """Run analyzers over an inventory; findings sorted worst first."""
    with gc_paused():  # indexes over thousands of objects are acyclic too
        return _run(inv, analyzers, label_selector)


def _run(inv: Inventory, analyzers: dict[str, Analyzer], label_selector: str | None) -> list[Finding]:
    findings: list[Finding] = []
    for name, analyzer in analyzers.items():
        if name != EVENT_ANALYZER:
            findings.extend(analyzer(inv))
    if EVENT_ANALYZER in analyzers:
        explained = {(f.kind, f.namespace, f.name) for f in findings}
        findings.extend(f for f in analyzers[EVENT_ANALYZER](inv) if (f.kind, f.namespace, f.name) not in explained)
    findings = _follow_pods_to_their_cause(inv, findings)
    if label_selector:
        predicate = parse_selector(label_selector)
        findings = [f for f in findings if _subject_matches(inv, f, predicate)]
    findings.sort(key=sort_key)
    return findings


# A controller's "not enough ready pods" is a symptom; when all its pods' findings sit under one other root
# (a Pending claim, a quota), the controller's finding joins them there.
_SHORT_OF_PODS = frozenset({"UnavailableReplicas", "PodsNotReady", "UnavailablePods"})


def _follow_pods_to_their_cause(inv: Inventory, findings: list[Finding]) -> list[Finding]:
    short = [f for f in findings if f.reason in _SHORT_OF_PODS and f.parent is None]
    if not short:
        return findings
    causes: dict[tuple[str, str], set[str | None]] = {}
    for f in findings:
        if f.kind != "Pod":
            continue
        pod = inv.get("Pod", f.namespace, f.name)
        root = inv.root_of(pod) if pod is not None else None
        if root is not None:
            causes.setdefault((f.namespace or "", root), set()).add(f.parent)
    moved = {}
    for f in short:
        parents = causes.get((f.namespace or "", f.subject))
        if parents and len(parents) == 1 and (cause := next(iter(parents))) not in (None, f.subject):
            moved[id(f)] = dataclasses.replace(f, parent=cause)
    return [moved.get(id(f), f) for f in findings]


def _subject_matches(inv: Inventory, f: Finding, predicate: LabelPredicate) -> bool:
    obj = inv.get(f.kind, f.namespace, f.name)
    return obj is not None and predicate(labels_of(obj))


def analyze_objects(
    objects: Iterable[Obj] | Inventory,
    *,
    namespace: str | None = None,
    filters: Iterable[str] | None = None,
    best_practices: bool = False,
    label_selector: str | None = None,
) -> list[Finding]:
    """Analyze raw cluster objects (dicts with `kind`) and return findings, worst first."""
    if isinstance(objects, Inventory):
        inv = objects
    else:
        items: Iterable[Obj] = objects
        if namespace:
            items = (o for o in objects if namespace_of(o) in ("", namespace))
        inv = Inventory.from_objects(items, namespace=namespace)
    return run_analyzers(inv, resolve_filters(filters, best_practices=best_practices), label_selector=label_selector)


def require_namespace(inv: Inventory, source: str) -> None:
    """Refuse a namespace the source says does not exist, so a typo never reads as "No problems found"."""
    if inv.namespace and inv.namespace_exists is False:
        where = "in this cluster" if source == "live" else f"in {source}"
        raise UsageError(f"namespace {inv.namespace!r} does not exist {where}",
                         hint="list them with `kubectl get namespaces`" if source == "live"
                         else "omit -n to analyze everything the snapshot holds")


def filter_severity(findings: Sequence[Finding], minimum: Severity) -> list[Finding]:
    return [f for f in findings if f.severity.at_least(minimum)]


def compact_findings(findings: Sequence[Finding], limit: int = 15) -> str:
    """Findings as compact text for a language model: grouped by root cause, no raw objects.

    Each group names its root, the reasons and affected objects, the strongest evidence and the next
    commands; at most `limit` groups, the rest counted so the model knows they exist.
    """
    if not findings:
        return "No problems found."
    groups = group_findings(findings)
    lines = [f"{len(findings)} findings in {len(groups)} groups (worst first)."]
    for group in groups[:limit]:
        lines.append(f"\n[{group.severity}] {group.title}: {', '.join(group.reasons())}")
        seen_messages: set[str] = set()
        for f in group.findings[:6]:
            if f.message in seen_messages:
                continue
            seen_messages.add(f.message)
            lines.append(f"- {f.kind}/{f.name} {f.reason}: {f.message}")
            lines.extend(f"    {e}" for e in f.evidence[:2])
        if len(group.findings) > 6:
            lines.append(f"- … and {len(group.findings) - 6} more objects with the same root")
        suggestions = list(dict.fromkeys(s for f in group.findings for s in f.suggestions))[:3]
        if suggestions:
            lines.append("  next: " + " | ".join(suggestions))
    if len(groups) > limit:
        lines.append(f"\n({len(groups) - limit} more groups omitted)")
    return "\n".join(lines)
