"""Findings as a plain-text table grouped by root cause, as JSON, or as Markdown."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aiops_chat.analysis.findings import Finding, FindingGroup, group_findings, summarize

MAX_ROWS_PER_REASON = 3  # fifty crashing replicas read as three and a count


def report_dict(findings: Sequence[Finding], *, notes: Sequence[str] = (), source: str = "",
                explanations: Mapping[str, str] | None = None) -> dict[str, Any]:
    summary = summarize(findings)
    summary["source"] = source
    summary["notes"] = list(notes)
    out: dict[str, Any] = {"findings": [f.to_dict() for f in findings], "summary": summary}
    if explanations is not None:
        out["explanations"] = dict(explanations)
    return out


def render_json(findings: Sequence[Finding], **kw: Any) -> str:
    return json.dumps(report_dict(findings, **kw), indent=2)


def _rows(group: FindingGroup) -> list[Finding | str]:
    """The group's findings, each reason capped at a few rows plus a count of the rest."""
    rows: list[Finding | str] = []
    shown: dict[tuple[str, str], int] = {}
    hidden: dict[tuple[str, str], int] = {}
    for f in group.findings:
        key = (f.kind, f.reason)
        if shown.get(key, 0) < MAX_ROWS_PER_REASON:
            shown[key] = shown.get(key, 0) + 1
            rows.append(f)
        else:
            hidden[key] = hidden.get(key, 0) + 1
    rows.extend(f"… and {n} more {kind} with {reason}" for (kind, reason), n in hidden.items())
    return rows


def _firsts(group: FindingGroup) -> list[Finding]:
    """The first finding of each reason: enough to see why, without repeating fifty pods."""
    return [next(f for f in group.findings if f.reason == reason) for reason in group.reasons()]


def _suggestions(group: FindingGroup, limit: int = 5) -> list[str]:
    # Interleaved across reasons, so the pod's `logs --previous` is not crowded out by its Deployment's steps.
    firsts = _firsts(group)
    depth = max(len(f.suggestions) for f in firsts)
    ordered = [f.suggestions[i] for i in range(depth) for f in firsts if i < len(f.suggestions)]
    return list(dict.fromkeys(ordered))[:limit]


def _evidence(group: FindingGroup, limit: int = 6) -> list[str]:
    lines = [f"{first.subject}: {e}" for first in _firsts(group) for e in first.evidence[:3]]
    return list(dict.fromkeys(lines))[:limit]


def render_table(findings: Sequence[Finding], *, notes: Sequence[str] = (), source: str = "",
                 explanations: Mapping[str, str] | None = None) -> str:
    if not findings:
        return f"No problems found{f' in {source}' if source else ''}.\n"
    groups = group_findings(findings)
    subj_w = min(60, max(len(f.subject) for f in findings))
    reason_w = max(len(f.reason) for f in findings)
    lines: list[str] = []
    for group in groups:
        lines.append(f"{str(group.severity).upper():<8}  {group.title}  ({', '.join(group.reasons())})")
        for row in _rows(group):
            if isinstance(row, str):
                lines.append(f"  {'':<8}  {row}")
            else:
                lines.append(f"  {row.severity!s:<8}  {row.subject:<{subj_w}}  {row.reason:<{reason_w}}  {row.message}")
        lines.extend(f"    evidence: {e}" for e in _evidence(group))
        lines.extend(f"    next:     {s}" for s in _suggestions(group))
        if explanations and group.title in explanations:
            lines.append("    explain:  " + explanations[group.title].strip().replace("\n", "\n              "))
        lines.append("")
    s = summarize(findings)
    sev = s["by_severity"]
    lines.append(f"{s['total']} findings in {s['groups']} groups: {sev['critical']} critical, {sev['warning']} warning, "
                 f"{sev['info']} info{f' ({source})' if source else ''}.")
    return "\n".join(lines) + "\n"


def render_markdown(findings: Sequence[Finding], *, notes: Sequence[str] = (), source: str = "",
                    explanations: Mapping[str, str] | None = None) -> str:
    s = summarize(findings)
    sev = s["by_severity"]
    out = ["# Cluster health", "",
           f"{s['total']} findings in {s['groups']} groups: **{sev['critical']} critical**, {sev['warning']} warning, "
           f"{sev['info']} info{f' (source: {source})' if source else ''}.", ""]
    out.extend(f"> note: {n}" for n in notes)
    for group in group_findings(findings):
        out += ["", f"## {group.severity}: {group.title}", "", "| Severity | Object | Reason | Message |",
                "|---|---|---|---|"]
        for row in _rows(group):
            if isinstance(row, str):
                out.append(f"| | {_md(row)} | | |")
            else:
                out.append(f"| {row.severity} | `{row.subject}` | {row.reason} | {_md(row.message)} |")
        evidence = _evidence(group)
        if evidence:
            out += ["", "Evidence:", *(f"- {_md(e)}" for e in evidence)]
        suggestions = _suggestions(group)
        if suggestions:
            out += ["", "Next steps:", "", "```sh", *suggestions, "```"]
        if explanations and group.title in explanations:
            out += ["", "Explanation:", "", explanations[group.title].strip()]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


RENDERERS = {"table": render_table, "json": render_json, "markdown": render_markdown}


_DEMO = ("DEMO: the built-in snapshot of TaskFlow, the sample web app this project deploys (frontend, backend, worker), "
         "broken on purpose; not your cluster.")
DEMO_HEADER = {"table": _DEMO + "\n\n", "markdown": f"> **{_DEMO}**\n\n"}
