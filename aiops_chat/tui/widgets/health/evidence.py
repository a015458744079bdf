"""The drill-down beside the table: one finding's message, evidence and suggested commands."""

from __future__ import annotations

from textual.widgets import Markdown

from aiops_chat.analysis.findings import Finding
from aiops_chat.safe_text import visible


class EvidencePane(Markdown):
    def show(self, finding: Finding | None) -> None:
        self.update(visible(evidence_markdown(finding)))


def evidence_markdown(finding: Finding | None) -> str:
    if finding is None:
        return "*No finding selected.*"
    where = f"{finding.namespace}/" if finding.namespace else ""
    lines = [f"### {where}{finding.subject}", "", f"**{finding.severity}** · `{finding.reason}` · "
             f"analyzer {finding.analyzer}", "", finding.message, ""]
    if finding.parent:
        lines += [f"Rolls up to **{finding.parent}**.", ""]
    if finding.evidence:
        lines += ["**Evidence**", "", "```", *finding.evidence, "```", ""]
    if finding.suggestions:
        lines += ["**Next commands**", "", "```sh", *finding.suggestions, "```", ""]
    lines += ["Press **a** to ask the assistant about this finding."]
    return "\n".join(lines)
