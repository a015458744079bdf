"""Why a deploy did not become Ready: pod states, the Warning events of the releases' objects, and the
analyzers' findings about them. Everything is read with kubectl through the executor, so the diagnosis is
audited like the deploy; the analyzers are pure functions over those objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiops_chat.execution import Executor
from aiops_chat.workflow.commands import failure_text, run_json
from aiops_chat.workflow.kube_checks import pod_ready, pod_state, restarts

MAX_EVENTS = 15
MAX_FINDINGS = 10


@dataclass(frozen=True)
class PodReport:
    name: str
    release: str
    state: str
    ready: bool
    restarts: int


@dataclass(frozen=True)
class EventLine:
    subject: str  # Kind/name
    reason: str
    message: str
    count: int
    last_seen: str


@dataclass
class Diagnosis:
    namespace: str
    pods: list[PodReport] = field(default_factory=list)
    events: list[EventLine] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be read

    def to_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "pods": [vars(p) for p in self.pods],
            "events": [vars(e) for e in self.events],
            "findings": list(self.findings),
            "notes": list(self.notes),
        }

    def render_text(self) -> str:
        lines = [f"Why it is not Ready (namespace {self.namespace}):"]
        if self.pods:
            lines.append("  pods:")
            for p in self.pods:
                ready = "Ready" if p.ready else "not Ready"
                lines.append(f"    {p.name}: {p.state}, {ready}, restarts {p.restarts}")
        else:
            lines.append("  pods: none found for the releases")
        if self.events:
            lines.append("  warning events:")
            for e in self.events:
                times = f" (x{e.count})" if e.count > 1 else ""
                lines.append(f"    {e.subject}: {e.reason}{times}: {e.message}")
        if self.findings:
            lines.append("  analysis:")
            lines.extend(f"    {f}" for f in self.findings)
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines) + "\n"


def diagnose(executor: Executor, releases: Sequence[str], *, request: str) -> Diagnosis:
    diagnosis = Diagnosis(namespace=executor.target.namespace)
    for release in releases:
        data, result = run_json(executor, ["kubectl", "get", "pods", "-l", f"app={release}", "--output=json"],
                                request=request)
        if data is None:
            diagnosis.notes.append(f"pods of {release}: {failure_text(result)}")
            continue
        for pod in data.get("items", []):
            diagnosis.pods.append(PodReport(pod["metadata"]["name"], release, pod_state(pod), pod_ready(pod),
                                            restarts(pod)))
    data, result = run_json(executor, ["kubectl", "get", "events", "--field-selector", "type=Warning",
                                       "--output=json"], request=request)
    if data is None:
        diagnosis.notes.append(f"events: {failure_text(result)}")
    else:
        diagnosis.events = _release_events(data.get("items", []), releases)
    diagnosis.findings = _analysis(executor, releases, diagnosis, request=request)
    return diagnosis


def _analysis(executor: Executor, releases: Sequence[str], diagnosis: Diagnosis, *, request: str) -> list[str]:
    """The analyzers' findings about the releases' objects, one line each, worst first."""
    from aiops_chat.analysis.api import analyze_objects
    from aiops_chat.analysis.sources.kubectl_reads import collect_with_executor

    # The same audited reads as the agent's analyze_cluster tool.
    snapshot = collect_with_executor(executor, request=request, include_nodes=False)
    diagnosis.notes.extend(f"analysis: {note}" for note in snapshot.notes)
    findings = analyze_objects(snapshot.inventory, namespace=diagnosis.namespace)

    def ours(name: str | None) -> bool:
        short = (name or "").split("/", 1)[-1]
        return any(short == r or short.startswith(f"{r}-") for r in releases)

    chosen = [f for f in findings if ours(f.name) or ours(f.parent)]
    return [f"[{f.severity}] {f.kind}/{f.name} {f.reason}: {f.message}" for f in chosen[:MAX_FINDINGS]]


def _release_events(items: list[dict[str, Any]], releases: Sequence[str]) -> list[EventLine]:
    # Objects of a release are named after it (Deployment taskflow-backend, pod taskflow-backend-5d9c-x2x).
    def ours(name: str) -> bool:
        return any(name == r or name.startswith(f"{r}-") for r in releases)

    def when(item: dict[str, Any]) -> str:
        return str(item.get("lastTimestamp") or item.get("eventTime") or item.get("metadata", {})
                   .get("creationTimestamp") or "")

    chosen = [e for e in items if ours(str(e.get("involvedObject", {}).get("name", "")))]
    chosen.sort(key=when)
    return [
        EventLine(
            subject=f"{e.get('involvedObject', {}).get('kind', '?')}/{e.get('involvedObject', {}).get('name', '?')}",
            reason=str(e.get("reason", "")),
            message=" ".join(str(e.get("message", "")).split()),
            count=int(e.get("count") or 1),
            last_seen=when(e),
        )
        for e in chosen[-MAX_EVENTS:]
    ]
