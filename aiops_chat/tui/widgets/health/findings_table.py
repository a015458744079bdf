"""Findings as a table grouped by root cause: a header row per group, then its findings."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from aiops_chat.analysis.findings import Finding, FindingGroup, group_findings
from aiops_chat.safe_text import visible

SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "dim"}


class FindingsTable(DataTable[Text]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._rows: dict[str, Finding] = {}
        self.groups: list[FindingGroup] = []

    def on_mount(self) -> None:
        self.add_columns("severity", "object", "reason", "message")

    def show(self, findings: Sequence[Finding]) -> None:
        self.clear()
        self._rows.clear()
        self.groups = group_findings(findings)
        for gi, group in enumerate(self.groups):
            sev = str(group.severity)
            count = len(group.findings)
            title = Text(visible(f"▸ {group.title}"), style="bold")
            self.add_row(Text(sev.upper(), style=SEVERITY_STYLE.get(sev, "")), title,
                         Text(visible(", ".join(group.reasons()))), Text(f"{count} finding{'s' if count != 1 else ''}",
                                                                 style="dim"), key=f"g{gi}")
            for fi, finding in enumerate(group.findings):
                key = f"g{gi}f{fi}"
                self._rows[key] = finding
                fsev = str(finding.severity)
                self.add_row(Text(f"  {fsev}", style=SEVERITY_STYLE.get(fsev, "")), Text(visible(f"  {finding.subject}")),
                             Text(visible(finding.reason)), Text(visible(finding.message)), key=key)

    def finding_at_cursor(self) -> Finding | None:
        """The finding under the cursor; on a group row, the group's first (root) finding."""
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value or ""
        if key in self._rows:
            return self._rows[key]
        if key.startswith("g") and "f" not in key:
            group = self.groups[int(key[1:])]
            return group.findings[0] if group.findings else None
        return None
