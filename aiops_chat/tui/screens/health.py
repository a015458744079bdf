"""The health panel: the analyzer's findings grouped by root cause, evidence on the side.

Findings come from a provider the app was built with (live cluster, snapshot or demo); the screen only
runs it in a worker and shows the result. Dismisses with the finding to ask the assistant about, or None.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, LoadingIndicator

from aiops_chat.analysis.findings import Finding, summarize
from aiops_chat.errors import AiopsError
from aiops_chat.safe_text import visible
from aiops_chat.tui.widgets.health.evidence import EvidencePane
from aiops_chat.tui.widgets.health.findings_table import FindingsTable

FindingsProvider = Callable[[], Sequence[Finding]]


class HealthScreen(Screen[Finding | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "ask", "Ask assistant"),
        Binding("e", "drill", "Evidence"),
        Binding("r", "refresh", "Refresh"),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(self, provider: FindingsProvider, *, title: str = "Cluster health") -> None:
        super().__init__()
        self.provider = provider
        self.panel_title = title
        self.findings: list[Finding] = []

    def compose(self) -> ComposeResult:
        yield Label(self.panel_title, id="health-title")
        yield LoadingIndicator(id="health-loading")
        with Horizontal(id="health-body"):
            yield FindingsTable(id="health-table")
            yield EvidencePane(id="health-evidence")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#health-body").display = False
        self.load()

    @work(thread=True, exclusive=True, group="health")
    def load(self) -> None:
        try:
            findings = list(self.provider())
        except AiopsError as exc:
            self.app.call_from_thread(self._failed, f"{exc.title}: {exc}")
            return
        except Exception as exc:
            # Shown, as a turn shows it: a broken provider must not take the app down with it.
            self.app.call_from_thread(self._failed, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self._loaded, findings)

    def _loaded(self, findings: list[Finding]) -> None:
        self.findings = findings
        self.query_one("#health-loading").display = False
        self.query_one("#health-body").display = True
        table = self.query_one(FindingsTable)
        table.show(findings)
        summary = summarize(findings)
        sev = summary["by_severity"]
        self.query_one("#health-title", Label).update(
            f"{self.panel_title}: {summary['groups']} root causes, {summary['total']} findings "
            f"({sev['critical']} critical, {sev['warning']} warning)" if findings else
            f"{self.panel_title}: no problems found")
        table.focus()
        self.query_one(EvidencePane).show(table.finding_at_cursor())

    def _failed(self, message: str) -> None:
        self.query_one("#health-loading").display = False
        self.query_one("#health-title", Label).update(Text(visible(f"{self.panel_title}: {message}")))

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.query_one(EvidencePane).show(self.query_one(FindingsTable).finding_at_cursor())

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_drill()  # enter on a row drills into its evidence

    def action_drill(self) -> None:
        self.query_one("#health-body").toggle_class("drilled")

    def action_ask(self) -> None:
        finding = self.query_one(FindingsTable).finding_at_cursor()
        if finding is not None:
            self.dismiss(finding)

    def action_refresh(self) -> None:
        self.query_one("#health-loading").display = True
        self.query_one("#health-body").display = False
        self.load()

    def action_back(self) -> None:
        body = self.query_one("#health-body")
        if body.has_class("drilled"):
            body.remove_class("drilled")
        else:
            self.dismiss(None)


def question_about(finding: Finding) -> str:
    """The prompt the assistant gets for "ask about this finding": the question, then the finding's facts.

    The question names the object as kubectl does (`deployment/web in namespace shop`), so without a model
    the offline planner reads the right object in the right namespace, and it ends in "?": the planner never
    plans a write from a question. The facts (the message and evidence quote event messages and log lines a
    workload wrote) go as an attached, untrusted block: the planner never reads it, and once it is in the
    conversation the injection guard makes any write the model proposes ask a person.
    """
    import re

    from aiops_chat.agent.attachments import attach
    from aiops_chat.agent.request_text import KINDS

    kind = finding.kind.lower()
    if kind in KINDS:
        subject = f"{kind}/{finding.name}"
    elif finding.kind == "HelmRelease":
        subject = f"the helm release {finding.name}"
    else:
        subject = f"{finding.kind} {finding.name}"
    where = f" in namespace {finding.namespace}" if finding.namespace else ""
    # Reasons are CamelCase words; one taken from an Event can be any text its creator chose.
    reason = finding.reason if re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,62}", finding.reason) else "a problem"
    question = (f"Why does {subject}{where} report {reason} ({finding.severity})? What is the root cause, "
                "and what should I do to fix it?")
    facts = [f"{finding.severity} {finding.reason} for {finding.kind}/{finding.name}{where}: {finding.message}"]
    facts += [f"evidence: {line}" for line in finding.evidence[:5]]
    return attach(question, "the health check's finding", "\n".join(facts))
