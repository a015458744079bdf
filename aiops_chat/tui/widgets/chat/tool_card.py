"""A tool call as a card: the exact argv, the policy decision, then the outcome and collapsible output."""

from __future__ import annotations

import shlex

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Collapsible, Label, Static

from aiops_chat.execution.result import CommandResult
from aiops_chat.safe_text import visible


class ToolCallCard(Vertical):
    def __init__(self, call_id: str, tool: str, argv: tuple[str, ...], decision: str, risk: str,
                 reason: str) -> None:
        super().__init__(classes=f"tool-card decision-{decision}")
        self.call_id = call_id
        self.tool = tool
        self.argv = argv
        self.decision = decision
        self.risk = risk
        self.reason = reason
        self.result: CommandResult | None = None
        self.finished = False
        self._status = "running…"

    def compose(self) -> ComposeResult:
        with Horizontal(classes="tool-head"):
            yield Label(self.decision, classes=f"badge decision-{self.decision}")
            yield Static(visible(shlex.join(self.argv) if self.argv else self.tool), classes="tool-argv", markup=False)
        yield Static(visible(f"{self.risk}: {self.reason}"), classes="tool-reason", markup=False)
        yield Label(self._status, classes="tool-status")

    def waiting_for_approval(self) -> None:
        if not self.finished:
            self._show_status("waiting for approval…")

    def approval_answered(self, approved: bool) -> None:
        if not self.finished:
            self._show_status("approved, running…" if approved else "refused, not run")

    def _show_status(self, text: str) -> None:
        # The dialog can open while the card is mounted but not yet composed: compose then shows this text.
        self._status = text
        for label in self.query(".tool-status").results(Label):
            label.update(text)

    def finish(self, result: CommandResult | None, output: str) -> None:
        self.finished = True
        self.result = result
        status = self.query_one(".tool-status", Label)
        status.update(Text(visible(outcome(result, output))))  # an error is cluster text: no markup either
        status.set_class(result is not None and result.ok, "ok")
        status.set_class(result is None or not result.ok, "failed")
        body = output if result is None else _shown_output(result)
        if body.strip():
            lines = body.rstrip().count("\n") + 1
            self.mount(Collapsible(Static(visible(body), markup=False, classes="tool-output"),
                                   title=f"output ({lines} line{'s' if lines != 1 else ''}): ctrl+o shows all", collapsed=True))


def outcome(result: CommandResult | None, output: str) -> str:
    if result is None:
        return "done" if output else "no result"
    if not result.executed:
        return f"not run: {result.error or 'refused'}"
    text = f"exit {result.exit_code} · {result.duration_s:.2f}s"
    if result.approver and result.approver != "policy":
        text += f" · approved by {result.approver}"
    if result.truncated:
        text += " · output cut"
    return text


def _shown_output(result: CommandResult) -> str:
    # Both streams are already redacted and capped by the executor.
    if result.stderr.strip() and result.stdout.strip():
        return f"{result.stdout.rstrip()}\n--- stderr ---\n{result.stderr.rstrip()}"
    return result.stdout or result.stderr
