"""What an analyzer reports: one Finding per problem, and the root-cause groups they roll up into."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem with one object.

    `parent` names the controller the object rolls up to ("Deployment/taskflow-backend", same namespace),
    so fifty crashing pods of one Deployment read as one group. `suggestions` are exact argv strings meant
    to be run through `aiops run -- ...`.
    """

    kind: str
    namespace: str | None
    name: str
    analyzer: str
    severity: Severity
    reason: str
    message: str
    evidence: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    parent: str | None = None

    @property
    def group_key(self) -> tuple[str, str]:
        """The root cause this finding belongs to: (namespace, "Kind/name") of the parent or itself."""
        return (self.namespace or "", self.parent or f"{self.kind}/{self.name}")

    @property
    def subject(self) -> str:
        return f"{self.kind}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "analyzer": self.analyzer,
            "severity": str(self.severity),
            "reason": self.reason,
            "message": self.message,
            "evidence": list(self.evidence),
            "suggestions": list(self.suggestions),
            "parent": self.parent,
        }


@dataclass(frozen=True, slots=True)
class FindingGroup:
    """Findings sharing one root (a controller or a single object), worst first."""

    namespace: str
    root: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def severity(self) -> Severity:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=Severity.INFO)

    @property
    def title(self) -> str:
        return f"{self.namespace}/{self.root}" if self.namespace else self.root

    def reasons(self) -> list[str]:
        """Distinct reasons in order of first appearance."""
        return list(dict.fromkeys(f.reason for f in self.findings))


def sort_key(f: Finding) -> tuple[int, str, str, str, str]:
    return (-f.severity.rank, f.namespace or "", f.kind, f.name, f.reason)


def group_findings(findings: Iterable[Finding]) -> list[FindingGroup]:
    """Roll findings up by root cause; groups worst first, then by namespace and root."""
    buckets: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        buckets.setdefault(f.group_key, []).append(f)
    groups = [
        FindingGroup(namespace=ns, root=root, findings=tuple(sorted(items, key=_in_group_key)))
        for (ns, root), items in buckets.items()
    ]
    groups.sort(key=lambda g: (-g.severity.rank, g.namespace, g.root))
    return groups


def _in_group_key(f: Finding) -> tuple[int, int, str, str]:
    # The root object's own finding reads first, then its children, worst first.
    is_child = 0 if f.parent is None else 1
    return (is_child, -f.severity.rank, f.kind, f.name)


def summarize(findings: Sequence[Finding]) -> dict[str, Any]:
    by_severity = {str(s): 0 for s in Severity}
    by_analyzer: dict[str, int] = {}
    for f in findings:
        by_severity[str(f.severity)] += 1
        by_analyzer[f.analyzer] = by_analyzer.get(f.analyzer, 0) + 1
    return {
        "total": len(findings),
        "groups": len({f.group_key for f in findings}),
        "by_severity": by_severity,
        "by_analyzer": dict(sorted(by_analyzer.items())),
    }
